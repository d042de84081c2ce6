"""Sessions are Django's database sessions, read with one plain statement (pactesur/sessions.py)."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pactesur.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_in_one_query():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    with CaptureQueriesContext(connection) as ctx:
        assert SessionStore(store.session_key).load() == {"answer": 42}
    assert len(ctx.captured_queries) == 1


def test_an_expired_or_unknown_session_is_empty_and_forgotten():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_signing_out_on_one_process_ends_the_session_everywhere(client, member):
    """The session lives in the database only: deleting the row signs the reader out."""
    client.force_login(member)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    Session.objects.all().delete()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
