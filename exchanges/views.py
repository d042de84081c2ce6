"""HTTP glue of exchanges: offers (list, page, writing), matching, applications and their steps,
reports and follow-ups, the coordinators' pages. Every object comes through
``exchanges.permissions``; every write is a service; every step of an application is a row of the
transitions table (``exchanges.models.TRANSITIONS``)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import Certificate, Membership, User
from accounts.permissions import allowed
from accounts.roles import has_coordinator_powers, has_staff_powers
from cities.models import City
from moderation.models import VISIBILITY_HELP, Status, Visibility
from moderation.services import moderation_submit
from pactesur.figures import figures_csv as kit_figures_csv
from practices.models import Practice

from . import calendar as ical
from . import services
from .forms import (
    AcceptForm,
    ApplicationForm,
    AttachReportForm,
    EvaluationForm,
    FollowUpForm,
    OfferForm,
    ReportForm,
    ScheduleForm,
    TransitionForm,
    WindowForm,
)
from .listing import OFFERS
from .models import (
    TRANSITION_NAMES,
    Application,
    ApplicationStatus,
    Evaluation,
    FieldReport,
    FollowUp,
    Offer,
    Window,
    allowed_transitions,
    transition_for,
)
from .permissions import (
    evaluation_side,
    get_application_for_user,
    get_offer_for_user,
    offer_flags,
    require_coordination,
)
from .selectors import (
    city_applications,
    exchange_figures,
    matches_for,
    scheduled_exchanges,
    window_prefetch,
)

# --- Offers ---------------------------------------------------------------------------------------

offer_list = require_safe(OFFERS.view)


@require_safe
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An offer for anyone who may see it (404 otherwise), with its windows and places left.

    Its body (description, dates and places, facts) is the same for every reader who may see
    it, and kept like the list (``exchanges.listing.OFFERS``: a change of the offer, its windows
    or an application's place drops it); those who manage its dates get it rendered, with their
    forms. What this reader may do (``flags``) is worked out on every request."""
    offer = get_offer_for_user(request.user, pk)
    flags = offer_flags(request.user, offer)

    def render_body(manage: bool = False) -> SafeString:
        context = {
            "offer": offer,
            "windows": list(window_prefetch().queryset.filter(offer=offer)),  # type: ignore[union-attr]
            "themes": list(offer.themes.for_display()),  # type: ignore[attr-defined]
            "manage": manage,
            "window_form": WindowForm() if manage else None,
            "visibility_help": VISIBILITY_HELP.get(Visibility(offer.visibility), ""),
        }
        template = "exchanges/includes/offer_body.html"
        return render_to_string(template, context, request=request if manage else None)

    if flags["can_manage_windows"]:
        body = render_body(manage=True)
    else:
        body = OFFERS.common(request, ["offer-body", str(offer.pk)], render_body)
    context = {"offer": offer, "flags": flags, "body": body}
    return render(request, "exchanges/offer_detail.html", context)


