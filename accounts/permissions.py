"""Who may do what with accounts and memberships: ``rules`` predicates and lookup helpers.

Powers (a coordinator's, Efus staff's) need two-factor authentication: a coordinator or moderator
without MFA is treated as a plain member until they set it up.
"""

from __future__ import annotations

from typing import Any

import rules
from django.http import Http404
from django.shortcuts import get_object_or_404

from cities.models import City

from .models import Membership, User


@rules.predicate
def is_member(user: Any) -> bool:
    """An approved member of any body (police, prevention service, Efus or another network body)."""
    return bool(user.is_authenticated and user.is_member)


@rules.predicate
def is_police_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_police or user.is_efus_staff))


@rules.predicate
def is_efus_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_efus_staff and user.has_mfa)


@rules.predicate
def is_coordinator(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_coordinator and user.has_mfa)


def coordinates_city(user: Any, city: City | None) -> bool:
    """Whether the user is an MFA-protected coordinator of this city."""
    return bool(city is not None and is_coordinator(user) and user.city.pk == city.pk)


@rules.predicate
def coordinates_membership_city(user: Any, membership: Membership) -> bool:
    return coordinates_city(user, membership.body.city)


@rules.predicate
def is_not_self(user: Any, membership: Membership) -> bool:
    return membership.user_id != user.pk


rules.add_rule("accounts.view_city_members", is_coordinator | is_efus_staff)
rules.add_rule(
    "accounts.decide_membership", (coordinates_membership_city | is_efus_staff) & is_not_self
)
rules.add_rule("accounts.appoint_coordinator", is_efus_staff & is_not_self)


def get_membership_for_user(user: Any, pk: int) -> Membership:
    """A membership the user may decide on (approve, remove); 404 for anyone else."""
    membership = get_object_or_404(Membership.objects.select_related("user", "body__city"), pk=pk)
    if not rules.test_rule("accounts.decide_membership", user, membership):
        raise Http404
    return membership


def get_user_city_scope(user: User, city_slug: str | None) -> City | None:
    """The city whose members a coordinator or Efus staff member is looking at.

    A coordinator always sees their own city; Efus staff choose one (or all, with ``None``).
    """
    if is_efus_staff(user):
        return get_object_or_404(City, slug=city_slug) if city_slug else None
    if is_coordinator(user):
        return user.city
    raise Http404
