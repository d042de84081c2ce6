"""Who may do what with accounts and memberships: ``rules`` rules and lookup helpers. The roles
themselves (member, staff with powers, coordinator with powers...) are ``accounts.roles``."""

from __future__ import annotations

from typing import Any

import rules
from django.http import Http404
from django.shortcuts import get_object_or_404

from cities.models import City

from .models import Certificate, Membership, User
from .roles import coordinates, has_coordinator_powers, has_staff_powers


def allowed(rule: str, user: Any, obj: Any = None) -> bool:
    """Whether ``rule`` (a ``rules`` rule, e.g. ``"practices.change_practice"``) allows ``user``
    to act (on ``obj``). The one way code asks: a name that no app registered raises, instead of
    silently denying as ``rules.test_rule`` would (a typo must not look like "not allowed")."""
    if not rules.rule_exists(rule):
        raise LookupError(f"No rule named {rule!r} is registered.")
    return rules.test_rule(rule, user, obj)  # noqa: TID251  (the one place)


@rules.predicate
def coordinates_membership_city(user: Any, membership: Membership) -> bool:
    """A coordinator with powers of the membership's city, for a city body: never the Efus body,
    whose members are Efus staff (only staff with powers decide on those)."""
    return not membership.body.is_efus and coordinates(user, membership.body.city_id)


@rules.predicate
def is_not_self(user: Any, membership: Membership) -> bool:
    return membership.user_id != user.pk


rules.add_rule(
    "accounts.decide_membership", (coordinates_membership_city | has_staff_powers) & is_not_self
)
rules.add_rule("accounts.appoint_coordinator", has_staff_powers & is_not_self)


def get_membership_for_user(user: Any, pk: int) -> Membership:
    """A membership the user may decide on (approve, remove); 404 for anyone else."""
    membership = get_object_or_404(Membership.objects.select_related("user", "body__city"), pk=pk)
    if not allowed("accounts.decide_membership", user, membership):
        raise Http404
    return membership


def get_user_city_scope(user: User, city_slug: str | None) -> City | None:
    """The city whose members a coordinator or Efus staff member is looking at.

    A coordinator always sees their own city; Efus staff choose one (or all, with ``None``).
    """
    if has_staff_powers(user):
        return get_object_or_404(City, slug=city_slug) if city_slug else None
    if has_coordinator_powers(user):
        return user.city
    raise Http404


def get_certificate_for_user(user: Any, pk: int) -> Certificate:
    """A certificate for its holder, or for Efus staff with powers; 404 for anyone else."""
    certificate = get_object_or_404(Certificate, pk=pk)
    signed_in = user is not None and user.is_authenticated and user.is_active
    if not signed_in or not (certificate.holder_id == user.pk or has_staff_powers(user)):
        raise Http404
    return certificate
