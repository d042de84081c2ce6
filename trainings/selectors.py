"""Reads of trainings for pages, sections and exports. Visibility is always the one rule
(``Training.objects.visible_to`` / ``listed_to``); this module only shapes the queries so that a
page costs the same number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import Count, Prefetch, Q, QuerySet

from cities.models import Theme

from .models import Registration, Training, TrainingQuerySet

CARD_FIELDS = (
    "id",
    "title",
    "slug",
    "status",
    "visibility",
    "kind",
    "format",
    "languages",
    "capacity",
    "seats_taken",
    "first_start",
    "last_end",
    "time_zone",
    "audience",
    "city__id",
    "city__name",
    "city__slug",
    "body__id",
    "body__official_name",
    "body__english_name",
    "body__name_fr",
    "body__type",
)


def theme_prefetch() -> Prefetch:
    return Prefetch("themes", queryset=Theme.objects.for_display())


def listed_trainings(user: Any) -> TrainingQuerySet:
    """What the catalogue, a section or an export shows this user (``listed_to``)."""
    return cast(TrainingQuerySet, Training.objects.listed_to(user))


def with_card_data(queryset: QuerySet[Training]) -> QuerySet[Training]:
    """The columns a card shows, the host joined and the themes prefetched (2 queries)."""
    return (
        queryset.select_related("city", "body")
        .only(*CARD_FIELDS)
        .prefetch_related(theme_prefetch())
    )


def card_trainings(ids: Iterable[int]) -> QuerySet[Training]:
    return with_card_data(Training.objects.filter(pk__in=list(ids)))


def city_counts(training: Training) -> dict[int | None, int]:
    """Seats held per city (confirmed and offered) of a training: one query."""
    rows = (
        Registration.objects.filter(training=training, status__in=Registration.HOLDING)
        .values("city_id")
        .annotate(n=Count("pk"))
    )
    return {row["city_id"]: row["n"] for row in rows}


def participants_by_city(training: Training) -> QuerySet[Registration]:
    """The registrations a host lists: open ones, by city then arrival (one query)."""
    return (
        Registration.objects.filter(training=training)
        .filter(Q(status__in=Registration.OPEN))
        .select_related("user", "city")
        .order_by("city__name", "status", "position", "created_at", "pk")
    )
