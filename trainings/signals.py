"""Cache invalidation, and nothing else: when anything a training card, the catalogue's filters, a
training's sections or its page show changes (trainings, their sessions, seats and materials,
themes, cities and bodies), the cached renderings are dropped (``lists.cache``). The services
tell it whenever a seat is taken or freed, so "places left" follows too."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from cities.models import Body, City, Theme
from lists.cache import content_changed

from .models import Material, SeatAllocation, Session, Training

LIST_CACHE = "trainings"


def trainings_changed(**kwargs: Any) -> None:
    content_changed(LIST_CACHE)


def connect() -> None:
    for model in (Training, Session, SeatAllocation, Material, City, Body, Theme):
        post_save.connect(
            trainings_changed, sender=model, dispatch_uid=f"training-cache-save-{model}"
        )
        post_delete.connect(
            trainings_changed, sender=model, dispatch_uid=f"training-cache-delete-{model}"
        )
    m2m_changed.connect(
        trainings_changed, sender=Training.themes.through, dispatch_uid="training-cache-themes"
    )
