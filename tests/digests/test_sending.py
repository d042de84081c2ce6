"""The digest email: what it carries, for whom, its parts and headers, and that each subscriber
gets exactly one per period (the ledger is the outbox: kind "digest", subscriber, period)."""

import datetime as dt
import email
import re
from collections import Counter
from email.policy import default
from unittest import mock
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from accounts import emails
from accounts.models import OutboundEmail
from accounts.tasks import send_emails
from cities.models import Theme
from digests import blocks, links, services
from digests.models import DigestRun, Subscriber
from digests.periods import Period
from digests.tasks import run_digest
from moderation.models import Status, Visibility
from tests.conftest import make_member
from tests.digests.factories import SubscriberFactory
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

PERIOD = Period.parse("2026-W49")  # Monday 30 November 2026, 08:00 in Paris
CUTOFF = PERIOD.cutoff
LAST = PERIOD.previous().cutoff
AFTER = CUTOFF + dt.timedelta(minutes=1)


def _subscriber(**kwargs):
    kwargs.setdefault("confirmed_at", LAST - dt.timedelta(days=30))
    kwargs.setdefault("last_digest_at", LAST)
    return SubscriberFactory(**kwargs)


def _practice(title, *, days_before=1, **kwargs):
    return PracticeFactory(
        title=title, published_at=CUTOFF - dt.timedelta(days=days_before), **kwargs
    )


