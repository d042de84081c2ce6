"""Registering: a member registers (with a note), cancels, answers a seat offered; their
registrations and private calendar address; a coordinator's page of their city's registrations,
where requests are decided. Every write is a service; every object comes through
``trainings.permissions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts import roles

from .. import permissions, services
from ..forms import RegistrationForm
from ..models import CalendarFeed, Registration

STATUS_MESSAGES = {
    Registration.Status.CONFIRMED: gettext_lazy("You are registered: your seat is confirmed."),
    Registration.Status.WAITLISTED: gettext_lazy(
        "The training is full for now: you are on the waiting list. We will email you if a seat "
        "is offered to you."
    ),
    Registration.Status.REQUESTED: gettext_lazy(
        "Registration received. It needs your coordinator's approval: you will hear by email."
    ),
}

CITY_PER_PAGE = 50


def _user(request: HttpRequest) -> Any:
    """The signed-in user (the views are behind ``login_required``)."""
    return request.user


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_POST
@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in person registers, with an optional note; a refusal says why."""
    training = permissions.get_training_for_user(request.user, pk)
    form = RegistrationForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        registration = services.registration_create(training=training, by=request.user, note=note)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, str(STATUS_MESSAGES[registration.status]))  # type: ignore[index]
    return redirect(training.get_absolute_url())


def _back(request: HttpRequest, registration: Registration) -> HttpResponse:
    target = request.POST.get("next", "")
    if target in ("mine", "city"):
        return redirect(f"trainings:{target}")
    return redirect(registration.training.get_absolute_url())


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant (or their coordinator, or the host) cancels a registration."""
    registration = permissions.get_registration_for_canceller(request.user, pk)
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The registration is cancelled."))
    return _back(request, registration)


@require_POST
@login_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=True)


@require_POST
@login_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=False)


def _answer(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    registration = permissions.get_own_registration(request.user, pk)
    try:
        services.offer_answer(registration=registration, by=request.user, accept=accept)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Your seat is confirmed.") if accept else _("The seat goes to the next person."),
        )
    return _back(request, registration)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's registrations, open and past, and their private calendar address."""
    registrations = list(
        Registration.objects.filter(user=_user(request))
        .select_related("training", "training__city")
        .order_by("-training__first_start", "-pk")[:200]
    )
    feed = CalendarFeed.objects.filter(user=_user(request)).first()
    return render(
        request,
        "trainings/registration_mine.html",
        {"registrations": registrations, "feed": feed},
    )


@require_POST
@login_required
def feed_renew(request: HttpRequest) -> HttpResponse:
    """A new private calendar address; the old one stops working."""
    had = CalendarFeed.objects.filter(user=_user(request)).exists()
    services.feed_renew(user=request.user)
    messages.success(
        request,
        _("Your calendar has a new private address: the old one no longer works.")
        if had
        else _("Your private calendar address is ready: add it to your calendar app."),
    )
    return redirect("trainings:mine")


@require_safe
@login_required
def city_registrations(request: HttpRequest) -> HttpResponse:
    """A coordinator's page: their city's requests to decide, then every registration of their
    city across trainings. Efus staff see every city's."""
    user: Any = request.user
    if roles.has_staff_powers(user):
        scope = Registration.objects.all()
    elif roles.has_coordinator_powers(user):
        scope = Registration.objects.filter(city=user.city)
    else:
        raise Http404
    rows = scope.select_related("training", "user", "city")
    requests = list(
        rows.filter(status=Registration.Status.REQUESTED).order_by("created_at", "pk")[:200]
    )
    others = rows.exclude(status=Registration.Status.REQUESTED).order_by(
        "-training__first_start", "training_id", "status", "pk"
    )
    page = Paginator(others, CITY_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/registration_city.html",
        {"requests": requests, "page_obj": page, "registrations": list(page.object_list)},
    )


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or decline a registration request of the coordinator's city."""
    registration = permissions.get_registration_for_decider(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.registration_decide(registration=registration, by=request.user, approve=approve)
    except ValidationError as exc:
        _error(request, exc)
    else:
        name = registration.user.full_name or registration.user.email
        messages.success(
            request,
            (
                _("%(name)s's registration is approved.")
                if approve
                else _("%(name)s's registration is declined.")
            )
            % {"name": name},
        )
    return redirect("trainings:city")


@require_POST
@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's certificate: issued on the first request, then downloaded."""
    registration = permissions.get_own_registration(request.user, pk)
    try:
        issued = services.certificate_issue(registration=registration, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(registration.training.get_absolute_url())
    return redirect("accounts:certificate_download", pk=issued.pk)
