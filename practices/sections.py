"""The practices' sections of the home page and of city pages (registered in apps.py)."""

from __future__ import annotations

from django.http import HttpRequest

from cities.models import City
from cities.sections import Section

from .models import Adoption
from .selectors import listed_practices, with_card_data

HOME_LIMIT = 6
CITY_LIMIT = 10


def home_section(request: HttpRequest) -> Section:
    """The newest practices the visitor may read."""
    practices = list(
        with_card_data(listed_practices(request.user)).order_by("-published_at", "-pk")[:HOME_LIMIT]
    )
    return Section("practices/includes/home_section.html", {"practices": practices})


def city_section(request: HttpRequest, city: City) -> Section:
    """What the city shared and what it adopted from others, within what the visitor may read."""
    shared_qs = listed_practices(request.user).in_city(city)
    shared = list(with_card_data(shared_qs).order_by("-published_at", "-pk")[: CITY_LIMIT + 1])
    adopted = list(
        Adoption.objects.filter(city=city, practice__in=listed_practices(request.user))
        .select_related("practice__city")
        .only(
            "id",
            "kind",
            "outcome_note",
            "started",
            "created_at",
            "city_id",
            "practice__id",
            "practice__title",
            "practice__slug",
            "practice__city__id",
            "practice__city__name",
            "practice__city__slug",
        )
        .order_by("-created_at")[:CITY_LIMIT]
    )
    return Section(
        "practices/includes/city_section.html",
        {
            "city": city,
            "shared": shared[:CITY_LIMIT],
            "has_more": len(shared) > CITY_LIMIT,
            "adopted": adopted,
        },
    )
