"""What the next digest of a subscriber carries (a read over every registered source)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Min
from django.utils import timezone

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

    @cached_property
    def key(self) -> str:
        """A digest of what the selection shows: equal keys, equal renderings (the digest's
        templates keep the rendered items under it)."""
        content = repr([(self.total, self.since, self.until), *self.items])
        return hashlib.sha256(content.encode()).hexdigest()[:32]


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
    subscriber: Subscriber,
    *,
    until: dt.datetime | None = None,
    limit: int = MAX_ITEMS,
    shared: bool = False,
) -> Selection:
    """The items published since the subscriber's previous digest, on their themes (none = all),
    that their access allows: in their language first, then English, then the rest, newest
    first within each; capped at ``limit``. One query per source, plus the subscriber's themes.

    ``shared`` (the sending of a run): public subscribers with the same themes, language and
    period share one selection, kept for a minute in this process (a run sends thousands of
    digests, most of them alike) and never across a change of the content (its version is in
    the key, as for the list pages' cache), instead of one query per source each.
    """
    until = until or timezone.now()
    since = start_of(subscriber)
    theme_ids = sorted(t.pk for t in subscriber.themes.all())
    reader = reader_of(subscriber)
    # Members each have a scope of their own (what they wrote...): nothing to share.
    versions = sources.content_versions() if shared and not reader.is_authenticated else None
    if versions is None:
        return _select(reader, since, until, theme_ids, subscriber.language, limit)
    key = (  # the reader is the public: the same access for every one of them
        versions,
        tuple(theme_ids),
        subscriber.language,
        since,
        until,
        limit,
    )
    now = time.monotonic()
    kept = _shared.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    if len(_shared) >= SHARED_ENTRIES:
        _shared.clear()
    selection = _select(reader, since, until, theme_ids, subscriber.language, limit)
    _shared[key] = (now + SHARED_SECONDS, selection)
    return selection


SHARED_SECONDS = 60.0
SHARED_ENTRIES = 2000
_shared: dict[tuple[Any, ...], tuple[float, Selection]] = {}


def _select(
    reader: Any,
    since: dt.datetime,
    until: dt.datetime,
    theme_ids: list[int],
    language: str,
    limit: int,
) -> Selection:
    found: list[sources.Item] = []
    for fetch in sources.registered().values():
        found.extend(fetch(reader=reader, since=since, until=until, theme_ids=theme_ids))
    found.sort(key=lambda item: item.published_at, reverse=True)
    found.sort(key=lambda item: language_rank(item.language, language))
    return Selection(since=since, until=until, items=found[:limit], total=len(found))


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
