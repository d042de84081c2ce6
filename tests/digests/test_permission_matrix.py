"""Who may open the digest's pages (see tests/matrix.py). Pages reached from an email work for
everyone who holds the signed link, signed in or not; the member's one-click subscription needs
an account."""

import pytest

from digests import links
from digests.models import Subscriber
from tests.digests.factories import SubscriberFactory, pending
from tests.matrix import ROLES, Case, matrix_params, run_case

EVERYONE = dict.fromkeys(ROLES, 200)
EVERYONE_REDIRECTED = dict.fromkeys(ROLES, 302)
SIGNED_IN_REDIRECTED = {**EVERYONE_REDIRECTED, "anonymous": "login"}


def token(purpose, factory=SubscriberFactory):
    def kwargs(request):
        return {"token": links.make_token(factory(email="reader@example.org"), purpose)}

    return kwargs


def pending_token(request):
    return token("confirm", pending)(request)


CASES = [
    Case("digests:subscribe", EVERYONE),
    Case(
        "digests:subscribe",
        EVERYONE_REDIRECTED,
        method="post",
        data={"email": "new@example.org", "language": "en"},
    ),
    Case("digests:subscribe_sent", EVERYONE),
    Case("digests:subscribe_member", SIGNED_IN_REDIRECTED, method="post"),
    Case("digests:confirm", EVERYONE, kwargs=pending_token),
    Case("digests:confirm", EVERYONE_REDIRECTED, method="post", kwargs=pending_token),
    Case("digests:preferences", EVERYONE, kwargs=token("preferences")),
    Case(
        "digests:preferences",
        EVERYONE_REDIRECTED,
        method="post",
        kwargs=token("preferences"),
        data={"language": "en", "frequency": "monthly"},
    ),
    Case("digests:delete", EVERYONE, method="post", kwargs=token("preferences")),
    Case("digests:unsubscribe", EVERYONE, kwargs=token("unsubscribe")),
    Case("digests:unsubscribe", EVERYONE, method="post", kwargs=token("unsubscribe")),
]

# What each POST leaves in the database, whoever sends it.
EFFECTS = {
    "post:digests:subscribe": lambda user: Subscriber.objects.filter(
        email="new@example.org", status="pending"
    ).exists(),
    "post:digests:subscribe_member": lambda user: Subscriber.objects.filter(
        user=user, status="confirmed"
    ).exists(),
    "post:digests:confirm": lambda user: Subscriber.objects.filter(status="confirmed").exists(),
    "post:digests:preferences": lambda user: Subscriber.objects.filter(
        frequency="monthly"
    ).exists(),
    "post:digests:delete": lambda user: not Subscriber.objects.exists(),
    "post:digests:unsubscribe": lambda user: Subscriber.objects.filter(
        status="unsubscribed"
    ).exists(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
    effect = EFFECTS.get(f"{case.method}:{case.url_name}")
    if effect is not None:
        user = None if role == "anonymous" else request.getfixturevalue(role)
        assert effect(user) == (case.expected[role] != "login"), role
