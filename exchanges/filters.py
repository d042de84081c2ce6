"""The offer list's filters: theme, host city, language, kind, month, places left. Every
combination is a shareable URL (``lists.filters.ListFilterSet``); the theme and city choices are
every list's (``lists.choices.filter_choices``), kept with this list's content."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.countries import language_name
from lists.cache import Renderings
from lists.choices import filter_choices
from lists.filters import ListFilterSet
from pactesur.forms import SafeForm

from .models import EXCHANGE_LANGUAGES, Offer, Window
from .selectors import with_places_left
from .signals import LIST_CACHE

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def language_choices() -> list[tuple[str, str]]:
    return sorted(((c, language_name(c)) for c in EXCHANGE_LANGUAGES), key=lambda c: c[1])


def month_bounds(value: str) -> tuple[dt.date, dt.date]:
    year, month = (int(part) for part in value.split("-"))
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


class OfferFilter(ListFilterSet):
    theme = django_filters.MultipleChoiceFilter(
        label=_("Themes"),
        method="filter_themes",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Offers with any of the chosen themes."),
    )
    city = django_filters.ChoiceFilter(
        label=_("Host city"), method="filter_city", empty_label=_("All cities")
    )
    language = django_filters.ChoiceFilter(
        label=_("Language spoken by the hosts"),
        method="filter_language",
        choices=language_choices,
        empty_label=_("Any language"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Offer.Kind.choices, empty_label=_("Any kind")
    )
    month = django_filters.CharFilter(
        label=_("Month"),
        method="filter_month",
        max_length=7,
        validators=[RegexValidator(MONTH, _("A month, such as 2027-03."))],
        widget=forms.TextInput(attrs={"placeholder": "2027-03", "inputmode": "numeric"}),
        help_text=_("Dates in that month, written as year-month: 2027-03."),
    )
    has_places = django_filters.BooleanFilter(
        label=_("Only with places left"), method="filter_has_places", widget=forms.CheckboxInput
    )

    unfiltered: tuple[str, ...] = ()

    class Meta:
        model = Offer
        fields: list[str] = []
        form = SafeForm

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, request=request, **kwargs)
        renderings = Renderings.of(request, LIST_CACHE) if request else Renderings(LIST_CACHE)
        choices = filter_choices(renderings)
        self._theme_ids, self._city_ids = choices.theme_ids, choices.city_ids
        self.form.label_suffix = ""
        fields = self.form.fields
        fields["theme"].choices = choices.theme_choices()
        fields["city"].choices = choices.city_choices()

    def filter_themes(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        ids = [self._theme_ids[slug] for slug in value if slug in self._theme_ids]
        if not ids:
            return queryset
        through = Offer.themes.through.objects.filter(offer_id=OuterRef("pk"), theme_id__in=ids)
        return queryset.filter(Exists(through))

    def filter_city(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(city_id=self._city_ids[value])

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # JSON containment is PostgreSQL's; a quoted code in the list's text works on both.
        return queryset.filter(host_languages__icontains=f'"{value}"')

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not MONTH.match(value or ""):
            return queryset
        first, last = month_bounds(value)
        windows = Window.objects.filter(offer_id=OuterRef("pk"), start__lte=last, end__gte=first)
        return queryset.filter(Exists(windows))

    def filter_has_places(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        windows = with_places_left(
            Window.objects.filter(offer_id=OuterRef("pk"), start__gte=timezone.localdate())
        ).filter(places_left__gt=0)  # type: ignore[misc]
        return queryset.filter(Exists(windows))

    def order(self, queryset: QuerySet, *, bounded: bool = True) -> QuerySet:
        return queryset.order_by("application_deadline", "pk")
