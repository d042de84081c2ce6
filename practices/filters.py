"""The practice list's filters: one ``FilterSet`` for the list page, its htmx partial and exports.

Choices for themes and cities come from the list cache (``lists.choices``: two small queries when
it is cold) and are reused to turn slugs into ids, so filtering never joins the theme or city
tables.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cities.countries import language_name
from lists.cache import Renderings
from lists.choices import filter_choices
from lists.filters import ListFilterSet
from lists.pages import COUNT_CAP
from pactesur.forms import SafeForm

from .models import PRACTICE_LANGUAGES, Practice, PracticeQuerySet
from .signals import LIST_CACHE

FIRST_YEAR, LAST_YEAR = 1990, 2100
# A search sorted by relevance ranks at most this many matches, the most recently published: the
# count's cap, so that the list says "more than 1,000" exactly when the ranking leaves some out.
RANKED_MATCHES = COUNT_CAP


def language_choices() -> list[tuple[str, str]]:
    """The languages a practice may be written in, by name in the current language."""
    return sorted(((code, language_name(code)) for code in PRACTICE_LANGUAGES), key=lambda c: c[1])


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    TITLE = "title"
    CHOICES = (
        (RELEVANCE, _("Relevance")),
        (NEWEST, _("Newest first")),
        (TITLE, _("Title (A to Z)")),
    )
    ORDERINGS = {
        RELEVANCE: ("-rank", "-published_at", "-pk"),
        NEWEST: ("-published_at", "-pk"),
        TITLE: ("title", "pk"),
    }


class PracticeFilter(ListFilterSet):
    """Search, facets and sort of the practice list."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=200,
        widget=forms.SearchInput,
        help_text=_('Words, a "quoted phrase", -word to exclude, "or" for either.'),
    )
    theme = django_filters.MultipleChoiceFilter(
        label=_("Themes"),
        method="filter_themes",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Practices with any of the chosen themes."),
    )
    city = django_filters.ChoiceFilter(
        label=_("City"), method="filter_city", empty_label=_("All cities")
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"), method="filter_country", empty_label=_("All countries")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=Practice.Outcome.choices, empty_label=_("Any outcome")
    )
    evaluation_stage = django_filters.ChoiceFilter(
        label=_("Evaluation stage"),
        choices=Practice.EvaluationStage.choices,
        empty_label=_("Any stage"),
    )
    year = django_filters.NumberFilter(
        label=_("Active in year"),
        method="filter_year",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs={"step": 1}),
        help_text=_("Practices running at some point in that year, e.g. 2024."),
    )
    language = django_filters.ChoiceFilter(
        label=_("Original language"),
        field_name="original_language",
        choices=language_choices,
        empty_label=_("Any language"),
    )
    has_attachments = django_filters.BooleanFilter(
        label=_("Only with attachments"),
        method="filter_has_attachments",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=Sort.CHOICES,
        method="filter_nothing",
        empty_label=None,
    )

    unfiltered = ("sort",)

    class Meta:
        model = Practice
        fields: list[str] = []
        form = SafeForm

    def __init__(self, data: Any = None, *args: Any, request: Any = None, **kwargs: Any) -> None:
        if data is not None and not data.get("sort"):
            # Show the sort in effect: relevance when searching, else newest first.
            data = data.copy()
            data["sort"] = Sort.RELEVANCE if (data.get("q") or "").strip() else Sort.NEWEST
        super().__init__(data, *args, request=request, **kwargs)
        renderings = Renderings.of(request, LIST_CACHE) if request else Renderings(LIST_CACHE)
        choices = filter_choices(renderings)
        self.themes = choices.themes
        self._theme_ids, self._city_ids = choices.theme_ids, choices.city_ids
        self._country_city_ids = choices.country_city_ids
        # Choices go on the form's own fields, after the form has copied its fields.
        self.form.label_suffix = ""
        fields = self.form.fields
        fields["theme"].choices = choices.theme_choices()
        fields["city"].choices = choices.city_choices()  # django-filter adds the empty choice
        fields["country"].choices = choices.country_choices()

    # --- filters -------------------------------------------------------------------------------

    def filter_search(self, queryset: PracticeQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_themes(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        ids = [self._theme_ids[slug] for slug in value if slug in self._theme_ids]
        if not ids:
            return queryset
        through = Practice.themes.through.objects.filter(
            practice_id=OuterRef("pk"), theme_id__in=ids
        )
        return queryset.filter(Exists(through))

    def filter_city(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(city_id=self._city_ids[value])

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(city_id__in=self._country_city_ids[value])

    def filter_year(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """The practice's period overlaps that year (an open end means ongoing)."""
        year = int(value)
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return queryset.filter(
            Q(period_start__lte=last), Q(period_end__isnull=True) | Q(period_end__gte=first)
        )

    def filter_has_attachments(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(attachment_count__gt=0) if value else queryset

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # ``sort`` is applied by ``order``

    # --- sort ----------------------------------------------------------------------------------

    @property
    def search_query(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip()

    @property
    def current_sort(self) -> str:
        """The sort in effect: relevance by default when searching, else newest first; relevance
        without a search means newest first."""
        chosen = str(self.cleaned_data.get("sort") or "")
        if self.search_query:
            return chosen or Sort.RELEVANCE
        return Sort.NEWEST if chosen in ("", Sort.RELEVANCE) else chosen

    @property
    def ranked_matches(self) -> int | None:
        """How many of the most recent matches a ranking by relevance orders
        (``RANKED_MATCHES``), or ``None`` when the order is not by relevance."""
        ranked = self.current_sort == Sort.RELEVANCE and bool(self.search_query)
        return RANKED_MATCHES if ranked else None

    def order(self, queryset: QuerySet, *, bounded: bool = True) -> QuerySet:
        """The matches in the chosen order. By relevance, only the ``RANKED_MATCHES`` most
        recent matches are ranked (``bounded``): a search for a common word would otherwise
        rank tens of thousands of rows on every page; exports rank them all."""
        ordering = Sort.ORDERINGS[self.current_sort]
        if bounded and self.ranked_matches:
            recent = queryset.order_by(*Sort.ORDERINGS[Sort.NEWEST]).values("pk")
            ranked = Practice.objects.filter(pk__in=recent[: self.ranked_matches])
            queryset = ranked.search(self.search_query)
        return queryset.order_by(*ordering)
