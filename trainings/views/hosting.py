"""Hosting trainings: drafting, editing (a revision once published) and submitting them; their
sessions, seats per city and materials; the participant list by city (and its CSV); registering
a member of one's city; attendance per session. Every object comes through
``trainings.permissions``; every write is a service."""

from __future__ import annotations

import copy
import csv
import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from accounts.models import Membership, User
from accounts.permissions import allowed
from cities.models import City
from moderation.models import Revision, Status
from moderation.services import moderation_submit
from pactesur.spreadsheets import csv_cell

from .. import permissions, services
from ..forms import MaterialForm, RegisterMemberForm, SeatsForm, SessionForm, TrainingForm
from ..models import Attendance, Registration, Training
from ..selectors import participants_by_city


def _host_required(request: HttpRequest) -> None:
    if not allowed("trainings.add_training", request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    """A city's coordinator (or Efus staff) drafts a training hosted by their body."""
    _host_required(request)
    form = TrainingForm(request.POST or None, instance=Training())
    if request.method == "POST" and form.is_valid():
        try:
            training = services.training_create(by=request.user, data=form.moderated_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Draft saved. Add its sessions, then submit it for review when it is ready."),
            )
            return redirect("trainings:sessions", pk=training.pk)
    return render(request, "trainings/training_form.html", {"form": form, "training": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft in place; for a published training, propose an edit (a revision)."""
    training = permissions.get_training_for_user(request.user, pk, write=True)
    if training.status == Status.SUBMITTED:
        messages.info(request, _("This training is being reviewed: edit it once it is decided."))
        return redirect(training.get_absolute_url())
    revision = Revision.objects.open_for(training).first() if training.is_published else None
    form = TrainingForm(
        request.POST or None,
        instance=copy.copy(training),
        initial=dict(revision.data) if revision else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_update(training=training, by=request.user, data=form.moderated_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Your edit is sent to the Efus moderators.")
                if training.is_published
                else _("Changes saved."),
            )
            return redirect(training.get_absolute_url())
    return render(request, "trainings/training_form.html", {"form": form, "training": training})


@require_POST
@login_required
def training_submit(request: HttpRequest, pk: int) -> HttpResponse:
    training = permissions.get_training_for_user(request.user, pk)
    try:
        moderation_submit(obj=training, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Submitted for review: the Efus moderators are told."))
    return redirect(training.get_absolute_url())


# --- Sessions, seats, materials ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The host lists and adds sessions, typed in the host's time zone."""
    training = permissions.get_training_for_host(request.user, pk)
    form = SessionForm(request.POST or None, zone=training.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(training=training, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Session added."))
            return redirect("trainings:sessions", pk=training.pk)
    return render(
        request,
        "trainings/training_sessions.html",
        {"training": training, "form": form, "sessions": list(training.sessions.all())},
    )


@require_POST
@login_required
def session_delete(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    training = permissions.get_training_for_host(request.user, pk)
    session = get_object_or_404(training.sessions.all(), pk=session_pk)
    session.training = training
    services.session_delete(session=session, by=request.user)
    messages.success(request, _("Session deleted."))
    return redirect("trainings:sessions", pk=training.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def seats(request: HttpRequest, pk: int) -> HttpResponse:
    """Seats reserved per city (the PACTESUR cities)."""
    training = permissions.get_training_for_host(request.user, pk)
    cities = list(City.objects.in_project().order_by("name"))
    current = dict(training.seat_allocations.values_list("city_id", "seats"))
    form = SeatsForm(request.POST or None, cities=cities, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.seats_set(training=training, by=request.user, seats=form.seats())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Seats per city saved."))
            return redirect(training.get_absolute_url())
    return render(request, "trainings/training_seats.html", {"training": training, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def materials(request: HttpRequest, pk: int) -> HttpResponse:
    training = permissions.get_training_for_host(request.user, pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_add(
                training=training,
                by=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data.get("file"),
                url=form.cleaned_data.get("url") or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Material added: confirmed participants can open it."))
            return redirect("trainings:materials", pk=training.pk)
    return render(
        request,
        "trainings/training_materials.html",
        {"training": training, "form": form, "materials": list(training.materials.all())},
    )


@require_POST
@login_required
def material_delete(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    training = permissions.get_training_for_host(request.user, pk)
    material = get_object_or_404(training.materials.all(), pk=material_pk)
    material.training = training
    services.material_delete(material=material, by=request.user)
    messages.success(request, _("Material deleted."))
    return redirect("trainings:materials", pk=training.pk)


@require_safe
def material_download(
    request: HttpRequest, pk: int, material_pk: int
) -> HttpResponse | FileResponse:
    """A material, to the confirmed participants and the host (404 for anyone else)."""
    user: Any = request.user
    training = permissions.get_training_for_user(user, pk)
    confirmed = (
        user.is_authenticated
        and Registration.objects.filter(
            training=training, user=user, status=Registration.Status.CONFIRMED
        ).exists()
    )
    if not confirmed and not allowed("trainings.host_training", user, training):
        raise Http404
    material = get_object_or_404(training.materials.all(), pk=material_pk)
    if material.is_link:
        return redirect(material.url)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    stem = slugify(os.path.splitext(material.title)[0])[:80] or "material"
    response = FileResponse(
        handle,
        content_type=material.content_type,
        as_attachment=not material.content_type.startswith("image/"),
        filename=f"{stem}.{material.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    patch_cache_control(response, private=True, max_age=0)
    patch_vary_headers(response, ["Cookie"])
    return response


# --- Participants, registering members, attendance ---------------------------------------------


def _city_members(user: Any) -> Any:
    """The approved members a coordinator may register (their city's), or anyone for staff."""
    members = User.objects.filter(is_active=True, memberships__status=Membership.Status.APPROVED)
    if not roles.has_staff_powers(user):
        members = members.filter(memberships__body__city=user.city)
    return members.distinct().order_by("full_name", "email")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_member(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator registers a member of their city (no approval needed: they are it)."""
    user: Any = request.user
    if not allowed("trainings.register_others", user):
        raise Http404
    training = permissions.get_training_for_user(user, pk)
    form = RegisterMemberForm(request.POST or None, members=_city_members(user))
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                training=training,
                by=user,
                member=form.cleaned_data["member"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [_("Not allowed.")])[0])
        else:
            messages.success(
                request,
                _("%(name)s is registered: %(status)s.")
                % {
                    "name": registration.user.full_name or registration.user.email,
                    "status": registration.get_status_display().lower(),
                },
            )
            return redirect(training.get_absolute_url())
    return render(request, "trainings/register_member.html", {"training": training, "form": form})


@require_safe
@login_required
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """The host's list of participants by city, with the waiting list."""
    training = permissions.get_training_for_host(request.user, pk)
    rows = list(participants_by_city(training))
    by_city: dict[str, list[Registration]] = {}
    for registration in rows:
        by_city.setdefault(registration.city.name if registration.city else "—", []).append(
            registration
        )
    sessions = list(training.sessions.all())
    return render(
        request,
        "trainings/training_participants.html",
        {"training": training, "by_city": by_city, "count": len(rows), "sessions": sessions},
    )


@require_safe
@login_required
def participants_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant list as CSV (cells a spreadsheet will not run as formulas)."""
    training = permissions.get_training_for_host(request.user, pk)
    rows = participants_by_city(training).annotate(
        sessions_attended=Count("attendances", filter=Q(attendances__present=True))
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{training.slug or 'training'}-participants-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    writer = csv.writer(response)
    writer.writerow(
        ["city", "name", "email", "status", "waiting_position", "registered_at", "note",
         "sessions_attended"]
    )  # fmt: skip
    for r in rows:
        writer.writerow(
            [
                csv_cell(r.city.name if r.city else ""),
                csv_cell(r.user.full_name),
                csv_cell(r.user.email),
                r.status,
                r.position if r.status == Registration.Status.WAITLISTED else "",
                r.created_at.isoformat(),
                csv_cell(r.note),
                r.sessions_attended,  # type: ignore[attr-defined]
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def attendance(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """The host ticks who is present at a session: one checkbox per confirmed participant, a
    page made for a phone."""
    training = permissions.get_training_for_host(request.user, pk)
    session = get_object_or_404(training.sessions.all(), pk=session_pk)
    session.training = training
    if request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        count = services.attendance_mark(session=session, by=request.user, present=present)
        messages.success(request, _("Attendance saved: %(count)s present.") % {"count": count})
        return redirect("trainings:attendance", pk=training.pk, session_pk=session.pk)
    confirmed = list(
        Registration.objects.filter(training=training, status=Registration.Status.CONFIRMED)
        .select_related("user", "city")
        .order_by("city__name", "user__full_name", "pk")
    )
    marked = dict(
        Attendance.objects.filter(session=session).values_list("registration_id", "present")
    )
    return render(
        request,
        "trainings/attendance.html",
        {
            "training": training,
            "session": session,
            "rows": [(r, marked.get(r.pk, False)) for r in confirmed],
            "marked": bool(marked),
        },
    )
