"""HTTP glue for "My account" (profile, joining, export, deletion) and the members page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cities.models import City

from . import exports, services
from .forms import DeleteAccountForm, JoinForm, ProfileForm
from .models import Certificate, Membership, User
from .permissions import allowed, get_membership_for_user, get_user_city_scope
from .roles import has_staff_powers


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a ``User`` (for the type checker)."""

    user: User  # type: ignore[assignment]


MEMBERS_PER_PAGE = 50


# --- My account ---------------------------------------------------------------------------------


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own page: profile, membership, two-factor status and account links."""
    user = request.user
    membership = user.membership
    ended = None
    if membership is None:
        ended = (
            Membership.objects.filter(user=user, status=Membership.Status.REMOVED)
            .select_related("body__city")
            .order_by("-decided_at")
            .first()
        )
    try:  # the digest app's row, through its reverse accessor (accounts does not import digests)
        subscription = user.digest_subscription  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        subscription = None
    context = {
        "membership": membership,
        "ended_membership": ended,
        "subscription": subscription,
        "email_addresses": list(EmailAddress.objects.filter(user=user).order_by("-primary")),
        "gender_label": dict(User.Gender.choices).get(user.gender, ""),
        "certificates": list(
            Certificate.objects.held_by(user).defer("pdf", "sha256").order_by("-issued_at")
        ),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.profile_update(user=user, data=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("accounts:dashboard")
    else:
        form = ProfileForm(instance=user)
    return render(request, "accounts/profile_form.html", {"form": form})


@login_required
def join(request: AuthenticatedRequest) -> HttpResponse:
    """Ask to join an organisation, for a signed-in person who belongs to none."""
    user = request.user
    if user.membership is not None:
        messages.info(
            request, _("You already belong to an organisation, or your request is pending.")
        )
        return redirect("accounts:dashboard")
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_request(user=user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if membership.status == Membership.Status.APPROVED:
                messages.success(
                    request,
                    _("Welcome to the network: you are now a member of %(body)s.")
                    % {"body": membership.body},
                )
            else:
                messages.success(
                    request,
                    _("Your request was sent. The coordinator of %(city)s will review it.")
                    % {"city": membership.body.city},
                )
            return redirect("accounts:dashboard")
    return render(request, "accounts/membership_form.html", {"form": form})


@login_required
@never_cache
def export(request: AuthenticatedRequest) -> HttpResponse:
    """Download everything the platform holds about the person, as JSON."""
    data = exports.build_export(request.user)
    filename = f"pactesur-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def delete(request: AuthenticatedRequest) -> HttpResponse:
    """Delete the account after the password is typed again."""
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data were deleted."))
        return redirect("cities:home")
    return render(request, "accounts/user_confirm_delete.html", {"form": form})


# --- Members page (coordinators and Efus staff) -------------------------------------------------


def _row(membership: Membership, user: User) -> dict[str, Any]:
    """A membership and what the viewer may do with it (the template only displays these)."""
    may_decide = allowed("accounts.decide_membership", user, membership)
    may_appoint = allowed("accounts.appoint_coordinator", user, membership)
    approved = membership.status == Membership.Status.APPROVED
    is_coordinator = membership.role == Membership.Role.COORDINATOR
    return {
        "membership": membership,
        "can_approve": may_decide and membership.status == Membership.Status.PENDING,
        "can_remove": may_decide and (not is_coordinator or may_appoint),
        "can_appoint": may_appoint
        and approved
        and not is_coordinator
        and not membership.body.is_efus,
        "can_unappoint": may_appoint and approved and is_coordinator,
    }


@login_required
def members(request: AuthenticatedRequest) -> HttpResponse:
    """A coordinator's city members and requests; every city (with a filter) for Efus staff."""
    user = request.user
    if user.needs_mfa:
        # A coordinator or Efus staff member without MFA: no powers yet, but say what to do.
        return render(request, "accounts/mfa_required.html", status=404)
    city = get_user_city_scope(user, request.GET.get("city") or None)
    is_staff = has_staff_powers(user)

    verified = EmailAddress.objects.filter(
        user=OuterRef("user"), email__iexact=OuterRef("user__email"), verified=True
    )
    memberships = Membership.objects.current().select_related("user", "body__city")
    if city is not None:
        memberships = memberships.in_city(city)
    pending = memberships.pending().annotate(email_verified=Exists(verified)).order_by("created_at")
    approved = memberships.approved().order_by("body__city__name", "role", "user__full_name")
    page = Paginator(approved, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))

    context = {
        "city": city,
        "has_staff_powers": is_staff,
        "cities": list(City.objects.filter(bodies__isnull=False).distinct().order_by("name"))
        if is_staff
        else [],
        "pending_rows": [_row(m, user) for m in pending],
        "approved_rows": [_row(m, user) for m in page.object_list],
        "page": page,
        "city_query": urlencode({"city": city.slug}) if city else "",
    }
    return render(request, "accounts/membership_list.html", context)


def _back_to_members(request: AuthenticatedRequest) -> HttpResponse:
    url = reverse("accounts:members")
    city = request.GET.get("city")
    return redirect(f"{url}?{urlencode({'city': city})}" if city else url)


def _membership_action(
    action: Callable[[Membership, User], Membership],
    success: Callable[[Membership, str], str],
) -> Callable[[AuthenticatedRequest, int], HttpResponse]:
    """A POST-only view: find the membership (404 for outsiders), call one service, go back.

    ``success(membership, previous_status)`` words the confirmation message.
    """

    @login_required
    @require_POST
    def view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
        membership = get_membership_for_user(request.user, pk)
        previous_status = membership.status
        try:
            action(membership, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success(membership, previous_status))
        return _back_to_members(request)

    return view


def _names(membership: Membership) -> dict[str, Any]:
    return {"name": membership.user, "body": membership.body, "city": membership.body.city}


def _removed_message(membership: Membership, previous_status: str) -> str:
    if previous_status == Membership.Status.PENDING:
        return _("The request of %(name)s to join %(body)s was declined.") % _names(membership)
    return _("%(name)s no longer belongs to %(body)s.") % _names(membership)


membership_approve = _membership_action(
    lambda m, by: services.membership_approve(membership=m, by=by),
    lambda m, _previous: _("%(name)s is now a member of %(body)s.") % _names(m),
)
membership_remove = _membership_action(
    lambda m, by: services.membership_remove(membership=m, by=by),
    _removed_message,
)
coordinator_appoint = _membership_action(
    lambda m, by: services.coordinator_set(membership=m, by=by, appoint=True),
    lambda m, _previous: _("%(name)s is now a coordinator for %(city)s.") % _names(m),
)
coordinator_remove = _membership_action(
    lambda m, by: services.coordinator_set(membership=m, by=by, appoint=False),
    lambda m, _previous: _("%(name)s is no longer a coordinator for %(city)s.") % _names(m),
)
