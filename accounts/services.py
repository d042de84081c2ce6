"""Writes on accounts and memberships, and their side effects (emails through Celery)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import Body

from . import roles
from .emails import send_email
from .models import Membership, User
from .permissions import allowed


def _forget_roles(user: User) -> None:
    """Drop the per-request role cache after a membership change."""
    user.__dict__.pop("membership", None)


@transaction.atomic
def membership_request(*, user: User, body: Body) -> Membership:
    """Ask to join a body. Approved at once if the user's verified address is on its domain."""
    if Membership.objects.current().filter(user=user).exists():
        raise ValidationError(
            _("You already belong to an organisation, or your request is pending."), code="exists"
        )
    membership = Membership.objects.create(user=user, body=body)
    _forget_roles(user)
    # Coordinators hear of a request only once the address is verified (at sign-up, that is when
    # the person follows the confirmation link: see ``email_confirmed``).
    if not membership_auto_approve(membership=membership) and _email_is_verified(user):
        transaction.on_commit(lambda: _enqueue("membership_requested", membership.pk))
    return membership


def _email_is_verified(user: User) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


@transaction.atomic
def membership_auto_approve(*, membership: Membership) -> bool:
    """Approve a pending membership whose user has a *verified* address on the body's domains."""
    if membership.status != Membership.Status.PENDING:
        return False
    if not (
        membership.body.accepts_email(membership.user.email) and _email_is_verified(membership.user)
    ):
        return False
    membership.status = Membership.Status.APPROVED
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_at"])
    _forget_roles(membership.user)
    transaction.on_commit(lambda: _enqueue("membership_approved", membership.pk))
    return True


@transaction.atomic
def email_confirmed(*, user: User, email: str | None = None) -> None:
    """Called when allauth confirms an address: a pending request may now auto-approve.

    If it does not, and the confirmed address is the account's own (the sign-up address), the
    city's coordinators are told about the request now.
    """
    membership = (
        Membership.objects.pending().filter(user=user).select_related("body", "user").first()
    )
    if membership is None or membership_auto_approve(membership=membership):
        return
    if email is None or email.lower() == user.email.lower():
        transaction.on_commit(lambda: _enqueue("membership_requested", membership.pk))


@transaction.atomic
def membership_approve(*, membership: Membership, by: User) -> Membership:
    if not allowed("accounts.decide_membership", by, membership):
        raise PermissionDenied
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("Only a pending request can be approved."), code="not_pending")
    membership.status = Membership.Status.APPROVED
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _enqueue("membership_approved", membership.pk))
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> Membership:
    """Decline a pending request or remove an approved member (a coordinator loses that role)."""
    if not allowed("accounts.decide_membership", by, membership):
        raise PermissionDenied
    if membership.status == Membership.Status.REMOVED:
        raise ValidationError(_("This membership was already removed."), code="removed")
    if membership.role == Membership.Role.COORDINATOR and not allowed(
        "accounts.appoint_coordinator", by, membership
    ):
        raise PermissionDenied
    event = (
        "membership_declined"
        if membership.status == Membership.Status.PENDING
        else "membership_removed"
    )
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "role", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _enqueue(event, membership.pk))
    return membership


@transaction.atomic
def coordinator_set(*, membership: Membership, by: User, appoint: bool) -> Membership:
    """Efus staff appoint (``appoint=True``) or remove a city coordinator."""
    if not allowed("accounts.appoint_coordinator", by, membership):
        raise PermissionDenied
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError(
            _("Only an approved member can be made coordinator."), code="not_approved"
        )
    if membership.body.is_efus:
        raise ValidationError(
            _("Efus staff already have every power; no coordinator role there."), code="efus"
        )
    role = Membership.Role.COORDINATOR if appoint else Membership.Role.MEMBER
    if membership.role == role:
        message = (
            _("This member is already a coordinator.")
            if appoint
            else _("This member is not a coordinator.")
        )
        raise ValidationError(message, code="unchanged")
    membership.role = role
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["role", "decided_at", "decided_by"])
    event = "coordinator_appointed" if appoint else "coordinator_removed"
    transaction.on_commit(lambda: _enqueue(event, membership.pk))
    return membership


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> User:
    fields = ["full_name", "position", "languages", "gender"]
    for field in fields:
        if field in data:
            setattr(user, field, data[field])
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=[f for f in fields if f in data])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account. What the user authored stays, detached from them (``SET_NULL``)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    user.delete()


# --- Notifications (run by tasks, after commit) -------------------------------------------------

# What happened to a membership: the ``kind`` a notification task receives. All but the first send
# ``membership_decided`` to the member, with the event in the context.
DECISION_EVENTS = (
    "membership_approved",
    "membership_declined",
    "membership_removed",
    "coordinator_appointed",
    "coordinator_removed",
)


def _enqueue(kind: str, membership_id: int) -> None:
    from .tasks import notify_membership

    notify_membership.delay(kind, membership_id)


def _request_recipients(membership: Membership) -> list[User]:
    """Who decides: the city's coordinators with powers, or staff with powers for the Efus body
    and for a city with no coordinator able to decide yet."""
    deciders = roles.staff_with_powers()
    if not membership.body.is_efus:
        coordinators = roles.coordinators_with_powers(membership.body.city_id)
        if coordinators.exists():
            deciders = coordinators
    return list(deciders.exclude(pk=membership.user_id))


def membership_notify(*, kind: str, membership_id: int) -> int:
    """Email the people concerned by a membership event. Returns the number of emails sent."""
    membership = (
        Membership.objects.select_related("user", "body__city", "decided_by")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        return 0
    if kind == "membership_requested":
        if membership.status != Membership.Status.PENDING:
            return 0  # decided before the task ran: nothing to ask any more
        sent = 0
        for recipient in _request_recipients(membership):
            sent += send_email(
                "membership_requested",
                to=[recipient.email],
                context={"membership": membership, "recipient": recipient},
            )
        return sent
    if kind not in DECISION_EVENTS:
        return 0
    event = kind
    return send_email(
        "membership_decided",
        to=[membership.user.email],
        context={"membership": membership, "event": event, "recipient": membership.user},
    )
