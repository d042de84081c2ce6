"""Cache invalidation, and nothing else: when anything that a practice card, the list's filters, a
practice's page or a city page's practices show changes (practices, their attachments, adoptions
and themes, cities and their bodies), the cached renderings are dropped (``lists.cache``).

Signals rather than calls in services, because practices, their attachments and themes, cities and
themes change through the services, the moderation flow, the admin and the network import alike:
a change that one path forgot would leave a list stale.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from cities.models import Body, City, Theme
from lists.cache import content_changed

from .models import Adoption, Attachment, Practice

LIST_CACHE = "practices"


def practices_changed(**kwargs: Any) -> None:
    content_changed(LIST_CACHE)


def connect() -> None:
    for model in (Practice, Attachment, Adoption, City, Body, Theme):
        post_save.connect(practices_changed, sender=model, dispatch_uid=f"list-cache-save-{model}")
        post_delete.connect(
            practices_changed, sender=model, dispatch_uid=f"list-cache-delete-{model}"
        )
    m2m_changed.connect(
        practices_changed, sender=Practice.themes.through, dispatch_uid="list-cache-themes"
    )
