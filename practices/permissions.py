"""Who may do what with practices. Reading is ``Practice.objects.visible_to(user)``: one rule."""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.permissions import allowed
from accounts.roles import has_coordinator_powers, has_staff_powers, is_member
from moderation.models import Status, reach_of
from moderation.permissions import (
    belongs_to_object_city,
    coordinates_object_city,
    is_author,
    is_editable_in_place,
    moderation_flags,
)
from pactesur.prepared import PreparedQuery

from .models import Practice


@rules.predicate
def can_adopt(user: Any, practice: Practice) -> bool:
    """A coordinator of another city than the practice's, on a published practice."""
    return bool(
        practice.status == Status.PUBLISHED
        and has_coordinator_powers(user)
        and user.city.pk != practice.city_id
    )


# A member drafts a practice for their own city.
rules.add_rule("practices.add_practice", is_member)
# The city's coordinator edits any of the city's practices (a published one through a revision);
# the author edits their own draft while it is a draft; Efus staff may edit everything.
rules.add_rule(
    "practices.change_practice",
    coordinates_object_city
    | has_staff_powers
    | (is_author & belongs_to_object_city & is_editable_in_place),
)
# The coordinator (or the author, if coordinator) submits to moderation.
rules.add_rule("practices.submit_practice", coordinates_object_city | has_staff_powers)
rules.add_rule("practices.add_adoption", can_adopt)


def _visible_practice(user: Any, pk: int) -> QuerySet[Practice]:
    return (
        Practice.objects.visible_to(user).select_related("city", "body", "created_by").filter(pk=pk)
    )


# Every practice page reads its practice this way: compiled once per reach (what the reader may
# see, ``moderation.models.reach_of``) and thread, not on every request (``pactesur.prepared``).
_practice_for_reader = PreparedQuery(_visible_practice)


def get_practice_for_user(user: Any, pk: int, *, write: bool = False) -> Practice:
    """The practice if the user may see it (404 otherwise); with ``write``, may also edit it
    (``PermissionDenied`` for a reader who may not)."""
    practice = _practice_for_reader.get(reach_of(user), pk, user)
    if not isinstance(practice, Practice):
        raise Http404("No practice matches the given query.")
    if write and not allowed("practices.change_practice", user, practice):
        raise PermissionDenied
    return practice


def get_practice_for_adoption(user: Any, pk: int) -> Practice:
    practice = get_practice_for_user(user, pk)
    if not allowed("practices.add_adoption", user, practice):
        raise Http404
    return practice


def practice_flags(user: Any, practice: Practice) -> dict[str, Any]:
    """What the detail page may offer this user on this practice (computed here, displayed by
    ``practices/includes/practice_actions.html``). At most two queries, whatever the practice.

    The keys of ``moderation.permissions.moderation_flags`` (``can_edit``, ``can_submit``,
    ``can_moderate``, ``show_status``, ``open_revision``, ``moderator_message``,
    ``ask_coordinator``), and ``can_adopt`` (and ``has_adopted``: their city already recorded an
    adoption).
    """
    from .models import Adoption

    can_adopt = allowed("practices.add_adoption", user, practice)
    has_adopted = bool(
        can_adopt and Adoption.objects.filter(practice=practice, city=user.city).exists()
    )
    return {
        **moderation_flags(user, practice),
        "can_adopt": can_adopt and not has_adopted,
        "has_adopted": has_adopted,
    }
