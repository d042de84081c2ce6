"""Cache invalidation, and nothing else (as ``practices.signals``): when anything an offer card,
the list's filters or a city page's offers show changes (offers, their windows, the places taken
by applications, themes, cities and bodies), the cached renderings are dropped (``lists.cache``).
And one count: an application deleted while it holds a place (its applicant's account erased:
applications go with it) frees the place on its window, as ``exchanges.services`` counts them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from cities.models import Body, City, Theme
from lists.cache import content_changed

from .models import HOLDS_A_PLACE, Application, Offer, Window

LIST_CACHE = "exchanges"


def offers_changed(**kwargs: Any) -> None:
    content_changed(LIST_CACHE)


def place_freed(instance: Application, **kwargs: Any) -> None:
    """The place an application deleted held (the UPDATE takes the window's row lock)."""
    if instance.window_id is not None and instance.status in HOLDS_A_PLACE:
        Window.objects.filter(pk=instance.window_id, places_held__gt=0).update(
            places_held=F("places_held") - 1
        )


def connect() -> None:
    post_delete.connect(place_freed, sender=Application, dispatch_uid="application-place-freed")
    for model in (Offer, Window, Application, City, Body, Theme):
        post_save.connect(offers_changed, sender=model, dispatch_uid=f"offer-cache-save-{model}")
        post_delete.connect(
            offers_changed, sender=model, dispatch_uid=f"offer-cache-delete-{model}"
        )
    m2m_changed.connect(
        offers_changed, sender=Offer.themes.through, dispatch_uid="offer-cache-themes"
    )