def _run(period=PERIOD, **kwargs):
    """The run, its commit, and the batches it hands over (in-process, as without a broker)."""
    with (
        time_machine.travel(period.cutoff + dt.timedelta(minutes=1), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return services.digest_run(period=period, **kwargs)


def _digests_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def _parts(message):
    """The parsed message as a mail client reads it, with its text and HTML parts."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=default)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return parsed, text, html


def test_a_subscriber_gets_one_digest_with_text_html_and_one_click_headers(client):
    _practice(
        "Night mediators", summary="Mediators patrol the bar streets.", original_language="en"
    )
    subscriber = _subscriber(email="reader@example.org", language="en")
    result = _run()
    assert (result.due, result.queued) == (1, 1)
    [message] = mail.outbox
    parsed, text, html = _parts(message)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Subject"] == "[PACTESUR] PACTESUR digest: 1 new item"
    assert "Night mediators" in text and "Mediators patrol the bar streets." in text
    assert "Night mediators" in html and "Mediators patrol the bar streets." in html
    # Accessible HTML: the language, real headings, and CSS inlined into the elements.
    assert '<html lang="en">' in html
    assert re.search(r"<h1[^>]*>PACTESUR digest</h1>", html)
    assert re.search(r"<h2[^>]*>New practices</h2>", html)
    assert re.search(r'<h3 style="[^"]*font-size: ?17px', html)
    # RFC 8058 and RFC 2369.
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_url, mailto = re.findall(r"<([^>]+)>", parsed["List-Unsubscribe"])
    assert mailto.startswith("mailto:unsubscribe@")
    # The header's link unsubscribes with one POST, without a session or CSRF token.
    assert client.post(urlsplit(https_url).path).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    # Every link of the email leads to a page of the site.
    for url in set(re.findall(r'href="([^"]+)"', html)) | set(re.findall(r"http\S+", text)):
        assert url.startswith("http://testserver/"), url
        resolve(urlsplit(url).path)
    # The period is done; the ledger row keeps no body.
    assert subscriber.last_digest_at == CUTOFF
    row = OutboundEmail.objects.get(kind="digest")
    assert (row.status, row.occasion, row.context) == ("sent", "2026-W49", {})
    assert row.about == f"digests.subscriber:{subscriber.pk}"


def test_the_digest_is_in_the_subscribers_language():
    _practice("Médiateurs de nuit", original_language="fr")
    _subscriber(email="lecteur@example.org", language="fr")
    _run()
    parsed, text, html = _parts(mail.outbox[0])
    assert parsed["Subject"] == "[PACTESUR] Lettre PACTESUR : 1 nouveauté"
    assert '<html lang="fr">' in html
    assert "Nouvelles pratiques" in html and "Se désabonner" in text


def test_restricted_text_never_reaches_any_email(member):
    _practice("Public one", summary="Public text.")
    _practice("Network one", visibility=Visibility.NETWORK, summary="NETWORK-SECRET summary")
    _practice(
        "Police one", visibility=Visibility.POLICE, summary="POLICE-SECRET summary",
        problem="POLICE-SECRET problem",
    )  # fmt: skip
    _subscriber(email=member.email, user=member, language="en")
    _subscriber(email="public@example.org", language="en")
    _run()
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        _, text, html = _parts(message)
        for part in (text, html, message.subject):
            assert "SECRET" not in part
    _, member_text, member_html = _parts(_digests_to(member.email)[0])
    assert "Network one" in member_text and "Police one" in member_html  # linked by title
    assert "Police only: sign in to read" in member_html
    _, public_text, public_html = _parts(_digests_to("public@example.org")[0])
    assert "Network one" not in public_text + public_html
    assert "Police one" not in public_text + public_html


def test_unpublished_and_hidden_items_never_reach_a_public_subscriber():
    _practice("Visible")
    for status in (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.UNPUBLISHED):
        _practice(f"Hidden {status}", status=status)
    _practice("Network", visibility=Visibility.NETWORK)
    _subscriber(email="public@example.org", language="en")
    _run()
    _, text, html = _parts(mail.outbox[0])
    assert "Visible" in text
    assert "Hidden" not in text + html and "Network" not in text + html


def test_nothing_new_sends_nothing_and_the_period_counts_as_done():
    subscriber = _subscriber()
    _practice("Before the previous digest", days_before=10)
    _practice("After the cutoff", days_before=-1)  # the next period's
    _run()
    assert mail.outbox == []
    subscriber.refresh_from_db()
    assert subscriber.last_digest_at == CUTOFF
    assert OutboundEmail.objects.get(kind="digest").status == "cancelled"


def test_themes_filter_what_is_sent():
    nightlife, events = Theme.objects.order_by("pk")[:2]
    _practice("Nightlife", themes=[nightlife])
    subscriber = _subscriber(email="events@example.org")
    subscriber.themes.set([events])
    _run()
    assert mail.outbox == []


def test_a_missed_period_is_caught_up_and_capped_with_a_link_to_the_rest():
    for n in range(32):
        _practice(f"Practice {n}", days_before=10 + n % 10)
    _subscriber(last_digest_at=CUTOFF - dt.timedelta(days=30), language="en")
    _run()
    _, text, html = _parts(mail.outbox[0])
    assert text.count("* Practice ") == 30
    assert "And 2 more on the site" in html


def test_running_the_week_again_or_delivering_a_batch_twice_sends_one_digest():
    _practice("New")
    for n in range(3):
        _subscriber(email=f"reader{n}@example.org")
    assert _run().queued == 3
    assert len(mail.outbox) == 3
    assert _run().queued == 0  # the weekly job again
    ids = list(OutboundEmail.objects.filter(kind="digest").values_list("pk", flat=True))
    send_emails.apply(args=[ids])  # the batch task delivered again
    send_emails.apply(args=[ids])
    assert emails.send_due() == 0
    assert len(mail.outbox) == 3
    assert DigestRun.objects.get(period="2026-W49").queued == 3


def test_the_beat_task_queues_the_current_week(settings):
    _practice("New")
    _subscriber()
    with (
        time_machine.travel(AFTER, tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert run_digest.apply().get() == 1
        assert run_digest.apply().get() == 0
    assert len(mail.outbox) == 1


def test_monthly_subscribers_get_theirs_in_the_first_week_of_the_month_only():
    _practice("New", days_before=1)
    weekly = _subscriber(email="weekly@example.org")
    monthly = _subscriber(email="monthly@example.org", frequency=Subscriber.Frequency.MONTHLY)
    paused = _subscriber(email="paused@example.org", frequency=Subscriber.Frequency.PAUSED)
    assert not PERIOD.first_of_month
    _run()
    assert [m.to for m in mail.outbox] == [[weekly.email]]
    first = Period.parse("2026-W50")  # Monday 7 December
    assert first.first_of_month
    PracticeFactory(title="Later", published_at=first.cutoff - dt.timedelta(days=1))
    _run(first)
    assert sorted(m.to[0] for m in mail.outbox[1:]) == [monthly.email, weekly.email]
    assert paused.email not in {m.to[0] for m in mail.outbox}
    _, text, _ = _parts(_digests_to(monthly.email)[0])
    assert "New" in text and "Later" in text  # the month since their previous digest


def test_unsubscribing_after_the_run_but_before_sending_sends_nothing(
    django_capture_on_commit_callbacks,
):
    _practice("New")
    subscriber = _subscriber()
    with time_machine.travel(AFTER, tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            services.digest_run(period=PERIOD)
        services.subscriber_unsubscribe(subscriber=subscriber)
        emails.send_due()
    assert mail.outbox == []
    assert OutboundEmail.objects.get(kind="digest").status == "cancelled"


def test_one_address_can_be_sent_by_hand():
    _practice("New")
    _subscriber(email="one@example.org")
    _subscriber(email="two@example.org")
    result = _run(email="ONE@example.org")
    assert (result.due, result.queued) == (1, 1)
    assert [m.to for m in mail.outbox] == [["one@example.org"]]


def test_a_dry_run_writes_nothing():
    _practice("New")
    _subscriber()
    result = _run(dry_run=True)
    assert (result.due, result.queued, result.run) == (1, 0, None)
    assert not OutboundEmail.objects.exists() and not DigestRun.objects.exists()


def test_the_unsubscribe_link_of_the_digest_is_signed_for_its_subscriber():
    _practice("New")
    subscriber = _subscriber()
    _run()
    _, text, _ = _parts(mail.outbox[0])
    token = re.search(r"/digests/unsubscribe/([^/]+)/", text)[1]
    assert links.read(token, "unsubscribe") == subscriber


def _queue_week():
    """The run's ledger rows, not handed over (the test sends them in the batches it wants)."""
    with (
        time_machine.travel(AFTER, tick=False),
        TestCase.captureOnCommitCallbacks(execute=False),
    ):
        services.digest_run(period=PERIOD)
    return {r.recipient: r.pk for r in OutboundEmail.objects.filter(kind="digest")}


def test_a_batch_renders_a_frame_once_per_count_and_language_with_each_subscribers_own_links(
    nice_body,
):
    """Digests with the same count and language share one rendering of their frame; each
    message still carries its own items and signed links, in the body and in the headers."""
    _practice("Public one", summary="Public text.")
    _practice("Network one", visibility=Visibility.NETWORK, summary="Network text.")
    for n in range(3):
        _subscriber(email=f"en{n}@example.org", language="en")
    for n in range(2):
        _subscriber(email=f"fr{n}@example.org", language="fr")
    for _ in range(2):
        user = make_member(nice_body)
        _subscriber(email=user.email, user=user, language="en")
    rows = _queue_week()
    emails._renderings.clear()  # kept across batches in a process (by content)
    with mock.patch.object(emails, "render_email", wraps=emails.render_email) as render:
        assert send_emails.apply(args=[sorted(rows.values())]).get() == 7
    # Public in English, public in French (one item), members (who also see the network item:
    # two) in English.
    assert render.call_count == 3
    by_address = {m.to[0]: m for m in mail.outbox}
    for subscriber in Subscriber.objects.all():
        parsed, text, html = _parts(by_address[subscriber.email])
        paths = {
            urlsplit(url).path
            for url in re.findall(r'href="([^"]+)"', html) + re.findall(r"http\S+", text)
            if "/digests/" in url
        }
        header = urlsplit(re.findall(r"<([^>]+)>", parsed["List-Unsubscribe"])[0]).path
        assert header in paths and len(paths) == 2  # the same links in text, HTML and header
        for path in paths:
            token = resolve(path).kwargs["token"]
            purpose = "unsubscribe" if "/unsubscribe/" in path else "preferences"
            assert links.read(token, purpose) == subscriber
        assert ("Network one" in text) == (subscriber.user_id is not None)


def test_each_item_is_rendered_once_per_language_whatever_the_number_of_selections(nice_body):
    """Subscribers on different themes get different selections of the same items: each item's
    block is rendered once per language across the batch (the restricted one too, title only),
    and the frame once per count and language; each digest shows its own items."""
    themes = list(Theme.objects.order_by("pk")[:3])
    for n, theme in enumerate(themes):
        _practice(f"Practice {n}", themes=[theme], summary=f"Text {n}.", days_before=n + 1)
    _practice("Network one", themes=[themes[0]], visibility=Visibility.NETWORK, days_before=5)
    choices = [[0], [1], [2], [0, 1], [0, 2], [1, 2], []]
    for language in ("en", "fr"):
        for n, chosen in enumerate(choices):
            subscriber = _subscriber(email=f"{language}{n}@example.org", language=language)
            subscriber.themes.set([themes[i] for i in chosen])
    user = make_member(nice_body)
    _subscriber(email=user.email, user=user, language="en").themes.set([themes[0]])
    rows = _queue_week()
    blocks._blocks.clear()  # kept across batches in a process (by content)
    emails._renderings.clear()
    with (
        mock.patch.object(blocks, "render_block", wraps=blocks.render_block) as render_block,
        mock.patch.object(emails, "render_email", wraps=emails.render_email) as render_email,
    ):
        assert send_emails.apply(args=[sorted(rows.values())]).get() == 15
    items = Counter(
        (call.args[2]["item"].title, call.args[1])
        for call in render_block.call_args_list
        if call.args[0] == "digest_item"
    )
    titles = {"Practice 0", "Practice 1", "Practice 2", "Network one"}
    # Every item once in each language it is sent in (the network item: the member, English).
    assert items == {
        (title, language): 1
        for title in titles
        for language in ("en", "fr")
        if (title, language) != ("Network one", "fr")
    }
    # 8 distinct selections; the frames: counts 1, 2 and 3 in English and in French.
    assert render_email.call_count == 6
    for message in mail.outbox:
        _, text, html = _parts(message)
        address = message.to[0]
        if address == user.email:
            shown = {"Practice 0", "Network one"}
        else:
            chosen = choices[int(address[2:].partition("@")[0])]
            shown = {f"Practice {i}" for i in (chosen or range(3))}
        assert set(re.findall(r"^\* (.+?)(?: \(.*\))?$", text, re.M)) == shown
        assert {title for title in titles if f">{title}</a>" in html} == shown


def _batch_queries(subscribers, nice_body):
    """The queries of one batch of ``subscribers`` digests (a third of them to members)."""
    for n in range(subscribers):
        if n % 3 == 2:
            user = make_member(nice_body)
            _subscriber(email=user.email, user=user, language="en")
        else:
            _subscriber(email=f"r{n}@example.org", language=("en", "fr")[n % 2])
    rows = _queue_week()
    with CaptureQueriesContext(connection) as queries:
        assert send_emails.apply(args=[sorted(rows.values())]).get() == subscribers
    return [q["sql"] for q in queries]


# A batch, whatever its size: claim its rows (select them under a lock, move their lease, in a
# transaction: here the test's savepoint and its release around them), load them with their
# accounts, load their subscribers, the subscribers' themes, accounts and the accounts' memberships,
# the practices of the period and their themes. Then one statement per message sent, marking
# its row and moving its subscriber's period on together (SQLite: a savepoint, the two updates,
# its release), right after the server accepted it.
BATCH_QUERIES = 11
MESSAGE_QUERIES = {"postgresql": 1, "sqlite": 4}


@pytest.mark.parametrize("subscribers", [3, 12])
def test_a_batch_takes_the_same_queries_whatever_its_size_and_one_per_message(
    subscribers, nice_body
):
    _practice("Public one")
    _practice("Network one", visibility=Visibility.NETWORK)
    queries = _batch_queries(subscribers, nice_body)
    vendor = connection.vendor
    assert len(queries) == BATCH_QUERIES + MESSAGE_QUERIES[vendor] * subscribers, queries
    assert len(mail.outbox) == subscribers


def test_a_change_between_two_batches_is_seen_by_the_next_batch():
    """Nothing is kept from one batch to the next: a practice unpublished meanwhile is not in
    the later digests."""
    practice = _practice("Soon withdrawn")
    _practice("Stays")
    first, second = (_subscriber(email=f"r{n}@example.org") for n in range(2))
    rows = _queue_week()
    send_emails.apply(args=[[rows[first.email]]])
    practice.status = Status.UNPUBLISHED
    practice.save(update_fields=["status"])
    send_emails.apply(args=[[rows[second.email]]])
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Soon withdrawn" in bodies[first.email]
    assert "Soon withdrawn" not in bodies[second.email] and "Stays" in bodies[second.email]
