"""Role fixtures shared by every test folder: one user per role of DOMAIN.md §2."""

import os
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from accounts.models import Membership
from tests.accounts.factories import UserFactory, give_mfa, make_member
from tests.cities.factories import reference_body


@pytest.fixture
def nice_body(db):
    return reference_body("nice")


@pytest.fixture
def madrid_body(db):
    return reference_body("madrid")


@pytest.fixture
def efus_body(db):
    return reference_body("paris")


@pytest.fixture
def outsider(db):
    """Signed up, verified, but belongs to no organisation."""
    return UserFactory()


@pytest.fixture
def pending_member(nice_body):
    return make_member(nice_body, status=Membership.Status.PENDING)


@pytest.fixture
def member(nice_body):
    return make_member(nice_body)


@pytest.fixture
def coordinator(nice_body):
    return make_member(nice_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def other_coordinator(madrid_body):
    return make_member(madrid_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def efus_staff(efus_body):
    return make_member(efus_body, mfa=True)


@pytest.fixture
def efus_staff_without_mfa(efus_body):
    """An approved member of the Efus body who has not set up two-factor authentication."""
    return make_member(efus_body, mfa=False)


@pytest.fixture
def coordinator_without_mfa(nice_body):
    return make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)


@pytest.fixture
def operator(db):
    """The technical operator: a superuser with two-factor authentication, in no body."""
    user = UserFactory(is_superuser=True, is_staff=True)
    return give_mfa(user)


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def network_member(db):
    """An approved member of a body that is not police (safe.brussels)."""
    return make_member(reference_body("brussels"))


# --- Real services (Redis, PostgreSQL, SMTP, Chromium) -----------------------------------------


def require_service(name: str, host: str, port: int) -> None:
    """Skip the test when a service does not answer on host:port; fail instead when CI=true.

    CI must run every test, so a missing service there is an error, never a silent skip.
    """
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        reason = f"{name} is not reachable at {host}:{port} ({exc})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: it is required when CI=true", pytrace=False)
    pytest.skip(f"{reason}: start it to run this test (see README, Full stack)")


@pytest.fixture
def redis_url() -> str:
    """Base URL of a reachable Redis server, without a database number: append "/<n>".

    Host and port come from REDIS_URL when it is set, else 127.0.0.1:6379.
    """
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    require_service("Redis", host, port)
    return f"redis://{host}:{port}"


# --- A real SMTP server (aiosmtpd, in this process) -----------------------------------------------


class SmtpSink:
    """An SMTP server in a thread of the test process that keeps every message it accepts.

    ``stop()`` and ``start()`` take it down and back up on the same port (connections are then
    refused, as with a mail server that is down). ``refuse[address] = "550 ..."`` refuses a
    recipient; ``reply = "451 ..."`` answers every message so. ``rcpt_delay`` is how long it
    takes to accept each recipient, ``data_delay`` how long it takes to accept a message once
    received (in seconds). Like a real server, it keeps a message it has accepted even if the
    client is gone before the "250" reaches it. Each message gets ``envelope_to``, ``peer``
    (one per connection) and ``accepted_at`` (``time.time()``).
    """

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.messages: list = []
        self.refuse: dict[str, str] = {}
        self.reply: str | None = None
        self.rcpt_delay = 0.0
        self.data_delay = 0.0
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        import asyncio

        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio
        import email
        from email.policy import default

        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.original_content, policy=default)
        message.envelope_to = list(envelope.rcpt_tos)
        message.peer = session.peer
        message.accepted_at = time.time()
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """A running ``SmtpSink`` that Django's SMTP backend sends to."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()
