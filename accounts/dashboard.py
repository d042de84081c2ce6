"""Sections that later apps add to the member's own page, /me/ (``accounts`` imports no later
app): an app registers a provider from its ``AppConfig.ready``::

    dashboard.register_section(my_trainings_section)

A provider takes the request and returns a ``cities.sections.Section`` (a template and its
context) or ``None``; it keeps its own query budget."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from cities.sections import Section

Provider = Callable[[HttpRequest], Section | None]

_providers: list[Provider] = []


def register_section(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections(request: HttpRequest) -> list[Section]:
    return [s for s in (p(request) for p in _providers) if s is not None]
