"""The List-Unsubscribe mailto: a message to the unsubscribe address, received through an email
service provider's inbound webhook (django-anymail's ``inbound`` signal), unsubscribes the
subscriber whose token it carries."""

import base64
import json
import re
import urllib.parse

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.urls import reverse

from digests import links, notifications
from digests.models import Subscriber
from tests.digests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def _mailto(subscriber):
    """The mailto of the subscriber's List-Unsubscribe header, as a mail client reads it."""
    headers = notifications._digest_headers(
        None, {"unsubscribe_path": links.path(subscriber, "unsubscribe")}
    )
    [mailto] = re.findall(r"<(mailto:[^>]+)>", headers["List-Unsubscribe"])
    parts = urllib.parse.urlsplit(mailto)
    query = urllib.parse.parse_qs(parts.query)
    return parts.path, query["subject"][0], query["body"][0]


def _receive(*, to, subject, text=""):
    message = AnymailInboundMessage.construct(
        from_email="someone@example.net", to=to, subject=subject, text=text
    )
    inbound.send(
        sender=object,
        event=AnymailInboundEvent(event_type="inbound", message=message),
        esp_name="Test",
    )


def test_a_message_to_the_unsubscribe_address_with_the_token_unsubscribes_once():
    subscriber = SubscriberFactory(email="reader@example.org")
    address, subject, _body = _mailto(subscriber)
    assert address == notifications.unsubscribe_address()
    _receive(to=address, subject=subject)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    first = subscriber.unsubscribed_at
    _receive(to=address, subject=subject)  # again: nothing changes
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.unsubscribed_at) == ("unsubscribed", first)


def test_the_token_in_the_body_is_enough():
    subscriber = SubscriberFactory(email="reader@example.org")
    address, _subject, body = _mailto(subscriber)
    _receive(to=f"Unsubscribe <{address.upper()}>", subject="Re: your digest", text=body)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


@pytest.mark.parametrize("change", ["tampered", "other purpose", "unknown", "other address"])
def test_a_bad_token_or_another_address_changes_nothing(change):
    subscriber = SubscriberFactory(email="reader@example.org")
    address, subject, _body = _mailto(subscriber)
    token = subject.removeprefix("unsubscribe ")
    if change == "tampered":
        subject = f"unsubscribe {token[:-3]}xyz"
    elif change == "other purpose":  # a preferences link's token does not unsubscribe
        subject = f"unsubscribe {links.make_token(subscriber, 'preferences')}"
    elif change == "unknown":  # a deleted subscriber's
        other = SubscriberFactory(email="gone@example.org")
        subject = f"unsubscribe {links.make_token(other, 'unsubscribe')}"
        other.delete()
    else:
        address = "someone-else@example.org"
    _receive(to=address, subject=subject)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_a_providers_inbound_webhook_unsubscribes_through_anymail(client, settings):
    """The provider's real request, verified and parsed by django-anymail (Postmark's format)."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    subscriber = SubscriberFactory(email="reader@example.org")
    address, subject, _body = _mailto(subscriber)
    payload = {
        "FromFull": {"Email": "reader@example.org", "Name": ""},
        "ToFull": [{"Email": address, "Name": ""}],
        "CcFull": [],
        "Subject": subject,
        "TextBody": "",
        "Headers": [],
        "Attachments": [],
    }
    url = reverse("digests:esp_inbound", args=["postmark"])
    forged = client.post(url, json.dumps(payload), content_type="application/json")
    assert forged.status_code in {400, 401, 403}
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    auth = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    response = client.post(
        url, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert client.post(reverse("digests:esp_inbound", args=["nosuch"])).status_code == 404
