"""The trainings' sections of the home page, of city pages and of /me/ (registered in apps.py).

The home and city sections show the next trainings the visitor is listed, as the catalogue's
cards (``trainings.listing.TRAININGS``), kept like the list per scope and language.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from cities.models import City
from cities.sections import Section

from .listing import TRAININGS
from .models import Registration
from .selectors import listed_trainings, with_card_data

HOME_LIMIT = 3
CITY_LIMIT = 6
DASHBOARD_LIMIT = 10


def _next_cards(queryset: Any, limit: int) -> list[Any]:
    upcoming = queryset.upcoming(timezone.now()).order_by("first_start", "pk")
    return TRAININGS.render_cards(with_card_data(upcoming)[:limit])


def home_section(request: HttpRequest) -> Section:
    """The next trainings the visitor is listed."""
    cards = TRAININGS.shared(
        request, ["home"], lambda: _next_cards(listed_trainings(request.user), HOME_LIMIT)
    )
    return Section("trainings/includes/home_section.html", {"cards": cards})


def city_section(request: HttpRequest, city: City) -> Section:
    """The next trainings the city hosts, within what the visitor is listed."""

    def build() -> dict[str, Any]:
        rows = listed_trainings(request.user).filter(city=city)
        return {"cards": _next_cards(rows, CITY_LIMIT)}

    section = TRAININGS.shared(request, ["city", str(city.pk)], build)
    return Section("trainings/includes/city_section.html", {"city": city, **section})


def dashboard_section(request: HttpRequest) -> Section | None:
    """The member's open registrations on /me/ (one query)."""
    registrations = list(
        Registration.objects.filter(user_id=request.user.pk or 0)
        .open()
        .select_related("training")
        .order_by("training__first_start", "pk")[:DASHBOARD_LIMIT]
    )
    return Section("trainings/includes/dashboard_section.html", {"registrations": registrations})
