"""Registration: seats, seats per city, the waiting list in order, offers and their deadline,
approval by the member's coordinator, refusals with a clear message, emails through the outbox."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Membership, OutboundEmail
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from trainings import services
from trainings.models import Registration, Training

from .factories import TrainingFactory, in_days, status_of

S = Registration.Status


@pytest.fixture
def nice(nice_body):
    return nice_body


@pytest.fixture
def madrid(madrid_body):
    return madrid_body


def members(body, n):
    return [make_member(body) for _ in range(n)]


def emails_to(user, kind="training_registration"):
    return [
        e.occasion.split(":")[0]
        for e in OutboundEmail.objects.filter(recipient=user.email, kind=kind).order_by("pk")
    ]


@pytest.mark.django_db
def test_seats_then_waiting_list_in_order(nice):
    training = TrainingFactory(capacity=2)
    a, b, c, d = members(nice, 4)
    regs = [services.registration_create(training=training, by=u) for u in (a, b, c, d)]
    assert [r.status for r in regs] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    assert regs[2].position < regs[3].position
    training.refresh_from_db()
    assert training.seats_taken == 2 and training.places_left == 0
    assert emails_to(a) == ["confirmed"]
    assert emails_to(c) == ["waitlisted"]


@pytest.mark.django_db
def test_cancellation_offers_the_seat_to_the_first_waiting_then_accept(nice):
    training = TrainingFactory(capacity=1)
    a, b, c = members(nice, 3)
    first = services.registration_create(training=training, by=a)
    second = services.registration_create(training=training, by=b)
    third = services.registration_create(training=training, by=c)
    services.registration_cancel(registration=first, by=a)
    assert status_of(second) == S.OFFERED and status_of(third) == S.WAITLISTED
    assert second.offer_expires_at is not None
    assert "offered" in emails_to(b)
    assert "cancelled" in emails_to(a)
    services.offer_answer(registration=second, by=b, accept=True)
    assert status_of(second) == S.CONFIRMED
    training.refresh_from_db()
    assert training.seats_taken == 1


@pytest.mark.django_db
def test_declined_offer_passes_to_the_next(nice):
    training = TrainingFactory(capacity=1)
    a, b, c = members(nice, 3)
    first = services.registration_create(training=training, by=a)
    second = services.registration_create(training=training, by=b)
    third = services.registration_create(training=training, by=c)
    services.registration_cancel(registration=first, by=a)
    services.offer_answer(registration=second, by=b, accept=False)
    assert status_of(second) == S.DECLINED and status_of(third) == S.OFFERED


@pytest.mark.django_db
def test_expired_offer_passes_the_seat_on_and_says_so(nice):
    training = TrainingFactory(capacity=1)
    a, b, c = members(nice, 3)
    first = services.registration_create(training=training, by=a)
    second = services.registration_create(training=training, by=b)
    third = services.registration_create(training=training, by=c)
    services.registration_cancel(registration=first, by=a)
    second.refresh_from_db()
    assert services.offers_expire(second.offer_expires_at - dt.timedelta(seconds=1)) == 0
    assert services.offers_expire(second.offer_expires_at) == 1
    assert status_of(second) == S.EXPIRED and status_of(third) == S.OFFERED
    assert "expired" in emails_to(b)
    with pytest.raises(ValidationError):
        services.offer_answer(registration=second, by=b, accept=True)


@pytest.mark.django_db
def test_offer_deadline_is_three_days_or_shorter_close_to_the_start():
    now = timezone.now()
    far = Training(first_start=now + dt.timedelta(days=30))
    assert services.offer_deadline(far, now) == now + dt.timedelta(days=3)
    near = Training(first_start=now + dt.timedelta(days=2))
    assert services.offer_deadline(near, now) == now + dt.timedelta(days=1)
    very_near = Training(first_start=now + dt.timedelta(hours=1))
    assert services.offer_deadline(very_near, now) == now + dt.timedelta(hours=2)


@pytest.mark.django_db
def test_promotion_respects_seats_per_city(nice, madrid):
    """Nice has 1 seat, Madrid 1. When a Nice participant cancels, the seat goes to the first
    waiting person *from Nice*, even if a Madrid member waits ahead of them."""
    training = TrainingFactory(capacity=2, seats={nice.city: 1, madrid.city: 1})
    n1, n2 = members(nice, 2)
    m1, m2 = members(madrid, 2)
    r_n1 = services.registration_create(training=training, by=n1)
    r_m1 = services.registration_create(training=training, by=m1)
    r_m2 = services.registration_create(training=training, by=m2)  # waits ahead of n2
    r_n2 = services.registration_create(training=training, by=n2)
    assert [status_of(r) for r in (r_n1, r_m1, r_m2, r_n2)] == [
        S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED,
    ]  # fmt: skip
    services.registration_cancel(registration=r_n1, by=n1)
    assert status_of(r_n2) == S.OFFERED
    assert status_of(r_m2) == S.WAITLISTED
    services.registration_cancel(registration=r_m1, by=m1)
    assert status_of(r_m2) == S.OFFERED


@pytest.mark.django_db
def test_city_without_seats_is_refused_when_seats_are_per_city(nice, madrid):
    training = TrainingFactory(capacity=3, seats={madrid.city: 3})
    with pytest.raises(ValidationError) as exc:
        services.registration_create(training=training, by=make_member(nice))
    assert "reserved for invited cities" in exc.value.messages[0]


@pytest.mark.django_db
def test_refusals_say_why(nice, pending_member, outsider, network_member):
    late = TrainingFactory(registration_deadline=in_days(-1))
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.registration_create(training=late, by=make_member(nice))
    members_only = TrainingFactory()
    with pytest.raises(ValidationError, match="waiting for your coordinator's approval"):
        services.registration_create(training=members_only, by=pending_member)
    with pytest.raises(ValidationError, match="for members of the network"):
        services.registration_create(training=members_only, by=outsider)
    police = TrainingFactory(audience=Training.Audience.POLICE)
    with pytest.raises(ValidationError, match="members of police bodies"):
        services.registration_create(training=police, by=network_member)
    not_yet = TrainingFactory(registration_opens=in_days(2))
    with pytest.raises(ValidationError, match="not opened yet"):
        services.registration_create(training=not_yet, by=make_member(nice))
    public = TrainingFactory(audience=Training.Audience.PUBLIC)
    assert services.registration_create(training=public, by=outsider).status == S.CONFIRMED
    assert Registration.objects.filter(user=pending_member).count() == 0


@pytest.mark.django_db
def test_deadline_closes_registration_at_its_minute(nice):
    training = TrainingFactory()
    member = make_member(nice)
    late = training.registration_deadline + dt.timedelta(seconds=1)
    with time_machine.travel(late), pytest.raises(ValidationError):
        services.registration_create(training=training, by=member)
    with time_machine.travel(training.registration_deadline - dt.timedelta(seconds=1)):
        assert services.registration_create(training=training, by=member).status == S.CONFIRMED


@pytest.mark.django_db
def test_one_open_registration_per_member(member):
    training = TrainingFactory()
    services.registration_create(training=training, by=member)
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(training=training, by=member)
    registration = Registration.objects.get(user=member)
    services.registration_cancel(registration=registration, by=member)
    assert services.registration_create(training=training, by=member).status == S.CONFIRMED


@pytest.mark.django_db
def test_approval_by_own_coordinator(nice, madrid, coordinator, other_coordinator):
    training = TrainingFactory(capacity=1, requires_approval=True)
    a, b = members(nice, 2)
    ra = services.registration_create(training=training, by=a, note="I lead the night unit")
    assert ra.status == S.REQUESTED
    assert emails_to(a) == ["requested"]
    assert OutboundEmail.objects.filter(
        kind="training_approval_requested", recipient=coordinator.email
    ).exists()
    training.refresh_from_db()
    assert training.seats_taken == 0  # a request holds no seat
    with pytest.raises(PermissionDenied):
        services.registration_decide(registration=ra, by=other_coordinator, approve=True)
    services.registration_decide(registration=ra, by=coordinator, approve=True)
    assert status_of(ra) == S.CONFIRMED
    assert emails_to(a) == ["requested", "approved_confirmed"]
    rb = services.registration_create(training=training, by=b)
    services.registration_decide(registration=rb, by=coordinator, approve=False)
    assert status_of(rb) == S.DECLINED
    assert emails_to(b)[-1] == "declined"
    with pytest.raises(ValidationError):
        services.registration_decide(registration=rb, by=coordinator, approve=True)


@pytest.mark.django_db
def test_coordinator_registers_a_member_of_their_city_only(nice, madrid, coordinator):
    training = TrainingFactory(requires_approval=True)
    mine = make_member(nice)
    registration = services.registration_create(training=training, by=coordinator, member=mine)
    assert registration.status == S.CONFIRMED  # the coordinator's act is the approval
    assert registration.registered_by == coordinator
    with pytest.raises(PermissionDenied):
        services.registration_create(training=training, by=coordinator, member=make_member(madrid))
    plain = make_member(nice)
    with pytest.raises(PermissionDenied):
        services.registration_create(training=training, by=plain, member=make_member(nice))


@pytest.mark.django_db
def test_dates_changed_bumps_the_sequence_and_emails_participants(coordinator, member):
    training = TrainingFactory()
    services.registration_create(training=training, by=member)
    session = training.sessions.get()
    services.session_save(
        training=training, by=coordinator, session=session,
        starts_at=session.starts_at + dt.timedelta(days=1),
        ends_at=session.ends_at + dt.timedelta(days=1),
    )  # fmt: skip
    training.refresh_from_db()
    assert training.schedule_sequence == 1
    assert training.first_start == session.starts_at
    assert emails_to(member, "training_dates_changed") == ["sequence-1"]
    # The same dates again: no change, no email.
    services.session_save(
        training=training, by=coordinator, session=session,
        starts_at=session.starts_at, ends_at=session.ends_at,
    )  # fmt: skip
    training.refresh_from_db()
    assert training.schedule_sequence == 1


@pytest.mark.django_db
def test_reminder_goes_once_two_days_before(member):
    training = TrainingFactory(
        sessions=[(in_days(1.5), in_days(1.5) + dt.timedelta(hours=3))],
        registration_deadline=in_days(1),
    )
    services.registration_create(training=training, by=member)
    far = TrainingFactory()
    services.registration_create(training=far, by=make_member(reference_body("nice")))
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert emails_to(member, "training_reminder") == ["reminder"]


@pytest.mark.django_db
def test_emails_are_written_in_the_recipients_language(nice):
    training = TrainingFactory(capacity=1)
    french = make_member(nice, language="fr")
    services.registration_create(training=training, by=french)
    email = OutboundEmail.objects.get(recipient=french.email)
    assert email.language == "fr"


@pytest.mark.django_db
def test_seats_per_city_cannot_exceed_capacity(coordinator, nice, madrid):
    training = TrainingFactory(capacity=4)
    with pytest.raises(ValidationError):
        services.seats_set(
            training=training, by=coordinator, seats={nice.city.pk: 3, madrid.city.pk: 2}
        )


@pytest.mark.django_db
def test_more_seats_for_a_city_go_to_its_waiting_list(coordinator, nice):
    training = TrainingFactory(capacity=4, seats={nice.city: 1})
    a, b = members(nice, 2)
    services.registration_create(training=training, by=a)
    rb = services.registration_create(training=training, by=b)
    assert rb.status == S.WAITLISTED
    services.seats_set(training=training, by=coordinator, seats={nice.city.pk: 2})
    assert status_of(rb) == S.OFFERED


@pytest.mark.django_db
def test_pending_membership_is_not_a_member(nice):
    user = make_member(nice, status=Membership.Status.PENDING)
    assert services.registration_refusal(TrainingFactory(), user)


@pytest.mark.django_db
def test_every_registration_email_renders_in_english_and_french(nice, mailoutbox):
    """The outbox sends each event in the recipient's language (the text is translated)."""
    from accounts.emails import send_due

    training = TrainingFactory(capacity=1, requires_approval=True)
    french = make_member(nice, language="fr")
    english = make_member(nice, language="en")
    first = services.registration_create(training=training, by=make_member(nice), member=None)
    services.registration_decide(
        registration=first, by=make_member(nice, role="coordinator"), approve=True
    )
    waiting = services.registration_create(training=training, by=french)
    services.registration_decide(
        registration=waiting, by=make_member(nice, role="coordinator"), approve=True
    )
    services.registration_cancel(registration=first, by=first.user)  # offered to the French one
    services.registration_create(training=training, by=english)
    send_due()
    subjects = {m.to[0]: [] for m in mailoutbox}
    for message in mailoutbox:
        subjects[message.to[0]].append(message.subject)
    assert f"[PACTESUR] Une place vous est proposée : {training.title}" in subjects[french.email]
    assert f"[PACTESUR] Inscription reçue : {training.title}" in subjects[french.email]
    assert f"[PACTESUR] Registration received: {training.title}" in subjects[english.email]
    offered = next(m for m in mailoutbox if "Une place" in m.subject)
    assert "Confirmez-la avant le" in offered.body and "Europe/Paris" in offered.body


