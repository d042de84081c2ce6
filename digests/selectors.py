"""What the next digest of a subscriber carries (a read over every registered source)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Max, Min, OuterRef, prefetch_related_objects
from django.utils import timezone

from moderation.models import reach_of

from . import sources
from .models import DigestRun, Subscriber
from .periods import Period

MAX_ITEMS = 30  # per digest; the rest is a link to the site


@dataclass(frozen=True)
class Selection:
    since: dt.datetime
    until: dt.datetime
    items: list[sources.Item]  # at most MAX_ITEMS, in the order the digest shows them
    total: int  # how many matched before the cap


def reader_of(subscriber: Subscriber) -> Any:
    """Whose access the digest follows: the member's (while their account is active), else the
    public's."""
    user = subscriber.user
    if user is not None and user.is_active:
        return user
    return AnonymousUser()


def start_of(subscriber: Subscriber) -> dt.datetime:
    """Where the next digest starts: the previous digest (a paused or failed period is caught
    up), or the subscription's confirmation."""
    return subscriber.last_digest_at or subscriber.confirmed_at or subscriber.created_at


def language_rank(language: str, preferred: str) -> int:
    """The subscriber's language first, then the site's default (English), then the rest."""
    if language == preferred:
        return 0
    return 1 if language == settings.LANGUAGE_CODE else 2


def digest_items(
    subscriber: Subscriber, *, until: dt.datetime | None = None, limit: int = MAX_ITEMS
) -> Selection:
    """The items published since the subscriber's previous digest, on their themes (none = all),
    that their access allows: in their language first, then English, then the rest, newest
    first within each; capped at ``limit``. One query per source, plus the subscriber's themes
    (the staff preview, a test, ``send_digest --dry-run``; a run's batches use
    ``digest_items_many``)."""
    until = until or timezone.now()
    theme_ids = sorted(t.pk for t in subscriber.themes.all())
    found: list[sources.Item] = []
    for fetch in sources.registered().values():
        found.extend(
            fetch(
                reader=reader_of(subscriber),
                since=start_of(subscriber),
                until=until,
                theme_ids=theme_ids,
            )
        )
    return _arrange(found, start_of(subscriber), until, subscriber.language, limit)


def _arrange(
    found: list[sources.Item], since: dt.datetime, until: dt.datetime, language: str, limit: int
) -> Selection:
    found = sorted(found, key=lambda item: item.published_at, reverse=True)
    found.sort(key=lambda item: language_rank(item.language, language))
    return Selection(since=since, until=until, items=found[:limit], total=len(found))


