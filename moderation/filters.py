"""The audit log's filters: item type (the registered moderated models), city, moderator, action
and dates."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts import roles
from cities.models import City
from pactesur.forms import SafeForm

from . import registry
from .models import ModerationEvent


def item_type_choices() -> list[tuple[str, str]]:
    return [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in registry.all_models()
    ]


def moderators(request: Any) -> QuerySet:
    return roles.staff_with_powers()


class EventFilter(django_filters.FilterSet):
    city = django_filters.ModelChoiceFilter(
        label=_("City"),
        queryset=City.objects.in_project().order_by("name"),
        to_field_name="slug",
        empty_label=_("Any city"),
        method="filter_city",
    )
    by = django_filters.ModelChoiceFilter(
        label=_("Moderator"), queryset=moderators, empty_label=_("Anyone")
    )
    after = django_filters.DateFilter(
        label=_("From"), field_name="at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    before = django_filters.DateFilter(
        label=_("To"), field_name="at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=ModerationEvent.Action.choices, empty_label=_("Any action")
    )
    item = django_filters.ChoiceFilter(
        label=_("Item type"),
        choices=item_type_choices,
        empty_label=_("Any type"),
        method="filter_item",
    )

    class Meta:
        model = ModerationEvent
        fields = ["item", "city", "by", "action", "after", "before"]
        form = SafeForm

    def filter_city(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.in_city(value.pk) if value else queryset  # type: ignore[attr-defined]

    def filter_item(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        model = registry.get(value)
        if model is None:
            return queryset.none()
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))
