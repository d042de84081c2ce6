"""Reads of practices for pages, feeds and exports. Visibility is always the one rule:
``Practice.objects.visible_to(user)`` for a practice's page, ``listed_to(user)`` for lists (its
subset of published practices); this module only shapes the queries (columns, joins,
prefetches) so that a page costs the same number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.fields.json import KT

from cities.models import City, Theme

from .models import Adoption, Attachment, Practice, PracticeQuerySet

# What a card (list page, related practices, feeds) shows: no long sections, no search vector.
CARD_FIELDS = (
    "id",
    "title",
    "slug",
    "status",
    "visibility",
    "summary",
    "outcome",
    "evaluation_stage",
    "period_start",
    "period_end",
    "original_language",
    "attachment_count",
    "published_at",
    "updated_at",
    "city__id",
    "city__name",
    "city__slug",
    "city__country",
)
# What the detail page's short lists show (title, city, outcome, tier).
LINK_FIELDS = (
    "id",
    "title",
    "slug",
    "visibility",
    "outcome",
    "published_at",
    "city__id",
    "city__name",
)
RELATED_LIMIT = 5
FEED_LIMIT = 30


def theme_prefetch() -> Prefetch:
    return Prefetch("themes", queryset=Theme.objects.for_display())


def listed_practices(user: Any) -> PracticeQuerySet:
    """What a list, a search, an export or a section shows this user (``listed_to``)."""
    return cast(PracticeQuerySet, Practice.objects.listed_to(user))


def with_card_data(queryset: QuerySet[Practice]) -> QuerySet[Practice]:
    """Only the columns a card shows, the city joined and the themes prefetched (2 queries)."""
    return queryset.select_related("city").only(*CARD_FIELDS).prefetch_related(theme_prefetch())


def card_practices(ids: Iterable[int]) -> QuerySet[Practice]:
    """The practices of these cards (ids already chosen from what the reader may see)."""
    return with_card_data(Practice.objects.filter(pk__in=list(ids)))


def newest(queryset: QuerySet[Practice], limit: int) -> list[Practice]:
    """The ``limit`` newest practices of ``queryset``."""
    return list(queryset.order_by("-published_at", "-pk")[:limit])


def more_practices(user: Any, practice: Practice) -> tuple[list[Practice], list[Practice]]:
    """What the detail page lists below a practice, in one query: up to five other practices of
    its city, and up to five of other cities sharing one of its themes, newest first, among
    those the user is listed."""
    listed = (
        listed_practices(user).exclude(pk=practice.pk).select_related("city").only(*LINK_FIELDS)
    )
    newest = ("-published_at", "-pk")
    same_city = listed.filter(city_id=practice.city_id).order_by(*newest)[:RELATED_LIMIT]
    theirs = Practice.themes.through.objects.filter(practice_id=practice.pk)
    shares_theme = Practice.themes.through.objects.filter(
        practice_id=OuterRef("pk"), theme_id__in=theirs.values("theme_id")
    )
    related = (
        listed.exclude(city_id=practice.city_id).filter(Exists(shares_theme)).order_by(*newest)
    )[:RELATED_LIMIT]
    rows = sorted(in_one_query(listed, same_city, related), key=newest_first)
    return (
        [p for p in rows if p.city_id == practice.city_id],
        [p for p in rows if p.city_id != practice.city_id],
    )


def city_practices(user: Any, city: City, limit: int) -> tuple[list[Practice], list[Practice]]:
    """What a city page lists, in one query (and one for the themes of the cards): up to
    ``limit`` practices of the city, newest first, and up to ``limit`` practices of other cities
    it adopted, most recently adopted first (each with ``adoption_kind``, ``adoption_note``,
    ``adoption_started``, ``adopted_at``), among those the user is listed."""
    adoption = FilteredRelation("adoptions", condition=Q(adoptions__city=city))
    listed = (
        listed_practices(user)
        .annotate(
            here=adoption,
            adoption_kind=F("here__kind"),
            adoption_note=F("here__outcome_note"),
            adoption_started=F("here__started"),
            adopted_at=F("here__created_at"),
        )
        .select_related("city")
        .only(*CARD_FIELDS)
    )
    shared = listed.filter(city=city).order_by("-published_at", "-pk")[:limit]
    adopted = listed.filter(here__isnull=False).order_by("-here__created_at", "-pk")[:limit]
    rows = in_one_query(listed, shared, adopted)
    mine = sorted((p for p in rows if p.city_id == city.pk), key=newest_first)
    prefetch_related_objects(mine, theme_prefetch())
    others = sorted((p for p in rows if p.city_id != city.pk), key=lambda p: p.adopted_at)  # type: ignore[attr-defined]
    return mine, others[::-1]


def newest_first(practice: Practice) -> tuple[float, int]:
    """A sort key: the most recently published first (listed practices are all published)."""
    published = practice.published_at.timestamp() if practice.published_at else 0.0
    return (-published, -practice.pk)


def in_one_query(base: QuerySet[Practice], *parts: QuerySet[Practice]) -> list[Practice]:
    """The rows of ``parts`` (sliced querysets of ``base``, each with its order and limit) in
    one query, in no particular order: a ``UNION ALL`` on PostgreSQL; SQLite allows no ``LIMIT``
    inside a ``UNION``, so there, the rows of ``base`` whose id is in one of the parts."""
    if connection.features.supports_slicing_ordering_in_compound:
        return list(parts[0].union(*parts[1:], all=True))
    in_a_part = Q()
    for part in parts:
        in_a_part |= Q(pk__in=part.values("pk"))
    return list(base.filter(in_a_part))


def practice_page_data(practice: Practice) -> dict[str, Any]:
    """The rows the body of a practice's page shows around it: a fixed number of queries."""
    return {
        "themes": list(practice.themes.for_display()),
        "attachments": list(
            Attachment.objects.filter(practice=practice).only(
                "id", "practice_id", "title", "original_name", "content_type", "size", "created_at"
            )
        ),
        "adoptions": list(
            Adoption.objects.filter(practice=practice)
            .select_related("city")
            .order_by("-created_at")
        ),
        "links": practice_links(practice.links),
    }


