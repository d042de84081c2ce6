"""Who hears of a moderation event: rows queued in the transaction that writes the event."""

import pytest

from accounts.models import OutboundEmail
from moderation.services import moderation_publish, moderation_submit
from practices.services import practice_create

pytestmark = pytest.mark.django_db


def test_a_submission_queues_one_email_per_moderator_in_the_same_transaction(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation_submit(obj=practice, by=coordinator)
    # Before the commit: the row exists (it commits or rolls back with the event), nothing sent.
    email = OutboundEmail.objects.get()
    assert (email.kind, email.recipient, email.status) == (
        "moderation_submitted",
        efus_staff.email,
        OutboundEmail.Status.PENDING,
    )
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]


def test_a_decision_goes_to_the_author_once(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    moderation_submit(obj=practice, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_publish(obj=practice, by=efus_staff)
    decided = OutboundEmail.objects.filter(kind="moderation_decided")
    assert [e.recipient for e in decided] == [coordinator.email]
    assert [m.to for m in mailoutbox if "Published" in m.subject] == [[coordinator.email]]
