"""Who hears of a moderation event. ``services._log`` calls ``moderation_event`` inside the
transaction that writes the event; it queues outbox rows (accounts/emails.py)."""

from __future__ import annotations

from typing import Any

from accounts import emails, roles

from .models import ModerationEvent

Action = ModerationEvent.Action

# Decisions go to the item's author and the revision's author.
DECISIONS = {
    Action.PUBLISH,
    Action.REQUEST_CHANGES,
    Action.PUBLISH_REVISION,
    Action.REQUEST_REVISION_CHANGES,
    Action.REJECT,
    Action.REJECT_REVISION,
    Action.UNPUBLISH,
    Action.RESTORE,
}
# Submissions (a new item, a proposed edit) go to every Efus moderator with powers.
SUBMISSIONS = {Action.SUBMIT, Action.REVISE}


def moderation_event(event: ModerationEvent, obj: Any) -> None:
    """Email the people concerned by this event on ``obj`` (nothing for other actions)."""
    if event.action not in DECISIONS | SUBMISSIONS:
        return
    context = {"event": event, "object": obj, "label": obj._meta.label_lower}
    if event.action in SUBMISSIONS:
        for moderator in roles.staff_with_powers():
            if moderator.pk != event.by_id:
                emails.queue("moderation_submitted", to=moderator, about=event, context=context)
        return
    authors = [obj.created_by, getattr(event.revision, "created_by", None)]
    recipients = {u.pk: u for u in authors if u is not None and u.is_active}
    for author in recipients.values():
        emails.queue("moderation_decided", to=author, about=event, context=context)


def item_hidden(event: ModerationEvent, obj: Any) -> None:
    """Reports hid the item: its author and its city's coordinators are told (not who reported)."""
    recipients = {}
    if obj.created_by is not None and obj.created_by.is_active:
        recipients[obj.created_by.pk] = obj.created_by
    city_id = getattr(obj, "city_id", None)
    if city_id is not None:
        recipients.update({u.pk: u for u in roles.coordinators_with_powers(city_id)})
    context = {"event": event, "object": obj}
    for recipient in recipients.values():
        emails.queue("moderation_hidden", to=recipient, about=event, context=context)


def report_decided(event: ModerationEvent, obj: Any, report: Any) -> None:
    """Tell a reporter what the moderator decided (reports dismissed, or the item unpublished)."""
    if report.by.is_active:
        emails.queue(
            "moderation_report_decided",
            to=report.by,
            about=report,
            context={"event": event, "object": obj, "title": str(obj)},
        )


def daily_summary(today: Any = None) -> int:
    """The moderators' morning email (``tasks.send_daily_summary``, 09:00 Europe/Paris): the
    counts by tab and the oldest waiting item with its link, once a day per moderator (the
    outbox's key: kind, recipient, day). Nothing when nothing waits and nothing is reported
    (overdue items alone are their cities' to review). Returns the number of emails queued."""
    from django.db import transaction
    from django.utils import timezone

    from .queue import queue_rows, tab_counts

    today = today or timezone.localdate()
    counts = tab_counts(today)
    if not counts["waiting"] and not counts["reported"]:
        return 0
    context: dict[str, Any] = {"counts": counts}
    waiting = queue_rows("waiting")
    if waiting:
        oldest = waiting[0]
        context |= {
            "oldest_title": str(oldest.obj),
            "oldest_label": oldest.label,
            "oldest_pk": oldest.obj.pk,
            "oldest_since": oldest.since,
        }
    queued = 0
    with transaction.atomic():
        for moderator in roles.staff_with_powers():
            email = emails.queue(
                "moderation_daily", to=moderator, occasion=today.isoformat(), context=context
            )
            queued += email is not None
    return queued
