"""The exchanges' section of city pages (registered in apps.py): the city's open offers the
visitor is listed, as the list's cards, kept like the list per scope and language."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cities.models import City
from cities.sections import Section

from .listing import OFFERS
from .selectors import city_offers

CITY_LIMIT = 6


def city_section(request: HttpRequest, city: City) -> Section:
    def build() -> dict[str, Any]:
        offers = city_offers(request.user, city, CITY_LIMIT + 1)
        return {
            "cards": OFFERS.render_cards(offers[:CITY_LIMIT]),
            "has_more": len(offers) > CITY_LIMIT,
        }

    section = OFFERS.shared(request, ["city", str(city.pk)], build)
    return Section("exchanges/includes/city_section.html", {"city": city, **section})
