"""Reading trainings: the catalogue (with its htmx partial), a training's page, its calendar file,
and a member's private calendar feed. Every read starts from the one visibility rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from accounts import roles
from accounts.permissions import allowed
from moderation.models import VISIBILITY_HELP, Visibility
from pactesur.figures import figures_csv

from .. import calendars, permissions, services
from ..forms import RegistrationForm
from ..listing import TRAININGS
from ..models import CalendarFeed, Registration, Session, Training, viewer_time_zone
from ..participation import participation_figures
from ..selectors import city_counts

# The catalogue: ``trainings.listing.TRAININGS`` (``lists.pages.ListPage``) says how it is kept.
training_list = require_safe(TRAININGS.view)


def _places(user: Any, seats: list[dict[str, Any]]) -> dict[str, Any]:
    """Places left for the viewer's city, from the training's kept seats per city."""
    city = services.city_of(user)
    if not seats:
        return {"city_places": None, "viewer_city": city}
    mine = next((r for r in seats if city is not None and r["city_id"] == city.pk), None)
    return {"city_places": mine["left"] if mine else 0, "viewer_city": city}


def _render_main(training: Training, viewer_zone: str) -> SafeString:
    """The summary, the sessions (in the host's time zone and ``viewer_zone``), the programme."""
    context = {
        "training": training,
        "sessions": list(training.sessions.all()),
        "viewer_zone": viewer_zone,
        "summary": training.stored_html("summary"),
        "programme": training.stored_html("programme"),
    }
    return render_to_string("trainings/includes/training_main.html", context)


def _render_facts(training: Training, show_link: bool) -> dict[str, Any]:
    """The practical details and the seats per city (``html``), and the places left per city
    (``seats``) that the page's personal part reads."""
    allocations = list(training.seat_allocations.select_related("city"))
    counts = city_counts(training) if allocations else {}
    rows: list[dict[str, Any]] = [
        {"city": a.city, "seats": a.seats, "left": max(0, a.seats - counts.get(a.city_id, 0))}
        for a in allocations
    ]
    context = {
        "training": training,
        "themes": list(training.themes.all()),
        "allocations": rows,
        "show_link": show_link,
        "visibility_help": VISIBILITY_HELP.get(Visibility(training.visibility), ""),
    }
    return {
        "html": render_to_string("trainings/includes/training_facts.html", context),
        "seats": [{"city_id": r["city"].pk, "left": r["left"]} for r in rows],
    }


def _render_materials(training: Training) -> SafeString:
    context = {"training": training, "materials": list(training.materials.all())}
    return render_to_string("trainings/includes/training_materials_list.html", context)


@require_safe
def training_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """A training for anyone who may see it (404 otherwise): places left, programme, host,
    sessions in the host's time zone and the viewer's, and what the viewer may do.

    What is the same for every reader who may see it is kept (``_kept``: rendered once per
    language, time zone, and whether the online link is shown); the registration, the places
    for the viewer's city and what the reader may do are worked out on every request."""
    user: Any = request.user
    training = permissions.get_training_for_user(user, pk)
    if slug != (training.slug or "training"):
        return redirect(training.get_absolute_url(), permanent=True)
    registration = None
    if user.is_authenticated:
        registration = Registration.objects.filter(training=training, user=user).open().first()
    flags = permissions.training_flags(user, training)
    participant = registration is not None and registration.status == Registration.Status.CONFIRMED
    viewer_zone = viewer_time_zone(user, training.time_zone)
    show_link = bool(participant or flags["can_host"])
    key = str(training.pk)
    main = TRAININGS.common(
        request, ["training-main", key, viewer_zone], lambda: _render_main(training, viewer_zone)
    )
    facts = TRAININGS.common(
        request, ["training-facts", key, str(show_link)], lambda: _render_facts(training, show_link)
    )
    # The host reaches the materials from their own page.
    materials = (
        TRAININGS.common(request, ["training-materials", key], lambda: _render_materials(training))
        if participant
        else ""
    )
    invited = {row["city_id"] for row in facts["seats"]}
    refusal = "" if registration else services.registration_refusal(training, user, invited=invited)
    context = {
        "training": training,
        "main": main,
        "facts": facts["html"],
        "materials": materials,
        "registration": registration,
        "participant": participant,
        "flags": flags,
        "refusal": refusal,
        "form": RegistrationForm() if not refusal and not registration else None,
        "can_register_others": flags["can_host"] or roles.has_coordinator_powers(user),
        "viewer_zone": viewer_zone,
        **_places(user, facts["seats"]),
    }
    response = render(request, "trainings/training_detail.html", context)
    patch_vary_headers(response, ["Cookie"])
    return response


ICS_TYPE = "text/calendar; charset=utf-8"


@require_safe
def training_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The training's calendar file, to anyone who may see the training."""
    training = permissions.get_training_for_user(request.user, pk)
    sessions = list(training.sessions.all())
    response = HttpResponse(calendars.training_calendar(training, sessions), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{training.slug or "training"}.ics"'
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's private feed of their confirmed trainings, at a secret address (no session:
    calendar apps fetch it). A revoked or unknown token is a 404."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        raise Http404
    trainings = list(
        Training.objects.filter(
            registrations__user=feed.user,
            registrations__status=Registration.Status.CONFIRMED,
        )
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .order_by("first_start", "pk")
    )
    response = HttpResponse(calendars.member_feed("PACTESUR", trainings), content_type=ICS_TYPE)
    patch_cache_control(response, private=True, max_age=0)
    return response


@require_safe
@login_required
def participation(request: HttpRequest) -> HttpResponse:
    """Participation figures for coordinators and Efus staff; ``?csv=<key>`` downloads one."""
    if not allowed("trainings.view_participation", request.user):
        raise Http404
    figures = participation_figures()
    wanted = request.GET.get("csv")
    if wanted:
        chosen = next((f for f in figures if f.key == wanted), None)
        if chosen is None:
            raise Http404
        return figures_csv(
            chosen, filename=f"training-participation-{chosen.key}",
            excel=request.GET.get("excel") == "1",
        )  # fmt: skip
    return render(request, "trainings/participation.html", {"figures": figures})
