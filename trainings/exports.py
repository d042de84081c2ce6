"""The trainings' section of a person's data export (``accounts.exports``)."""

from __future__ import annotations

from typing import Any

from .models import Attendance, CalendarFeed, Registration, Training


def trainings_section(user: Any) -> dict[str, Any]:
    """Their registrations (with their notes), attendance, whether they have a private calendar
    feed (never its secret address), and the trainings they drafted."""
    return {
        "registrations": list(
            Registration.objects.filter(user=user)
            .order_by("pk")
            .values(
                "id",
                "training_id",
                "training__title",
                "status",
                "note",
                "position",
                "offer_expires_at",
                "created_at",
                "updated_at",
            )
        ),
        "attendance": list(
            Attendance.objects.filter(registration__user=user)
            .order_by("pk")
            .values("session_id", "session__starts_at", "present")
        ),
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
        "trainings_drafted": list(
            Training.objects.filter(created_by=user)
            .order_by("pk")
            .values("id", "title", "status", "created_at")
        ),
    }
