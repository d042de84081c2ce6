"""Writes on subscriptions (STYLE.md §4). Emails go through the outbox (``notifications``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OutboundEmail, User
from cities.models import City, Theme

from . import links, notifications
from .models import SUSPEND_AFTER_BOUNCES, DigestRun, Subscriber
from .periods import Period

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
    subscriber.hard_bounces = 0  # the owner confirmed: the address works again
    subscriber.suspended_at = None
    subscriber.save(
        update_fields=[
            "status",
            "confirmed_at",
            "unsubscribed_at",
            "last_digest_at",
            "hard_bounces",
            "suspended_at",
            "updated_at",
        ]
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
    subscriber.hard_bounces = 0
    subscriber.suspended_at = None
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


# A signed token (``links``): value, timestamp and signature, in URL-safe base64, ":" between.
TOKEN = re.compile(r"\.?[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+")


def subscriber_unsubscribe_by_email(
    *, to: Iterable[str], subject: str, text: str
) -> Subscriber | None:
    """A message came to the unsubscribe address (``List-Unsubscribe``'s mailto, through the
    email service's inbound webhook): the subscriber whose unsubscribe token it carries (in the
    subject, as the mailto writes it, or the body) is unsubscribed, once (again changes nothing).
    A message to another address, or without a valid token (unknown, tampered, expired), is
    ignored: the sender's address proves nothing. Returns the subscriber unsubscribed, if any."""
    address = normalise_email(notifications.unsubscribe_address())
    if address not in {normalise_email(a) for a in to}:
        return None
    for token in TOKEN.findall(f"{subject}\n{text}"):
        try:
            subscriber = links.read(token, "unsubscribe")
        except links.InvalidLink:
            continue
        return subscriber_unsubscribe(subscriber=subscriber)
    return None


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


# --- Sending the digest ---------------------------------------------------------------------------


@dataclass
class RunResult:
    run: DigestRun | None
    due: int
    queued: int  # new ledger rows (0 when the period was queued already)


def digest_run(*, period: Period, email: str | None = None, dry_run: bool = False) -> RunResult:
    """Queue the digest of ``period`` for every subscriber due in it (or one address): one
    ledger row (an outbox row of kind "digest", keyed by subscriber and period) each, written in
    bulk; the outbox hands them to the workers after commit, in batches of at most 100. Rows
    already queued for the period are left alone, so running it again queues nothing new.

    ``dry_run`` counts who is due and writes nothing. A period whose cutoff (Monday 08:00, Paris)
    is still to come is refused: what is published until then belongs to it.
    """
    if period.cutoff > timezone.now():
        raise ValidationError(
            _("The digest of %(period)s cannot be sent before %(cutoff)s."),
            code="future",
            params={"period": period, "cutoff": period.cutoff.isoformat()},
        )
    due = Subscriber.objects.due_in(period).order_by("pk")
    if email is not None:
        due = due.filter(email=normalise_email(email))
    if dry_run:
        return RunResult(run=None, due=due.count(), queued=0)
    with transaction.atomic():
        now = timezone.now()
        run, _created = DigestRun.objects.get_or_create(period=str(period))
        subscribers = list(due.only("pk", "email", "language"))
        ids = notifications.digests(subscribers, period)
        if email is None:
            run.due = len(subscribers)
        run.queued = F("queued") + len(ids)
        run.last_started_at = now
        run.save(update_fields=["due", "queued", "last_started_at"])
        run.refresh_from_db()
    return RunResult(run=run, due=len(subscribers), queued=len(ids))


