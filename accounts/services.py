"""Writes on accounts and memberships, and their side effects (emails, through the outbox:
``notifications`` queues them in the same transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import Body

from . import notifications
from .models import Membership, OutboundEmail, User
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
        notifications.membership_requested(membership)
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
    notifications.membership_decided(membership, "membership_approved")
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
        notifications.membership_requested(membership)


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
    notifications.membership_decided(membership, "membership_approved")
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
    notifications.membership_decided(membership, event)
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
    notifications.membership_decided(membership, event)
    return membership


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> User:
    fields = ["full_name", "position", "languages", "gender", "language"]
    for field in fields:
        if field in data:
            setattr(user, field, data[field])
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=[f for f in fields if f in data])
    if "interests" in data:
        user.interests.set(data["interests"])
    return user


# What later apps must let go of, through their own services, before an account is deleted
# (trainings: a seat is passed on to the waiting list). ``register_before_delete(hook)`` from an
# app's ``AppConfig.ready``; a hook takes the user and runs in the deletion's transaction.
_before_delete: list[Callable[[User], None]] = []


def register_before_delete(hook: Callable[[User], None]) -> None:
    if hook not in _before_delete:
        _before_delete.append(hook)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account. What the user authored stays, detached from them (``SET_NULL``); the
    emails sent or waiting for them go (their rows name the address)."""
    from allauth.account.models import EmailAddress

    for hook in _before_delete:
        hook(user)

    addresses = {user.email.lower()} | {
        a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    OutboundEmail.objects.filter(recipient__in=addresses).delete()
    EmailAddress.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    user.delete()
