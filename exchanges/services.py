"""Writes on exchanges. Offers are moderated content: ``moderation.services`` creates, edits and
moderates them. Applications move only through ``application_transition``, which applies a row of
the transitions table (``exchanges.models.TRANSITIONS``) under a row lock, logs it and queues its
emails (``exchanges.notifications``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.certificates import issue_certificate
from accounts.permissions import allowed
from cities.models import Theme
from moderation.services import moderated_create, moderated_update
from practices.models import Practice

from . import notifications
from .models import (
    EVALUATION_DAYS,
    FOLLOW_UP_DAYS,
    HOLDS_A_PLACE,
    REPORT_DAYS,
    TRANSITION_NAMES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Evaluation,
    FieldReport,
    FollowUp,
    Offer,
    Window,
    actors_of,
    transition_for,
)
from .permissions import evaluation_side

S = ApplicationStatus
EVALUATION_REMINDER_AFTER = 3  # days after completion
REMINDER_WINDOW = 30  # days during which a follow-up not sent yet is still sent


# --- Offers ---------------------------------------------------------------------------------------


def offer_create(*, by: Any, data: dict[str, Any], is_demo: bool = False) -> Offer:
    """A draft offer of the coordinator's city and body, for the moderators to publish."""
    if getattr(by, "city", None) is None:
        raise PermissionDenied
    offer = moderated_create(
        model=Offer, by=by, data=data, city=by.city, body=by.body, is_demo=is_demo
    )
    return cast(Offer, offer)


def offer_update(*, offer: Offer, by: Any, data: dict[str, Any]) -> Offer:
    """Edit a draft in place, or propose an edit of a published offer (a moderator publishes it)."""
    return cast(Offer, moderated_update(obj=offer, by=by, data=data))


@transaction.atomic
def window_add(*, offer: Offer, by: Any, start: dt.date, end: dt.date, places: int) -> Window:
    """Dates and places are the host's logistics, not moderated text: the host coordinator adds
    them at any time (readers see them at once)."""
    if not allowed("exchanges.change_offer", by, offer):
        raise PermissionDenied
    window = Window(offer=offer, start=start, end=end, places=places)
    window.full_clean()
    window.save()
    return window


@transaction.atomic
def window_delete(*, window: Window, by: Any) -> None:
    """Delete a window nobody applied for or was accepted in."""
    Window.objects.select_for_update().filter(pk=window.pk).first()
    if not allowed("exchanges.change_offer", by, window.offer):
        raise PermissionDenied
    if Application.objects.filter(window=window).exists():
        raise ValidationError(
            _("Officers are accepted for these dates: cancel their exchanges first."),
            code="in_use",
        )
    window.delete()


# --- Applications -----------------------------------------------------------------------------


def places_left(window: Window) -> int:
    window.refresh_from_db(fields=["places", "places_held"])
    return window.places - window.places_held


@transaction.atomic
def application_create(*, offer: Offer, by: Any, data: dict[str, Any]) -> Application:
    """An officer applies (motivation, expected benefit, languages, preferred window). Their
    coordinator is told, to endorse it or not."""
    if not allowed("exchanges.apply", by, offer):
        raise PermissionDenied
    window = data.get("preferred_window")
    if window is not None and window.offer_id != offer.pk:
        raise ValidationError(_("Choose dates of this offer."), code="window")
    application = Application(
        offer=offer,
        applicant=by,
        sending_city=by.city,
        host_city=offer.city,
        preferred_window=window,
        motivation=(data.get("motivation") or "").strip(),
        expected_benefit=(data.get("expected_benefit") or "").strip(),
        languages=list(data.get("languages") or []),
    )
    application.full_clean(exclude=["applicant", "offer", "sending_city", "host_city"],
                           validate_constraints=False)  # fmt: skip
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError(
            _("You already have an application in progress for this offer."), code="duplicate"
        ) from None
    event = ApplicationEvent.objects.create(
        application=application, by=by, from_status="", to_status=S.SUBMITTED
    )
    notifications.application_changed(application, event)
    return application


