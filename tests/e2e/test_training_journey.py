"""Trainings in Chromium: a member registers for a full academy and is waitlisted; another member
cancels, the first is offered the seat, confirms it and downloads the calendar file; the host
marks attendance on the phone-sized attendance page. Every page shown is audited (axe)."""

import datetime as dt

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Certificate
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.e2e.browser import audit, sign_in
from tests.trainings.factories import TrainingFactory
from trainings import services
from trainings.models import Attendance, Registration, Session, Training

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_waiting_list_promotion_calendar_and_attendance(new_page, coordinator):
    nice = reference_body("nice")
    training = TrainingFactory(title="Academy on crowded squares", capacity=1)
    first = make_member(nice, full_name="Camille Roux")
    second = make_member(nice, full_name="Lucas Martin")
    services.registration_create(training=training, by=first)

    page = new_page()
    sign_in(page, second)
    page.goto("/trainings/")
    audit(page)
    page.get_by_role("link", name="Academy on crowded squares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Academy on crowded squares")
    audit(page)
    page.get_by_label("Note for the organisers (optional)").fill("Night unit")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator(".message-list")).to_contain_text("you are on the waiting list")
    audit(page)
    assert Registration.objects.get(user=second).status == Registration.Status.WAITLISTED

    other = new_page()
    sign_in(other, first)
    other.goto("/trainings/mine/")
    audit(other)
    other.get_by_role("button", name="Cancel Academy on crowded squares").click()
    expect(other.locator(".message-list")).to_contain_text("The registration is cancelled.")
    audit(other)

    page.reload()
    audit(page)
    page.get_by_role("button", name="Confirm my seat").click()
    expect(page.locator(".message-list")).to_contain_text("Your seat is confirmed.")
    audit(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    calendar = icalendar.Calendar.from_ical(download.value.path().read_bytes())
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == [training.title]

    host = new_page()
    sign_in(host, coordinator)
    host.goto(f"/trainings/{training.pk}/participants/")
    audit(host)
    session = training.sessions.get()
    host.goto(f"/trainings/{training.pk}/sessions/{session.pk}/attendance/")
    audit(host)
    host.get_by_label("Lucas Martin").check()
    host.get_by_role("button", name="Save attendance").click()
    expect(host.locator(".message-list")).to_contain_text("1 present")
    audit(host)
    assert Attendance.objects.get(registration__user=second).present

    # The academy takes place (moved into the past here), then the member downloads the
    # certificate, and anyone can check its code on the public page.
    shift = session.ends_at - timezone.now() + dt.timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - shift, ends_at=session.ends_at - shift
    )
    Training.objects.filter(pk=training.pk).update(
        first_start=session.starts_at - shift, last_end=session.ends_at - shift
    )
    page.reload()
    audit(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my certificate (PDF)").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    certificate = Certificate.objects.get(holder=second)
    visitor = new_page()
    visitor.goto(certificate.get_absolute_url())
    audit(visitor)
    expect(visitor.locator("main")).to_contain_text("Lucas Martin")
    expect(visitor.locator("main")).to_contain_text("Academy on crowded squares")
