import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from accounts import exports
from accounts.models import OutboundEmail
from cities.models import City, Theme
from digests import services, tasks
from digests.models import Subscriber
from tests.digests.factories import SubscriberFactory, pending

pytestmark = pytest.mark.django_db


def _request(email="Ana@Example.org", **kwargs):
    data = {"email": email, "organisation": "Ville de Lyon", "place": "", "language": "fr"}
    services.subscriber_request(**{**data, **kwargs})


def test_a_request_stores_a_pending_address_and_queues_only_a_confirmation(
    mailoutbox, django_capture_on_commit_callbacks
):
    themes = list(Theme.objects.order_by("pk")[:2])
    with django_capture_on_commit_callbacks(execute=True):
        _request(themes=themes)
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ana@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    assert set(subscriber.themes.all()) == set(themes)
    assert [m.to for m in mailoutbox] == [["ana@example.org"]]
    assert "/digests/confirm/" in mailoutbox[0].body
    assert mailoutbox[0].subject.endswith("Confirmez votre abonnement à la lettre PACTESUR")


def test_a_network_city_is_matched_and_another_place_kept_as_text():
    nice = City.objects.get(slug="nice")
    _request(email="a@example.org", place="  NICE ")
    _request(email="b@example.org", place="Saint-Étienne-du-Rouvray")
    a, b = Subscriber.objects.order_by("email")
    assert (a.city, a.place) == (nice, "")
    assert (b.city, b.place) == (None, "Saint-Étienne-du-Rouvray")


def test_a_confirmed_address_is_not_changed_and_gets_a_reminder(
    mailoutbox, django_capture_on_commit_callbacks
):
    subscriber = SubscriberFactory(email="ana@example.org", organisation="Lyon", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _request(organisation="Someone else", language="fr")
    subscriber.refresh_from_db()
    assert (subscriber.organisation, subscriber.language) == ("Lyon", "en")
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert len(mailoutbox) == 1
    assert "/digests/preferences/" in mailoutbox[0].body
    assert "/digests/unsubscribe/" in mailoutbox[0].body


def test_an_unsubscribed_address_must_confirm_again(mailoutbox, django_capture_on_commit_callbacks):
    SubscriberFactory(email="ana@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    with django_capture_on_commit_callbacks(execute=True):
        _request()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert "/digests/confirm/" in mailoutbox[0].body


def test_requests_within_the_hour_send_one_email(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _request()
        _request()
    assert len(mailoutbox) == 1


def test_a_confirmation_for_an_address_confirmed_meanwhile_is_not_sent(
    mailoutbox, django_capture_on_commit_callbacks
):
    _request()
    subscriber = Subscriber.objects.get()
    services.subscriber_confirm(subscriber=subscriber)
    from accounts import emails

    emails.send_due()
    assert mailoutbox == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.CANCELLED


def test_confirming_twice_keeps_the_first_date():
    subscriber = pending()
    first = services.subscriber_confirm(subscriber=subscriber)
    assert first.status == Subscriber.Status.CONFIRMED
    assert first.last_digest_at == first.confirmed_at
    second = services.subscriber_confirm(subscriber=subscriber)
    assert second.confirmed_at == first.confirmed_at


def test_a_member_subscribes_confirmed_and_takes_over_their_public_subscription(member):
    public = SubscriberFactory(email=member.email.upper().lower(), status="unsubscribed")
    subscriber = services.subscriber_subscribe_member(user=member)
    assert subscriber.pk == public.pk
    assert subscriber.user == member
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.city == member.membership.body.city
    assert Subscriber.objects.count() == 1
    assert services.subscriber_subscribe_member(user=member).pk == public.pk  # again: no-op


def test_unsubscribing_is_idempotent():
    subscriber = SubscriberFactory()
    services.subscriber_unsubscribe(subscriber=subscriber)
    first = Subscriber.objects.get().unsubscribed_at
    services.subscriber_unsubscribe(subscriber=subscriber)
    assert Subscriber.objects.get().unsubscribed_at == first is not None


def test_deleting_forgets_the_subscription_and_its_emails(django_capture_on_commit_callbacks):
    from accounts import emails

    _request()
    subscriber = Subscriber.objects.get()
    emails.queue("digest", to=subscriber.email, about=subscriber)  # the digest, when it exists
    other = emails.queue("membership_decided", to=subscriber.email)
    assert OutboundEmail.objects.filter(recipient=subscriber.email).exists()
    services.subscriber_delete(subscriber=subscriber)
    assert not Subscriber.objects.exists()
    assert list(OutboundEmail.objects.filter(recipient=subscriber.email)) == [other]


def test_unconfirmed_addresses_are_forgotten_after_7_days():
    with time_machine.travel(timezone.now() - dt.timedelta(days=7, minutes=1)):
        old = pending(email="old@example.org")
        confirmed = SubscriberFactory(email="confirmed@example.org")
    recent = pending(email="recent@example.org")
    assert tasks.forget_unconfirmed.apply().get() == 1
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {confirmed.pk, recent.pk}
    assert not Subscriber.objects.filter(pk=old.pk).exists()


def test_the_task_is_in_the_beat_schedule():
    from pactesur.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "digests.tasks.forget_unconfirmed" in tasks_scheduled


def test_an_address_is_stored_once_whatever_its_case():
    SubscriberFactory(email="ana@example.org")
    with pytest.raises(IntegrityError):
        SubscriberFactory(email="ana@example.org")


def test_the_subscription_is_in_the_personal_export_and_goes_with_the_account(member):
    services.subscriber_subscribe_member(user=member)
    section = exports.build_export(member)["digest_subscription"]
    assert section["email"] == member.email
    assert section["status"] == "confirmed"
    assert (section["hard_bounces"], section["suspended_at"]) == (0, None)
    member.delete()
    assert not Subscriber.objects.exists()


def test_no_subscription_exports_as_none(member):
    assert exports.build_export(member)["digest_subscription"] is None


def test_a_member_with_a_subscription_and_a_public_one_for_their_new_address_keeps_one(member):
    mine = SubscriberFactory(user=member, email="old.address@example.org")
    SubscriberFactory(email=member.email, status="pending", confirmed_at=None)
    subscriber = services.subscriber_subscribe_member(user=member)
    assert subscriber.pk == mine.pk
    assert list(Subscriber.objects.values_list("email", flat=True)) == [member.email]


def test_a_request_racing_another_for_the_same_new_address_is_no_error(monkeypatch):
    """Two first requests at once: the second finds no row, then cannot insert its own (the
    unique address). It updates the row the first one made instead of failing with a 500."""
    from django.db.models import QuerySet

    pending(email="race@example.org", language="en")  # made by the other request meanwhile
    real_first = QuerySet.first
    calls = []

    def first_misses_once(self):
        calls.append(1)
        return None if len(calls) == 1 else real_first(self)

    monkeypatch.setattr(QuerySet, "first", first_misses_once)
    services.subscriber_request(email="race@example.org", language="fr")
    monkeypatch.setattr(QuerySet, "first", real_first)
    subscriber = Subscriber.objects.get(email="race@example.org")
    assert subscriber.language == "fr"
    assert subscriber.status == Subscriber.Status.PENDING