def _lock(application: Application) -> None:
    application.refresh_from_db(from_queryset=Application.objects.select_for_update())


def _take_place(application: Application, window: Window | None) -> Window:
    """Hold one of the window's places: the window's row is locked, so two accepts at once count
    one after the other and never commit more places than there are."""
    if window is None or window.offer_id != application.offer_id:
        raise ValidationError(_("Choose dates of this offer."), code="window")
    locked = Window.objects.select_for_update().get(pk=window.pk)
    if locked.places_held >= locked.places:
        raise ValidationError(
            _("No place is left in these dates: choose other dates or decline."), code="full"
        )
    return locked


def _count_place(application: Application, old: str, new: str) -> None:
    """Keep the window's count of places held when a transition takes or frees one: the
    window's row is locked first (``_take_place`` has locked it for an accept)."""
    held_before, held_after = old in HOLDS_A_PLACE, new in HOLDS_A_PLACE
    if held_before == held_after or application.window_id is None:
        return
    window = Window.objects.select_for_update().get(pk=application.window_id)
    window.places_held += 1 if held_after else -1
    window.save(update_fields=["places_held"])


@transaction.atomic
def application_transition(
    *, application: Application, by: Any, name: str, message: str = "", **data: Any
) -> Application:
    """Apply the transition ``name`` of the table to the application, if ``by`` may take it from
    the application's state now (checked under the row's lock), with what it needs:

    - ``accept``: ``window`` (default: the preferred one), where a place is left;
    - ``schedule``: ``start``, ``end`` (within nothing but their order), ``programme``,
      ``practical_notes``;
    - ``decline``, ``cancel``: ``message`` (the reason, required).
    """
    _lock(application)
    transition = transition_for(application.status, name)
    if transition is None:
        if name in TRANSITION_NAMES:
            raise ValidationError(
                _("This application is %(status)s: that step no longer applies."),
                code="state",
                params={"status": application.get_status_display().lower()},
            )
        raise PermissionDenied
    if not actors_of(by, application) & set(transition.actors):
        raise PermissionDenied
    message = (message or "").strip()
    if transition.reason_required and not message:
        raise ValidationError(
            _("Give a reason: it is sent to the people concerned."), code="reason"
        )
    fields = ["status", "updated_at"]
    now = timezone.now()
    if name == "accept":
        application.window = _take_place(
            application, data.get("window") or application.preferred_window
        )
        fields.append("window")
    elif name == "schedule":
        start, end = data.get("start"), data.get("end")
        window = application.window
        if start is None or end is None:
            raise ValidationError(_("Give the dates of the exchange."), code="dates")
        if end < start:
            raise ValidationError(_("The last day is before the first."), code="dates")
        if window is not None and (start < window.start or end > window.end):
            raise ValidationError(
                _("The dates must be within the accepted window (%(window)s)."),
                code="dates",
                params={"window": f"{window.start:%Y-%m-%d} – {window.end:%Y-%m-%d}"},
            )
        application.start, application.end = start, end
        application.programme = (data.get("programme") or "").strip()
        application.practical_notes = (data.get("practical_notes") or "").strip()
        fields += ["start", "end", "programme", "practical_notes"]
    elif name == "complete":
        application.completed_at = now
        fields.append("completed_at")
    elif name == "approve_report":
        report = FieldReport.objects.select_for_update().filter(application=application).first()
        if report is None or report.status != FieldReport.Status.SUBMITTED:
            raise ValidationError(_("The officer has not filed their report yet."), code="report")
        report.status = FieldReport.Status.APPROVED
        report.approved_at, report.approved_by = now, by
        report.save(update_fields=["status", "approved_at", "approved_by"])
    old = application.status
    application.status = transition.target
    application.updated_at = now
    application.save(update_fields=fields)
    _count_place(application, old, transition.target)
    event = ApplicationEvent.objects.create(
        application=application, by=by, at=now, from_status=old, to_status=transition.target,
        message=message,
    )  # fmt: skip
    notifications.application_changed(application, event)
    if application.status == S.REPORTED:
        certificate_if_due(application)
    return application


# The workflow's steps by name, as STYLE.md §4 writes them: each is the table's transition.


