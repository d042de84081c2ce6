"""The admin for people and memberships: Efus staff only, lists that don't grow in queries."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import make_member
from tests.support import get_queries

pytestmark = pytest.mark.django_db


def _fill(body, n):
    for _ in range(n):
        make_member(body)


# The queries of a changelist, the same at 1 and at 25 people.
QUERIES = {
    "admin:accounts_user_changelist": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the cities of the city filter",
        "the count of the filtered users",
        "the count of every user",
        "the user's own permissions (ModelBackend)",
        "their groups' permissions (ModelBackend)",
        "the page of users",
        "their memberships, bodies and cities (prefetched)",
    ],
    "admin:accounts_membership_changelist": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the user's own permissions (ModelBackend)",
        "their groups' permissions (ModelBackend)",
        "the cities of the city filter",
        "the count of the filtered memberships",
        "the count of every membership",
        "the page of memberships, with their user, body and city",
        "the first and last dates (date hierarchy)",
        "the days with memberships (date hierarchy)",
    ],
}


@pytest.mark.parametrize("url_name", list(QUERIES))
def test_changelists_cost_the_same_queries_at_1_and_25_rows(
    client, efus_staff, nice_body, url_name
):
    client.force_login(efus_staff)
    url = reverse(url_name)

    _fill(nice_body, 1)
    one = get_queries(client, url)
    _fill(nice_body, 24)
    assert client.get(url).context["cl"].result_count >= 25
    assert one == get_queries(client, url) == len(QUERIES[url_name])


def test_user_changelist_shows_body_city_and_status(client, efus_staff, pending_member):
    client.force_login(efus_staff)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": pending_member.email})
    html = response.content.decode()
    assert response.context["cl"].result_count == 1
    assert "Police municipale de Nice" in html
    assert "Pending approval (Member)" in html


def test_membership_changelist_filters_by_status(client, efus_staff, pending_member, member):
    client.force_login(efus_staff)
    response = client.get(reverse("admin:accounts_membership_changelist"), {"status": "pending"})
    assert [m.user for m in response.context["cl"].result_list] == [pending_member]


def test_user_change_page_has_the_membership_inline(client, efus_staff, member):
    client.force_login(efus_staff)
    response = client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert response.status_code == 200
    assert "memberships-TOTAL_FORMS" in response.content.decode()


def test_user_can_be_added_with_email_and_no_username(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new.person@example.org",
            "full_name": "New Person",
            "usable_password": "true",
            "password1": "a-long-passphrase-2024",
            "password2": "a-long-passphrase-2024",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(email="new.person@example.org").check_password("a-long-passphrase-2024")


@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_admin_is_closed_to_everyone_but_efus_staff(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:accounts_membership_changelist"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert "cl" not in response.context
