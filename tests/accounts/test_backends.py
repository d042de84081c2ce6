"""The signed-in user of every request is read with their roles in one query
(``accounts.backends.AuthenticationBackend.get_user``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import AuthenticationBackend
from accounts.models import Membership, User
from tests.accounts.factories import make_member
from tests.matrix import ALL_ROLES

pytestmark = pytest.mark.django_db

ROLES = [role for role in ALL_ROLES if role != "anonymous"]
ROLE_PROPERTIES = [
    "is_member",
    "is_police_reader",
    "in_efus_body",
    "has_staff_powers",
    "is_city_coordinator",
    "has_coordinator_powers",
    "needs_mfa",
]


def facts(user: User) -> dict:
    """Everything the roles are read from, and the roles."""
    membership = user.membership
    return {
        "membership": membership and (membership.pk, membership.status, membership.role),
        "body": membership and (membership.body.pk, membership.body.is_police),
        "city": membership and membership.body.city.slug,
        "has_mfa": user.has_mfa,
        **{name: getattr(user, name) for name in ROLE_PROPERTIES},
    }


@pytest.mark.parametrize("role", ROLES)
def test_get_user_reads_the_user_and_their_roles_in_one_query(request, role):
    fixture = request.getfixturevalue(role)
    expected = facts(User.objects.get(pk=fixture.pk))  # read lazily, query by query
    with CaptureQueriesContext(connection) as ctx:
        user = AuthenticationBackend().get_user(fixture.pk)
        assert user == fixture
        assert facts(user) == expected
        assert user.membership is None or user.membership.user is user
    assert len(ctx.captured_queries) == 1


def test_get_user_ignores_a_removed_membership(nice_body, madrid_body):
    user = make_member(nice_body, status=Membership.Status.REMOVED)
    assert AuthenticationBackend().get_user(user.pk).membership is None
    Membership.objects.create(user=user, body=madrid_body, status=Membership.Status.APPROVED)
    assert AuthenticationBackend().get_user(user.pk).membership.body == madrid_body


def test_get_user_refuses_inactive_and_unknown_users(member):
    backend = AuthenticationBackend()
    assert backend.get_user(member.pk + 1000) is None
    assert backend.get_user("not-an-id") is None
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert backend.get_user(member.pk) is None


def test_a_signed_in_page_reads_the_session_and_the_user_only(client, efus_staff):
    """Two queries before the page's own: the session, and the user with their roles."""
    client.force_login(efus_staff)
    client.get(reverse("health"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    session, user, *page = [q["sql"] for q in ctx.captured_queries]
    assert 'FROM "django_session"' in session
    assert 'FROM "accounts_user"' in user and "mfa_authenticator" in user
    assert not [sql for sql in page if "mfa_authenticator" in sql or 'FROM "accounts_user"' in sql]


def test_sign_in_records_this_backend(client, member):
    """allauth's sign-in form signs in through this backend (its ``get_user`` reads the roles)."""
    member.set_password("a long passphrase 42")
    member.save()
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "a long passphrase 42"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "accounts.backends.AuthenticationBackend"
