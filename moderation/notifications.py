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
