"""The audit log's filters: by action and by item type (the registered moderated models)."""

from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pactesur.forms import SafeForm

from . import registry
from .models import ModerationEvent


def item_type_choices() -> list[tuple[str, str]]:
    return [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in registry.all_models()
    ]


class EventFilter(django_filters.FilterSet):
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
        fields = ["action", "item"]
        form = SafeForm

    def filter_item(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        model = registry.get(value)
        if model is None:
            return queryset.none()
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))
