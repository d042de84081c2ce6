"""Reads of practices for pages, feeds and exports. Visibility is always
``Practice.objects.visible_to(user)``; this module only shapes the queries (columns, joins,
prefetches) so that a page costs the same number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from cities.models import Theme

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
RELATED_LIMIT = 5
FEED_LIMIT = 30


def theme_prefetch() -> Prefetch:
    return Prefetch("themes", queryset=Theme.objects.for_display())


def listed_practices(user: Any) -> PracticeQuerySet:
    """What a list, a search or an export shows this user: published and visible to them."""
    return cast(PracticeQuerySet, Practice.objects.visible_to(user).published())


def with_card_data(queryset: QuerySet[Practice]) -> QuerySet[Practice]:
    """Only the columns a card shows, the city joined and the themes prefetched (2 queries)."""
    return queryset.select_related("city").only(*CARD_FIELDS).prefetch_related(theme_prefetch())


def city_other_practices(user: Any, practice: Practice) -> list[Practice]:
    """Up to five other published practices of the same city that the user may see."""
    return list(
        listed_practices(user)
        .filter(city_id=practice.city_id)
        .exclude(pk=practice.pk)
        .select_related("city")
        .only(*CARD_FIELDS)
        .order_by("-published_at", "-pk")[:RELATED_LIMIT]
    )


def related_practices(
    user: Any, practice: Practice, theme_ids: Iterable[int], *, exclude: Iterable[int] = ()
) -> list[Practice]:
    """Up to five published practices the user may see sharing a theme, newest first (the
    city's own practices, listed separately, are left out)."""
    theme_ids = list(theme_ids)
    if not theme_ids:
        return []
    shares_theme = Practice.themes.through.objects.filter(
        practice_id=OuterRef("pk"), theme_id__in=theme_ids
    )
    return list(
        listed_practices(user)
        .filter(Exists(shares_theme))
        .exclude(pk__in=[practice.pk, *exclude])
        .select_related("city")
        .only(*CARD_FIELDS)
        .order_by("-published_at", "-pk")[:RELATED_LIMIT]
    )


def practice_page_data(user: Any, practice: Practice) -> dict[str, Any]:
    """Everything the detail page shows around the practice: a fixed number of queries."""
    themes = list(practice.themes.for_display())
    same_city = city_other_practices(user, practice)
    related = related_practices(
        user, practice, [t.pk for t in themes], exclude=[p.pk for p in same_city]
    )
    return {
        "themes": themes,
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
        "same_city_practices": same_city,
        "related_practices": related,
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
    return list(with_card_data(queryset).order_by("-published_at", "-pk")[:FEED_LIMIT])


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