def practice_links(links: Any) -> list[dict[str, str]]:
    """The practice's links as ``{"url", "title"}`` (http and https only). Stored as a list of
    URLs or of objects with ``url`` and ``title`` (or ``label``)."""
    result = []
    for link in links if isinstance(links, list) else []:
        if isinstance(link, str):
            url, title = link, ""
        elif isinstance(link, dict):
            url = str(link.get("url") or "")
            title = str(link.get("title") or link.get("label") or "")
        else:
            continue
        url = url.strip()
        if url.lower().startswith(("http://", "https://")):
            result.append({"url": url, "title": title.strip() or url})
    return result


# --- Feeds -------------------------------------------------------------------------------------


def feed_practices(theme: Theme | None = None) -> list[Practice]:
    """The 30 newest practices that anyone may read, whoever asks (feeds are public)."""
    queryset = listed_practices(AnonymousUser())
    if theme is not None:
        queryset = queryset.filter(
            Exists(Practice.themes.through.objects.filter(practice_id=OuterRef("pk"), theme=theme))
        )
    return list(
        with_card_data(queryset)
        .annotate(summary_html=KT("html__summary"))
        .order_by("-published_at", "-pk")[:FEED_LIMIT]
    )


# --- Exports -----------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "title",
    "url",
    "city",
    "country",
    "themes",
    "outcome",
    "evaluation_stage",
    "period_start",
    "period_end",
    "language",
    "visibility",
    "published_at",
    "summary",
)
EXPORT_CHUNK = 2000


def export_rows(
    queryset: QuerySet[Practice], *, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """One dict per practice, in ``EXPORT_COLUMNS`` order, read in chunks (a server-side cursor on
    PostgreSQL, one theme query per chunk), so 100,000 rows never sit in memory at once."""
    queryset = with_card_data(queryset)
    if limit is not None:
        queryset = queryset[:limit]
    site = settings.SITE_URL
    for p in queryset.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "id": p.pk,
            "title": p.title,
            "url": site + p.get_absolute_url(),
            "city": p.city.name,
            "country": p.city.country,
            "themes": [t.name for t in p.themes.all()],
            "outcome": p.outcome,
            "evaluation_stage": p.evaluation_stage,
            "period_start": p.period_start.isoformat() if p.period_start else None,
            "period_end": p.period_end.isoformat() if p.period_end else None,
            "language": p.original_language,
            "visibility": p.visibility,
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "summary": p.summary,
        }
