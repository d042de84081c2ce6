"""Who hears of what happens to an exchange application. Services call these inside their
transaction; each queues outbox rows (``accounts/emails.py``), sent once the transaction commits.
The person who acted is never told of their own step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts import emails, roles
from accounts.models import User

from .models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Evaluation,
    FieldReport,
    FollowUp,
)

S = ApplicationStatus

# Who is told of each new state: the applicant, the sending city's coordinators, the host's.
APPLICANT, SENDING, HOST = "applicant", "sending", "host"
RECIPIENTS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (SENDING,),
    S.ENDORSED: (APPLICANT, HOST),
    S.ACCEPTED: (APPLICANT, SENDING),
    S.SCHEDULED: (APPLICANT, SENDING),
    S.COMPLETED: (APPLICANT, SENDING),
    S.REPORTED: (APPLICANT, HOST),
    S.WITHDRAWN: (SENDING, HOST),
    S.DECLINED: (APPLICANT, SENDING, HOST),
    S.CANCELLED: (APPLICANT, SENDING, HOST),
}


def _people(application: Application, groups: Iterable[str]) -> dict[int, User]:
    people: dict[int, User] = {}
    for group in groups:
        if group == APPLICANT:
            found: Iterable[User] = [application.applicant]
        elif group == SENDING:
            found = roles.coordinators_with_powers(application.sending_city_id)
        else:
            found = roles.coordinators_with_powers(application.host_city_id)
        people.update((u.pk, u) for u in found if u.is_active)
    return people


def application_changed(application: Application, event: ApplicationEvent) -> None:
    """Tell the people concerned that the application reached ``event.to_status``."""
    groups = list(RECIPIENTS.get(event.to_status, ()))
    if event.to_status == S.WITHDRAWN and event.from_status == S.SUBMITTED:
        groups.remove(HOST)  # the host never saw it
    for recipient in _people(application, groups).values():
        if recipient.pk == event.by_id:
            continue
        emails.queue(
            "exchange_application_changed",
            to=recipient,
            about=event,
            context={"application": application, "event": event, "recipient": recipient},
        )


def report_submitted(application: Application, report: FieldReport) -> None:
    """Ask the officer's coordinators to approve the report (once per version filed)."""
    for recipient in _people(application, [SENDING]).values():
        emails.queue(
            "exchange_report_submitted",
            to=recipient,
            about=application,
            occasion=report.submitted_at.isoformat(),
            context={"application": application, "recipient": recipient},
        )


def follow_up_answered(application: Application, follow_up: FollowUp) -> None:
    """Show the officer's answer to both coordinators."""
    for recipient in _people(application, [SENDING, HOST]).values():
        emails.queue(
            "exchange_follow_up_answered",
            to=recipient,
            about=application,
            occasion=follow_up.answered_at.isoformat(),
            context={"application": application, "follow_up": follow_up, "recipient": recipient},
        )


def _reminder(kind: str, application: Application, people: Iterable[User]) -> int:
    queued = 0
    for recipient in people:
        context: dict[str, Any] = {"application": application, "recipient": recipient}
        if emails.queue(kind, to=recipient, about=application, context=context) is not None:
            queued += 1
    return queued


def evaluation_due(application: Application, *, done: set[str]) -> int:
    """Remind each side that has not evaluated yet (the officer; the host's coordinators)."""
    groups = []
    if Evaluation.Side.VISITOR not in done:
        groups.append(APPLICANT)
    if Evaluation.Side.HOST not in done:
        groups.append(HOST)
    return _reminder("exchange_evaluation_due", application, _people(application, groups).values())


def report_due(application: Application) -> int:
    return _reminder("exchange_report_due", application, [application.applicant])


def follow_up_due(application: Application) -> int:
    """ "What did you change at home?", three months after the exchange."""
    return _reminder("exchange_follow_up", application, [application.applicant])


def _still_due(status: tuple[str, ...]) -> Any:
    def hook(email: Any, context: dict[str, Any]) -> dict[str, Any] | None:
        application = context.get("application")
        return context if application is not None and application.status in status else None

    return hook


# A reminder that is no longer due when it goes out is cancelled.
emails.register("exchange_report_due", context=_still_due((S.COMPLETED,)))
