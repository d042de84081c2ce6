"""The digest's section of a member's personal export (accounts/exports.py)."""

from __future__ import annotations

from typing import Any

from accounts.models import User

from .models import Subscriber


def subscription_section(user: User) -> dict[str, Any] | None:
    """The member's digest subscription, if any (two queries: the row and its themes)."""
    subscriber = Subscriber.objects.select_related("city").filter(user=user).first()
    if subscriber is None:
        return None
    return {
        "email": subscriber.email,
        "organisation": subscriber.organisation,
        "city_or_region": subscriber.place_name,
        "language": subscriber.language,
        "themes": list(subscriber.themes.order_by("name").values_list("name", flat=True)),
        "frequency": subscriber.frequency,
        "status": subscriber.status,
        "created_at": subscriber.created_at,
        "confirmed_at": subscriber.confirmed_at,
        "unsubscribed_at": subscriber.unsubscribed_at,
        "last_digest_at": subscriber.last_digest_at,
        "hard_bounces": subscriber.hard_bounces,
        "suspended_at": subscriber.suspended_at,
    }
