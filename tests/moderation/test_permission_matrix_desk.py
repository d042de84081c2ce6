"""Permission matrix of the moderators' desk (see tests/matrix.py): the log's CSV export and the
reports' dismissal (Efus staff with MFA), reporting (members), and keeping an item current (its
city's coordinators and staff). Each POST checks its effect on the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from moderation import registry
from moderation.models import Report, Revision, Status
from moderation.versions import version_token
from tests.accounts.factories import make_member
from tests.bulletins.models import Bulletin
from tests.cities.factories import reference_body
from tests.matrix import Case, everyone, expect, matrix_params, run_case
from tests.practices.factories import PracticeFactory

EFUS_ONLY = expect(404, efus_staff=200)
EFUS_ACTION = expect(404, efus_staff=302)
POST_ONLY = everyone(405)
MEMBERS = expect(302, outsider=404, pending_member=404)
CITY = expect(404, coordinator=302, efus_staff=302)
PRACTICE, BULLETIN = "practices.practice", "bulletins.bulletin"


def published(label: str) -> Any:
    """A published, public Nice item written by someone who is none of the roles."""
    author = make_member(reference_body("nice"))
    if label == PRACTICE:
        return PracticeFactory(visibility="public", created_by=author)
    return Bulletin.objects.create(
        title="Road closures", city=reference_body("nice").city, status=Status.PUBLISHED,
        visibility="public", created_by=author, published_at=timezone.now(),
    )  # fmt: skip


def target(label: str, *, reported: bool = False):
    def build(request: Any) -> dict[str, Any]:
        obj = published(label)
        if reported:
            Report.objects.create(
                content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                reason="personal_data", by=make_member(reference_body("madrid")),
            )  # fmt: skip
            type(obj)._default_manager.filter(pk=obj.pk).update(hidden_at=timezone.now())
        return {"label": label, "pk": obj.pk}

    return build


def _obj(kwargs: dict[str, Any]) -> Any:
    return registry.get(kwargs["label"])._default_manager.get(pk=kwargs["pk"])


def reports_state(request: Any, kwargs: dict[str, Any], user: Any) -> Any:
    """The item's open reports and whether it is hidden."""
    obj = _obj(kwargs)
    return Report.objects.open().for_object(obj).count(), obj.hidden_at is None


def freshness_state(request: Any, kwargs: dict[str, Any], user: Any) -> Any:
    obj = _obj(kwargs)
    return obj.review_by, obj.reviewed_at


def decision(request: Any, kwargs: dict[str, Any]) -> dict[str, str]:
    obj = _obj(kwargs)
    return {"message": "", "version": version_token(obj, Revision.objects.open_for(obj).first())}


def cases_for(url_name: str, expected: dict, state: Any, data: Any = None, **kw: Any) -> list[Case]:
    cases = [
        Case(
            url_name,
            expected,
            method="post",
            kwargs=target(label, **kw),
            data=data or {},
            state=state,
            id=f"post:{url_name}-{label}",
        )
        for label in (PRACTICE, BULLETIN)
    ]
    cases.append(Case(url_name, POST_ONLY, kwargs=target(PRACTICE, **kw), id=f"get:{url_name}"))
    return cases


FUTURE = {"review_by": (dt.date.today() + dt.timedelta(days=100)).isoformat()}

CASES = [
    Case("moderation:log_csv", EFUS_ONLY),
    *cases_for("moderation:dismiss_reports", EFUS_ACTION, reports_state, decision, reported=True),
    *cases_for("moderation:report", MEMBERS, reports_state, {"reason": "outdated"}),
    *cases_for("moderation:mark_current", CITY, freshness_state),
    *cases_for("moderation:set_review_by", CITY, freshness_state, FUTURE),
    # A hidden item cannot be reported again by those who no longer see it.
    Case(
        "moderation:report",
        expect(404),
        method="post",
        kwargs=target(PRACTICE, reported=True),
        data={"reason": "outdated"},
        state=reports_state,
        id="post:report-hidden",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
