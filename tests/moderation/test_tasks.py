"""The notification task: takes an event id and calls moderation_notify."""

import pytest

from moderation.models import ModerationEvent
from moderation.services import moderation_submit
from moderation.tasks import notify_moderation_event
from practices.services import practice_create

pytestmark = pytest.mark.django_db


def test_task_emails_the_moderators_about_a_submission(coordinator, efus_staff, mailoutbox):
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    moderation_submit(obj=practice, by=coordinator)
    event = ModerationEvent.objects.get()
    assert notify_moderation_event.apply(args=[event.pk]).get() == 1
    assert mailoutbox[0].to == [efus_staff.email]


def test_task_for_a_missing_event_sends_nothing(mailoutbox):
    assert notify_moderation_event.apply(args=[999_999]).get() == 0
    assert mailoutbox == []
