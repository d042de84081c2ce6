"""Filters for the network list."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from pactesur.forms import SafeForm

from .countries import country_name
from .models import City


def _network_countries() -> list[tuple[str, str]]:
    codes = City.objects.network().order_by().values_list("country", flat=True).distinct()
    return sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1])


class NetworkCityFilter(django_filters.FilterSet):
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=_network_countries, empty_label=_("All countries")
    )

    class Meta:
        model = City
        fields = ["country"]
        form = SafeForm