@pytest.mark.django_db
def test_deleting_an_account_passes_its_seat_on(nice):
    from accounts.services import user_delete

    training = TrainingFactory(capacity=1)
    leaving, waiting = members(nice, 2)
    services.registration_create(training=training, by=leaving)
    second = services.registration_create(training=training, by=waiting)
    user_delete(user=leaving)
    assert status_of(second) == S.OFFERED
    training.refresh_from_db()
    assert training.seats_taken == 1


@pytest.mark.django_db
def test_a_capacity_raised_through_moderation_reaches_the_waiting_list(nice, coordinator):
    from moderation.services import moderation_publish

    training = TrainingFactory(capacity=1, created_by=coordinator)
    a, b, c = members(nice, 3)
    services.registration_create(training=training, by=a)
    waiting = services.registration_create(training=training, by=b)
    services.training_update(training=training, by=coordinator, data={"capacity": 2})
    moderation_publish(obj=training, by=make_member(reference_body("paris"), mfa=True))
    training.refresh_from_db()
    assert training.capacity == 2 and status_of(waiting) == S.WAITLISTED
    # The next registration gives the seat to the person waiting first, not to the newcomer.
    late = services.registration_create(training=training, by=c)
    assert status_of(waiting) == S.OFFERED and late.status == S.WAITLISTED


@pytest.mark.django_db
def test_the_periodic_pass_offers_seats_left_free(nice, coordinator):
    training = TrainingFactory(capacity=1)
    a, b = members(nice, 2)
    services.registration_create(training=training, by=a)
    waiting = services.registration_create(training=training, by=b)
    Training.objects.filter(pk=training.pk).update(capacity=2)  # as moderation would
    services.offers_expire()
    assert status_of(waiting) == S.OFFERED


@pytest.mark.django_db
def test_a_new_venue_published_through_moderation_emails_the_participants(member, coordinator):
    from moderation.services import moderation_publish

    training = TrainingFactory(created_by=coordinator)
    services.registration_create(training=training, by=member)
    assert services.venue_changes_notify() == 0  # nothing changed
    services.training_update(
        training=training, by=coordinator, data={"venue_name": "Palais Nikaïa"}
    )
    moderation_publish(obj=training, by=make_member(reference_body("paris"), mfa=True))
    assert services.venue_changes_notify() == 1
    assert services.venue_changes_notify() == 0  # once
    [email] = OutboundEmail.objects.filter(kind="training_venue_changed")
    assert email.recipient == member.email
