"""The emails of a subscription, through the outbox (accounts/emails.py).

The links are made when the email is sent (the context hooks below), so that they are fresh and
no token waits in the database; an email whose subscription changed in the meantime is dropped.
At most one email of a kind per address and hour (the outbox's key), so that the subscribe
form cannot be used to flood someone's mailbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from accounts import emails
from accounts.models import OutboundEmail, User

from . import blocks, links, selectors
from .models import Subscriber
from .periods import Period
from .selectors import Selection, digest_items

KIND_PREFIX = "digest"  # every kind of this app: "digest_confirm"... and the digest itself
CONFIRM = "digest_confirm"
DIGEST = "digest"  # the ledger: one row per subscriber and period
DIGEST_TEST = "digest_test"  # the digest a subscriber would get, sent to Efus staff
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


# --- The digest -----------------------------------------------------------------------------------


def digests(subscribers: Sequence[Subscriber], period: Period) -> list[int]:
    """Queue the digest of ``period`` for these subscribers: the ledger rows, one per subscriber
    and period (kind "digest", the subscriber, the period as occasion). The content is chosen
    when each is sent. Returns the ids of the new rows (none for those queued already)."""
    return emails.queue_many(
        DIGEST,
        [
            emails.Outgoing(
                to=subscriber.email,
                about=subscriber,
                occasion=str(period),
                language=subscriber.language,
                context={"subscriber": subscriber, "period": str(period)},
            )
            for subscriber in subscribers
        ],
    )


def digest_test(subscriber: Subscriber, *, to: User, now: dt.datetime) -> None:
    """Send an Efus staff member the digest ``subscriber`` would get now (a test: it changes
    nothing for the subscriber)."""
    emails.queue(
        DIGEST_TEST,
        to=to.email,
        language=subscriber.language,
        about=subscriber,
        occasion=f"{to.pk}:{now.isoformat()}",
        template=DIGEST,
        context={"subscriber": subscriber, "until": now},
    )


def digest_context(
    subscriber: Subscriber, selection: Selection, *, period: Period | None = None
) -> dict[str, Any]:
    """What the digest's frame shows (the email, and the staff preview); its sections are the
    ``body`` part (``blocks.body``)."""
    return {
        "subscriber": subscriber,
        **_frame(selection.total, period),
        **_personal(subscriber),
    }


def _frame(total: int, period: Period | None) -> dict[str, Any]:
    """What the frame of every digest of ``period`` with ``total`` items shows alike (rendered
    once, the sections and links filled in)."""
    return {"period": period, "total": total}


def _personal(subscriber: Subscriber) -> dict[str, str]:
    """The subscriber's own parts of a digest: their signed links."""
    return {
        "preferences_path": links.path(subscriber, "preferences"),
        "unsubscribe_path": links.path(subscriber, "unsubscribe"),
    }


@dataclass(frozen=True)
class Preview:
    selection: Selection
    subject: str
    text: str
    html: str


def digest_preview(subscriber: Subscriber, *, until: dt.datetime | None = None) -> Preview:
    """The digest ``subscriber`` would get now (Efus staff's preview): rendered as sent."""
    selection = digest_items(subscriber, until=until)
    language = emails.supported_language(subscriber.language)
    subject, text, html = emails.render_email(
        DIGEST,
        digest_context(subscriber, selection),
        language=language,
        parts={"body": blocks.body(selection, language)},
    )
    return Preview(selection=selection, subject=subject, text=text, html=html)


