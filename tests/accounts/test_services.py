"""Membership and account services: requests, auto-approval, decisions, roles, deletion."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accounts import notifications, services
from accounts.models import Membership, OutboundEmail, User
from tests.accounts.factories import MembershipFactory, UserFactory, give_mfa, make_member

pytestmark = pytest.mark.django_db


def _membership(user: User) -> Membership:
    return Membership.objects.get(user=user, status__in=["pending", "approved"])


# --- Requests and auto-approval -----------------------------------------------------------------


def test_request_creates_a_pending_membership_and_emails_the_city_coordinators(
    nice_body, coordinator, other_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(full_name="Ana Requester", position="Sergeant")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=person, body=nice_body)

    assert membership.status == Membership.Status.PENDING
    assert [m.to for m in mailoutbox] == [[coordinator.email]]  # not Madrid's coordinator
    email = mailoutbox[0]
    assert "Ana Requester" in email.subject
    assert "Nice" in email.subject
    assert "http://testserver/members/" in email.body
    assert "Sergeant" in email.body
    html = email.alternatives[0][0]
    assert 'href="http://testserver/members/"' in html


def test_request_with_an_unverified_address_notifies_only_after_confirmation(
    nice_body, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(user=person, body=nice_body)
    assert mailoutbox == []

    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_confirmed(user=person, email=person.email)
    assert [m.to for m in mailoutbox] == [[coordinator.email]]


def test_confirming_a_secondary_address_does_not_notify_again(
    nice_body, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(user=person, body=nice_body)
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.email_confirmed(user=person, email="other@example.net")
    assert len(mailoutbox) == 1


def test_request_goes_to_efus_staff_when_the_city_has_no_coordinator(
    nice_body, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(user=person, body=nice_body)
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]


def test_auto_approval_needs_a_verified_address_on_the_body_domain(
    nice_body, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    nice_body.email_domains = ["ville-nice.fr"]
    nice_body.save(update_fields=["email_domains"])
    person = UserFactory(email="agent@ville-nice.fr", verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=person, body=nice_body)
    assert membership.status == Membership.Status.PENDING  # the domain alone proves nothing
    assert mailoutbox == []

    EmailAddress.objects.filter(user=person).update(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_confirmed(user=person, email=person.email)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert membership.decided_at is not None
    assert [m.to for m in mailoutbox] == [[person.email]]  # a welcome, no request to review
    assert "Welcome" in mailoutbox[0].subject


def test_verified_address_on_the_domain_is_approved_at_once(
    nice_body, django_capture_on_commit_callbacks, mailoutbox
):
    nice_body.email_domains = ["@Ville-Nice.fr"]
    nice_body.save(update_fields=["email_domains"])
    person = UserFactory(email="agent@ville-nice.fr")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=person, body=nice_body)
    assert membership.status == Membership.Status.APPROVED
    assert person.is_member


def test_verified_address_on_another_domain_stays_pending(nice_body):
    nice_body.email_domains = ["ville-nice.fr"]
    nice_body.save(update_fields=["email_domains"])
    person = UserFactory(email="agent@ville-nice.fr.example.com")
    membership = services.membership_request(user=person, body=nice_body)
    assert membership.status == Membership.Status.PENDING


def test_a_second_request_is_refused(pending_member, madrid_body):
    with pytest.raises(ValidationError) as excinfo:
        services.membership_request(user=pending_member, body=madrid_body)
    assert excinfo.value.code == "exists"


def test_a_removed_member_may_ask_again(member, madrid_body, efus_staff):
    services.membership_remove(membership=_membership(member), by=efus_staff)
    member.__dict__.pop("membership", None)
    membership = services.membership_request(user=member, body=madrid_body)
    assert membership.status == Membership.Status.PENDING


# --- Decisions ------------------------------------------------------------------------------------


def test_coordinator_approves_a_request_of_their_city(
    pending_member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_approve(
            membership=_membership(pending_member), by=coordinator
        )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert membership.decided_by == coordinator
    assert [m.to for m in mailoutbox] == [[pending_member.email]]
    assert "approved" in mailoutbox[0].body


def test_coordinator_of_another_city_may_not_approve(pending_member, other_coordinator):
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=_membership(pending_member), by=other_coordinator)
    assert _membership(pending_member).status == Membership.Status.PENDING


def test_member_may_not_approve(pending_member, member):
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=_membership(pending_member), by=member)


def test_coordinator_without_mfa_may_approve_only_after_setting_it_up(pending_member, nice_body):
    coordinator = make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)
    assert coordinator.needs_mfa
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=_membership(pending_member), by=coordinator)

    give_mfa(coordinator)
    assert not coordinator.needs_mfa
    membership = services.membership_approve(membership=_membership(pending_member), by=coordinator)
    assert membership.status == Membership.Status.APPROVED


def test_efus_staff_without_mfa_have_no_powers(pending_member, efus_body):
    staff = make_member(efus_body, mfa=False)
    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=_membership(pending_member), by=staff)


def test_efus_staff_approve_in_any_city(pending_member, efus_staff):
    membership = services.membership_approve(membership=_membership(pending_member), by=efus_staff)
    assert membership.status == Membership.Status.APPROVED


def test_only_a_pending_request_can_be_approved(member, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.membership_approve(membership=_membership(member), by=coordinator)
    assert excinfo.value.code == "not_pending"


def test_nobody_decides_on_their_own_membership(efus_staff):
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(efus_staff), by=efus_staff)


def test_coordinator_removes_a_member_of_their_city(
    member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_remove(membership=_membership(member), by=coordinator)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REMOVED
    member.__dict__.pop("membership", None)
    assert not member.is_member
    assert [m.to for m in mailoutbox] == [[member.email]]
    assert "has ended" in mailoutbox[0].subject


def test_declining_a_request_says_declined(
    pending_member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_remove(membership=_membership(pending_member), by=coordinator)
    assert "declined" in mailoutbox[0].subject


def test_removing_twice_is_a_validation_error(member, coordinator):
    membership = services.membership_remove(membership=_membership(member), by=coordinator)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_remove(membership=membership, by=coordinator)
    assert excinfo.value.code == "removed"


def test_coordinator_may_not_remove_another_coordinator_but_efus_staff_may(
    coordinator, nice_body, efus_staff
):
    colleague = make_member(nice_body, role=Membership.Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(colleague), by=coordinator)

    membership = services.membership_remove(membership=_membership(colleague), by=efus_staff)
    assert membership.status == Membership.Status.REMOVED
    assert membership.role == Membership.Role.MEMBER


# --- Coordinators ---------------------------------------------------------------------------------


def test_efus_staff_appoint_and_remove_a_coordinator(
    member, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.coordinator_set(membership=_membership(member), by=efus_staff, appoint=True)
    member.__dict__.pop("membership", None)
    assert member.is_city_coordinator
    assert "now a city coordinator for Nice" in mailoutbox[-1].subject
    assert "two-factor" in mailoutbox[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        services.coordinator_set(membership=_membership(member), by=efus_staff, appoint=False)
    member.__dict__.pop("membership", None)
    assert not member.is_city_coordinator
    assert member.is_member
    assert "no longer a city coordinator" in mailoutbox[-1].subject
    assert len(mailoutbox) == 2


def test_coordinator_may_not_appoint(member, coordinator):
    with pytest.raises(PermissionDenied):
        services.coordinator_set(membership=_membership(member), by=coordinator, appoint=True)


def test_appointing_needs_an_approved_member(pending_member, efus_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.coordinator_set(
            membership=_membership(pending_member), by=efus_staff, appoint=True
        )
    assert excinfo.value.code == "not_approved"


def test_no_coordinator_role_in_the_efus_body(efus_body, efus_staff):
    colleague = make_member(efus_body, mfa=True)
    with pytest.raises(ValidationError) as excinfo:
        services.coordinator_set(membership=_membership(colleague), by=efus_staff, appoint=True)
    assert excinfo.value.code == "efus"


def test_appointing_an_existing_coordinator_is_a_validation_error(coordinator, efus_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.coordinator_set(membership=_membership(coordinator), by=efus_staff, appoint=True)
    assert excinfo.value.code == "unchanged"


def test_a_request_decided_before_its_email_goes_out_is_not_sent(
    pending_member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    membership = _membership(pending_member)
    notifications.membership_requested(membership)  # queued, not sent yet
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(membership=membership, by=coordinator)

    assert [m.to for m in mailoutbox] == [[pending_member.email]]  # the decision only
    request = OutboundEmail.objects.get(kind="membership_requested")
    assert request.status == OutboundEmail.Status.CANCELLED


# --- Profile and deletion -------------------------------------------------------------------------


def test_profile_update_saves_the_fields(member):
    services.profile_update(
        user=member,
        data={
            "full_name": "Jo Profile",
            "position": "Inspector",
            "languages": ["fr", "it"],
            "gender": User.Gender.PREFER_NOT,
        },
    )
    member.refresh_from_db()
    assert (member.full_name, member.position, member.languages, member.gender) == (
        "Jo Profile",
        "Inspector",
        ["fr", "it"],
        "prefer_not",
    )


def test_profile_update_refuses_an_invalid_gender(member):
    with pytest.raises(ValidationError):
        services.profile_update(user=member, data={"gender": "robot"})


def test_delete_keeps_nothing_personal(nice_body, pending_member, efus_body):
    person = make_member(
        efus_body,
        mfa=True,
        email="zoe.unique-person@example.org",
        full_name="Zoë Quixotic-Name",
        position="Chief Inspector Unique",
    )
    EmailAddress.objects.create(user=person, email="zoe.second@example.net", verified=False)
    decided = MembershipFactory(body=nice_body, decided_by=person)
    pk = person.pk

    services.user_delete(user=person)

    assert not User.objects.filter(pk=pk).exists()
    assert not EmailAddress.objects.filter(user_id=pk).exists()
    assert not Membership.objects.filter(user_id=pk).exists()
    assert not Authenticator.objects.filter(user_id=pk).exists()
    decided.refresh_from_db()
    assert decided.decided_by is None  # the other person's membership stays
    out = StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    for personal in ("zoe.unique-person", "zoe.second", "Quixotic", "Chief Inspector Unique"):
        assert personal not in dump
    assert pending_member.email in dump  # the dump is a real one
