"""Display filters for cities: one line each over tested Python, no queries."""

from django import template

from cities import countries

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """``{{ city.country|country_name }}``: "FR" → "France" (translated)."""
    return countries.country_name(code)


@register.filter
def language_names(codes: list[str] | None) -> str:
    """``{{ city.languages|language_names }}``: ["fr", "nl"] → "French, Dutch" (translated)."""
    return ", ".join(countries.language_name(code) for code in codes or [])
