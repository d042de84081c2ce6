"""What a digest carries: a registry of *sources*, one per kind of item.

A source is a function that returns the items published in a period that a reader may see,
on some themes (none = all)::

    sources.register("practices", practice_items)

Practices are registered below. Trainings and exchange offers join the digest by registering
their own source the same way (from their app's ``AppConfig.ready``), with no other change to
this app. A source reads through its model's one visibility rule (``visible_to``) and returns
``Item``s; an item the public may not read (network or police-only) comes with its title and
link only, never its text, so that it cannot end up in an email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from moderation.models import Visibility


@dataclass(frozen=True)
class Item:
    source: str  # the registered name ("practices")
    pk: int
    title: str
    path: str  # the page on the site (the email puts ``site_url`` before it)
    published_at: dt.datetime
    language: str
    visibility: str
    summary: str  # empty when the item is restricted

    @property
    def restricted(self) -> bool:
        """Linked by title only: its text is for signed-in readers, on the site."""
        return self.visibility != Visibility.PUBLIC


class Fetch(Protocol):
    def __call__(
        self, *, reader: Any, since: dt.datetime, until: dt.datetime, theme_ids: Collection[int]
    ) -> list[Item]: ...


_sources: dict[str, Fetch] = {}
_titles: dict[str, Any] = {}
_content: dict[str, str | None] = {}


def register(
    name: str,
    fetch: Fetch | Callable[..., list[Item]],
    *,
    title: Any = None,
    content: str | None = None,
) -> None:
    """Add (or replace) a source of digest items; ``title`` heads its section in the digest (a
    lazy translation); ``content`` is the name its model's changes are announced under
    (``lists.cache.content_changed``): with it, subscribers alike may share one selection
    while a run sends (``selectors.digest_items``), until the next change."""
    _sources[name] = fetch  # type: ignore[assignment]
    _titles[name] = title or name
    _content[name] = content


def content_versions() -> tuple[str, ...] | None:
    """The current versions of every source's content; None when one cannot be known (a source
    without a content name, or the shared cache is down): then nothing is shared."""
    from lists.cache import content_version

    versions = []
    for name in _sources:
        content = _content.get(name)
        version = content_version(content) if content else None
        if version is None:
            return None
        versions.append(version)
    return tuple(versions)


def registered() -> dict[str, Fetch]:
    return dict(_sources)


def titles() -> dict[str, Any]:
    return dict(_titles)


# --- Practices ------------------------------------------------------------------------------------


def practice_items(
    *, reader: Any, since: dt.datetime, until: dt.datetime, theme_ids: Collection[int]
) -> list[Item]:
    """Practices first published in (since, until] that ``reader`` may read (one query)."""
    from practices.models import Practice

    practices = (
        Practice.objects.visible_to(reader)
        .published()
        .filter(published_at__gt=since, published_at__lte=until)
    )
    if theme_ids:
        practices = practices.filter(themes__in=list(theme_ids)).distinct()
    rows = practices.order_by("-published_at", "-pk").only(
        "id", "title", "slug", "summary", "visibility", "original_language", "published_at"
    )
    return [
        Item(
            source="practices",
            pk=p.pk,
            title=p.title,
            path=p.get_absolute_url(),
            published_at=p.published_at,  # type: ignore[arg-type]
            language=p.original_language,
            visibility=p.visibility,
            summary=p.summary if p.visibility == Visibility.PUBLIC else "",
        )
        for p in rows
    ]
