"""Who may do what with exchanges. Reading offers is the one visibility rule
(``Offer.objects.visible_to``); reading applications is ``Application.objects.visible_to``; the
workflow's steps are the transitions table (``exchanges.models.TRANSITIONS``), registered here as
one rule each (``exchanges.<name>_application``) so that views, services and templates ask alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.permissions import allowed
from accounts.roles import coordinates, has_coordinator_powers, has_staff_powers, is_member
from moderation.models import Status
from moderation.permissions import coordinates_object_city, moderation_flags

from .models import (
    EVALUATION_DAYS,
    REPORT_DAYS,
    TRANSITION_NAMES,
    Actor,
    Application,
    ApplicationStatus,
    Evaluation,
    FieldReport,
    Offer,
    actors_of,
    allowed_transitions,
)

# --- Offers ---------------------------------------------------------------------------------------


@rules.predicate
def is_police_member(user: Any) -> bool:
    """A member of a police body (staff with powers read police material but are not officers)."""
    return bool(is_member(user) and user.approved_membership.body.is_police)


@rules.predicate
def may_apply(user: Any, offer: Offer) -> bool:
    """A member of another city than the host's, on an offer still open; a police member when
    the offer asks for one."""
    if not is_member(user) or user.city is None or user.city.pk == offer.city_id:
        return False
    if offer.status != Status.PUBLISHED or offer.application_deadline < timezone.localdate():
        return False
    return bool(is_police_member(user) or not offer.police_only)


# A coordinator with powers publishes offers of their own city's body.
rules.add_rule("exchanges.add_offer", has_coordinator_powers)
rules.add_rule("exchanges.change_offer", coordinates_object_city | has_staff_powers)
rules.add_rule("exchanges.submit_offer", coordinates_object_city | has_staff_powers)
rules.add_rule("exchanges.apply", may_apply)


def get_offer_for_user(user: Any, pk: int, *, write: bool = False) -> Offer:
    """The offer if the user may see it (404 otherwise); with ``write``, may also edit it."""
    offer = get_object_or_404(Offer.objects.visible_to(user).select_related("city", "body"), pk=pk)
    if write and not allowed("exchanges.change_offer", user, offer):
        raise PermissionDenied
    return offer


def offer_flags(user: Any, offer: Offer) -> dict[str, Any]:
    return {
        **moderation_flags(user, offer),
        "can_apply": allowed("exchanges.apply", user, offer),
        "can_manage_windows": allowed("exchanges.change_offer", user, offer),
    }


# --- Applications --------------------------------------------------------------------------------


def _may_take(name: str) -> Any:
    @rules.predicate(name=f"may_{name}")
    def predicate(user: Any, application: Application) -> bool:
        return any(t.name == name for t in allowed_transitions(user, application))

    return predicate


for _name in TRANSITION_NAMES:
    rules.add_rule(f"exchanges.{_name}_application", _may_take(_name))


def _within(application: Application, days: int) -> bool:
    completed = application.completed_at
    return completed is not None and timezone.now() <= completed + dt.timedelta(days=days)


def evaluation_side(user: Any, application: Application) -> str | None:
    """The side this user evaluates for (the applicant: visitor; the host coordinator: host)."""
    actors = actors_of(user, application)
    if Actor.APPLICANT in actors:
        return Evaluation.Side.VISITOR
    if Actor.HOST_COORDINATOR in actors:
        return Evaluation.Side.HOST
    return None


@rules.predicate
def may_evaluate(user: Any, application: Application) -> bool:
    """Within 7 days of completion, each side once (the service checks "once")."""
    done = application.status in (ApplicationStatus.COMPLETED, ApplicationStatus.REPORTED)
    return bool(
        done and _within(application, EVALUATION_DAYS) and evaluation_side(user, application)
    )


@rules.predicate
def may_report(user: Any, application: Application) -> bool:
    """The applicant, within 30 days of completion, until their coordinator approves it."""
    return bool(
        application.status == ApplicationStatus.COMPLETED
        and Actor.APPLICANT in actors_of(user, application)
        and _within(application, REPORT_DAYS)
    )


@rules.predicate
def may_answer_follow_up(user: Any, application: Application) -> bool:
    done = application.status in (ApplicationStatus.COMPLETED, ApplicationStatus.REPORTED)
    return bool(done and Actor.APPLICANT in actors_of(user, application))


@rules.predicate
def coordinates_sending_city(user: Any, application: Application) -> bool:
    return coordinates(user, application.sending_city_id)


rules.add_rule("exchanges.evaluate_application", may_evaluate)
rules.add_rule("exchanges.file_report", may_report)
rules.add_rule("exchanges.answer_follow_up", may_answer_follow_up)
# Turning an approved report into a practice, or attaching it to one: the sending coordinator.
rules.add_rule("exchanges.use_report", coordinates_sending_city | has_staff_powers)
# Suggestions of offers ("for me"): members; a coordinator's for any member of their city.
rules.add_rule("exchanges.see_matches", is_member)
# The page of a city's applications, the calendar and the counts.
rules.add_rule("exchanges.coordinate", has_coordinator_powers | has_staff_powers)


def get_application_for_user(user: Any, pk: int) -> Application:
    """The application if the user is one of the people who may see it; 404 for anyone else."""
    return get_object_or_404(
        Application.objects.visible_to(user).select_related(
            "offer", "applicant", "sending_city", "host_city", "window", "preferred_window"
        ),
        pk=pk,
    )


def get_report_for_user(user: Any, application: Application) -> FieldReport | None:
    try:
        return application.report
    except FieldReport.DoesNotExist:
        return None


def require_coordination(user: Any) -> None:
    if not allowed("exchanges.coordinate", user):
        raise Http404
