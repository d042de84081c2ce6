"""Permission matrix of the moderation pages (see tests/matrix.py): only Efus staff with MFA; any
other signed-in user gets 404, anonymous visitors the login page.

Every decision is tried on a practice and on a bulletin (the tests' second moderated model), in
the state it applies to, with the version a moderator's review page would carry; each POST must
change the item for Efus staff and leave it as it was for everyone else.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from moderation import registry
from moderation.models import Revision, Status
from moderation.versions import version_token
from tests.accounts.factories import make_member
from tests.bulletins.models import Bulletin
from tests.cities.factories import reference_body
from tests.matrix import Case, everyone, expect, matrix_params, run_case
from tests.practices.factories import PracticeFactory

EFUS_ONLY = expect(404, efus_staff=200)
EFUS_ACTION = expect(404, efus_staff=302)
POST_ONLY = everyone(405)
PRACTICE, BULLETIN = "practices.practice", "bulletins.bulletin"


def item(label: str, status: str) -> Any:
    """A Nice item of that type and state (published ones were published once)."""
    published_at = (
        {} if status in {Status.PUBLISHED, Status.UNPUBLISHED} else {"published_at": None}
    )
    if label == PRACTICE:
        return PracticeFactory(status=status, **published_at)
    from django.utils import timezone

    return Bulletin.objects.create(
        title="Road closures", city=reference_body("nice").city, status=status,
        published_at=published_at.get("published_at", timezone.now()),
    )  # fmt: skip


def target(label: str, status: str, *, edit: bool = False):
    """URL kwargs builder: an item in ``status`` (with a proposed edit waiting, if ``edit``)."""

    def build(request: Any) -> dict[str, Any]:
        obj = item(label, status)
        if edit:
            from moderation.services import revision_propose

            revision_propose(
                obj=obj, by=request.getfixturevalue("efus_staff"), data={"title": "New"}
            )
        return {"label": label, "pk": obj.pk}

    return build


def decision(message: str = "A reason.") -> Any:
    """The review page's form: the message and the version of the item it showed."""

    def data(request: Any, kwargs: dict[str, Any]) -> dict[str, str]:
        obj = registry.get(kwargs["label"])._default_manager.get(pk=kwargs["pk"])
        revision = Revision.objects.open_for(obj).first()
        return {"message": message, "version": version_token(obj, revision)}

    return data


def item_state(request: Any, kwargs: dict[str, Any], user: Any) -> Any:
    """The item's status, title and message, and its revisions' states (what decisions change)."""
    from django.contrib.contenttypes.models import ContentType

    model = registry.get(kwargs["label"])
    obj = model._default_manager.get(pk=kwargs["pk"])
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=obj.pk
    )
    return obj.status, obj.title, obj.moderation_message, list(revisions.values_list("status"))


def unknown_label(request: Any) -> dict[str, Any]:
    return {"label": "accounts.user", "pk": PracticeFactory().pk}


def decision_cases(name: str, status: str, *, edit: bool = False) -> list[Case]:
    """POST by every role, on a practice and a bulletin; GET is not allowed."""
    cases = []
    for label in (PRACTICE, BULLETIN):
        suffix = f"{name}-{label}{'-edit' if edit else ''}"
        cases.append(
            Case(
                f"moderation:{name}",
                EFUS_ACTION,
                method="post",
                kwargs=target(label, status, edit=edit),
                data=decision(),
                state=item_state,
                id=f"post:{suffix}",
            )
        )
    cases.append(
        Case(
            f"moderation:{name}",
            POST_ONLY,
            kwargs=target(PRACTICE, status, edit=edit),
            id=f"get:{name}-not-allowed{'-edit' if edit else ''}",
        )
    )
    return cases


CASES = [
    Case("moderation:queue", EFUS_ONLY),
    Case("moderation:log", EFUS_ONLY),
    Case("moderation:review", EFUS_ONLY, kwargs=target(PRACTICE, Status.SUBMITTED)),
    Case(
        "moderation:review",
        EFUS_ONLY,
        kwargs=target(PRACTICE, Status.PUBLISHED),
        id="review-published",
    ),
    Case(
        "moderation:review",
        EFUS_ONLY,
        kwargs=target(BULLETIN, Status.SUBMITTED),
        id="review-bulletin",
    ),
    Case(
        "moderation:review",
        {**EFUS_ONLY, "efus_staff": 404},
        kwargs=unknown_label,
        id="review-unregistered-model",
    ),
    *decision_cases("publish", Status.SUBMITTED),
    *decision_cases("publish", Status.PUBLISHED, edit=True),
    *decision_cases("request_changes", Status.SUBMITTED),
    *decision_cases("request_changes", Status.PUBLISHED, edit=True),
    *decision_cases("reject", Status.SUBMITTED),
    *decision_cases("reject", Status.PUBLISHED, edit=True),
    *decision_cases("unpublish", Status.PUBLISHED),
    *decision_cases("restore", Status.UNPUBLISHED),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["moderation:queue", "moderation:log"])
def test_efus_staff_without_mfa_get_404(client, efus_body, url_name):
    client.force_login(make_member(efus_body, mfa=False))
    assert client.get(reverse(url_name)).status_code == 404


@pytest.mark.django_db
def test_efus_staff_without_mfa_cannot_decide(client, efus_body):
    practice = item(PRACTICE, Status.SUBMITTED)
    client.force_login(make_member(efus_body, mfa=False))
    data = decision()(None, {"label": PRACTICE, "pk": practice.pk})
    response = client.post(reverse("moderation:publish", args=[PRACTICE, practice.pk]), data)
    assert response.status_code == 404
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED
