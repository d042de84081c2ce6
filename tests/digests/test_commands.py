"""``manage.py send_digest``: by hand, with progress and a summary; a dry run writes nothing."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import OutboundEmail
from cities.models import Theme
from digests import links
from digests.models import Subscriber
from digests.periods import Period
from moderation.models import Visibility
from tests.digests.factories import SubscriberFactory
from tests.practices.factories import PracticeFactory

# The command's transaction commits for real (it follows what the commit hands over).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PERIOD = Period.parse("2026-W49")
AFTER = PERIOD.cutoff + dt.timedelta(hours=1)


def _send(*args):
    out = StringIO()
    with time_machine.travel(AFTER, tick=False):
        call_command("send_digest", *args, "--wait", "0", stdout=out)
    return out.getvalue()


def _subscriber(**kwargs):
    return SubscriberFactory(
        confirmed_at=PERIOD.cutoff - dt.timedelta(days=30),
        last_digest_at=kwargs.pop("last_digest_at", PERIOD.previous().cutoff),
        **kwargs,
    )


def _practice(title, **kwargs):
    return PracticeFactory(title=title, published_at=PERIOD.cutoff - dt.timedelta(days=1), **kwargs)


def test_a_visitor_subscribed_in_french_gets_the_matching_public_items(client, mailoutbox):
    nightlife, events, other = Theme.objects.order_by("pk")[:3]
    with time_machine.travel(PERIOD.previous().cutoff, tick=False):
        client.post(
            "/digests/subscribe/",
            {"email": "lecteur@example.org", "language": "fr", "themes": [nightlife.pk, events.pk]},
        )
        subscriber = Subscriber.objects.get()
        client.post(f"/digests/confirm/{links.make_token(subscriber, 'confirm')}/")
    _practice("Médiateurs de nuit", themes=[nightlife], original_language="fr")
    _practice("Fan zones", themes=[events], original_language="en")
    _practice("Other theme", themes=[other])
    _practice("Network only", themes=[events], visibility=Visibility.NETWORK)
    mailoutbox.clear()
    output = _send()
    assert "Digest 2026-W49: 1 subscriber(s) due, 1 queued now" in output
    assert "Sent 1, skipped (nothing new) 0, failed 0, pending 0" in output
    [message] = mailoutbox
    assert message.subject == "[PACTESUR] Lettre PACTESUR : 2 nouveautés"
    assert message.body.index("Médiateurs de nuit") < message.body.index("Fan zones")
    assert "Other theme" not in message.body and "Network only" not in message.body
    assert "[##############################] 1/1" in output


def test_running_it_again_queues_and_sends_nothing_more(mailoutbox):
    _practice("New")
    _subscriber()
    _send("--period", "2026-W49")
    output = _send("--period", "2026-W49")
    assert "1 subscriber(s) due, 0 queued now (1 already queued before)" in output
    assert len(mailoutbox) == 1


def test_one_subscriber_by_hand(mailoutbox):
    _practice("New")
    _subscriber(email="one@example.org")
    _subscriber(email="two@example.org")
    output = _send("--subscriber", "one@example.org")
    assert [m.to for m in mailoutbox] == [["one@example.org"]]
    assert "Sent 1," in output


def test_a_dry_run_lists_what_each_would_get_and_writes_nothing(mailoutbox):
    _practice("Public one")
    _practice("Police one", visibility=Visibility.POLICE)
    _subscriber(email="public@example.org")
    _subscriber(email="empty@example.org", last_digest_at=PERIOD.cutoff)
    output = _send("--dry-run")
    assert "public@example.org (fr): 1 item(s)\n  - Public one\n" in output
    assert "empty@example.org (fr): 0 item(s)" in output
    assert "Would send 1, skip 1 (nothing new)." in output
    assert not OutboundEmail.objects.exists() and mailoutbox == []


@pytest.mark.parametrize(
    "period,message", [("2026-49", "is not a period"), ("2026-W50", "cannot be sent before")]
)
def test_a_bad_or_future_period_is_refused(period, message):
    with pytest.raises(CommandError, match=message):
        _send("--period", period)
