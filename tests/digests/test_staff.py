"""Efus staff's digest pages (runs, suspended subscribers, preview, a test to oneself), the
public archive and its feed, and bounces: counted, the third in a row suspends."""

import datetime as dt
import re

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent, tracking
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OutboundEmail
from digests import services
from digests.models import DigestRun, Subscriber
from digests.periods import Period
from moderation.models import Visibility
from tests.digests.factories import SubscriberFactory
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

PERIOD = Period.parse("2026-W49")

STAFF = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
]


def _run(period, **kwargs):
    with (
        time_machine.travel(period.cutoff + dt.timedelta(minutes=1), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return services.digest_run(period=period, **kwargs)


def _subscriber(**kwargs):
    kwargs.setdefault("confirmed_at", PERIOD.cutoff - dt.timedelta(days=60))
    kwargs.setdefault("last_digest_at", PERIOD.previous().cutoff)
    return SubscriberFactory(**kwargs)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


# --- Bounces --------------------------------------------------------------------------------------


def test_three_hard_bounces_in_a_row_suspend_a_subscriber(smtp_sink, client, efus_staff):
    smtp_sink.refuse["gone@example.org"] = "550 5.1.1 No such user"
    subscriber = _subscriber(email="gone@example.org")
    period = PERIOD
    for week in range(3):
        PracticeFactory(title=f"Week {week}", published_at=period.cutoff - dt.timedelta(hours=1))
        _run(period)
        subscriber.refresh_from_db()
        assert subscriber.hard_bounces == week + 1
        assert subscriber.last_digest_at == PERIOD.previous().cutoff  # to be caught up
        period = period.next()
    assert subscriber.status == Subscriber.Status.SUSPENDED
    row = OutboundEmail.objects.filter(kind="digest").order_by("-pk").first()
    assert (row.status, row.error) == ("failed", "550 5.1.1 No such user (gone@example.org)")
    assert DigestRun.objects.get(period=str(period.previous())).suspended == 1
    # Suspended: not due any more.
    assert _run(period).due == 0
    # Staff see it, with the reason, and may reinstate it.
    client.force_login(efus_staff)
    page = client.get(reverse("digests:suspended")).content.decode()
    assert "gone@example.org" in page and "550 5.1.1 No such user" in page
    client.post(reverse("digests:reinstate", args=[subscriber.pk]))
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.hard_bounces) == ("confirmed", 0)


def test_a_delivered_digest_resets_the_count_of_bounces(smtp_sink):
    subscriber = _subscriber(email="flaky@example.org", hard_bounces=2)
    PracticeFactory(title="New", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    _run(PERIOD)
    subscriber.refresh_from_db()
    assert (subscriber.hard_bounces, subscriber.status) == (0, "confirmed")


def test_a_temporary_failure_is_retried_and_not_counted_as_a_bounce(smtp_sink):
    smtp_sink.reply = "451 4.3.0 Try again later"
    subscriber = _subscriber(email="busy@example.org")
    PracticeFactory(title="New", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    _run(PERIOD)
    row = OutboundEmail.objects.get(kind="digest")
    assert row.status == "pending" and row.error.startswith("451")
    subscriber.refresh_from_db()
    assert subscriber.hard_bounces == 0


def _event(event_type, recipient, **kwargs):
    return AnymailTrackingEvent(event_type=event_type, recipient=recipient, **kwargs)


def test_an_email_service_reports_bounces_and_complaints_through_anymail(mailoutbox):
    bounced = _subscriber(email="bounced@example.org")
    complainer = _subscriber(email="complainer@example.org")
    PracticeFactory(title="New", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    _run(PERIOD)
    assert len(mailoutbox) == 2
    Subscriber.objects.filter(pk=bounced.pk).update(hard_bounces=2)  # two earlier weeks
    tracking.send(
        sender=object,
        event=_event("bounced", "Bounced@example.org", mta_response="550 mailbox unavailable"),
        esp_name="Postmark",
    )
    tracking.send(sender=object, event=_event("complained", "complainer@example.org"), esp_name="x")
    tracking.send(sender=object, event=_event("opened", "complainer@example.org"), esp_name="x")
    tracking.send(sender=object, event=_event("bounced", "stranger@example.org"), esp_name="x")
    bounced.refresh_from_db()
    complainer.refresh_from_db()
    assert (bounced.status, bounced.hard_bounces) == ("suspended", 3)
    row = OutboundEmail.objects.get(kind="digest", recipient="bounced@example.org")
    assert (row.status, row.error) == ("failed", "bounced (Postmark): 550 mailbox unavailable")
    assert complainer.status == Subscriber.Status.UNSUBSCRIBED


# --- Preview and a test to oneself ----------------------------------------------------------------


def test_staff_preview_the_next_digest_of_any_subscriber(client, efus_staff, member):
    PracticeFactory(title="Public one", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    PracticeFactory(
        title="Police one",
        visibility=Visibility.POLICE,
        summary="POLICE-SECRET",
        published_at=PERIOD.cutoff - dt.timedelta(hours=2),
    )
    subscriber = _subscriber(email=member.email, user=member, language="fr")
    client.force_login(efus_staff)
    page = client.get(reverse("digests:preview"), {"email": member.email.upper()})
    html = page.content.decode()
    assert "Public one" in html and "Police one" in html  # the member's access, by title
    assert "POLICE-SECRET" not in html
    assert "Lettre PACTESUR : 2 nouveautés" in html  # in the subscriber's language
    frame = client.get(reverse("digests:preview_html", args=[subscriber.pk]))
    assert "Police one" in frame.content.decode()
    assert "'unsafe-inline'" in frame["Content-Security-Policy"]
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    # Nothing changed for the subscriber.
    subscriber.refresh_from_db()
    assert subscriber.last_digest_at == PERIOD.previous().cutoff
    missing = client.get(reverse("digests:preview"), {"email": "nobody@example.org"})
    assert "No subscriber has this address." in missing.content.decode()


def test_staff_send_a_test_to_themselves(client, efus_staff, mailoutbox):
    PracticeFactory(title="Public one", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    subscriber = _subscriber(email="reader@example.org", language="en")
    client.force_login(efus_staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("digests:send_test", args=[subscriber.pk]))
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == [efus_staff.email]
    assert message.subject.startswith("[PACTESUR] [Test] PACTESUR digest")
    assert "This is a test" in message.body and "Public one" in message.body
    subscriber.refresh_from_db()
    assert subscriber.last_digest_at == PERIOD.previous().cutoff
    assert not OutboundEmail.objects.filter(kind="digest").exists()


# --- Runs page ------------------------------------------------------------------------------------


def test_the_runs_page_counts_sent_skipped_failed_and_pending(client, efus_staff, smtp_sink):
    PracticeFactory(title="New", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    theme_less = _subscriber(email="sent@example.org")
    empty = _subscriber(email="empty@example.org")
    empty.themes.set(PracticeFactory._meta.model.themes.field.related_model.objects.all()[:1])
    _subscriber(email="refused@example.org")
    smtp_sink.refuse["refused@example.org"] = "550 No such user"
    _run(PERIOD)
    assert theme_less
    client.force_login(efus_staff)
    response = client.get(reverse("digests:runs"))
    [figures] = response.context["runs"]
    assert (figures.run.due, figures.sent, figures.skipped, figures.failed, figures.pending) == (
        3,
        1,
        1,
        1,
        0,
    )
    assert figures.duration is not None
    assert "2026-W49" in response.content.decode()


RUNS_QUERIES = [*STAFF, "the runs", "their ledger rows, counted by period and status"]


@pytest.mark.parametrize("rows", [1, 25])
def test_the_runs_page_costs_the_same_at_1_and_25_rows(client, efus_staff, rows):
    period = PERIOD
    for _ in range(rows):
        DigestRun.objects.create(period=str(period), due=3)
        period = period.previous()
    client.force_login(efus_staff)
    response, count = _queries(client, reverse("digests:runs"))
    assert len(response.context["runs"]) == rows
    assert count == len(RUNS_QUERIES)


SUSPENDED_QUERIES = [*STAFF, "the suspended subscribers", "their last failures"]


@pytest.mark.parametrize("rows", [1, 25])
def test_the_suspended_page_costs_the_same_at_1_and_25_rows(client, efus_staff, rows):
    for n in range(rows):
        _subscriber(email=f"s{n}@example.org", status="suspended")
    client.force_login(efus_staff)
    response, count = _queries(client, reverse("digests:suspended"))
    assert len(response.context["suspended"]) == rows
    assert count == len(SUSPENDED_QUERIES)


PREVIEW_QUERIES = [
    *STAFF,
    "the subscriber, with their account and city",
    "their themes",
    "the practices (one source)",
]


@pytest.mark.parametrize("rows", [1, 25])
def test_the_preview_costs_the_same_at_1_and_25_items(client, efus_staff, rows):
    for n in range(rows):
        PracticeFactory(title=f"P{n}", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    _subscriber(email="reader@example.org")
    client.force_login(efus_staff)
    with time_machine.travel(PERIOD.cutoff, tick=False):
        response, count = _queries(client, reverse("digests:preview") + "?email=reader@example.org")
    assert len(response.context["preview"].selection.items) == rows
    assert count == len(PREVIEW_QUERIES)


# --- The public archive ---------------------------------------------------------------------------


def test_the_archive_shows_each_weeks_public_items_only(client):
    PracticeFactory(title="Public one", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
    PracticeFactory(
        title="Network one",
        visibility=Visibility.NETWORK,
        published_at=PERIOD.cutoff - dt.timedelta(hours=1),
    )
    PracticeFactory(title="Older", published_at=PERIOD.cutoff - dt.timedelta(days=8))
    PracticeFactory(title="Later", published_at=PERIOD.cutoff + dt.timedelta(hours=1))
    DigestRun.objects.create(period=str(PERIOD), started_at=PERIOD.cutoff)
    archive = client.get(reverse("digests:archive")).content.decode()
    assert reverse("digests:archive_week", args=["2026-W49"]) in archive
    week = client.get(reverse("digests:archive_week", args=["2026-W49"])).content.decode()
    assert "Public one" in week
    assert "Network one" not in week and "Older" not in week and "Later" not in week
    assert client.get("/digests/2026-W48/").status_code == 404  # no run that week
    assert client.get("/digests/2026-W60/").status_code == 404
    feed = client.get(reverse("digests:archive_feed"))
    assert feed["Content-Type"].startswith("application/rss+xml")
    links = re.findall(r"<link>([^<]+)</link>", feed.content.decode())
    assert "http://testserver/digests/2026-W49/" in links


ARCHIVE_QUERIES = ["the runs"]
WEEK_QUERIES = ["the run", "the public practices of the week (one source)"]
FEED_QUERIES = ["the site (syndication)", "the runs"]


@pytest.mark.parametrize("rows", [1, 25])
def test_the_archive_pages_cost_the_same_at_1_and_25_rows(client, rows):
    period = PERIOD
    for n in range(rows):
        DigestRun.objects.create(period=str(period), started_at=period.cutoff)
        PracticeFactory(title=f"P{n}", published_at=PERIOD.cutoff - dt.timedelta(hours=1))
        period = period.previous()
    response, count = _queries(client, reverse("digests:archive"))
    assert len(response.context["runs"]) == rows and count == len(ARCHIVE_QUERIES)
    response, count = _queries(client, reverse("digests:archive_week", args=[str(PERIOD)]))
    assert len(response.context["items"]) == rows and count == len(WEEK_QUERIES)
    response, count = _queries(client, reverse("digests:archive_feed"))
    assert response.content.decode().count("<item>") == min(rows, 20)
    assert count == len(FEED_QUERIES)


def test_a_providers_bounce_webhook_suspends_through_anymail(client, settings):
    """The provider's real request, verified and parsed by django-anymail (Postmark's format)."""
    import base64
    import json

    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    subscriber = _subscriber(email="gone@example.org", hard_bounces=2)
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": "gone@example.org",
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "BouncedAt": "2026-11-30T08:05:00Z",
    }
    url = reverse("digests:esp_tracking", args=["postmark"])
    forged = client.post(url, json.dumps(payload), content_type="application/json")
    assert forged.status_code in {400, 401, 403}
    subscriber.refresh_from_db()
    assert subscriber.hard_bounces == 2
    auth = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    response = client.post(
        url, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.hard_bounces) == ("suspended", 3)
    assert client.post(reverse("digests:esp_tracking", args=["nosuch"])).status_code == 404


def test_a_suspended_address_confirmed_again_starts_with_no_bounce(client):
    subscriber = _subscriber(
        email="back@example.org", status="suspended", hard_bounces=3, suspended_at=PERIOD.cutoff
    )
    client.post("/digests/subscribe/", {"email": "back@example.org", "language": "en"})
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"
    services.subscriber_confirm(subscriber=subscriber)
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.hard_bounces, subscriber.suspended_at) == (
        "confirmed",
        0,
        None,
    )


def test_the_suspended_page_shows_each_subscribers_count_of_hard_bounces(client, efus_staff):
    _subscriber(email="four@example.org", status="suspended", hard_bounces=4)
    client.force_login(efus_staff)
    page = client.get(reverse("digests:suspended")).content.decode()
    cells = re.findall(r'<td data-label="Hard bounces">(\d+)</td>', page)
    assert cells == ["4"]
