"""The emails of a subscription, through the outbox (accounts/emails.py).

The links are made when the email is sent (the context hooks below), so that they are fresh and
no token waits in the database; an email whose subscription changed in the meantime is dropped.
At most one email of a kind per address and hour (the outbox's key), so that the subscribe
form cannot be used to flood someone's mailbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts import emails
from accounts.models import OutboundEmail

from . import links
from .models import Subscriber

KIND_PREFIX = "digest"  # every kind of this app: "digest_confirm"... and the digest itself
CONFIRM = "digest_confirm"
ALREADY_SUBSCRIBED = "digest_already_subscribed"


def _hour(now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def confirmation(subscriber: Subscriber, now: dt.datetime) -> None:
    """Ask the address to confirm (double opt-in)."""
    emails.queue(
        CONFIRM,
        to=subscriber.email,
        language=subscriber.language,
        about=subscriber,
        occasion=_hour(now),
        context={"subscriber": subscriber},
    )


def already_subscribed(subscriber: Subscriber, now: dt.datetime) -> None:
    """Someone asked to subscribe a confirmed address: remind its owner, with their links."""
    emails.queue(
        ALREADY_SUBSCRIBED,
        to=subscriber.email,
        language=subscriber.language,
        about=subscriber,
        occasion=_hour(now),
        context={"subscriber": subscriber},
    )


def _confirm_context(email: OutboundEmail, context: dict[str, Any]) -> dict[str, Any] | None:
    subscriber: Subscriber = context["subscriber"]
    if subscriber.status != Subscriber.Status.PENDING:
        return None
    return {**context, "confirm_path": links.path(subscriber, "confirm")}


def _reminder_context(email: OutboundEmail, context: dict[str, Any]) -> dict[str, Any] | None:
    subscriber: Subscriber = context["subscriber"]
    if subscriber.status != Subscriber.Status.CONFIRMED:
        return None
    return {
        **context,
        "preferences_path": links.path(subscriber, "preferences"),
        "unsubscribe_path": links.path(subscriber, "unsubscribe"),
    }


emails.register(CONFIRM, context=_confirm_context)
emails.register(ALREADY_SUBSCRIBED, context=_reminder_context)
