"""Who may do what with trainings. Reading is ``Training.objects.visible_to(user)``: one rule.

A city's coordinator (with powers) hosts trainings for their city's body: drafts, edits, submits
them and manages their sessions, materials, seats per city, participants and attendance; Efus
staff with powers do the same for every training (those hosted by the Efus body are theirs) and
publish them. A coordinator decides the registrations of their own city's members.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.permissions import allowed
from accounts.roles import coordinates, has_coordinator_powers, has_staff_powers
from moderation.permissions import coordinates_object_city, moderation_flags

from .models import Registration, Training


@rules.predicate
def coordinates_registration_city(user: Any, registration: Registration) -> bool:
    """A coordinator with powers of the city the participant registered from."""
    return coordinates(user, registration.city_id)


# A city's coordinator drafts trainings hosted by their body; Efus staff, by the Efus body.
rules.add_rule("trainings.add_training", has_coordinator_powers | has_staff_powers)
rules.add_rule("trainings.change_training", coordinates_object_city | has_staff_powers)
rules.add_rule("trainings.submit_training", coordinates_object_city | has_staff_powers)
# The host: sessions, materials, seats, participants, attendance, registering from the list.
rules.add_rule("trainings.host_training", coordinates_object_city | has_staff_powers)
# The participant's own coordinator approves or declines a registration that needs it.
rules.add_rule("trainings.decide_registration", coordinates_registration_city | has_staff_powers)
# A coordinator registers members of their own city; Efus staff anyone.
rules.add_rule("trainings.register_others", has_coordinator_powers | has_staff_powers)
rules.add_rule("trainings.view_participation", has_coordinator_powers | has_staff_powers)


def get_training_for_user(user: Any, pk: int, *, write: bool = False) -> Training:
    """The training if the user may see it (404 otherwise); with ``write``, may also edit it
    (``PermissionDenied`` for a reader who may not)."""
    training = get_object_or_404(
        Training.objects.visible_to(user).select_related("city", "body"), pk=pk
    )
    if write and not allowed("trainings.change_training", user, training):
        raise PermissionDenied
    return training


def get_training_for_host(user: Any, pk: int) -> Training:
    """A training the user hosts (its city's coordinator, or Efus staff); 404 for anyone else."""
    training = get_training_for_user(user, pk)
    if not allowed("trainings.host_training", user, training):
        raise Http404
    return training


def get_registration_for_decider(user: Any, pk: int) -> Registration:
    """A registration the user may decide on (their city's, or any for Efus staff); 404 else."""
    registration = get_object_or_404(
        Registration.objects.select_related("training", "user", "city"), pk=pk
    )
    if not allowed("trainings.decide_registration", user, registration):
        raise Http404
    return registration


def get_own_registration(user: Any, pk: int) -> Registration:
    """One of the user's own registrations; 404 for anyone else's."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(
        Registration.objects.select_related("training", "city"), pk=pk, user=user
    )


def training_flags(user: Any, training: Training) -> dict[str, Any]:
    """What the detail page may offer this user (the view computes, the template displays):
    the keys of ``moderation_flags`` and ``can_host``."""
    return {
        **moderation_flags(user, training),
        "can_host": allowed("trainings.host_training", user, training),
    }


def get_registration_for_canceller(user: Any, pk: int) -> Registration:
    """A registration the user may cancel: their own, their city's (coordinator), or one of a
    training they host; 404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    registration = get_object_or_404(
        Registration.objects.select_related("training", "city", "user"), pk=pk
    )
    if not (
        registration.user_id == user.pk
        or allowed("trainings.decide_registration", user, registration)
        or allowed("trainings.host_training", user, registration.training)
    ):
        raise Http404
    return registration
