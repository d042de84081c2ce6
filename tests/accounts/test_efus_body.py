"""Memberships of the Efus body make Efus staff: only staff with powers decide on them, never the
coordinator of a police body in the same city (Paris), whoever approves the sign-up."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from cities.models import Body
from tests.accounts.factories import make_member
from tests.cities.factories import BodyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris_coordinator(efus_body):
    paris_police = BodyFactory(city=efus_body.city, type=Body.Type.MUNICIPAL_POLICE)
    return make_member(paris_police, role=Membership.Role.COORDINATOR)


def test_a_paris_coordinator_cannot_approve_an_efus_sign_up(client, paris_coordinator, efus_body):
    applicant = make_member(efus_body, status=Membership.Status.PENDING).membership
    client.force_login(paris_coordinator)
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]))
    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING
    assert not applicant.user.has_staff_powers


def test_a_paris_coordinator_cannot_remove_efus_staff(client, paris_coordinator, efus_staff):
    client.force_login(paris_coordinator)
    membership = efus_staff.membership
    response = client.post(reverse("accounts:membership_remove", args=[membership.pk]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED


def test_the_paris_coordinator_still_approves_their_own_police(client, paris_coordinator):
    applicant = make_member(paris_coordinator.body, status=Membership.Status.PENDING).membership
    client.force_login(paris_coordinator)
    assert (
        client.post(reverse("accounts:membership_approve", args=[applicant.pk])).status_code == 302
    )
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPROVED


def test_staff_with_powers_approve_an_efus_sign_up(client, efus_staff, efus_body):
    applicant = make_member(efus_body, status=Membership.Status.PENDING).membership
    client.force_login(efus_staff)
    assert (
        client.post(reverse("accounts:membership_approve", args=[applicant.pk])).status_code == 302
    )
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPROVED


def test_staff_without_mfa_cannot_approve_an_efus_sign_up(
    client, efus_staff_without_mfa, efus_body
):
    applicant = make_member(efus_body, status=Membership.Status.PENDING).membership
    client.force_login(efus_staff_without_mfa)
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]))
    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING
