"""Every step of the application workflow, tried from every state by every role, in one table.

``ALLOWED`` is written out by hand (not read from ``exchanges.models.TRANSITIONS``): each
(state, step) lists the roles that may take it. Every other combination must be refused, and
leave the application, its log and the outbox as they were. Every step keeps the window's count
of places held equal to the applications holding one (the ranking of for-me reads that count).
The application is a Nice officer's (``member``) for a Madrid offer: ``coordinator`` sends,
``other_coordinator`` hosts.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import OutboundEmail
from exchanges.models import (
    HOLDS_A_PLACE,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    FieldReport,
    Window,
)
from exchanges.services import application_transition
from tests.exchanges.factories import ApplicationFactory, in_days

pytestmark = pytest.mark.django_db

S = ApplicationStatus
ROLES = (
    "member", "coordinator", "other_coordinator", "efus_staff", "third_coordinator",
    "other_member", "madrid_officer", "outsider", "efus_staff_without_mfa",
    "coordinator_without_mfa",
)  # fmt: skip
STEPS = ("endorse", "accept", "schedule", "complete", "approve_report", "withdraw", "decline",
         "cancel")  # fmt: skip
COORDINATORS = {"coordinator", "other_coordinator", "efus_staff"}

ALLOWED: dict[tuple[str, str], set[str]] = {
    (S.SUBMITTED, "endorse"): {"coordinator", "efus_staff"},
    (S.ENDORSED, "accept"): {"other_coordinator", "efus_staff"},
    (S.ACCEPTED, "schedule"): {"other_coordinator", "efus_staff"},
    (S.SCHEDULED, "complete"): {"other_coordinator", "efus_staff"},
    (S.COMPLETED, "approve_report"): {"coordinator", "efus_staff"},
    (S.SUBMITTED, "withdraw"): {"member"},
    (S.ENDORSED, "withdraw"): {"member"},
    (S.ACCEPTED, "withdraw"): {"member"},
    (S.SUBMITTED, "decline"): COORDINATORS,
    (S.ENDORSED, "decline"): COORDINATORS,
    (S.ACCEPTED, "decline"): COORDINATORS,
    (S.SCHEDULED, "cancel"): COORDINATORS,
}
TARGET = {
    "endorse": S.ENDORSED, "accept": S.ACCEPTED, "schedule": S.SCHEDULED,
    "complete": S.COMPLETED, "approve_report": S.REPORTED, "withdraw": S.WITHDRAWN,
    "decline": S.DECLINED, "cancel": S.CANCELLED,
}  # fmt: skip


class Rollback(Exception):
    pass


def places_held(window: Window) -> int:
    return Window.objects.get(pk=window.pk).places_held


def holding(window: Window) -> int:
    return Application.objects.filter(window_id=window.pk, status__in=HOLDS_A_PLACE).count()


def attempt(application: Application, user, name: str) -> str:
    """Try the step in a transaction that is always rolled back: "ok" (and what it did),
    "denied", or "invalid" (a step that does not apply in this state)."""
    window = application.preferred_window
    outcome = ""
    try:
        with transaction.atomic():
            events, emails = ApplicationEvent.objects.count(), OutboundEmail.objects.count()
            held, was = places_held(window), application.status in HOLDS_A_PLACE
            assert held == holding(window)
            try:
                application_transition(
                    application=application, by=user, name=name, message="A reason.",
                    window=window, start=window.start, end=window.end, programme="Patrols.",
                )  # fmt: skip
            except PermissionDenied:
                outcome = "denied"
            except ValidationError:
                outcome = "invalid"
            else:
                outcome = "ok"
                row = Application.objects.get(pk=application.pk)
                assert row.status == TARGET[name]
                assert ApplicationEvent.objects.count() == events + 1
                event = ApplicationEvent.objects.latest("pk")
                assert (event.by, event.to_status) == (user, TARGET[name])
                assert places_held(window) == holding(window)
                now = TARGET[name] in HOLDS_A_PLACE
                assert places_held(window) == held + now - was
            if outcome != "ok":
                assert ApplicationEvent.objects.count() == events
                assert OutboundEmail.objects.count() == emails
                assert places_held(window) == held
            raise Rollback
    except Rollback:
        pass
    application.refresh_from_db()
    return outcome


def test_every_step_from_every_state_for_every_role(request):
    users = {role: request.getfixturevalue(role) for role in ROLES}
    seen = 0
    for state in S.values:
        placed = state in (S.ACCEPTED, S.SCHEDULED, S.COMPLETED, S.REPORTED)
        application = ApplicationFactory(
            applicant=users["member"], status=state,
            completed_at=timezone.now() if state in (S.COMPLETED, S.REPORTED) else None,
            start=in_days(91) if placed else None, end=in_days(92) if placed else None,
        )  # fmt: skip
        if state == S.COMPLETED:  # the report to approve
            FieldReport.objects.create(
                application=application, observed="x", bring_home="y",
                status=FieldReport.Status.SUBMITTED,
            )  # fmt: skip
        for name in STEPS:
            for role, user in users.items():
                outcome = attempt(application, user, name)
                expected = "ok" if role in ALLOWED.get((state, name), set()) else outcome
                assert outcome == expected, f"{role} {name} from {state}: {outcome}"
                if role not in ALLOWED.get((state, name), set()):
                    assert outcome in ("denied", "invalid"), f"{role} {name} from {state}"
                    steps_from_state = {n for (s, n) in ALLOWED if s == state}
                    if name not in steps_from_state:
                        assert outcome == "invalid", f"{role} {name} from {state}: {outcome}"
                    else:
                        assert outcome == "denied", f"{role} {name} from {state}: {outcome}"
                seen += 1
    assert seen == len(S.values) * len(STEPS) * len(ROLES)


def test_declining_and_cancelling_need_a_reason(member, coordinator, other_coordinator):
    for state, name in ((S.SUBMITTED, "decline"), (S.SCHEDULED, "cancel")):
        application = ApplicationFactory(applicant=member, status=state)
        with pytest.raises(ValidationError) as caught:
            application_transition(application=application, by=coordinator, name=name)
        assert caught.value.code == "reason"
        application.refresh_from_db()
        assert application.status == state


def test_a_logged_step_emails_the_people_concerned(member, coordinator, other_coordinator):
    application = ApplicationFactory(applicant=member, status=S.SUBMITTED)
    application_transition(application=application, by=coordinator, name="endorse", message="Go")
    event = application.events.get()
    assert (event.from_status, event.to_status, event.message) == ("submitted", "endorsed", "Go")
    recipients = set(
        OutboundEmail.objects.filter(kind="exchange_application_changed").values_list(
            "recipient", flat=True
        )
    )
    # The applicant and the host's coordinator; not the coordinator who endorsed it.
    assert recipients == {member.email, other_coordinator.email}
