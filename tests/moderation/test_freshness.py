"""Freshness (``moderation.freshness``) and the moderators' daily email, with time-machine: review
dates, "still current", the monthly reminder to coordinators, the 09:00 summary."""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import OutboundEmail
from moderation.freshness import (
    add_months,
    freshness_mark_current,
    freshness_set_review_by,
    overdue_notify,
)
from moderation.models import ModerationEvent, Report
from moderation.services import moderation_publish, moderation_submit
from moderation.tasks import send_daily_summary, send_overdue_reminders
from practices.models import Practice
from practices.services import practice_create
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))  # winter time


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=PARIS), tick=False)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 8, 31), 18) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 3, 15), 18) == dt.date(2026, 9, 15)


def test_publishing_sets_the_review_date_18_months_later(coordinator, efus_staff):
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    moderation_submit(obj=practice, by=coordinator)
    with at(2025, 3, 15, 10):
        moderation_publish(obj=practice, by=efus_staff)
    practice.refresh_from_db()
    assert practice.review_by == dt.date(2026, 9, 15)


def test_still_current_moves_the_date_on_and_is_logged(client, coordinator):
    practice = PracticeFactory(city=coordinator.city, review_by=dt.date(2025, 1, 1))
    client.force_login(coordinator)
    with at(2025, 6, 1, 10):
        page = client.get(practice.get_absolute_url()).content.decode()
        assert "Still current" in page
        url = reverse("moderation:mark_current", args=["practices.practice", practice.pk])
        assert client.post(url).status_code == 302
        practice.refresh_from_db()
        assert practice.review_by == dt.date(2026, 12, 1)
        assert practice.reviewed_at == dt.datetime(2025, 6, 1, 10, tzinfo=PARIS)
        assert (
            "Last reviewed on 1 June 2025"
            in client.get(practice.get_absolute_url()).content.decode()
        )
    event = ModerationEvent.objects.for_object(practice).get()
    assert (event.action, event.by) == ("mark_current", coordinator)


def test_a_coordinator_sets_the_review_date_within_limits(coordinator, other_coordinator):
    practice = PracticeFactory(city=coordinator.city)
    with at(2025, 6, 1, 10):
        freshness_set_review_by(obj=practice, by=coordinator, review_by=dt.date(2026, 1, 1))
        assert Practice.objects.get(pk=practice.pk).review_by == dt.date(2026, 1, 1)
        with pytest.raises(ValidationError):
            freshness_set_review_by(obj=practice, by=coordinator, review_by=dt.date(2025, 5, 1))
        with pytest.raises(PermissionDenied):
            freshness_mark_current(obj=practice, by=other_coordinator)
    assert ModerationEvent.objects.for_object(practice).get().action == "set_review_by"


def test_overdue_items_are_in_their_tab(client, efus_staff):
    late = PracticeFactory(review_by=dt.date(2025, 1, 1))
    PracticeFactory(review_by=dt.date(2025, 12, 1))
    client.force_login(efus_staff)
    with at(2025, 6, 1, 10):
        rows = client.get(reverse("moderation:queue"), {"tab": "overdue"}).context["rows"]
    assert [r.obj for r in rows] == [late]


def test_coordinators_get_their_citys_overdue_items_once_a_month(
    coordinator, other_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    late = PracticeFactory(city=coordinator.city, review_by=dt.date(2025, 1, 1), title="Late one")
    PracticeFactory(city=coordinator.city, review_by=dt.date(2026, 1, 1), title="Fresh one")
    with at(2025, 6, 1, 8), django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_reminders.apply().get() == 1
        assert send_overdue_reminders.apply().get() == 0  # the same month: once
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert "Late one" in mailoutbox[0].body and "Fresh one" not in mailoutbox[0].body
    assert late.get_absolute_url() in mailoutbox[0].body
    with at(2025, 7, 1, 8):
        assert overdue_notify() == 1  # next month, still overdue: again
    freshness_mark_current(obj=late, by=coordinator)
    with at(2025, 8, 1, 8):
        assert overdue_notify() == 0  # nothing overdue: nothing sent


# --- The moderators' daily email -----------------------------------------------------------------


def test_the_daily_email_says_what_waits_once_a_day(
    coordinator, efus_staff, member, mailoutbox, django_capture_on_commit_callbacks
):
    with at(2025, 3, 1, 18):
        old = practice_create(by=coordinator, data={"title": "Waiting longest", "summary": "S"})
        moderation_submit(obj=old, by=coordinator)
    with at(2025, 3, 2, 18):
        newer = practice_create(by=coordinator, data={"title": "Newer", "summary": "S"})
        moderation_submit(obj=newer, by=coordinator)
        reported = PracticeFactory()
        Report.objects.create(content_type=ContentType.objects.get_for_model(Practice),
                              object_id=reported.pk, reason="other", by=member)  # fmt: skip
    OutboundEmail.objects.all().delete()
    with at(2025, 3, 3, 9), django_capture_on_commit_callbacks(execute=True):
        assert send_daily_summary.apply().get() == 1
        assert send_daily_summary.apply().get() == 0  # the same day: once
    [email] = mailoutbox
    assert email.to == [efus_staff.email]
    assert "2 waiting, 1 reported" in email.subject
    assert "Waiting longest" in email.body and "Newer" not in email.body
    review = reverse("moderation:review", args=["practices.practice", old.pk])
    assert review in email.body and review in email.alternatives[0][0]
    with at(2025, 3, 4, 9):
        assert send_daily_summary.apply().get() == 1  # the next day: again


def test_no_daily_email_when_nothing_waits(efus_staff, mailoutbox):
    PracticeFactory(review_by=dt.date(2020, 1, 1))  # overdue only: the city's to review
    with at(2025, 3, 3, 9):
        assert send_daily_summary.apply().get() == 0
    assert OutboundEmail.objects.filter(kind="moderation_daily").count() == 0


def test_the_daily_email_is_scheduled_at_nine_in_paris():
    from pactesur.celery import app

    entry = app.conf.beat_schedule["moderation-daily-summary"]
    assert entry["task"] == "moderation.tasks.send_daily_summary"
    assert entry["schedule"].hour == {9} and entry["schedule"].minute == {0}
    assert app.conf.timezone == "Europe/Paris"
