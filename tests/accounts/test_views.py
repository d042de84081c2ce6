"""My account pages (dashboard, profile, join, export, delete) and the members page with actions."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts import exports
from accounts.models import Membership, User
from tests.accounts.factories import give_mfa, make_member
from tests.cities.factories import reference_body
from tests.support import get_queries

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Dashboard ------------------------------------------------------------------------------------


def test_dashboard_needs_sign_in(client):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_of_a_member_shows_profile_membership_and_account_links(client, member):
    client.force_login(member)
    response = client.get(reverse("accounts:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html  # inside base.html
    assert member.full_name in html
    assert "You are a member of Police municipale de Nice (Nice)." in html
    for name in (
        "accounts:profile",
        "accounts:export",
        "accounts:delete",
        "account_email",
        "account_change_password",
        "mfa_activate_totp",
    ):
        assert f'href="{reverse(name)}"' in html, name
    assert reverse("accounts:join") not in html


def test_dashboard_of_a_pending_member_says_the_coordinator_must_approve(client, pending_member):
    client.force_login(pending_member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "waiting for your coordinator" in html


def test_dashboard_without_membership_links_to_join(client, outsider):
    client.force_login(outsider)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "You do not belong to an organisation" in html
    assert f'href="{reverse("accounts:join")}"' in html


def test_dashboard_after_removal_says_so_and_links_to_join(client, member):
    Membership.objects.filter(user=member).update(status=Membership.Status.REMOVED)
    client.force_login(member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Your membership of Police municipale de Nice has ended." in html
    assert f'href="{reverse("accounts:join")}"' in html


def test_dashboard_tells_a_coordinator_without_mfa_what_to_do(client, nice_body):
    coordinator = make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)
    client.force_login(coordinator)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Action needed: set up two-factor authentication." in html
    assert f'class="button" href="{reverse("mfa_activate_totp")}"' in html
    assert reverse("accounts:members") + '">Manage members' not in html


def test_dashboard_of_a_coordinator_with_mfa_links_to_members(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Action needed" not in html
    assert "You are a city coordinator for Nice" in html
    assert "Manage members" in html


# --- Profile --------------------------------------------------------------------------------------


def test_profile_form_has_labels_for_every_field(client, member):
    client.force_login(member)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<label for="id_full_name"' in html
    assert '<label for="id_position"' in html
    assert "<legend>Languages you speak" in html
    assert "<legend>Gender (optional)" in html
    assert "Prefer not to say" in html


def test_profile_saves_through_the_service(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Lucia Nuova",
            "position": "Commissioner",
            "languages": ["it", "fr"],
            "gender": "prefer_not",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    member.refresh_from_db()
    assert member.full_name == "Lucia Nuova"
    assert member.languages == ["it", "fr"]
    assert member.gender == User.Gender.PREFER_NOT
    assert member.language == "fr"


def test_profile_errors_are_shown_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:profile"), {"full_name": "", "languages": ["xx"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_full_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert "Select a valid choice. xx is not one of the available choices." in html
    member.refresh_from_db()
    assert member.full_name != ""


# --- Join -----------------------------------------------------------------------------------------


def test_join_sends_a_request_to_the_coordinator(
    client, outsider, coordinator, nice_body, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:join"), {"body": nice_body.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert Membership.objects.get(user=outsider).status == Membership.Status.PENDING
    assert "The coordinator of Nice will review it." in _messages(response)[0]
    assert [m.to for m in mailoutbox] == [[coordinator.email]]


def test_join_without_a_choice_shows_a_field_error(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("accounts:join"), {})
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()


def test_join_redirects_someone_who_already_belongs(client, pending_member, madrid_body):
    client.force_login(pending_member)
    response = client.post(reverse("accounts:join"), {"body": madrid_body.pk})
    assert response.status_code == 302
    assert Membership.objects.filter(user=pending_member).count() == 1


# --- Export ---------------------------------------------------------------------------------------


def test_export_downloads_the_persons_data_as_json(client, coordinator):
    EmailAddress.objects.create(user=coordinator, email="second@example.net", verified=False)
    client.force_login(coordinator)
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="pactesur-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == coordinator.email
    assert data["profile"]["full_name"] == coordinator.full_name
    assert {a["email"] for a in data["email_addresses"]} == {
        coordinator.email,
        "second@example.net",
    }
    assert data["memberships"] == [
        {
            "organisation": "Police municipale de Nice",
            "city": "Nice",
            "role": "coordinator",
            "status": "approved",
            "requested_at": data["memberships"][0]["requested_at"],
            "decided_at": None,
        }
    ]
    assert [a["type"] for a in data["two_factor_authentication"]] == ["totp"]
    assert "JBSWY3DPEHPK3PXP" not in response.content.decode()  # never the TOTP secret
    assert "password" not in data["profile"]


def test_export_includes_sections_registered_by_other_apps(client, member):
    exports.register("example", lambda user: [{"title": f"Course for {user.email}"}])
    try:
        client.force_login(member)
        data = json.loads(client.get(reverse("accounts:export")).content)
    finally:
        exports.unregister("example")
    assert data["example"] == [{"title": f"Course for {member.email}"}]
    assert "example" not in exports.section_names()


def test_export_contains_only_the_persons_own_data(client, member, coordinator):
    client.force_login(member)
    content = client.get(reverse("accounts:export")).content.decode()
    assert coordinator.email not in content


# --- Delete ---------------------------------------------------------------------------------------


def test_delete_with_a_wrong_password_keeps_the_account(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:delete"), {"password": "not-my-password"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_delete_with_the_password_deletes_and_signs_out(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:delete"), {"password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cities:home")
    assert not User.objects.filter(pk=member.pk).exists()
    # Signed out: the next page is the sign-in page, which shows the confirmation.
    response = client.get(reverse("accounts:dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert not response.context["user"].is_authenticated
    assert "Your account and your personal data were deleted." in _messages(response)


# --- Members page ---------------------------------------------------------------------------------


def test_coordinator_sees_their_citys_requests_and_members_only(
    client, coordinator, pending_member, member, madrid_body
):
    madrid_pending = make_member(madrid_body, status=Membership.Status.PENDING)
    client.force_login(coordinator)
    response = client.get(reverse("accounts:members"))
    html = response.content.decode()
    assert response.status_code == 200
    assert pending_member.full_name in html
    assert member.full_name in html
    assert madrid_pending.full_name not in html
    assert reverse("accounts:membership_approve", args=[pending_member.membership.pk]) in html
    assert reverse("accounts:membership_remove", args=[member.membership.pk]) in html
    assert "Make coordinator" not in html  # Efus staff only
    # No buttons on the coordinator's own row.
    assert reverse("accounts:membership_remove", args=[coordinator.membership.pk]) not in html


def test_efus_staff_see_every_city_and_can_filter(client, efus_staff, pending_member, madrid_body):
    madrid_pending = make_member(madrid_body, status=Membership.Status.PENDING)
    client.force_login(efus_staff)
    html = client.get(reverse("accounts:members")).content.decode()
    assert pending_member.full_name in html
    assert madrid_pending.full_name in html
    assert '<option value="madrid"' in html

    html = client.get(reverse("accounts:members"), {"city": "madrid"}).content.decode()
    assert madrid_pending.full_name in html
    assert pending_member.full_name not in html
    approve = reverse("accounts:membership_approve", args=[madrid_pending.membership.pk])
    assert f'action="{approve}?city=madrid"' in html


def test_efus_staff_see_appoint_and_remove_coordinator_buttons(
    client, efus_staff, member, coordinator
):
    client.force_login(efus_staff)
    html = client.get(reverse("accounts:members"), {"city": "nice"}).content.decode()
    assert reverse("accounts:coordinator_appoint", args=[member.membership.pk]) in html
    assert reverse("accounts:coordinator_remove", args=[coordinator.membership.pk]) in html
    assert reverse("accounts:coordinator_appoint", args=[coordinator.membership.pk]) not in html


def test_members_page_with_an_unknown_city_is_404(client, efus_staff):
    client.force_login(efus_staff)
    assert client.get(reverse("accounts:members"), {"city": "atlantis"}).status_code == 404


def test_members_page_is_404_for_members(client, member):
    client.force_login(member)
    assert client.get(reverse("accounts:members")).status_code == 404


def test_coordinator_without_mfa_gets_404_with_instructions_then_access_after_mfa(
    client, nice_body
):
    coordinator = make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)
    client.force_login(coordinator)
    response = client.get(reverse("accounts:members"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Two-factor authentication needed" in html
    assert f'href="{reverse("mfa_activate_totp")}"' in html

    give_mfa(coordinator)
    assert client.get(reverse("accounts:members")).status_code == 200


def _fill_city(body, n: int) -> None:
    for _ in range(n):
        make_member(body, status=Membership.Status.PENDING)
        make_member(body)


MEMBERS_PAGE_QUERIES = {
    "coordinator": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the count of their city's members",
        "the page of approved members, with user and body",
        "the pending members, with user and body",
    ],
    "efus_staff": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the count of every city's members",
        "the cities of the city filter",
        "the page of approved members, with user, body and city",
        "the pending members, with user, body and city",
    ],
}


@pytest.mark.parametrize("role", list(MEMBERS_PAGE_QUERIES))
def test_members_page_costs_the_same_queries_at_1_and_25_rows(client, request, role, nice_body):
    client.force_login(request.getfixturevalue(role))
    url = reverse("accounts:members")

    _fill_city(nice_body, 1)
    one = get_queries(client, url)
    _fill_city(nice_body, 24)
    assert len(client.get(url).context["pending_rows"]) == 25
    assert one == get_queries(client, url) == len(MEMBERS_PAGE_QUERIES[role])


# --- Member actions -------------------------------------------------------------------------------


def test_coordinator_approves_from_the_members_page(client, coordinator, pending_member):
    client.force_login(coordinator)
    url = reverse("accounts:membership_approve", args=[pending_member.membership.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("accounts:members"), 302)]
    assert f"{pending_member.full_name} is now a member of Police municipale de Nice." in _messages(
        response
    )
    assert Membership.objects.get(user=pending_member).status == Membership.Status.APPROVED


def test_actions_keep_the_city_filter(client, efus_staff, pending_member):
    client.force_login(efus_staff)
    url = reverse("accounts:membership_remove", args=[pending_member.membership.pk])
    response = client.post(f"{url}?city=nice")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:members") + "?city=nice"
    assert Membership.objects.get(user=pending_member).status == Membership.Status.REMOVED


def test_a_refused_action_is_an_error_message_not_a_500(client, coordinator, member):
    client.force_login(coordinator)
    url = reverse("accounts:membership_approve", args=[member.membership.pk])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "Only a pending request can be approved." in _messages(response)


def test_actions_need_post(client, coordinator, pending_member):
    client.force_login(coordinator)
    url = reverse("accounts:membership_approve", args=[pending_member.membership.pk])
    assert client.get(url).status_code == 405
    assert Membership.objects.get(user=pending_member).status == Membership.Status.PENDING


def test_other_city_coordinator_gets_404(client, other_coordinator, pending_member):
    client.force_login(other_coordinator)
    url = reverse("accounts:membership_approve", args=[pending_member.membership.pk])
    assert client.post(url).status_code == 404
    assert Membership.objects.get(user=pending_member).status == Membership.Status.PENDING


def test_coordinator_may_not_appoint_a_coordinator(client, coordinator, member):
    client.force_login(coordinator)
    url = reverse("accounts:coordinator_appoint", args=[member.membership.pk])
    assert client.post(url).status_code == 403
    assert Membership.objects.get(user=member).role == Membership.Role.MEMBER


def test_efus_staff_appoint_then_remove_a_coordinator(client, efus_staff, member):
    client.force_login(efus_staff)
    pk = member.membership.pk
    response = client.post(reverse("accounts:coordinator_appoint", args=[pk]), follow=True)
    assert f"{member.full_name} is now a coordinator for Nice." in _messages(response)
    assert Membership.objects.get(pk=pk).role == Membership.Role.COORDINATOR

    response = client.post(reverse("accounts:coordinator_remove", args=[pk]), follow=True)
    assert f"{member.full_name} is no longer a coordinator for Nice." in _messages(response)
    assert Membership.objects.get(pk=pk).role == Membership.Role.MEMBER


def test_efus_staff_cannot_make_an_efus_colleague_coordinator(client, efus_staff):
    colleague = make_member(reference_body("paris"), mfa=True)
    client.force_login(efus_staff)
    url = reverse("accounts:coordinator_appoint", args=[colleague.membership.pk])
    response = client.post(url, follow=True)
    assert "no coordinator role there" in _messages(response)[0]
