"""Cache invalidation, and nothing else (as ``practices.signals``): when anything an offer card,
the list's filters or a city page's offers show changes (offers, their windows, the places taken
by applications, themes, cities and bodies), the cached renderings are dropped (``lists.cache``).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from cities.models import Body, City, Theme
from lists.cache import content_changed

from .models import Application, Offer, Window

LIST_CACHE = "exchanges"


def offers_changed(**kwargs: Any) -> None:
    content_changed(LIST_CACHE)


def connect() -> None:
    for model in (Offer, Window, Application, City, Body, Theme):
        post_save.connect(offers_changed, sender=model, dispatch_uid=f"offer-cache-save-{model}")
        post_delete.connect(
            offers_changed, sender=model, dispatch_uid=f"offer-cache-delete-{model}"
        )
    m2m_changed.connect(
        offers_changed, sender=Offer.themes.through, dispatch_uid="offer-cache-themes"
    )
