"""A Gdańsk officer finds a Riga offer through matching, with its reasons, and applies; their
coordinator endorses; Riga's coordinator accepts, schedules and completes the exchange; the
officer files a field report and their coordinator approves it. Every page is audited."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from cities.models import City, Theme
from exchanges.models import Application, ApplicationStatus, FieldReport
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.e2e.browser import audit, sign_in
from tests.exchanges.factories import OfferFactory, WindowFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "A week with Riga's tourism police"


def test_officer_applies_coordinators_decide_officer_reports(new_page):
    gdansk, riga = reference_body("gdansk"), reference_body("riga")
    officer = make_member(gdansk, full_name="Piotr Kowalski", languages=["pl", "en"])
    officer.interests.set(Theme.objects.filter(slug="safety-and-tourism"))
    own = make_member(gdansk, role=Membership.Role.COORDINATOR)
    host = make_member(riga, role=Membership.Role.COORDINATOR)
    offer = OfferFactory(
        title=TITLE, city=City.objects.get(slug="riga"), body=riga, host_languages=["lv", "en"],
        themes=list(Theme.objects.filter(slug="safety-and-tourism")),
    )  # fmt: skip
    start = dt.date.today() + dt.timedelta(days=70)
    WindowFactory(offer=offer, start=start, end=start + dt.timedelta(days=5), places=2)

    # The officer finds the offer among their suggestions, with why, and applies.
    page = new_page()
    sign_in(page, officer)
    page.goto("/exchanges/for-me/")
    audit(page)
    suggestion = page.locator(".suggestions > li").first
    expect(suggestion).to_contain_text(TITLE)
    expect(suggestion.locator(".suggestion-reasons")).to_contain_text(
        re.compile(r"speaks English · Safety and tourism · 2 places in \w+ \d{4}")
    )
    suggestion.get_by_role("link", name=TITLE).click()
    audit(page)
    page.get_by_role("link", name="Apply").click()
    audit(page)
    page.get_by_role("radio").first.check()
    page.get_by_label("Motivation").fill("Gdańsk's old town has the same summer crowds.")
    page.get_by_label("Expected benefit for your force").fill("A tourist desk for our police.")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    audit(page)
    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED

    # Their coordinator endorses it.
    coordinator = new_page()
    sign_in(coordinator, own)
    coordinator.goto("/exchanges/city/")
    audit(coordinator)
    coordinator.get_by_role("link", name=re.compile("Piotr Kowalski")).click()
    audit(coordinator)
    coordinator.get_by_role("button", name="Endorse").click()
    expect(coordinator.locator(".messages")).to_contain_text("endorsed")
    audit(coordinator)

    # Riga's coordinator accepts it, schedules it, and marks it completed.
    hosting = new_page()
    sign_in(hosting, host)
    hosting.goto(application.get_absolute_url())
    audit(hosting)
    hosting.get_by_role("button", name="Accept").click()
    expect(hosting.locator(".messages")).to_contain_text("accepted")
    audit(hosting)
    hosting.get_by_label("First day").fill(start.isoformat())
    hosting.get_by_label("Last day").fill((start + dt.timedelta(days=4)).isoformat())
    hosting.get_by_label("Programme").fill("Day 1: the station desk. Days 2-5: Old Town patrols.")
    hosting.get_by_role("button", name="Schedule").click()
    expect(hosting.locator(".messages")).to_contain_text("scheduled")
    audit(hosting)
    hosting.get_by_role("button", name="Mark as completed").click()
    expect(hosting.locator(".messages")).to_contain_text("completed")
    audit(hosting)

    # The officer files their report; their coordinator approves it.
    page.reload()
    audit(page)
    page.get_by_label("What you saw").fill("A help desk at the station run by officers.")
    page.get_by_label("What you would bring home").fill("A summer help desk at Gdańsk Główny.")
    page.get_by_label("It may become a practice of my city").check()
    page.get_by_role("button", name="Send the report to my coordinator").click()
    expect(page.locator(".messages")).to_contain_text("Report sent")
    audit(page)
    coordinator.reload()
    audit(coordinator)
    coordinator.get_by_role("button", name="Approve the report").click()
    expect(coordinator.locator(".messages")).to_contain_text("reported")
    audit(coordinator)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REPORTED
    assert FieldReport.objects.get().status == FieldReport.Status.APPROVED
    assert list(application.events.values_list("to_status", flat=True)) == [
        "submitted", "endorsed", "accepted", "scheduled", "completed", "reported",
    ]  # fmt: skip
