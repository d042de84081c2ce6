"""The training catalogue, declared once (``lists.pages.ListPage``): the list page and the home
and city sections read it, and share its cached renderings."""

from __future__ import annotations

from lists.pages import ListPage
from moderation.models import listing_scope

from .filters import TrainingFilter
from .selectors import card_trainings, listed_trainings
from .signals import LIST_CACHE

TRAININGS = ListPage(
    content=LIST_CACHE,
    queryset=listed_trainings,
    scope=listing_scope,
    filterset=TrainingFilter,
    card_template="trainings/includes/training_card.html",
    card_objects=card_trainings,
    template="trainings/training_list.html",
    form_template="trainings/includes/training_filters.html",
    parts={
        "count": "trainings/includes/training_count.html",
        "results": "trainings/includes/training_results.html",
    },
)
