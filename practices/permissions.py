"""Who may do what with practices. Reading is ``Practice.objects.visible_to(user)``: one rule."""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.permissions import coordinates_city, is_efus_staff, is_member
from moderation.models import Status

from .models import Practice


@rules.predicate
def coordinates_practice_city(user: Any, practice: Practice) -> bool:
    return coordinates_city(user, practice.city)


@rules.predicate
def is_author(user: Any, practice: Practice) -> bool:
    return bool(user.is_authenticated and practice.created_by_id == user.pk)


@rules.predicate
def is_editable_in_place(user: Any, practice: Practice) -> bool:
    return practice.status in (Status.DRAFT, Status.CHANGES_REQUESTED)


@rules.predicate
def belongs_to_practice_city(user: Any, practice: Practice) -> bool:
    return bool(user.is_authenticated and user.is_member and user.city and user.city.pk == practice.city_id)


@rules.predicate
def can_adopt(user: Any, practice: Practice) -> bool:
    """A coordinator of another city than the practice's, on a published practice."""
    return bool(
        practice.status == Status.PUBLISHED
        and user.is_authenticated
        and user.is_coordinator
        and user.has_mfa
        and user.city.pk != practice.city_id
    )


# A member drafts a practice for their own city.
rules.add_rule("practices.add_practice", is_member)
# The city's coordinator edits any of the city's practices (a published one through a revision);
# the author edits their own draft while it is a draft; Efus staff may edit everything.
rules.add_rule(
    "practices.change_practice",
    coordinates_practice_city | is_efus_staff | (is_author & belongs_to_practice_city & is_editable_in_place),
)
# The coordinator (or the author, if coordinator) submits to moderation.
rules.add_rule("practices.submit_practice", coordinates_practice_city | is_efus_staff)
rules.add_rule("practices.add_adoption", can_adopt)


def get_practice_for_user(user: Any, pk: int, *, write: bool = False) -> Practice:
    """The practice if the user may see it (404 otherwise); with ``write``, may also edit it
    (``PermissionDenied`` for a reader who may not)."""
    practice = get_object_or_404(
        Practice.objects.visible_to(user).select_related("city", "body", "created_by"), pk=pk
    )
    if write and not rules.test_rule("practices.change_practice", user, practice):
        raise PermissionDenied
    return practice


def get_practice_for_adoption(user: Any, pk: int) -> Practice:
    practice = get_practice_for_user(user, pk)
    if not rules.test_rule("practices.add_adoption", user, practice):
        raise Http404
    return practice
