"""The trainings' periodic tasks, run as Celery runs them (``.apply()``), and their place in the
one beat schedule."""

import pytest

from pactesur.celery import app
from trainings import services, tasks
from trainings.models import Registration

from .factories import TrainingFactory, in_days


def test_the_tasks_are_in_the_beat_schedule():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"trainings.tasks.expire_offers", "trainings.tasks.send_reminders"} <= scheduled


@pytest.mark.django_db
def test_expire_offers_task_passes_seats_on(member, nice_body, time_machine):
    from tests.accounts.factories import make_member

    training = TrainingFactory(capacity=1)
    first = services.registration_create(training=training, by=make_member(nice_body))
    second = services.registration_create(training=training, by=member)
    services.registration_cancel(registration=first, by=first.user)
    second.refresh_from_db()
    time_machine.move_to(second.offer_expires_at)
    assert tasks.expire_offers.apply().get() == 1
    second.refresh_from_db()
    assert second.status == Registration.Status.EXPIRED


@pytest.mark.django_db
def test_reminder_task_queues_once(member):
    training = TrainingFactory(sessions=[(in_days(1), in_days(1, 17))], registration_deadline=None)
    services.registration_create(training=training, by=member)
    assert tasks.send_reminders.apply().get() == 1
    assert tasks.send_reminders.apply().get() == 0