def prime_readers(subscribers: Sequence[Subscriber]) -> None:
    """Load what ``digest_items_many`` reads of a batch of subscribers in a fixed number of
    queries, whatever their number: their themes, accounts, and the accounts' memberships (with
    body, city and two-factor flag, as ``User.membership`` reads them one by one)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import Membership

    prefetch_related_objects(list(subscribers), "themes", "user")
    users = {s.user.pk: s.user for s in subscribers if s.user is not None}
    if not users:
        return
    totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    memberships = (
        Membership.objects.select_related("body__city")
        .exclude(status=Membership.Status.REMOVED)
        .filter(user__in=list(users))
        .annotate(user_has_totp=Exists(totp))
        .order_by("user", "pk")
    )
    found: dict[int, Membership] = {}
    for membership in memberships:
        found.setdefault(membership.user_id, membership)
    for pk, user in users.items():
        membership_or_none = found.get(pk)
        user.__dict__["membership"] = membership_or_none
        user.__dict__.setdefault(
            "has_mfa", bool(getattr(membership_or_none, "user_has_totp", False))
        )


def digest_items_many(
    subscribers: Sequence[Subscriber], *, until: dt.datetime, limit: int = MAX_ITEMS
) -> list[Selection]:
    """``digest_items`` for a batch of subscribers (a run's), in a fixed number of queries: each
    source is read once for the whole batch (every published item since the earliest start,
    with its themes, author and city), and each subscriber gets the items their access allows
    (``Reach.admits``, the visibility rule's form for one item), on their themes. Call
    ``prime_readers`` first."""
    if not subscribers:
        return []
    starts = [start_of(s) for s in subscribers]
    candidates: list[sources.Item] = []
    for fetch in sources.registered().values():
        candidates.extend(fetch(reader=None, since=min(starts), until=until, theme_ids=[]))
    # Subscribers alike share one selection: same start, themes, language and reach (the
    # author and city of a reach count only when an item of the period is theirs).
    authors = {item.author_id for item in candidates}
    cities = {item.city_id for item in candidates}
    alike: dict[tuple[Any, ...], Selection] = {}
    selections = []
    for subscriber, since in zip(subscribers, starts, strict=True):
        reach = reach_of(reader_of(subscriber))
        themes = frozenset(t.pk for t in subscriber.themes.all())
        key = (
            since,
            themes,
            subscriber.language,
            reach.tiers,
            reach.everything,
            reach.author_id if reach.author_id in authors else None,
            reach.city_id if reach.coordinates and reach.city_id in cities else None,
        )
        if key not in alike:
            found = [
                item
                for item in candidates
                if item.published_at > since
                and (not themes or themes.intersection(item.theme_ids))
                and reach.admits(
                    visibility=item.visibility, author_id=item.author_id, city_id=item.city_id
                )
            ]
            alike[key] = _arrange(found, since, until, subscriber.language, limit)
        selections.append(alike[key])
    return selections


# --- Staff pages and the archive ------------------------------------------------------------------


@dataclass
class RunFigures:
    """A run and what became of its digests (its ledger rows, counted by status)."""

    run: DigestRun
    sent: int = 0
    skipped: int = 0  # nothing new (or the subscription ended before sending)
    failed: int = 0
    pending: int = 0
    oldest_pending: dt.datetime | None = None
    last_sent: dt.datetime | None = None

    @property
    def finished_at(self) -> dt.datetime | None:
        return None if self.pending else (self.last_sent or self.run.last_started_at)

    @property
    def duration(self) -> dt.timedelta | None:
        finished = self.finished_at
        return finished - self.run.started_at if finished else None


def recent_runs(limit: int = 25) -> list[RunFigures]:
    """The latest runs with their figures (two queries: the runs, their ledger rows counted)."""
    from accounts.models import OutboundEmail

    from .notifications import DIGEST

    runs = list(DigestRun.objects.order_by("-period")[:limit])
    figures = {run.period: RunFigures(run) for run in runs}
    counts = (
        OutboundEmail.objects.filter(kind=DIGEST, occasion__in=list(figures))
        .values("occasion", "status")
        .annotate(n=Count("pk"), oldest=Min("created_at"), last=Max("sent_at"))
        .order_by()
    )
    names = {"sent": "sent", "cancelled": "skipped", "failed": "failed", "pending": "pending"}
    for row in counts:
        entry = figures[row["occasion"]]
        setattr(entry, names[row["status"]], row["n"])
        if row["status"] == "pending":
            entry.oldest_pending = row["oldest"]
        if row["status"] == "sent":
            entry.last_sent = row["last"]
    return list(figures.values())


@dataclass
class Suspended:
    subscriber: Subscriber
    reason: str  # the last hard bounce's, as the server or the email service gave it
    at: dt.datetime | None


def suspended_subscribers(limit: int = 200) -> list[Suspended]:
    """Suspended subscribers, latest first, with their last failure (two queries)."""
    from accounts.models import OutboundEmail

    from .notifications import KIND_PREFIX

    subscribers = list(
        Subscriber.objects.filter(status=Subscriber.Status.SUSPENDED).order_by(
            "-suspended_at", "email"
        )[:limit]
    )
    failures: dict[str, tuple[str, dt.datetime | None]] = {}
    rows = (
        OutboundEmail.objects.filter(
            kind__startswith=KIND_PREFIX,
            status="failed",
            recipient__in=[s.email for s in subscribers],
        )
        .order_by("recipient", "-last_attempt_at", "-pk")
        .values_list("recipient", "error", "last_attempt_at")
    )
    for recipient, error, at in rows:
        failures.setdefault(recipient, (error, at))
    return [Suspended(s, *failures.get(s.email, ("", None))) for s in subscribers]


def find_subscriber(email: str) -> Subscriber | None:
    return (
        Subscriber.objects.select_related("user", "city")
        .filter(email=email.strip().lower())
        .first()
    )


def archived_runs() -> list[DigestRun]:
    """The periods whose digest went out, newest first (the public archive)."""
    return list(DigestRun.objects.filter(started_at__lte=timezone.now()).order_by("-period"))


def archive_items(period: Period, limit: int = 100) -> list[sources.Item]:
    """The public digest of a period: every public item published in it, newest first."""
    found: list[sources.Item] = []
    for fetch in sources.registered().values():
        found.extend(
            fetch(
                reader=AnonymousUser(),
                since=period.previous().cutoff,
                until=period.cutoff,
                theme_ids=[],
            )
        )
    found.sort(key=lambda item: item.published_at, reverse=True)
    return found[:limit]
