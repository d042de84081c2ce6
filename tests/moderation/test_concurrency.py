"""Two moderators deciding on the same item at once, with real transactions on PostgreSQL: each in
its own thread and connection, started together. Exactly one decision wins: one change, one event
in the audit log, one email; the other is refused, saying what changed.

Each decision is slowed down while it holds the item's row lock (the event is written, then it
waits), so that the second one always arrives while the first is still running.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection

from moderation import services
from moderation.models import ModerationEvent, Revision, Status, Visibility
from moderation.services import (
    StaleVersion,
    moderation_publish,
    moderation_reject,
    moderation_submit,
    moderation_unpublish,
    revision_propose,
)
from moderation.versions import version_token
from practices.models import Practice
from practices.services import practice_create
from tests.practices.factories import PracticeFactory
from tests.support import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks: PostgreSQL (CI runs it too)"
    ),
]

HOLD = 0.3  # seconds a decision keeps its lock after writing its event


@pytest.fixture
def slow_decisions(monkeypatch):
    """Every event is written, then the transaction waits ``HOLD`` seconds, lock held."""
    record = services.event_record

    def slow_record(*args: Any, **kwargs: Any) -> ModerationEvent:
        event = record(*args, **kwargs)
        time.sleep(HOLD)
        return event

    monkeypatch.setattr(services, "event_record", slow_record)


def fresh(practice: Practice) -> Practice:
    """A moderator's own copy of the item, as their request loads it."""
    return Practice.objects.get(pk=practice.pk)


def decide_twice(service, practice, moderators, message=""):
    """Both moderators saw the same page (the same version) and decide at once."""
    revision = Revision.objects.open_for(practice).first()
    version = version_token(fresh(practice), revision)
    return at_once(
        *[
            lambda by=by: service(obj=fresh(practice), by=by, message=message, version=version)
            for by in moderators
        ]
    )


def won_once(results: list[Any]) -> None:
    winners = [r for r in results if isinstance(r, Practice)]
    losers = [r for r in results if isinstance(r, StaleVersion)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert losers[0].changes  # says what changed


@pytest.fixture
def moderators(efus_staff, efus_body):
    from tests.accounts.factories import make_member

    return [efus_staff, make_member(efus_body, mfa=True)]


def submitted(coordinator) -> Practice:
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    return moderation_submit(obj=practice, by=coordinator)


def decided_emails() -> list[str]:
    """The recipients of the decision emails queued (the outbox's rows)."""
    from accounts.models import OutboundEmail

    return list(
        OutboundEmail.objects.filter(kind="moderation_decided").values_list("recipient", flat=True)
    )


def events(practice: Practice, action: str) -> int:
    return ModerationEvent.objects.for_object(practice).filter(action=action).count()


def test_two_moderators_publish_at_once(slow_decisions, moderators, coordinator):
    practice = submitted(coordinator)
    won_once(decide_twice(moderation_publish, practice, moderators))
    assert fresh(practice).status == Status.PUBLISHED
    assert events(practice, ModerationEvent.Action.PUBLISH) == 1
    assert decided_emails() == [coordinator.email]


def test_two_moderators_publish_the_same_edit_at_once(slow_decisions, moderators, coordinator):
    practice = PracticeFactory(title="Old", created_by=coordinator)
    revision_propose(obj=practice, by=coordinator, data={"title": "New"})
    won_once(decide_twice(moderation_publish, practice, moderators))
    assert fresh(practice).title == "New"
    assert events(practice, ModerationEvent.Action.PUBLISH_REVISION) == 1


def test_two_moderators_unpublish_at_once(slow_decisions, moderators, coordinator):
    practice = PracticeFactory(created_by=coordinator)
    won_once(decide_twice(moderation_unpublish, practice, moderators, "Personal data."))
    assert fresh(practice).status == Status.UNPUBLISHED
    assert events(practice, ModerationEvent.Action.UNPUBLISH) == 1
    assert decided_emails() == [coordinator.email]


def test_two_moderators_reject_at_once(slow_decisions, moderators, coordinator):
    practice = submitted(coordinator)
    won_once(decide_twice(moderation_reject, practice, moderators, "Out of scope."))
    assert fresh(practice).status == Status.DRAFT
    assert events(practice, ModerationEvent.Action.REJECT) == 1
    assert decided_emails() == [coordinator.email]


def test_publish_and_reject_at_once_only_one_wins(slow_decisions, moderators, coordinator):
    practice = submitted(coordinator)
    version = version_token(fresh(practice), None)
    first, second = moderators
    results = at_once(
        lambda: moderation_publish(obj=fresh(practice), by=first, version=version),
        lambda: moderation_reject(obj=fresh(practice), by=second, message="No.", version=version),
    )
    won_once(results)
    assert fresh(practice).status in {Status.PUBLISHED, Status.DRAFT}
    decisions = ModerationEvent.objects.for_object(practice).exclude(action="submit")
    assert decisions.count() == 1


def test_an_edit_proposed_while_the_moderator_publishes_is_never_published_unseen(
    slow_decisions, moderators, coordinator
):
    """The issue's case: the coordinator makes a police-only practice public while the moderator
    publishes the edit they reviewed. Either the moderator's publication comes first (and the
    coordinator's new proposal waits for review), or it is refused: never both."""
    practice = PracticeFactory(title="Drone drills", visibility=Visibility.POLICE)
    revision_propose(obj=practice, by=coordinator, data={"title": "Drone drills at night"})
    version = version_token(fresh(practice), Revision.objects.open_for(practice).first())
    results = at_once(
        lambda: moderation_publish(obj=fresh(practice), by=moderators[0], version=version),
        lambda: revision_propose(
            obj=fresh(practice), by=coordinator,
            data={"title": "Drone drills at night", "visibility": Visibility.PUBLIC},
        ),
    )  # fmt: skip
    assert not any(isinstance(r, Exception) and not isinstance(r, StaleVersion) for r in results)
    practice = fresh(practice)
    assert practice.visibility == Visibility.POLICE  # the unseen change is never published
    if isinstance(results[0], StaleVersion):
        assert practice.title == "Drone drills"
    else:
        assert practice.title == "Drone drills at night"
    assert Revision.objects.open_for(practice).get().data["visibility"] == Visibility.PUBLIC


def test_dismissing_reports_and_unpublishing_at_once(slow_decisions, moderators, member):
    """One moderator dismisses the reports that hid an item while another unpublishes it, both
    from the same page: one wins, the other is told the item changed."""
    from moderation.models import Report
    from moderation.reports import report_create, reports_dismiss

    practice = PracticeFactory()
    report_create(obj=practice, by=member, reason="personal_data")
    version = version_token(fresh(practice), None)
    results = at_once(
        lambda: reports_dismiss(obj=fresh(practice), by=moderators[0], version=version),
        lambda: moderation_unpublish(
            obj=fresh(practice), by=moderators[1], message="A name.", version=version
        ),
    )
    won_once(results)
    closed = set(Report.objects.values_list("status", flat=True))
    practice.refresh_from_db()
    assert practice.hidden_at is None
    if practice.status == Status.UNPUBLISHED:
        assert closed == {Report.Status.UPHELD}
    else:
        assert closed == {Report.Status.DISMISSED}
    decisions = ModerationEvent.objects.for_object(practice).exclude(action="hide")
    assert decisions.count() == 1