def subscriber_digest_finished(*, subscriber_id: int, period: str, status: str, error: str) -> None:
    """Record what became of a subscriber's digest, in the commit that marks its ledger row.

    Sent, or not sent because it had nothing new (or the subscription ended): the period is done,
    the next digest starts at its cutoff. A hard bounce (5xx) leaves the period to be caught up
    and counts; the third in a row suspends the subscriber. Other failures (the server was
    unreachable for hours) are caught up next time and do not count.
    """
    if status == OutboundEmail.Status.SENT:
        rows, values = subscriber_digest_sent_update(subscriber_id=subscriber_id, period=period)
        rows.update(**values)
    elif status == OutboundEmail.Status.CANCELLED:
        cutoff = Period.parse(period).cutoff
        Subscriber.objects.filter(pk=subscriber_id).update(
            last_digest_at=Greatest(Coalesce("last_digest_at", Value(cutoff)), Value(cutoff))
        )  # one statement, in the commit that marks the row
    elif status == OutboundEmail.Status.FAILED and is_hard_bounce(error):
        subscriber_bounced(subscriber_id=subscriber_id, period=period)


def subscriber_digest_sent_update(
    *, subscriber_id: int, period: str
) -> tuple[QuerySet[Subscriber], dict[str, Any]]:
    """The update a delivered digest makes (the outbox runs it in the statement that marks the
    ledger row sent): the period is done, the next digest starts at its cutoff, and the hard
    bounces are forgotten."""
    cutoff = Period.parse(period).cutoff
    return Subscriber.objects.filter(pk=subscriber_id), {
        "last_digest_at": Greatest(Coalesce("last_digest_at", Value(cutoff)), Value(cutoff)),
        "hard_bounces": 0,
    }


HARD_BOUNCE = re.compile(r"^(5\d\d\b|bounced\b)")


def is_hard_bounce(error: str) -> bool:
    """A 5xx answer of the mail server, or a bounce the email service reported."""
    return bool(HARD_BOUNCE.match(error))


def subscriber_bounced(*, subscriber_id: int, period: str = "") -> bool:
    """Count a hard bounce; the third in a row suspends the subscriber. Returns whether this one
    suspended them."""
    rows = Subscriber.objects.filter(pk=subscriber_id)
    rows.update(hard_bounces=F("hard_bounces") + 1)
    suspended = rows.filter(
        status=Subscriber.Status.CONFIRMED, hard_bounces__gte=SUSPEND_AFTER_BOUNCES
    ).update(status=Subscriber.Status.SUSPENDED, suspended_at=timezone.now())
    if suspended and period:
        DigestRun.objects.filter(period=period).update(suspended=F("suspended") + 1)
    return bool(suspended)


@transaction.atomic
def digest_send_test(*, subscriber: Subscriber, to: User) -> None:
    """Email ``to`` (Efus staff) the digest ``subscriber`` would get now, marked as a test."""
    notifications.digest_test(subscriber, to=to, now=timezone.now())


@transaction.atomic
def subscriber_reinstate(*, subscriber: Subscriber) -> Subscriber:
    """Efus staff put a suspended address back (its owner fixed their mailbox)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Subscriber.Status.SUSPENDED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.hard_bounces = 0
        subscriber.suspended_at = None
        subscriber.save(update_fields=["status", "hard_bounces", "suspended_at", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_tracking_event(
    *, event_type: str, recipient: str, reason: str, esp_name: str
) -> None:
    """An email service provider reports what became of a message sent to ``recipient``.

    A bounce (or a rejection: the provider refused to send to the address) is a hard bounce:
    recorded with its reason on the latest digest row of the address, and counted (the third in
    a row suspends the subscriber). A complaint ("this is spam") unsubscribes at once. Other
    events (delivered, opened...) are not kept.
    """
    subscriber = Subscriber.objects.filter(email=normalise_email(recipient)).first()
    if subscriber is None:
        return
    if event_type == "complained":
        subscriber_unsubscribe(subscriber=subscriber)
        return
    if event_type not in {"bounced", "rejected"}:
        return
    latest = (
        OutboundEmail.objects.filter(kind=notifications.DIGEST, recipient=subscriber.email)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None:
        latest.status = OutboundEmail.Status.FAILED
        latest.error = f"bounced ({esp_name}): {reason}"[:2000]
        latest.save(update_fields=["status", "error"])
    subscriber_bounced(
        subscriber_id=subscriber.pk, period=latest.occasion if latest is not None else ""
    )
