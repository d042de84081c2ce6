"""Demo digest subscribers: both kinds, English and French, through the services; nothing sent."""

import io

import pytest
from django.core.management import call_command

from accounts.models import OutboundEmail
from digests.models import Subscriber

pytestmark = pytest.mark.django_db


def test_the_demo_subscribes_public_readers_and_members_and_sends_nothing():
    out = io.StringIO()
    call_command("seed_demo", "--members", "2", "--cities", "nice,madrid", stdout=out)
    subscribers = Subscriber.objects.all()
    assert "digest subscribers: 7 created" in out.getvalue()
    assert set(subscribers.values_list("status", flat=True)) == {"confirmed"}
    assert subscribers.filter(user=None).count() == 3
    assert subscribers.exclude(user=None).count() == 4
    assert {"en", "fr"} <= set(subscribers.values_list("language", flat=True))
    assert subscribers.filter(frequency="monthly").exists()
    assert subscribers.get(email="reader.en@demo.example.org").themes.count() == 2
    assert not OutboundEmail.objects.exists()
    call_command("seed_demo", "--members", "2", "--cities", "nice,madrid", stdout=out)
    assert "digest subscribers: 0 created" in out.getvalue()
    assert Subscriber.objects.count() == 7
