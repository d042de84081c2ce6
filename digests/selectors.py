"""What the next digest of a subscriber carries (a read over every registered source)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from . import sources
from .models import Subscriber

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
    first within each; capped at ``limit``. One query per source, plus the subscriber's themes.
    """
    until = until or timezone.now()
    since = start_of(subscriber)
    theme_ids = [t.pk for t in subscriber.themes.all()]
    reader = reader_of(subscriber)
    found: list[sources.Item] = []
    for fetch in sources.registered().values():
        found.extend(fetch(reader=reader, since=since, until=until, theme_ids=theme_ids))
    found.sort(key=lambda item: item.published_at, reverse=True)
    found.sort(key=lambda item: language_rank(item.language, subscriber.language))
    return Selection(since=since, until=until, items=found[:limit], total=len(found))
