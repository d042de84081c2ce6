"""Role fixtures shared by every test folder: one user per role of DOMAIN.md §2."""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
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


def require_program(name: str, path: str | None) -> str:
    """The path of a program the test runs; skip without it (fail when CI=true)."""
    if path and os.access(path, os.X_OK):
        return path
    reason = f"{name} is not installed"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: it is required when CI=true", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop, freeze and start
    again (never the shared one). It keeps its data in an append-only file, so that, started
    again, it holds what it held before, as a production Redis with persistence does."""

    def __init__(self, directory: Path) -> None:
        self.binary = require_program("redis-server", shutil.which("redis-server"))
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.directory),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Stop answering while keeping connections open: a hung Redis, not a refusing one."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
