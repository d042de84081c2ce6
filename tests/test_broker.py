"""A broker or result store that is down never fails a request: the change is saved, the email
waits in the outbox, and the sweep sends it (issue: a publish answered 500 after 19 s).

The broker here is really unreachable: a closed port (connections refused), or a server that
accepts connections and never answers (a hung Redis). The project's own Celery settings apply;
only the broker's address changes."""

import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from celery import Celery
from celery._state import get_current_app

from accounts.models import OutboundEmail
from accounts.tasks import sweep_emails
from moderation.services import moderation_submit
from moderation.versions import version_token
from practices.services import practice_create

pytestmark = pytest.mark.django_db

# What a request may spend on a broker that is down, at most (the settings bound it to ~3 s).
PATIENCE = 8.0


@contextmanager
def _project_app(**overrides: object) -> Iterator[Celery]:
    """The project's Celery configuration with a few values changed, as the current app."""
    app = Celery("pactesur", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(task_always_eager=False, **overrides)
    previous = get_current_app()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hung_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers a byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _publish_as_moderator(client, efus_staff, coordinator, django_capture_on_commit_callbacks):
    """Submit a practice, then publish it through the moderator's POST; return the response,
    the seconds it took (with the after-commit hand-over) and the practice."""
    practice = practice_create(by=coordinator, data={"title": "Beach patrols", "summary": "S"})
    moderation_submit(obj=practice, by=coordinator)
    client.force_login(efus_staff)
    url = f"/moderation/practices.practice/{practice.pk}/publish/"
    version = version_token(practice, None)  # what the review page would carry
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"version": version})
    return response, time.monotonic() - started, practice


@pytest.mark.parametrize("failure", ["refused", "hung"])
def test_a_publish_with_the_broker_down_answers_at_once_and_the_sweep_sends_the_email(
    failure,
    hung_server,
    client,
    efus_staff,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    port = _closed_port() if failure == "refused" else hung_server
    with _project_app(broker_url=f"redis://127.0.0.1:{port}/0"):
        response, seconds, practice = _publish_as_moderator(
            client, efus_staff, coordinator, django_capture_on_commit_callbacks
        )

        assert response.status_code == 302  # the moderator sees the page, not a 500
        assert seconds < PATIENCE
        practice.refresh_from_db()
        assert practice.status == "published"
        email = OutboundEmail.objects.get(kind="moderation_decided")
        assert email.status == OutboundEmail.Status.PENDING
        assert mailoutbox == []

        sweep_emails.apply()  # what beat runs every minute
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert [coordinator.email] in [m.to for m in mailoutbox]


@pytest.mark.services
def test_a_result_store_that_is_down_does_not_fail_a_request(
    redis_url, client, efus_staff, coordinator, django_capture_on_commit_callbacks
):
    queue = f"pactesur-test-{uuid.uuid4().hex[:12]}"
    broker = redis.Redis.from_url(f"{redis_url}/4")
    with _project_app(
        broker_url=f"{redis_url}/4",
        result_backend=f"redis://127.0.0.1:{_closed_port()}/0",
        task_default_queue=queue,
    ):
        try:
            response, seconds, _ = _publish_as_moderator(
                client, efus_staff, coordinator, django_capture_on_commit_callbacks
            )
            assert response.status_code == 302
            assert seconds < PATIENCE
            assert broker.llen(queue) == 1  # the send task reached the broker
        finally:
            broker.delete(queue)
