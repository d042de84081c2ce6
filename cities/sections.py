"""Sections that later apps add to the home page and to city pages.

``cities`` imports no later app (STYLE.md §1), so the practices app (and later trainings and
exchanges) registers a provider from its ``AppConfig.ready``::

    sections.register_city_section(practice_city_section)

A provider takes ``(request, city)`` (or ``request`` for the home page) and returns a
``Section`` (a template and its context) or ``None``. Providers keep their own query budgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .models import City


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


CityProvider = Callable[[HttpRequest, City], Section | None]
HomeProvider = Callable[[HttpRequest], Section | None]

_city_providers: list[CityProvider] = []
_home_providers: list[HomeProvider] = []


def register_city_section(provider: CityProvider) -> CityProvider:
    if provider not in _city_providers:
        _city_providers.append(provider)
    return provider


def register_home_section(provider: HomeProvider) -> HomeProvider:
    if provider not in _home_providers:
        _home_providers.append(provider)
    return provider


def city_sections(request: HttpRequest, city: City) -> list[Section]:
    return [s for s in (p(request, city) for p in _city_providers) if s is not None]


def home_sections(request: HttpRequest) -> list[Section]:
    return [s for s in (p(request) for p in _home_providers) if s is not None]
