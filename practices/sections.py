"""The practices' sections of the home page and of city pages (registered in apps.py).

Both show the newest practices the reader is listed, as the list's cards
(``practices.listing.PRACTICES``), kept like the list per scope and language: a section already
kept costs no query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from cities.models import City
from cities.sections import Section

from .listing import PRACTICES
from .models import Adoption, Practice
from .selectors import city_practices, listed_practices, newest, with_card_data

HOME_LIMIT = 6
CITY_LIMIT = 10


def _newest_cards(queryset: QuerySet[Practice], limit: int) -> list[Any]:
    return PRACTICES.render_cards(newest(with_card_data(queryset), limit))


def home_section(request: HttpRequest) -> Section:
    """The newest practices the visitor is listed."""
    cards = PRACTICES.shared(
        request,
        ["home"],
        lambda: _newest_cards(listed_practices(request.user), HOME_LIMIT),
    )
    return Section("practices/includes/home_section.html", {"cards": cards})


def city_section(request: HttpRequest, city: City) -> Section:
    """What the city shared and what it adopted from others, within what the visitor is listed:
    kept like the list (two queries when it is not)."""

    def build() -> dict[str, Any]:
        shared, adopted = city_practices(request.user, city, CITY_LIMIT + 1)
        return {
            "cards": PRACTICES.render_cards(shared[:CITY_LIMIT]),
            "has_more": len(shared) > CITY_LIMIT,
            "adopted": [  # with the adoption's fields (city_practices)
                {
                    "kind": str(Adoption.Kind(p.adoption_kind).label),  # type: ignore[attr-defined]
                    "note": p.adoption_note,  # type: ignore[attr-defined]
                    "title": p.title,
                    "url": p.get_absolute_url(),
                    "city": p.city.name,
                }
                for p in adopted[:CITY_LIMIT]
            ],
        }

    section = PRACTICES.shared(request, ["city", str(city.pk)], build)
    return Section("practices/includes/city_section.html", {"city": city, **section})
