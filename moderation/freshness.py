"""Freshness: every published item has a review-by date, and its city says it is still current.

- Publishing an item for the first time (or again) gives it a review-by date ``REVIEW_MONTHS``
  after that day, when it has none.
- Its city's coordinators (and staff) move the date (``freshness_set_review_by``), or mark the
  item as still current in one click (``freshness_mark_current``: reviewed today, next review
  ``REVIEW_MONTHS`` later). Both are in the audit log.
- Once a month each coordinator gets one email listing their city's overdue items
  (``overdue_notify``; the outbox's key, one per coordinator and month, makes it once).
- Overdue items have a tab in the queue (``moderation.queue``), and the item's page says when it
  was last reviewed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.permissions import allowed

from . import registry
from .models import Moderated, ModerationEvent, Status

REVIEW_MONTHS = 18
LONGEST_MONTHS = 60  # a review-by date at most five years ahead


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_review_by(today: dt.date | None = None) -> dt.date:
    return add_months(today or timezone.localdate(), REVIEW_MONTHS)


def _lock(obj: Moderated) -> None:
    obj.refresh_from_db(from_queryset=type(obj)._default_manager.select_for_update())


def _check(obj: Moderated, by: Any) -> None:
    if not allowed("moderation.review_item", by, obj):
        raise PermissionDenied
    _lock(obj)
    if obj.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published item has a review date."), code="state")


def _record(obj: Moderated, action: str, by: Any, message: str) -> None:
    from .services import event_record

    event_record(
        obj, action=action, by=by, from_status=obj.status, to_status=obj.status, message=message
    )


@transaction.atomic
def freshness_mark_current(*, obj: Moderated, by: Any) -> Moderated:
    """Its city checked it: reviewed now, next review ``REVIEW_MONTHS`` later (logged)."""
    _check(obj, by)
    obj.reviewed_at = timezone.now()
    obj.review_by = default_review_by()
    obj.save(update_fields=["reviewed_at", "review_by"])
    _record(obj, ModerationEvent.Action.MARK_CURRENT, by, obj.review_by.isoformat())
    return obj


@transaction.atomic
def freshness_set_review_by(*, obj: Moderated, by: Any, review_by: dt.date) -> Moderated:
    """Set the date by which its city should review it (after today, within five years)."""
    today = timezone.localdate()
    if not today < review_by <= add_months(today, LONGEST_MONTHS):
        raise ValidationError(
            _("Choose a date after today and within five years."), code="review_by"
        )
    _check(obj, by)
    obj.review_by = review_by
    obj.save(update_fields=["review_by"])
    _record(obj, ModerationEvent.Action.SET_REVIEW_BY, by, review_by.isoformat())
    return obj


def overdue_by_city(today: dt.date | None = None) -> dict[int, list[Any]]:
    """Overdue items of every registered model, by city id (one query per model)."""
    found: dict[int, list[Any]] = defaultdict(list)
    for model in registry.all_models():
        items = model._default_manager.overdue(today).order_by("review_by", "pk")  # type: ignore[attr-defined]
        for obj in items:
            if getattr(obj, "city_id", None) is not None:
                found[obj.city_id].append(obj)
    return found


def overdue_notify(today: dt.date | None = None) -> int:
    """Email each coordinator with powers the overdue items of their city, once a month (the
    outbox's key: kind, city, coordinator, month). Returns the number of emails queued."""
    from accounts import emails

    today = today or timezone.localdate()
    queued = 0
    with transaction.atomic():
        for city_id, items in sorted(overdue_by_city(today).items()):
            for coordinator in roles.coordinators_with_powers(city_id):
                email = emails.queue(
                    "moderation_overdue",
                    to=coordinator,
                    about=items[0].city,
                    occasion=f"{today:%Y-%m}",
                    context={"items": items, "city": items[0].city},
                )
                queued += email is not None
    return queued