def _coordinator_required(request: HttpRequest) -> None:
    user: Any = request.user
    if not allowed("exchanges.add_offer", user) or user.city is None:
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def offer_create(request: HttpRequest) -> HttpResponse:
    """A coordinator drafts an offer of their city; dates are added on its page."""
    _coordinator_required(request)
    form = OfferForm(request.POST or None, instance=Offer())
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(by=request.user, data=form.moderated_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Draft saved. Add its dates below, then submit it to the Efus moderators."),
            )
            return redirect(offer.get_absolute_url())
    return render(request, "exchanges/offer_form.html", {"form": form, "offer": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, write=True)
    if offer.status == Status.SUBMITTED:
        messages.info(
            request, _("This offer is being reviewed: edit it once the moderator has decided.")
        )
        return redirect(offer.get_absolute_url())
    form = OfferForm(request.POST or None, instance=copy.copy(offer))
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, by=request.user, data=form.moderated_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if offer.is_published:
                messages.success(
                    request,
                    _(
                        "Your edit is sent to the Efus moderators. Readers see the published "
                        "offer until they approve it."
                    ),
                )
            else:
                messages.success(request, _("Changes saved."))
            return redirect(offer.get_absolute_url())
    return render(request, "exchanges/offer_form.html", {"form": form, "offer": offer})


@login_required
@require_POST
def offer_submit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, write=True)
    try:
        moderation_submit(obj=offer, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sent to the Efus moderators."))
    return redirect(offer.get_absolute_url())


@login_required
@require_POST
def window_add(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, write=True)
    form = WindowForm(request.POST, instance=Window(offer=offer))
    if form.is_valid():
        try:
            services.window_add(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Dates added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(offer.get_absolute_url())


@login_required
@require_POST
def window_delete(request: HttpRequest, pk: int, window_pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, write=True)
    window = get_object_or_404(Window, pk=window_pk, offer=offer)
    try:
        services.window_delete(window=window, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Dates deleted."))
    return redirect(offer.get_absolute_url())


# --- Matching and applying ------------------------------------------------------------------------


def _officers_of(user: Any) -> list[User]:
    """The members a coordinator may pick from: their city's approved members."""
    city = user.city
    return list(
        User.objects.filter(
            memberships__status=Membership.Status.APPROVED,
            memberships__body__city=city,
            is_active=True,
        ).order_by("full_name", "pk")
    )


@login_required
@require_safe
def for_me(request: HttpRequest) -> HttpResponse:
    """Open offers ranked for an officer, with the reasons; a coordinator picks any member of
    their city (``?member=<id>``)."""
    user: Any = request.user
    if not allowed("exchanges.see_matches", user):
        raise Http404
    officer: Any = user
    officers: list[User] = []
    if has_coordinator_powers(user):
        officers = _officers_of(user)
        chosen = request.GET.get("member", "")
        if chosen.isdigit():
            officer = next((o for o in officers if o.pk == int(chosen)), None)
            if officer is None:
                raise Http404
    suggestions = matches_for(user, officer) if officer.is_member else []
    context = {
        "officer": officer,
        "officers": officers,
        "suggestions": suggestions,
        "applications": list(
            Application.objects.filter(applicant=user).select_related("offer", "host_city")
        ),
    }
    return render(request, "exchanges/for_me.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk)
    if not allowed("exchanges.apply", request.user, offer):
        raise Http404
    user: Any = request.user
    form = ApplicationForm(
        request.POST or None,
        offer=offer,
        instance=Application(offer=offer),
        initial={"languages": user.languages},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(offer=offer, by=user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Application sent. Your coordinator is asked to endorse it.")
            )
            return redirect(application.get_absolute_url())
    return render(request, "exchanges/application_form.html", {"form": form, "offer": offer})


# --- Applications ---------------------------------------------------------------------------------


def _step_form(name: str, application: Application, data: Any = None) -> TransitionForm:
    if name == "accept":
        return AcceptForm(data, application=application, prefix=name)
    if name == "schedule":
        return ScheduleForm(data, prefix=name)
    return TransitionForm(data, prefix=name)


@login_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An application, for the applicant, the two coordinators and Efus staff (404 for anyone
    else): its log, the steps this person may take, the evaluations, report and follow-up."""
    application = get_application_for_user(request.user, pk)
    user: Any = request.user
    steps = [
        {"transition": t, "form": _step_form(t.name, application)}
        for t in allowed_transitions(user, application)
    ]
    report = FieldReport.objects.filter(application=application).select_related("practice").first()
    evaluations = list(application.evaluations.all())
    side = evaluation_side(user, application)
    follow_up = FollowUp.objects.filter(application=application).first()
    can_use_report = bool(
        report is not None
        and report.status == FieldReport.Status.APPROVED
        and report.consent_practice
        and report.practice_id is None
        and allowed("exchanges.use_report", user, application)
    )
    certificate = (
        Certificate.objects.filter(
            source_type=ContentType.objects.get_for_model(Application),
            source_id=str(application.pk),
        ).first()
        if application.status == ApplicationStatus.REPORTED
        else None
    )
    context = {
        "application": application,
        "certificate": certificate,
        "is_applicant": application.applicant_id == user.pk,
        "events": list(application.events.select_related("by")),
        "steps": steps,
        "evaluations": evaluations,
        "can_evaluate": allowed("exchanges.evaluate_application", user, application)
        and side not in {e.side for e in evaluations},
        "evaluation_form": EvaluationForm(),
        "report": report,
        "can_report": allowed("exchanges.file_report", user, application)
        and (report is None or report.status != FieldReport.Status.APPROVED),
        "report_form": ReportForm(instance=report),
        "can_use_report": can_use_report,
        "attach_form": _attach_form(application) if can_use_report else None,
        "follow_up": follow_up,
        "can_follow_up": allowed("exchanges.answer_follow_up", user, application),
        "follow_up_form": FollowUpForm(initial={"answer": getattr(follow_up, "answer", "")}),
    }
    return render(request, "exchanges/application_detail.html", context)


def _attach_form(application: Application, data: Any = None) -> AttachReportForm:
    practices = Practice.objects.filter(city_id=application.sending_city_id).order_by("title")
    return AttachReportForm(data, practices=practices.only("pk", "title"))


@login_required
@require_POST
def application_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Take one step of the workflow (a transition of the table)."""
    application = get_application_for_user(request.user, pk)
    if name not in TRANSITION_NAMES:
        raise Http404
    if transition_for(application.status, name) is None:
        messages.error(
            request,
            _("This application is %(status)s: that step no longer applies.")
            % {"status": application.get_status_display().lower()},
        )
        return redirect(application.get_absolute_url())
    if not allowed(f"exchanges.{name}_application", request.user, application):
        raise PermissionDenied
    form = _step_form(name, application, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(application.get_absolute_url())
    data = dict(form.cleaned_data)
    message = data.pop("message", "")
    try:
        services.application_transition(
            application=application, by=request.user, name=name, message=message, **data
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The application is now: %(status)s.")
            % {"status": application.get_status_display().lower()},
        )
    return redirect(application.get_absolute_url())


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    if not allowed("exchanges.evaluate_application", request.user, application):
        raise PermissionDenied
    form = EvaluationForm(request.POST, instance=Evaluation(application=application))
    if form.is_valid():
        try:
            services.evaluation_create(
                application=application, by=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you for your evaluation."))
    else:
        messages.error(request, _("Give the three ratings."))
    return redirect(application.get_absolute_url())


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    if not allowed("exchanges.file_report", request.user, application):
        raise PermissionDenied
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.report_submit(application=application, by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Report sent to your coordinator for approval."))
    else:
        messages.error(request, _("Say what you saw and what you would bring home."))
    return redirect(application.get_absolute_url())


def _report_for_use(request: HttpRequest, pk: int) -> tuple[Application, FieldReport]:
    application = get_application_for_user(request.user, pk)
    if not allowed("exchanges.use_report", request.user, application):
        raise PermissionDenied
    report = get_object_or_404(FieldReport, application=application)
    return application, report


@login_required
@require_POST
def report_practice(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn an approved report into a draft practice of the officer's city."""
    application, report = _report_for_use(request, pk)
    try:
        practice = services.report_to_practice(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(application.get_absolute_url())
    messages.success(
        request,
        _("A draft practice was made from the report. Complete it, then submit it for review."),
    )
    return redirect(practice.get_absolute_url())


@login_required
@require_POST
def report_attach(request: HttpRequest, pk: int) -> HttpResponse:
    application, report = _report_for_use(request, pk)
    form = _attach_form(application, request.POST)
    if form.is_valid():
        try:
            services.report_attach(
                report=report, by=request.user, practice=form.cleaned_data["practice"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The report is attached to the practice."))
    else:
        messages.error(request, _("Choose a practice of your city."))
    return redirect(application.get_absolute_url())


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    if not allowed("exchanges.answer_follow_up", request.user, application):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():
        services.follow_up_answer(
            application=application, by=request.user, answer=form.cleaned_data["answer"]
        )
        messages.success(request, _("Thank you: your answer is shared with both coordinators."))
    else:
        messages.error(request, _("Write a few lines."))
    return redirect(application.get_absolute_url())


# --- Coordinators ---------------------------------------------------------------------------------


@login_required
@require_safe
def city_page(request: HttpRequest) -> HttpResponse:
    """A coordinator's page: their city's applications, sent and hosted, grouped by state, and
    their city's offers. Efus staff see every city's, or one (``?city=<slug>``)."""
    user: Any = request.user
    require_coordination(user)
    city: City | None
    if has_staff_powers(user):
        slug = request.GET.get("city")
        city = get_object_or_404(City, slug=slug) if slug else None
    else:
        city = user.city
    offers = Offer.objects.visible_to(user).select_related("city").order_by("-updated_at", "-pk")
    if city is not None:
        offers = offers.filter(city=city)
    context = {
        "city": city,
        **city_applications(user, city),
        "offers": list(offers[:50]),
    }
    return render(request, "exchanges/city_page.html", context)


@login_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    """Scheduled exchanges across the network, by month, for coordinators and Efus staff; the
    address of its iCalendar feed."""
    require_coordination(request.user)
    exchanges = scheduled_exchanges(
        request.user, since=timezone.localdate() - dt.timedelta(days=31)
    )
    months: dict[tuple[int, int], list[Application]] = {}
    for application in exchanges:
        if application.start is not None:
            months.setdefault((application.start.year, application.start.month), []).append(
                application
            )
    context = {
        "months": [
            {"first": dt.date(year, month, 1), "exchanges": rows}
            for (year, month), rows in months.items()
        ],
        "feed_url": ical.feed_url(request.user),
    }
    return render(request, "exchanges/calendar.html", context)


@require_safe
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar as an iCalendar feed, at a signed address (no session: calendar
    applications send none); 404 once its owner may no longer see the calendar."""
    user = ical.feed_user(token)
    if user is None or not allowed("exchanges.coordinate", user):
        raise Http404
    exchanges = scheduled_exchanges(user, since=timezone.localdate() - dt.timedelta(days=365))
    response = HttpResponse(ical.ics(exchanges), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pactesur-exchanges.ics"'
    return response


# --- Counts ---------------------------------------------------------------------------------------


FIGURE_KEYS = ("host-city", "sending-city", "kind", "year", "gender")


@login_required
@require_safe
def figures(request: HttpRequest) -> HttpResponse:
    """Counts of the exchanges that took place, by host city, sending city, kind, year and
    gender (where people chose to say): tables, accessible SVG charts and CSV (the shared
    figures kit, ``pactesur.figures``), for coordinators and Efus staff."""
    require_coordination(request.user)
    return render(request, "exchanges/figures.html", {"figures": exchange_figures()})


@login_required
@require_safe
def figures_csv(request: HttpRequest, key: str) -> HttpResponse:
    require_coordination(request.user)
    chosen = {f.key: f for f in exchange_figures()}.get(key)
    if chosen is None:
        raise Http404
    return kit_figures_csv(
        chosen, filename=f"pactesur-exchanges-{key}", excel=request.GET.get("excel") == "1"
    )
