"""The one vocabulary of roles (DOMAIN.md §2). Every question "who is this person to the
platform?" is answered here: by the visibility rule (``moderation.models.reach_of``), the
``rules`` predicates of every app, the authentication backend, the admin site, the recipient
lists of emails, the view flags and the navigation (through the ``User`` properties of the same
names, which call these).

The words, and what each means:

- **member**: an active account whose membership of a body (a participating police body, Efus, or
  another network body) is approved. Reads network material.
- **police reader**: a member of a police body (``Body.is_police``), or staff with powers. Reads
  police-only material.
- **in the Efus body**: an approved member of the Efus body, or an active superuser (the
  technical operator). By itself this gives no power: see the next line.
- **staff with powers**: in the Efus body *and* with two-factor authentication. Moderates, runs
  the network, uses the admin. Without MFA, Efus staff are plain members.
- **city coordinator**: an approved member whose role is coordinator, in a city's body (never
  the Efus body). By itself this gives no power: see the next line.
- **coordinator with powers of a city**: a city coordinator of that city *with* two-factor
  authentication. Approves the city's members, publishes its practices, hosts trainings...
- **needs MFA**: in the Efus body or a city coordinator, without two-factor authentication yet.

Per-request facts (the membership, whether MFA is set up) are read once and cached on the user
object (``User.membership``, ``User.has_mfa``). The querysets at the bottom answer the same
questions for many users at once (recipient lists), and are tested against the predicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet

if TYPE_CHECKING:
    from cities.models import City

    from .models import User


def _membership(user: Any) -> Any:
    """The approved membership of an active, signed-in user, else ``None``."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return None
    return user.approved_membership


@rules.predicate
def is_member(user: Any) -> bool:
    return _membership(user) is not None


@rules.predicate
def in_efus_body(user: Any) -> bool:
    """An approved member of the Efus body, or an active superuser: no powers without MFA."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    membership = _membership(user)
    return bool(user.is_superuser or (membership is not None and membership.body.is_efus))


@rules.predicate
def has_staff_powers(user: Any) -> bool:
    """Efus staff (or the operator) with two-factor authentication."""
    return bool(in_efus_body(user) and user.has_mfa)


@rules.predicate
def is_city_coordinator(user: Any) -> bool:
    """Appointed coordinator of a city's body: no powers without MFA."""
    membership = _membership(user)
    return bool(
        membership is not None
        and membership.role == membership.Role.COORDINATOR
        and not membership.body.is_efus
    )


@rules.predicate
def has_coordinator_powers(user: Any) -> bool:
    """A city coordinator with two-factor authentication (of whichever city is theirs)."""
    return bool(is_city_coordinator(user) and user.has_mfa)


def coordinates(user: Any, city: City | int | None) -> bool:
    """Whether the user is a coordinator with powers of this city (a ``City`` or its id)."""
    if city is None or not has_coordinator_powers(user):
        return False
    city_id = city if isinstance(city, int) else city.pk
    return bool(user.approved_membership.body.city_id == city_id)


@rules.predicate
def is_police_reader(user: Any) -> bool:
    """Reads police-only material: a member of a police body, or staff with powers."""
    membership = _membership(user)
    return bool(membership is not None and membership.body.is_police) or has_staff_powers(user)


def needs_mfa(user: Any) -> bool:
    """Someone whose powers wait for two-factor authentication."""
    return bool((in_efus_body(user) or is_city_coordinator(user)) and not user.has_mfa)


# --- The same questions for many users at once (recipient lists) --------------------------------


def _with_mfa() -> Exists:
    from allauth.mfa.models import Authenticator

    return Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP))


def staff_with_powers() -> QuerySet[User]:
    """Every user for whom ``has_staff_powers`` holds (e.g. the moderators to notify)."""
    from cities.models import Body

    from .models import Membership, User

    efus = Membership.objects.approved().filter(
        user=OuterRef("pk"), body__type=Body.Type.NETWORK_SECRETARIAT
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(Exists(efus)) | Q(is_superuser=True))
        .filter(_with_mfa())
        .order_by("pk")
    )


def coordinators_with_powers(city: City | int) -> QuerySet[User]:
    """Every user for whom ``coordinates(user, city)`` holds."""
    from cities.models import Body

    from .models import Membership, User

    city_id = city if isinstance(city, int) else city.pk
    coordinating = (
        Membership.objects.coordinators()
        .filter(user=OuterRef("pk"), body__city_id=city_id)
        .exclude(body__type=Body.Type.NETWORK_SECRETARIAT)
    )
    return (
        User.objects.filter(is_active=True).filter(Exists(coordinating), _with_mfa()).order_by("pk")
    )
