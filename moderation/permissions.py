"""Who may moderate, and the predicates every moderated model's rules are made of.

Moderating (every decision, the queue, the review page) and reading the audit log are for Efus
staff with powers. Each moderated model registers its own two rules from the predicates below,
named ``<app_label>.change_<model>`` (edit: in place, or propose a revision) and
``<app_label>.submit_<model>`` (send to the moderators); the services ask for those names. The
rules of practices, in ``practices/permissions.py``, are the usual ones::

    rules.add_rule("things.change_thing", coordinates_object_city | has_staff_powers
                   | (is_author & belongs_to_object_city & is_editable_in_place))
    rules.add_rule("things.submit_thing", coordinates_object_city | has_staff_powers)
"""

from __future__ import annotations

from typing import Any

import rules

from accounts.permissions import allowed
from accounts.roles import coordinates, has_staff_powers, is_member

from .models import Moderated, ModerationEvent, Revision, Status


@rules.predicate
def is_author(user: Any, obj: Moderated) -> bool:
    """The signed-in user wrote the item."""
    return bool(user is not None and user.is_authenticated and obj.created_by_id == user.pk)


@rules.predicate
def coordinates_object_city(user: Any, obj: Moderated) -> bool:
    """A coordinator with powers of the item's city (``accounts.roles.coordinates``)."""
    return coordinates(user, getattr(obj, "city_id", None))


@rules.predicate
def belongs_to_object_city(user: Any, obj: Moderated) -> bool:
    """A member whose body is in the item's city."""
    city_id = getattr(obj, "city_id", None)
    return bool(
        city_id is not None and is_member(user) and user.approved_membership.body.city_id == city_id
    )


@rules.predicate
def is_editable_in_place(user: Any, obj: Moderated) -> bool:
    """The item is not published nor waiting for review (``Moderated.is_editable_in_place``)."""
    return obj.is_editable_in_place


@rules.predicate
def is_shown_published(user: Any, obj: Moderated) -> bool:
    """Published, and not hidden after reports."""
    return obj.status == Status.PUBLISHED and obj.hidden_at is None


rules.add_rule("moderation.moderate", has_staff_powers)
rules.add_rule("moderation.view_log", has_staff_powers)
# Any member reports a published item they did not write (``moderation.reports``).
rules.add_rule("moderation.report", is_member & is_shown_published & ~is_author)
# Its city's coordinators (and staff) keep an item current (``moderation.freshness``).
rules.add_rule("moderation.review_item", coordinates_object_city | has_staff_powers)


def rule_name(obj: Moderated | type[Moderated], verb: str) -> str:
    """The name of a moderated model's rule: ``rule_name(practice, "change")`` is
    ``"practices.change_practice"``."""
    return f"{obj._meta.app_label}.{verb}_{obj._meta.model_name}"


def moderation_flags(user: Any, obj: Moderated) -> dict[str, Any]:
    """What an item's page may offer this user about its moderation (the view computes, the
    template displays). One query at most: the history and the open revision, for those who see
    the status.

    ``can_edit`` (in place, or by proposing an edit of a published item), ``can_submit``,
    ``can_moderate`` (the review page), ``show_status`` (the user may see the moderation state:
    authors, the city's coordinators, staff), ``open_revision`` (a pending edit or ``None``),
    ``moderator_message`` (the moderator's last message, while the item waits for its authors),
    ``ask_coordinator`` (may edit the draft but not submit it: ask the coordinator),
    ``can_report`` (a member may report it), ``can_review`` (may mark it as still current and
    set its review date), ``history`` (its audit events, newest first, for those who see the
    status, else ``None``; ``moderation/includes/history.html``).
    """
    can_edit = allowed(rule_name(obj, "change"), user, obj)
    may_submit = allowed(rule_name(obj, "submit"), user, obj)
    can_moderate = allowed("moderation.moderate", user)
    in_place = obj.is_editable_in_place
    show_status = bool(can_edit or can_moderate or may_submit or is_author(user, obj))
    revision: Revision | None = None
    history: list[ModerationEvent] | None = None
    if show_status:
        # One query for both: the history, and the open revision (the newest event about an
        # edit still open: every proposed edit is logged when it is made or replaced).
        history = list(
            ModerationEvent.objects.for_object(obj).select_related("by", "revision__created_by")
        )
        if obj.status == Status.PUBLISHED:
            revision = next(
                (e.revision for e in history if e.revision and e.revision.status in Revision.OPEN),
                None,
            )
    message = obj.moderation_message if show_status and in_place else ""
    if revision is not None and revision.status == Revision.Status.CHANGES_REQUESTED:
        message = obj.moderation_message
    return {
        "can_edit": can_edit,
        "can_submit": bool(may_submit and in_place),
        "can_moderate": can_moderate,
        "show_status": show_status,
        "open_revision": revision,
        "moderator_message": message,
        "ask_coordinator": bool(can_edit and in_place and not may_submit),
        "can_report": allowed("moderation.report", user, obj),
        "can_review": bool(obj.status == Status.PUBLISHED)
        and allowed("moderation.review_item", user, obj),
        "history": history,
    }