def application_endorse(*, application: Application, by: Any, comment: str = "") -> Application:
    return application_transition(application=application, by=by, name="endorse", message=comment)


def application_accept(
    *, application: Application, by: Any, window: Window | None = None, comment: str = ""
) -> Application:
    return application_transition(
        application=application, by=by, name="accept", message=comment, window=window
    )


# --- After the exchange ---------------------------------------------------------------------------


@transaction.atomic
def evaluation_create(*, application: Application, by: Any, data: dict[str, Any]) -> Evaluation:
    """One side's evaluation (the officer's, or the host's), once, within 7 days."""
    if not allowed("exchanges.evaluate_application", by, application):
        raise PermissionDenied
    side = evaluation_side(by, application)
    if side is None:
        raise PermissionDenied
    evaluation = Evaluation(
        application=application,
        side=side,
        by=by,
        overall=data["overall"],
        usefulness=data["usefulness"],
        organisation=data["organisation"],
        comments=(data.get("comments") or "").strip(),
    )
    evaluation.full_clean(exclude=["application", "by"], validate_constraints=False)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        raise ValidationError(
            _("This side has already evaluated the exchange."), code="duplicate"
        ) from None
    certificate_if_due(application)
    return evaluation


@transaction.atomic
def report_submit(*, application: Application, by: Any, data: dict[str, Any]) -> FieldReport:
    """The officer files (or, until it is approved, rewrites) their field report; their
    coordinator is asked to approve it."""
    _lock(application)
    if not allowed("exchanges.file_report", by, application):
        raise PermissionDenied
    report = FieldReport.objects.select_for_update().filter(application=application).first()
    if report is not None and report.status == FieldReport.Status.APPROVED:
        raise ValidationError(_("This report is approved already."), code="state")
    report = report or FieldReport(application=application)
    report.observed = (data.get("observed") or "").strip()
    report.bring_home = (data.get("bring_home") or "").strip()
    report.consent_practice = bool(data.get("consent_practice"))
    report.status = FieldReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.full_clean(exclude=["application", "practice", "approved_by"])
    report.save()
    notifications.report_submitted(application, report)
    return report


def _practice_data(report: FieldReport) -> dict[str, Any]:
    """A draft practice prefilled from an approved report, credited to the exchange."""
    application = report.application
    offer = application.offer
    credit = _(
        "Learned during an officer exchange with %(host)s (%(offer)s), %(dates)s, through "
        "PACTESUR 2's officer exchanges."
    ) % {
        "host": application.host_city.name,
        "offer": offer.title,
        "dates": (
            f"{application.start:%Y-%m-%d} – {application.end:%Y-%m-%d}"
            if application.start and application.end
            else ""
        ),
    }
    return {
        "title": (_("From %(host)s: %(title)s") % {"host": offer.city.name, "title": offer.title})[
            :200
        ],
        "summary": report.bring_home[:1500],
        "mechanism": report.observed,
        "context": credit,
        "outcome": "new",
        "evaluation_stage": "not_evaluated",
        "themes": list(Theme.objects.filter(exchange_offers=offer)),
        "visibility": offer.visibility,
        "original_language": "en",
    }


@transaction.atomic
def report_to_practice(*, report: FieldReport, by: Any) -> Any:
    """With the officer's consent, an approved report becomes a DRAFT practice of their city
    (practices' own service: it then goes through normal moderation), credited to the exchange."""
    report = (
        FieldReport.objects.select_for_update()
        .select_related("application__offer__city", "application__host_city")
        .get(pk=report.pk)
    )
    if not allowed("exchanges.use_report", by, report.application):
        raise PermissionDenied
    _check_usable(report)
    application = report.application
    practice = cast(
        Practice,
        moderated_create(
            model=Practice,
            by=by,
            data=_practice_data(report),
            city=application.sending_city,
            body=by.body if getattr(by, "city", None) == application.sending_city else None,
        ),
    )
    report.practice = practice
    report.save(update_fields=["practice"])
    return practice


