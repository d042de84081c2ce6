"""Who hears of what happens to a membership. Services call these inside their transaction; each
queues outbox rows (accounts/emails.py), sent once the transaction commits."""

from __future__ import annotations

from typing import Any

from . import emails, roles
from .models import Membership, OutboundEmail, User

# What happened to a membership: each sends ``membership_decided`` to the member, with the event
# in the context.
DECISION_EVENTS = (
    "membership_approved",
    "membership_declined",
    "membership_removed",
    "coordinator_appointed",
    "coordinator_removed",
)


def request_recipients(membership: Membership) -> list[User]:
    """Who decides: the city's coordinators with powers, or staff with powers for the Efus body
    and for a city with no coordinator able to decide yet."""
    deciders = roles.staff_with_powers()
    if not membership.body.is_efus:
        coordinators = roles.coordinators_with_powers(membership.body.city_id)
        if coordinators.exists():
            deciders = coordinators
    return list(deciders.exclude(pk=membership.user_id))


def membership_requested(membership: Membership) -> None:
    """Ask the deciders to review a pending request (once per request)."""
    for recipient in request_recipients(membership):
        emails.queue(
            "membership_requested",
            to=recipient,
            about=membership,
            context={"membership": membership, "recipient": recipient},
        )


def membership_decided(membership: Membership, event: str) -> None:
    """Tell the member what was decided (``event`` is one of ``DECISION_EVENTS``)."""
    if event not in DECISION_EVENTS:
        raise ValueError(f"Not a membership decision: {event}")
    decided_at = membership.decided_at.isoformat() if membership.decided_at else ""
    emails.queue(
        "membership_decided",
        to=membership.user,
        about=membership,
        occasion=f"{event}:{decided_at}",
        context={"membership": membership, "event": event, "recipient": membership.user},
    )


def _request_still_pending(email: OutboundEmail, context: dict[str, Any]) -> dict[str, Any] | None:
    """A request decided before its email went out needs no review any more."""
    return context if context["membership"].status == Membership.Status.PENDING else None


emails.register("membership_requested", context=_request_still_pending)
