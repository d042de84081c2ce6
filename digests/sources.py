"""What a digest carries: a registry of *sources*, one per kind of item.

A source is a function that returns the items published in a period that a reader may see,
on some themes (none = all)::

    sources.register("practices", practice_items)

Practices are registered below. Trainings and exchange offers join the digest by registering
their own source the same way (from their app's ``AppConfig.ready``), with no other change to
this app. A source reads through its model's one visibility rule (``visible_to``) and returns
``Item``s; an item the public may not read (network or police-only) comes with its title and
link only, never its text, so that it cannot end up in an email. Called with ``reader=None`` (a
run's batch of subscribers), it returns every published item of the period, on every theme, with
each item's themes, author and city, and the caller gives each reader what ``Reach.admits``
(the same rule, for one item) allows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Prefetch

from cities.models import Theme
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
    # For a batch read (``reader=None``): what ``Reach.admits`` and the themes filter need.
    theme_ids: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    author_id: int | None = field(default=None, repr=False, compare=False)
    city_id: int | None = field(default=None, repr=False, compare=False)

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


def register(name: str, fetch: Fetch | Callable[..., list[Item]], *, title: Any = None) -> None:
    """Add (or replace) a source of digest items; ``title`` heads its section in the digest (a
    lazy translation)."""
    _sources[name] = fetch  # type: ignore[assignment]
    _titles[name] = title or name


def registered() -> dict[str, Fetch]:
    return dict(_sources)


def titles() -> dict[str, Any]:
    return dict(_titles)


# --- Practices ------------------------------------------------------------------------------------


def practice_items(
    *, reader: Any, since: dt.datetime, until: dt.datetime, theme_ids: Collection[int]
) -> list[Item]:
    """Practices first published in (since, until] that ``reader`` may read (one query); with
    ``reader=None`` every published one, with its themes (two queries)."""
    from practices.models import Practice

    practices = Practice.objects.all() if reader is None else Practice.objects.visible_to(reader)
    practices = practices.published().filter(published_at__gt=since, published_at__lte=until)
    if theme_ids:
        practices = practices.filter(themes__in=list(theme_ids)).distinct()
    rows = practices.order_by("-published_at", "-pk").only(
        "id", "title", "slug", "summary", "visibility", "original_language", "published_at",
        "created_by_id", "city_id",
    )  # fmt: skip
    if reader is None:
        rows = rows.prefetch_related(Prefetch("themes", queryset=Theme.objects.only("pk")))
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
            theme_ids=frozenset(t.pk for t in p.themes.all()) if reader is None else frozenset(),
            author_id=p.created_by_id,
            city_id=p.city_id,
        )
        for p in rows
    ]
