"""Who hears of what happens to a registration or a training. Services call these inside their
transaction; each queues outbox rows (``accounts/emails.py``), sent once it commits, in the
recipient's language."""

from __future__ import annotations

import hashlib
from typing import Any

from accounts import emails, roles
from accounts.models import OutboundEmail

from .models import Registration, Training

# What happened to a registration: each sends ``training_registration`` to the participant.
EVENTS = (
    "requested",  # received, waiting for the coordinator
    "approved",
    "declined",
    "confirmed",
    "waitlisted",
    "offered",
    "expired",
    "cancelled",
)


def registration_changed(registration: Registration, event: str) -> None:
    """Tell the participant (``event``: one of ``EVENTS``)."""
    if event not in EVENTS:
        raise ValueError(f"Not a registration event: {event}")
    if event == "approved":
        event = f"approved_{registration.status}"
    emails.queue(
        "training_registration",
        to=registration.user,
        about=registration,
        occasion=f"{event}:{registration.updated_at.isoformat()}",
        context={
            "registration": registration,
            "training": registration.training,
            "event": event,
            "offer_expires_at": registration.offer_expires_at,
        },
    )


def approval_requested(registration: Registration) -> None:
    """Ask the participant's city's coordinators to decide."""
    if registration.city_id is None:
        return
    for coordinator in roles.coordinators_with_powers(registration.city_id):
        if coordinator.pk != registration.user_id:
            emails.queue(
                "training_approval_requested",
                to=coordinator,
                about=registration,
                context={"registration": registration, "training": registration.training},
            )


def _participants(training: Training) -> Any:
    return (
        Registration.objects.filter(training=training, status__in=Registration.HOLDING)
        .select_related("user")
        .order_by("pk")
    )


def dates_changed(training: Training) -> None:
    """Tell confirmed participants (and those offered a seat) the new dates."""
    for registration in _participants(training):
        emails.queue(
            "training_dates_changed",
            to=registration.user,
            about=registration,
            occasion=f"sequence-{training.schedule_sequence}",
            context={"registration": registration, "training": training},
        )


def venue_changed(training: Training) -> None:
    """Tell confirmed participants (and those offered a seat) the new venue or link."""
    occasion = "venue-" + hashlib.sha256(training.venue_text.encode()).hexdigest()[:16]
    for registration in _participants(training):
        emails.queue(
            "training_venue_changed",
            to=registration.user,
            about=registration,
            occasion=occasion,
            context={"registration": registration, "training": training},
        )


def reminder(training: Training) -> int:
    """Remind the confirmed participants, once each (the outbox's key)."""
    queued = 0
    for registration in _participants(training).filter(status=Registration.Status.CONFIRMED):
        email = emails.queue(
            "training_reminder",
            to=registration.user,
            about=registration,
            occasion="reminder",
            context={"registration": registration, "training": training},
        )
        queued += email is not None
    return queued


def _still_requested(email: OutboundEmail, context: dict[str, Any]) -> dict[str, Any] | None:
    """A request decided before its email went out needs no decision any more."""
    return context if context["registration"].status == Registration.Status.REQUESTED else None


emails.register("training_approval_requested", context=_still_requested)