def _digest_prepare(
    rows: Sequence[OutboundEmail], contexts: Sequence[dict[str, Any]]
) -> list[emails.Prepared | None]:
    """At send time, for a batch of ledger rows: each subscriber's items of the period (a fixed
    number of queries for the whole batch), or ``None`` (nothing sent) when there is none, or
    the subscription ended, or the period was done already. A digest is its frame, rendered
    once per period, count and language (its subscriber's signed links filled in), around its
    body: the blocks of its items, each rendered once per language (``blocks``)."""
    subscribers: list[Subscriber] = [context["subscriber"] for context in contexts]
    selectors.prime_readers(subscribers)
    periods = [Period.parse(context["period"]) for context in contexts]
    due: dict[Period, list[int]] = {}
    for index, (subscriber, period) in enumerate(zip(subscribers, periods, strict=True)):
        if subscriber.status != Subscriber.Status.CONFIRMED:
            continue
        if subscriber.last_digest_at is not None and subscriber.last_digest_at >= period.cutoff:
            continue
        due.setdefault(period, []).append(index)
    prepared: list[emails.Prepared | None] = [None] * len(rows)
    bodies: dict[tuple[int, str], emails.Part] = {}  # by selection and language
    for period, indexes in due.items():
        selections = selectors.digest_items_many(
            [subscribers[i] for i in indexes], until=period.cutoff
        )
        for index, selection in zip(indexes, selections, strict=True):
            if not selection.items:
                continue
            language = rows[index].language
            key = (id(selection), language)
            if key not in bodies:
                bodies[key] = blocks.body(selection, language)
            prepared[index] = emails.Prepared(
                context=_frame(selection.total, period),
                shared=(str(period), selection.total),
                personal=_personal(subscribers[index]),
                parts={"body": bodies[key]},
            )
    return prepared


def _digest_test_prepare(
    rows: Sequence[OutboundEmail], contexts: Sequence[dict[str, Any]]
) -> list[emails.Prepared | None]:
    """The digest a subscriber would get now, for Efus staff (each rendered for itself)."""
    prepared: list[emails.Prepared | None] = []
    for row, context in zip(rows, contexts, strict=True):
        subscriber: Subscriber = context["subscriber"]
        selection = digest_items(subscriber, until=context["until"])
        prepared.append(
            emails.Prepared(
                context={**digest_context(subscriber, selection), "test": True},
                parts={"body": blocks.body(selection, row.language)},
            )
        )
    return prepared


def unsubscribe_address() -> str:
    """Where a mail client's "unsubscribe" by email goes (``List-Unsubscribe``'s mailto)."""
    if settings.DIGEST_UNSUBSCRIBE_EMAIL:
        return str(settings.DIGEST_UNSUBSCRIBE_EMAIL)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"unsubscribe@{domain}"


def unsubscribe_query(unsubscribe_path: str) -> str:
    """The mailto's subject and body: the subscriber's unsubscribe token, which the inbound
    webhook reads (``services.subscriber_unsubscribe_by_email``)."""
    token = unsubscribe_path.rstrip("/").rpartition("/")[2]
    return urlencode(
        {"subject": f"unsubscribe {token}", "body": f"unsubscribe {token}"}, quote_via=quote
    )


def _digest_headers(email: OutboundEmail, context: dict[str, Any]) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, and RFC 2369's mailto for clients without it."""
    url = f"{settings.SITE_URL}{context['unsubscribe_path']}"
    mailto = f"mailto:{unsubscribe_address()}?{unsubscribe_query(context['unsubscribe_path'])}"
    return {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"PACTESUR digest <digest.{urlsplit(settings.SITE_URL).hostname}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }


def _digest_finished(email: OutboundEmail, status: str, error: str) -> None:
    """The ledger row's outcome when it is not sent, in the same commit: the subscriber's period
    is done (nothing to send), or a bounce counts."""
    from . import services

    reference = email.context.get("subscriber") or {}
    if "pk" not in reference:
        return
    services.subscriber_digest_finished(
        subscriber_id=reference["pk"], period=email.occasion, status=status, error=error
    )


def _digest_sent(email: OutboundEmail) -> tuple[Any, dict[str, Any]]:
    """The update made in the statement that marks a ledger row sent: the subscriber's period
    is done, their bounces forgotten."""
    from . import services

    return services.subscriber_digest_sent_update(
        subscriber_id=email.context["subscriber"]["pk"], period=email.occasion
    )


emails.register(CONFIRM, context=_confirm_context)
emails.register(ALREADY_SUBSCRIBED, context=_reminder_context)
emails.register(
    DIGEST,
    prepare=_digest_prepare,
    headers=_digest_headers,
    finished=_digest_finished,
    on_sent=_digest_sent,
)
emails.register(DIGEST_TEST, prepare=_digest_test_prepare, headers=_digest_headers)
