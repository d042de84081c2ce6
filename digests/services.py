"""Writes on subscriptions (STYLE.md §4). Emails go through the outbox (``notifications``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import OutboundEmail, User
from cities.models import City, Theme

from . import notifications
from .models import Subscriber

FORGET_UNCONFIRMED_AFTER = dt.timedelta(days=7)


def match_city(text: str) -> City | None:
    """The network city or region whose name (English or local) is ``text``, if exactly one."""
    text = text.strip()
    if not text:
        return None
    matches = list(City.objects.filter(Q(name__iexact=text) | Q(local_name__iexact=text))[:2])
    return matches[0] if len(matches) == 1 else None


def normalise_email(address: str) -> str:
    return address.strip().lower()


@transaction.atomic
def subscriber_request(
    *,
    email: str,
    organisation: str = "",
    place: str = "",
    language: str,
    themes: Iterable[Theme] = (),
) -> None:
    """Someone asks to receive the digest at ``email`` (the public subscribe page).

    Returns nothing on purpose: the caller must show the same message whatever happened. A new or
    not yet confirmed address (or one that unsubscribed, or was suspended) is stored as waiting
    for confirmation, with what was typed, and gets a confirmation link; nothing else is sent
    before it is followed. A confirmed address is left as it is (a stranger must not change
    someone's preferences) and gets a reminder with its preferences link instead.
    """
    email = normalise_email(email)
    now = timezone.now()
    city = match_city(place)
    values: dict[str, Any] = {
        "organisation": organisation.strip(),
        "city": city,
        "place": "" if city is not None else place.strip(),
        "language": language,
        "status": Subscriber.Status.PENDING,
        "requested_at": now,
    }
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=email, **values)
        except IntegrityError:  # the same new address, asked for at the same moment
            subscriber = Subscriber.objects.select_for_update().get(email=email)
        else:
            subscriber.themes.set(list(themes))
            notifications.confirmation(subscriber, now)
            return
    if subscriber.status == Subscriber.Status.CONFIRMED:
        notifications.already_subscribed(subscriber, now)
        return
    for name, value in values.items():
        setattr(subscriber, name, value)
    subscriber.save(update_fields=[*values, "updated_at"])
    subscriber.themes.set(list(themes))
    notifications.confirmation(subscriber, now)


@transaction.atomic
def subscriber_confirm(*, subscriber: Subscriber) -> Subscriber:
    """The confirmation link was followed: the address receives digests from now on."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber  # a second click changes nothing
    now = timezone.now()
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.last_digest_at = now  # the first digest carries what is published from now on
    subscriber.save(
        update_fields=["status", "confirmed_at", "unsubscribed_at", "last_digest_at", "updated_at"]
    )
    return subscriber


@transaction.atomic
def subscriber_subscribe_member(*, user: User) -> Subscriber:
    """A signed-in member subscribes in one click: their address is known, no confirmation.

    A subscription of the same address made before signing up becomes the member's (its
    themes and language are kept).
    """
    now = timezone.now()
    email = normalise_email(user.email)
    subscriber = Subscriber.objects.select_for_update().filter(user=user).first()
    public = Subscriber.objects.select_for_update().filter(email=email, user=None).first()
    if subscriber is None:
        subscriber = public
    elif public is not None:  # the member's row (older address) and a public one: keep one
        public.delete()
    membership = user.membership
    if subscriber is None:
        subscriber = Subscriber(email=email, language=user.language, requested_at=now)
    if subscriber.status != Subscriber.Status.CONFIRMED or subscriber.pk is None:
        subscriber.last_digest_at = now
    subscriber.user = user
    subscriber.email = email
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = subscriber.confirmed_at or now
    subscriber.unsubscribed_at = None
    if membership is not None and membership.status == membership.Status.APPROVED:
        subscriber.organisation = subscriber.organisation or membership.body.official_name
        subscriber.city = subscriber.city or membership.body.city
    if subscriber.frequency == Subscriber.Frequency.PAUSED:
        subscriber.frequency = Subscriber.Frequency.WEEKLY
    subscriber.save()
    return subscriber


@transaction.atomic
def subscriber_update_preferences(
    *, subscriber: Subscriber, language: str, frequency: str, themes: Iterable[Theme]
) -> Subscriber:
    subscriber.language = language
    subscriber.frequency = frequency
    subscriber.save(update_fields=["language", "frequency", "updated_at"])
    subscriber.themes.set(list(themes))
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop every digest to this address. Doing it again changes nothing."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_delete(*, subscriber: Subscriber) -> None:
    """Forget the subscription and the digest emails still kept for its address."""
    OutboundEmail.objects.filter(
        recipient=subscriber.email, kind__startswith=notifications.KIND_PREFIX
    ).delete()
    subscriber.delete()


@transaction.atomic
def subscribers_forget_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete the addresses that were not confirmed within 7 days of their last request."""
    limit = (now or timezone.now()) - FORGET_UNCONFIRMED_AFTER
    stale = Subscriber.objects.filter(status=Subscriber.Status.PENDING, requested_at__lt=limit)
    emails = list(stale.values_list("email", flat=True))
    OutboundEmail.objects.filter(
        recipient__in=emails, kind__startswith=notifications.KIND_PREFIX
    ).delete()
    stale.delete()
    return len(emails)
