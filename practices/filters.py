"""The practice list's filters: one ``FilterSet`` for the list page, its htmx partial and exports.

Choices for themes and cities come from the list cache (two small queries when it is cold) and
are reused to turn slugs into ids, so filtering never joins the theme or city tables.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any, NamedTuple

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.countries import country_name, language_name
from cities.models import City, Theme
from moderation.cache import Renderings
from pactesur.forms import SafeForm

from .models import PRACTICE_LANGUAGES, Practice, PracticeQuerySet
from .signals import LIST_CACHE

FIRST_YEAR, LAST_YEAR = 1990, 2100


def language_choices() -> list[tuple[str, str]]:
    """The languages a practice may be written in, by name in the current language."""
    return sorted(((code, language_name(code)) for code in PRACTICE_LANGUAGES), key=lambda c: c[1])


def _e(value: Any) -> str:
    """HTML-escaped text of a value (a lazy label is translated here)."""
    return escape("" if value is None else str(value))


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python: Django renders each option through a template, which
    costs milliseconds for the ~265 cities of the network on every list page. Every value and
    label is escaped."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        choices = self.choices
        # django-filter wraps a field's choices to put the empty one first.
        fixed = getattr(choices, "choices", choices)
        if isinstance(fixed, Choices):
            language = get_language()
            if language not in fixed.options_html:
                fixed.options_html[language] = self._options(choices, set())
            options = fixed.options_html[language]
            for v in selected:
                mark = f'<option value="{_e(v)}"'
                options = options.replace(f"{mark}>", f"{mark} selected>", 1)
        else:
            options = self._options(choices, selected)
        html = format_html("<select{}>", flatatt(final_attrs)) + options + "</select>"
        return mark_safe(html)  # every value and label is escaped

    def _options(self, choices: Any, selected: set[str]) -> str:
        parts: list[str] = []
        for value_, label in choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{_e(value_)}">')
                parts.extend(self._option(v, lbl, selected) for v, lbl in label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(value_, label, selected))
        return "".join(parts)

    @staticmethod
    def _option(value: Any, label: Any, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        mark = " selected" if value in selected else ""
        return f'<option value="{_e(value)}"{mark}>{_e(label)}</option>'


class FastCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes rendered in Python: a ``<div>`` per choice, the box then its label."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        checked = {str(v) for v in (value or [])}
        base_id = _e((attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}")
        parts: list[str] = [f'<div id="{base_id}" class="checkbox-choices">']
        for index, (value_, label) in enumerate(self.choices):
            option_id = f"{base_id}_{index}"
            mark = " checked" if str(value_) in checked else ""
            parts.append(
                f'<div><input type="checkbox" name="{_e(name)}" value="{_e(value_)}"'
                f' id="{option_id}"{mark}> <label for="{option_id}">{_e(label)}</label></div>'
            )
        parts.append("</div>")
        return mark_safe("".join(parts))  # every value and label is escaped


class ThemeChoice(NamedTuple):
    id: int
    slug: str
    name: str


class CityChoice(NamedTuple):
    id: int
    slug: str
    name: str
    country: str
    project_role: str


class Choices(BaseChoiceIterator):
    """Choices already in Django's normalised form, never changed once made: a field takes them
    as they are (no normalising), forms and filter sets share them instead of deep-copying them
    on every request, and ``FastSelect`` renders their options once per language (with the
    field's empty choice: one ``Choices`` per field), then only marks the selection."""

    def __init__(self, choices: Iterable[tuple[Any, Any]]) -> None:
        self.choices = list(choices)
        self.options_html: dict[str, str] = {}

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.choices)

    def __deepcopy__(self, memo: dict[int, Any]) -> Choices:
        return self


@dataclass
class FilterChoices:
    """Themes and cities for the filters, as plain rows (the network has ~265 cities), with the
    lookups that turn slugs into ids and the form's choices in the current language."""

    themes: list[ThemeChoice]
    cities: list[CityChoice]
    theme_ids: dict[str, int] = field(init=False)
    city_ids: dict[str, int] = field(init=False)
    country_city_ids: dict[str, list[int]] = field(init=False)
    theme_choices: Choices = field(init=False)
    city_choices: Choices = field(init=False)
    country_choices: Choices = field(init=False)

    def __post_init__(self) -> None:
        self.theme_ids = {t.slug: t.id for t in self.themes}
        self.city_ids = {c.slug: c.id for c in self.cities}
        self.country_city_ids = {}
        for c in self.cities:
            self.country_city_ids.setdefault(c.country, []).append(c.id)
        self.theme_choices = Choices([(t.slug, t.name) for t in self.themes])
        network = City.ProjectRole.NETWORK
        project = [(c.slug, c.name) for c in self.cities if c.project_role != network]
        others = [(c.slug, c.name) for c in self.cities if c.project_role == network]
        self.city_choices = Choices(
            [(str(_("PACTESUR 2 cities")), project), (str(_("Efus network")), others)]
            if others
            else project
        )
        self.country_choices = Choices(
            sorted(
                ((code, country_name(code)) for code in self.country_city_ids), key=lambda c: c[1]
            )
        )


