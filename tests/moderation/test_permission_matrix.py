"""Permission matrix of the moderation pages (see tests/matrix.py): only Efus staff with MFA; any
other signed-in user gets 404, anonymous visitors the login page."""

from __future__ import annotations

from typing import Any

import pytest

from moderation import registry
from moderation.models import Status
from tests.matrix import Case, matrix_params, run_case
from tests.practices.factories import PracticeFactory

ROLES = (
    "anonymous", "outsider", "pending_member", "member", "coordinator", "other_coordinator",
    "efus_staff",
)  # fmt: skip
EFUS_ONLY = {**dict.fromkeys(ROLES, 404), "anonymous": "login", "efus_staff": 200}
EFUS_ACTION = {**EFUS_ONLY, "efus_staff": 302}
POST_ONLY = dict.fromkeys(ROLES, 405)
LABEL = "practices.practice"


def submitted(request: Any) -> dict[str, Any]:
    practice = PracticeFactory(status=Status.SUBMITTED, published_at=None)
    return {"label": LABEL, "pk": practice.pk}


def published(request: Any) -> dict[str, Any]:
    return {"label": LABEL, "pk": PracticeFactory().pk}


def unknown_label(request: Any) -> dict[str, Any]:
    return {"label": "accounts.user", "pk": PracticeFactory().pk}


def item_state(request: Any, kwargs: dict[str, Any], user: Any) -> Any:
    """The item's status and message (what every decision changes)."""
    model = registry.get(kwargs["label"])
    return (
        model._default_manager.filter(pk=kwargs["pk"])
        .values_list("status", "moderation_message")
        .first()
    )


CASES = [
    Case("moderation:queue", EFUS_ONLY),
    Case("moderation:log", EFUS_ONLY),
    Case("moderation:review", EFUS_ONLY, kwargs=submitted),
    Case("moderation:review", EFUS_ONLY, kwargs=published, id="review-published"),
    Case(
        "moderation:review",
        {**EFUS_ONLY, "efus_staff": 404},
        kwargs=unknown_label,
        id="review-unregistered-model",
    ),
    Case("moderation:publish", EFUS_ACTION, method="post", kwargs=submitted, state=item_state),
    Case(
        "moderation:request_changes",
        EFUS_ACTION,
        method="post",
        kwargs=submitted,
        data={"message": "Please add the costs."},
        state=item_state,
    ),
    Case(
        "moderation:unpublish",
        EFUS_ACTION,
        method="post",
        kwargs=published,
        data={"message": "Contains personal data."},
        state=item_state,
    ),
    Case("moderation:publish", POST_ONLY, kwargs=submitted, id="get:publish-not-allowed"),
    Case(
        "moderation:request_changes",
        POST_ONLY,
        kwargs=submitted,
        id="get:request_changes-not-allowed",
    ),
    Case("moderation:unpublish", POST_ONLY, kwargs=published, id="get:unpublish-not-allowed"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["moderation:queue", "moderation:log"])
def test_efus_staff_without_mfa_get_404(client, efus_body, url_name):
    from django.urls import reverse

    from tests.accounts.factories import make_member

    client.force_login(make_member(efus_body, mfa=False))
    assert client.get(reverse(url_name)).status_code == 404
