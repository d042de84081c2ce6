"""Who may open the digest's pages (see tests/matrix.py). Pages reached from an email work for
everyone who holds the signed link, signed in or not; the member's one-click subscription needs
an account."""

import pytest

from accounts.models import OutboundEmail
from digests import links
from digests.models import DigestRun, Subscriber
from digests.periods import Period
from tests.digests.factories import SubscriberFactory, pending
from tests.matrix import ROLES, Case, everyone, expect, matrix_params, run_case

EVERYONE = everyone(200)
STAFF_ONLY = expect(404, efus_staff=200)
STAFF_REDIRECTED = expect(404, efus_staff=302)
EVERYONE_REDIRECTED = everyone(302)
SIGNED_IN_REDIRECTED = expect(302)


def token(purpose, factory=SubscriberFactory):
    def kwargs(request):
        return {"token": links.make_token(factory(email="reader@example.org"), purpose)}

    return kwargs


def pending_token(request):
    return token("confirm", pending)(request)


def exists(**filters):
    """A POST case's state: whether a subscriber matching ``filters`` exists ("user" is the
    signed-in user, or None)."""

    def state(request, kwargs, user):
        values = {k: (user if v == "user" else v) for k, v in filters.items()}
        return Subscriber.objects.filter(**values).exists()

    return state


def subscriber(status="confirmed"):
    def kwargs(request):
        return {"pk": SubscriberFactory(email="reader@example.org", status=status).pk}

    return kwargs


def week(request):
    DigestRun.objects.create(period="2026-W49", started_at=Period.parse("2026-W49").cutoff)
    return {"period": "2026-W49"}


def queued_test_digests(request, kwargs, user):
    return OutboundEmail.objects.filter(kind="digest_test").count()


def esp(request):
    return {"esp": "postmark"}


NOBODY = everyone(404)

CASES = [
    # Without ANYMAIL_WEBHOOK_SECRET (as here) there is no webhook (test_staff.py sets one).
    Case("digests:esp_tracking", NOBODY, kwargs=esp),
    Case(
        "digests:esp_tracking",
        NOBODY,
        method="post",
        kwargs=esp,
        state=lambda request, kwargs, user: Subscriber.objects.filter(status="suspended").count(),
    ),
    Case("digests:esp_inbound", NOBODY, kwargs=esp),
    Case(
        "digests:esp_inbound",
        NOBODY,
        method="post",
        kwargs=esp,
        state=lambda request, kwargs, user: Subscriber.objects.filter(
            status="unsubscribed"
        ).count(),
    ),
    Case("digests:archive", EVERYONE),
    Case("digests:archive_week", EVERYONE, kwargs=week),
    Case("digests:archive_feed", EVERYONE),
    Case("digests:runs", STAFF_ONLY),
    Case("digests:suspended", STAFF_ONLY),
    Case(
        "digests:reinstate",
        STAFF_REDIRECTED,
        method="post",
        kwargs=subscriber("suspended"),
        state=exists(status="suspended"),
    ),
    Case("digests:preview", STAFF_ONLY),
    Case("digests:preview_html", STAFF_ONLY, kwargs=subscriber()),
    Case(
        "digests:send_test",
        STAFF_REDIRECTED,
        method="post",
        kwargs=subscriber(),
        state=queued_test_digests,
    ),
    Case("digests:subscribe", EVERYONE),
    Case(
        "digests:subscribe",
        EVERYONE_REDIRECTED,
        method="post",
        data={"email": "new@example.org", "language": "en"},
        state=exists(email="new@example.org", status="pending"),
    ),
    Case("digests:subscribe_sent", EVERYONE),
    Case(
        "digests:subscribe_member",
        SIGNED_IN_REDIRECTED,
        method="post",
        state=exists(user="user", status="confirmed"),
    ),
    Case("digests:confirm", EVERYONE, kwargs=pending_token),
    Case(
        "digests:confirm",
        EVERYONE_REDIRECTED,
        method="post",
        kwargs=pending_token,
        state=exists(status="confirmed"),
    ),
    Case("digests:preferences", EVERYONE, kwargs=token("preferences")),
    Case(
        "digests:preferences",
        EVERYONE_REDIRECTED,
        method="post",
        kwargs=token("preferences"),
        data={"language": "en", "frequency": "monthly"},
        state=exists(frequency="monthly"),
    ),
    Case(
        "digests:delete",
        EVERYONE,
        method="post",
        kwargs=token("preferences"),
        state=exists(),
        changes=ROLES,
    ),
    Case("digests:unsubscribe", EVERYONE, kwargs=token("unsubscribe")),
    Case(
        "digests:unsubscribe",
        EVERYONE,
        method="post",
        kwargs=token("unsubscribe"),
        state=exists(status="unsubscribed"),
        changes=ROLES,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
