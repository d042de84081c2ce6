"""The admin site, model by model, as Efus staff with powers (the moderator) and as the technical
operator (a superuser): staff get the permissions their work needs and nothing that could hand
over the platform (issue: a moderator could make themselves superuser)."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

# What Efus staff may do in the admin, per model: (list, add). Change and delete follow below.
STAFF = {
    "accounts.user": (200, 403),
    "accounts.membership": (200, 200),
    "accounts.outboundemail": (403, 403),  # the operator's: it names every recipient
    "accounts.certificate": (200, 403),  # read-only: never edited once issued
    "cities.city": (200, 200),
    "cities.body": (200, 200),
    "cities.theme": (200, 200),
    "practices.practice": (200, 403),
    "practices.adoption": (200, 403),
    "trainings.training": (200, 403),
    "trainings.registration": (200, 403),  # read only: registrations move through services
    "exchanges.offer": (200, 403),
    "exchanges.application": (200, 403),
    "moderation.moderationevent": (200, 403),
    "digests.subscriber": (200, 403),
    "moderation.revision": (200, 403),
    "auth.group": (403, 403),
    "sites.site": (403, 403),
    "account.emailaddress": (403, 403),
    "mfa.authenticator": (403, 403),
}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_an_expectation():
    assert {m._meta.label_lower for m in admin.site._registry} == set(STAFF)


@pytest.mark.parametrize("label", STAFF)
def test_efus_staff_get_only_what_their_work_needs(label, client, efus_staff):
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    client.force_login(efus_staff)
    expected_list, expected_add = STAFF[label]
    assert client.get(_url(model, "changelist")).status_code == expected_list
    assert client.get(_url(model, "add")).status_code == expected_add


@pytest.mark.parametrize("label", STAFF)
def test_the_operator_reaches_every_model(label, client, operator):
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    client.force_login(operator)
    assert client.get(_url(model, "changelist")).status_code == 200


def _change_data(user, **extra):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "position": "",
        "language": "en",
        "languages": "[]",
        "gender": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_a_moderator_cannot_make_themselves_superuser(client, efus_staff):
    client.force_login(efus_staff)
    url = _url(User, "change", efus_staff.pk)
    page = client.get(url).content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions", "password"):
        assert f'name="{field}"' not in page
    response = client.post(
        url,
        _change_data(efus_staff, is_superuser="on", is_staff="on", email="taken.over@example.org"),
    )
    assert response.status_code == 302
    efus_staff.refresh_from_db()
    assert not efus_staff.is_superuser and not efus_staff.is_staff
    assert efus_staff.email != "taken.over@example.org"


def test_a_moderator_cannot_touch_the_operators_account(client, efus_staff, operator):
    client.force_login(efus_staff)
    response = client.post(_url(User, "change", operator.pk), _change_data(operator, is_active=""))
    assert response.status_code == 403
    operator.refresh_from_db()
    assert operator.is_active
    password_url = reverse("admin:auth_user_password_change", args=[operator.pk])
    response = client.post(
        password_url, {"password1": "a-new-passphrase-99", "password2": "a-new-passphrase-99"}
    )
    assert response.status_code in (403, 404)
    operator.refresh_from_db()
    assert not operator.check_password("a-new-passphrase-99")


def test_a_moderator_cannot_set_a_members_password(client, efus_staff, member):
    client.force_login(efus_staff)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = client.post(
        url, {"password1": "a-new-passphrase-99", "password2": "a-new-passphrase-99"}
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert not member.check_password("a-new-passphrase-99")


def test_a_moderator_cannot_read_authenticators_or_email_addresses(client, efus_staff, operator):
    client.force_login(efus_staff)
    authenticator = Authenticator.objects.filter(user=operator).first()
    assert client.get(_url(Authenticator, "change", authenticator.pk)).status_code == 403
    address = EmailAddress.objects.filter(user=operator).first()
    assert client.get(_url(EmailAddress, "change", address.pk)).status_code == 403


def test_a_moderator_can_edit_a_members_profile(client, efus_staff, member):
    client.force_login(efus_staff)
    response = client.post(_url(User, "change", member.pk), _change_data(member, full_name="Ana B"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.full_name == "Ana B"


def test_the_operator_can_grant_superuser(client, operator, member):
    client.force_login(operator)
    data = _change_data(member, is_superuser="on", password="")
    response = client.post(_url(User, "change", member.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.is_superuser


@pytest.mark.parametrize("role", ["efus_staff_without_mfa", "coordinator", "member"])
def test_the_admin_is_closed_without_staff_powers(role, client, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