@transaction.atomic
def report_attach(*, report: FieldReport, by: Any, practice: Any) -> FieldReport:
    """With the officer's consent, attach an approved report to an existing practice of their
    city (it is shown on the exchange's pages with a link to the practice)."""
    report = FieldReport.objects.select_for_update().select_related("application").get(pk=report.pk)
    if not allowed("exchanges.use_report", by, report.application):
        raise PermissionDenied
    _check_usable(report)
    if practice.city_id != report.application.sending_city_id:
        raise ValidationError(_("Choose a practice of your city."), code="city")
    report.practice = practice
    report.save(update_fields=["practice"])
    return report


def _check_usable(report: FieldReport) -> None:
    if report.status != FieldReport.Status.APPROVED:
        raise ValidationError(_("Approve the report first."), code="state")
    if not report.consent_practice:
        raise ValidationError(
            _("The officer did not agree that their report becomes a practice."), code="consent"
        )
    if report.practice_id is not None:
        raise ValidationError(_("This report is already part of a practice."), code="used")


@transaction.atomic
def follow_up_answer(*, application: Application, by: Any, answer: str) -> FollowUp:
    """The officer's answer to "what did you change at home?", shown to both coordinators."""
    if not allowed("exchanges.answer_follow_up", by, application):
        raise PermissionDenied
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Write a few lines."), code="required")
    follow_up, _created = FollowUp.objects.update_or_create(
        application=application, defaults={"answer": answer, "answered_at": timezone.now()}
    )
    notifications.follow_up_answered(application, follow_up)
    return follow_up


# --- Reminders ------------------------------------------------------------------------------------


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Queue the reminders that are due (periodic task, ``pactesur/celery.py``). Each is sent
    once: its outbox key (kind, application, recipient) is unique, so a second run queues nothing.

    - evaluation due: 3 days after completion until its 7 days end, to a side that has not
      evaluated (the officer, the host city's coordinators);
    - report due: from 7 days after completion until its 30 days end, while no report is filed;
    - follow-up: three months after completion, while the officer has not answered.
    """
    now = now or timezone.now()
    done = Application.objects.filter(status__in=[S.COMPLETED, S.REPORTED]).select_related(
        "applicant", "offer", "host_city", "sending_city"
    )
    queued = 0
    with transaction.atomic():
        recent = done.filter(
            completed_at__gt=now - dt.timedelta(days=EVALUATION_DAYS),
            completed_at__lte=now - dt.timedelta(days=EVALUATION_REMINDER_AFTER),
        )
        for application in recent.prefetch_related("evaluations"):
            sides = {e.side for e in application.evaluations.all()}
            queued += notifications.evaluation_due(application, done=sides)
        report_due = done.filter(
            status=S.COMPLETED,
            completed_at__lte=now - dt.timedelta(days=EVALUATION_DAYS),
            completed_at__gt=now - dt.timedelta(days=REPORT_DAYS),
            report__isnull=True,
        )
        for application in report_due:
            queued += notifications.report_due(application)
        follow_up_due = done.filter(
            completed_at__lte=now - dt.timedelta(days=FOLLOW_UP_DAYS),
            completed_at__gt=now - dt.timedelta(days=FOLLOW_UP_DAYS + REMINDER_WINDOW),
            follow_up__isnull=True,
        )
        for application in follow_up_due:
            queued += notifications.follow_up_due(application)
    return queued


# --- Certificate ----------------------------------------------------------------------------------


def certificate_if_due(application: Application) -> Any:
    """Issue the officer's certificate of participation (the shared mechanism,
    ``accounts.certificates``) once their evaluation and their approved report are in; issuing
    again returns the one already issued. ``None`` while something is missing."""
    if application.status != S.REPORTED or application.start is None or application.end is None:
        return None
    if not application.evaluations.filter(side=Evaluation.Side.VISITOR).exists():
        return None
    offer = application.offer
    return issue_certificate(
        holder=application.applicant,
        source=application,
        kind=gettext_lazy("Officer exchange"),
        title=offer.title,
        host=str(offer.body.localized_name if offer.body else offer.city.name),
        start=application.start,
        end=application.end,
    )
