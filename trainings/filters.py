"""The catalogue's filters: one ``FilterSet`` for the list page and its htmx partial.

Theme and city choices are every list's (``lists.choices.filter_choices``, read through this
list's own cache), so filtering never joins the theme or city tables.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.countries import language_name
from lists.cache import Renderings
from lists.choices import filter_choices
from lists.filters import ListFilterSet
from pactesur.forms import SafeForm

from .models import TRAINING_LANGUAGES, Session, Training
from .signals import LIST_CACHE

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in TRAINING_LANGUAGES), key=lambda c: c[1])


class When:
    UPCOMING = "upcoming"
    PAST = "past"
    ALL = "all"
    CHOICES = (
        (UPCOMING, _("Upcoming and running")),
        (PAST, _("Past")),
        (ALL, _("All dates")),
    )


def month_bounds(value: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The first instant of a month ("2026-05") and of the next one, or ``None``."""
    match = MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1990 <= year <= 2100):
        return None
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


class TrainingFilter(ListFilterSet):
    """Facets of the training catalogue; the order follows ``when``."""

    when = django_filters.ChoiceFilter(
        label=_("When"), choices=When.CHOICES, method="filter_when", empty_label=None
    )
    theme = django_filters.MultipleChoiceFilter(
        label=_("Themes"),
        method="filter_themes",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Trainings with any of the chosen themes."),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Training.Kind.choices, empty_label=_("Any kind")
    )
    city = django_filters.ChoiceFilter(
        label=_("Host city"), method="filter_city", empty_label=_("All cities")
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"),
        choices=language_choices,
        method="filter_language",
        empty_label=_("Any language"),
    )
    format = django_filters.ChoiceFilter(
        label=_("Format"), choices=Training.Format.choices, empty_label=_("Any format")
    )
    month = django_filters.CharFilter(
        label=_("Month"),
        method="filter_month",
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Trainings with a session in that month (YYYY-MM)."),
    )
    has_places = django_filters.BooleanFilter(
        label=_("Only with places left"), method="filter_has_places", widget=forms.CheckboxInput
    )

    unfiltered: tuple[str, ...] = ()

    class Meta:
        model = Training
        fields: list[str] = []
        form = SafeForm

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any) -> None:
        if data is not None and not data.get("when"):
            data = data.copy()
            data["when"] = When.UPCOMING
        super().__init__(data, *args, request=request, **kwargs)
        renderings = Renderings.of(request, LIST_CACHE) if request else Renderings(LIST_CACHE)
        choices = filter_choices(renderings)
        self._theme_ids, self._city_ids = choices.theme_ids, choices.city_ids
        self.form.label_suffix = ""
        self.form.fields["theme"].choices = choices.theme_choices()
        self.form.fields["city"].choices = choices.city_choices()

    def filter_when(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == When.PAST:
            return queryset.filter(last_end__lt=now)
        if value == When.UPCOMING:
            return queryset.filter(Q(last_end__gte=now) | Q(last_end__isnull=True))
        return queryset

    def filter_themes(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        ids = [self._theme_ids[slug] for slug in value if slug in self._theme_ids]
        if not ids:
            return queryset
        through = Training.themes.through.objects.filter(
            training_id=OuterRef("pk"), theme_id__in=ids
        )
        return queryset.filter(Exists(through))

    def filter_city(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(city_id=self._city_ids[value])

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(languages=value)
            | Q(languages__startswith=f"{value} ")
            | Q(languages__endswith=f" {value}")
            | Q(languages__contains=f" {value} ")
        )

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        bounds = month_bounds(value)
        if bounds is None:
            return queryset
        sessions = Session.objects.filter(
            training_id=OuterRef("pk"), starts_at__lt=bounds[1], ends_at__gte=bounds[0]
        )
        return queryset.filter(Exists(sessions))

    def filter_has_places(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.with_places() if value else queryset  # type: ignore[attr-defined]

    def order(self, queryset: QuerySet, *, bounded: bool = True) -> QuerySet:
        if self.cleaned_data.get("when") == When.PAST:
            return queryset.order_by("-first_start", "-pk")
        return queryset.order_by("first_start", "pk")