def filter_choices(renderings: Renderings) -> FilterChoices:
    """The filters' choices, read from the database once per process, content version and
    language (any change to a theme or a city gives the list cache a new version)."""

    def read() -> FilterChoices:
        themes = Theme.objects.for_display().order_by("position", "name")
        cities = City.objects.order_by("name").values_list(
            "id", "slug", "name", "country", "project_role"
        )
        return FilterChoices(
            [ThemeChoice(t.pk, t.slug, t.localized_name) for t in themes],
            [CityChoice(*c) for c in cities],
        )

    return renderings.local(["filter-choices", get_language()], read)


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


class PracticeFilter(django_filters.FilterSet):
    """Search, facets and sort. Every value comes from the query string, so every combination is
    a shareable URL; an invalid value is ignored (and reported by the form), never a 500."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=200,
        help_text=_('Words, a "quoted phrase", -word to exclude, "or" for either.'),
    )
    theme = django_filters.MultipleChoiceFilter(
        label=_("Themes"),
        method="filter_themes",
        widget=FastCheckboxes,
        help_text=_("Practices with any of the chosen themes."),
    )
    city = django_filters.ChoiceFilter(
        label=_("City"), method="filter_city", empty_label=_("All cities"), widget=FastSelect
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"),
        method="filter_country",
        empty_label=_("All countries"),
        widget=FastSelect,
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"),
        choices=Choices(Practice.Outcome.choices),
        empty_label=_("Any outcome"),
        widget=FastSelect,
    )
    evaluation_stage = django_filters.ChoiceFilter(
        label=_("Evaluation stage"),
        choices=Choices(Practice.EvaluationStage.choices),
        empty_label=_("Any stage"),
        widget=FastSelect,
    )
    year = django_filters.NumberFilter(
        label=_("Active in year"),
        method="filter_year",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=_("Practices running at some point in that year, e.g. 2024."),
    )
    language = django_filters.ChoiceFilter(
        label=_("Original language"),
        field_name="original_language",
        choices=language_choices,
        empty_label=_("Any language"),
        widget=FastSelect,
    )
    has_attachments = django_filters.BooleanFilter(
        label=_("Only with attachments"),
        method="filter_has_attachments",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=Choices(Sort.CHOICES),
        method="filter_nothing",
        empty_label=None,
        widget=FastSelect,
    )

    class Meta:
        model = Practice
        fields: list[str] = []
        form = SafeForm

    def __init__(
        self, data: Any = None, *args: Any, renderings: Renderings | None = None, **kwargs: Any
    ) -> None:
        if data is not None and not data.get("sort"):
            # Show the sort in effect: relevance when searching, else newest first.
            data = data.copy()
            data["sort"] = Sort.RELEVANCE if (data.get("q") or "").strip() else Sort.NEWEST
        super().__init__(data, *args, **kwargs)
        self.renderings = renderings or Renderings(LIST_CACHE)
        choices = filter_choices(self.renderings)
        self.themes, self.cities = choices.themes, choices.cities
        self._theme_ids, self._city_ids = choices.theme_ids, choices.city_ids
        self._country_city_ids = choices.country_city_ids
        # Choices go on the form's own fields, after the form has copied its fields.
        self.form.label_suffix = ""
        fields = self.form.fields
        fields["theme"].choices = choices.theme_choices
        fields["city"].choices = choices.city_choices
        fields["country"].choices = choices.country_choices

    def get_form_class(self) -> type[forms.Form]:
        """One form class per filter set class (django-filter builds a new one per request)."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

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
        return queryset  # ``sort`` is applied last, in ``filter_queryset``

    # --- sort ----------------------------------------------------------------------------------

    @property
    def search_query(self) -> str:
        data = getattr(self.form, "cleaned_data", {})
        return str(data.get("q") or "").strip()

    @property
    def filters_key(self) -> str:
        """The filters in effect (not the page or the sort), as a string: what the number of
        results depends on. Invalid values are left out, as the filters ignore them."""
        data = getattr(self.form, "cleaned_data", {})
        return repr(
            sorted(
                (k, v) for k, v in data.items() if k != "sort" and v not in (None, "", [], False)
            )
        )

    @property
    def current_sort(self) -> str:
        """The sort in effect: relevance by default when searching, else newest first; relevance
        without a search means newest first."""
        chosen = str(getattr(self.form, "cleaned_data", {}).get("sort") or "")
        if self.search_query:
            return chosen or Sort.RELEVANCE
        return Sort.NEWEST if chosen in ("", Sort.RELEVANCE) else chosen

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*Sort.ORDERINGS[self.current_sort])
