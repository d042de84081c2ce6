"""The themes and cities every list filters by (practices, trainings, exchange offers), read once
per content version and language through the list's own cache (``lists.cache.Renderings``).

The rows are plain tuples (the network has ~265 cities) with the lookups that turn slugs into
ids, so a list filters by id and never joins the theme or city tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.countries import country_name
from cities.models import City, Theme

from .cache import Renderings


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


@dataclass
class FilterChoices:
    """Themes and cities for the filters, as plain rows, with the lookups that turn slugs into
    ids and the form's choices in the current language."""

    themes: list[ThemeChoice]
    cities: list[CityChoice]
    theme_ids: dict[str, int] = field(init=False)
    city_ids: dict[str, int] = field(init=False)
    country_city_ids: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.theme_ids = {t.slug: t.id for t in self.themes}
        self.city_ids = {c.slug: c.id for c in self.cities}
        self.country_city_ids = {}
        for c in self.cities:
            self.country_city_ids.setdefault(c.country, []).append(c.id)

    def theme_choices(self) -> list[tuple[str, str]]:
        return [(t.slug, t.name) for t in self.themes]

    def city_choices(self) -> list[Any]:
        network = City.ProjectRole.NETWORK
        project = [(c.slug, c.name) for c in self.cities if c.project_role != network]
        others = [(c.slug, c.name) for c in self.cities if c.project_role == network]
        if not others:
            return project
        return [(str(_("PACTESUR 2 cities")), project), (str(_("Efus network")), others)]

    def country_choices(self) -> list[tuple[str, str]]:
        countries = ((code, country_name(code)) for code in self.country_city_ids)
        return sorted(countries, key=lambda c: c[1])


def filter_choices(renderings: Renderings) -> FilterChoices:
    """The filters' choices, read from the database once per content version and language (any
    change to a theme or a city gives each list's cache a new version)."""

    def read() -> FilterChoices:
        themes = Theme.objects.for_display().order_by("position", "name")
        cities = City.objects.order_by("name").values_list(
            "id", "slug", "name", "country", "project_role"
        )
        return FilterChoices(
            [ThemeChoice(t.pk, t.slug, t.localized_name) for t in themes],
            [CityChoice(*c) for c in cities],
        )

    return renderings.get(["filter-choices", get_language()], read)
