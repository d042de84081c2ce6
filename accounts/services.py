"""Writes on accounts and memberships, and their side effects (emails through Celery)."""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import Body

from .emails import send_email
from .models import Membership, User


def _forget_roles(user: User) -> None:
    """Drop the per-request role cache after a membership change."""
    user.__dict__.pop("membership", None)


@transaction.atomic
def membership_request(*, user: User, body: Body) -> Membership:
    """Ask to join a body. Approved at once if the user's verified address is on its domain."""
    if Membership.objects.current().filter(user=user).exists():
        raise ValidationError(_("You already belong to an organisation, or your request is pending."), code="exists")
    membership = Membership.objects.create(user=user, body=body)
    _forget_roles(user)
    if not membership_auto_approve(membership=membership):
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
    if not (membership.body.accepts_email(membership.user.email) and _email_is_verified(membership.user)):
        return False
    membership.status = Membership.Status.APPROVED
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_at"])
    _forget_roles(membership.user)
    transaction.on_commit(lambda: _enqueue("membership_decided", membership.pk))
    return True


def email_confirmed(*, user: User) -> None:
    """Called when allauth confirms an address: a pending request may now auto-approve."""
    membership = Membership.objects.pending().filter(user=user).select_related("body", "user").first()
    if membership:
        membership_auto_approve(membership=membership)


@transaction.atomic
def membership_approve(*, membership: Membership, by: User) -> Membership:
    if not rules.test_rule("accounts.decide_membership", by, membership):
        raise PermissionDenied
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("Only a pending request can be approved."), code="not_pending")
    membership.status = Membership.Status.APPROVED
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _enqueue("membership_decided", membership.pk))
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> Membership:
    """Decline a pending request or remove an approved member (a coordinator loses that role)."""
    if not rules.test_rule("accounts.decide_membership", by, membership):
        raise PermissionDenied
    if membership.status == Membership.Status.REMOVED:
        raise ValidationError(_("This membership was already removed."), code="removed")
    if membership.role == Membership.Role.COORDINATOR and not rules.test_rule(
        "accounts.appoint_coordinator", by, membership
    ):
        raise PermissionDenied
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["status", "role", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _enqueue("membership_decided", membership.pk))
    return membership


@transaction.atomic
def coordinator_set(*, membership: Membership, by: User, appoint: bool) -> Membership:
    """Efus staff appoint (``appoint=True``) or remove a city coordinator."""
    if not rules.test_rule("accounts.appoint_coordinator", by, membership):
        raise PermissionDenied
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError(_("Only an approved member can be made coordinator."), code="not_approved")
    if membership.body.is_efus:
        raise ValidationError(_("Efus staff already have every power; no coordinator role there."), code="efus")
    membership.role = Membership.Role.COORDINATOR if appoint else Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = by
    membership.save(update_fields=["role", "decided_at", "decided_by"])
    transaction.on_commit(lambda: _enqueue("membership_decided", membership.pk))
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


def _enqueue(kind: str, membership_id: int) -> None:
    from .tasks import notify_membership

    notify_membership.delay(kind, membership_id)


def membership_notify(*, kind: str, membership_id: int) -> int:
    """Email the people concerned by a membership event. Returns the number of emails sent."""
    membership = Membership.objects.select_related("user", "body__city").filter(pk=membership_id).first()
    if membership is None:
        return 0
    if kind == "membership_requested":
        coordinators = (
            Membership.objects.coordinators()
            .in_city(membership.body.city)
            .select_related("user")
        )
        sent = 0
        for coordinator in coordinators:
            sent += send_email(
                "membership_requested",
                to=[coordinator.user.email],
                context={"membership": membership, "recipient": coordinator.user},
            )
        return sent
    return send_email("membership_decided", to=[membership.user.email], context={"membership": membership})
