"""The database down, for real (issue 7, finding 6): a closed port, and a private PostgreSQL that
the test restarts. Never the shared cluster.

Settings are read once per process, so the site runs in a subprocess with its own environment
(``.env`` ignored), through Django's test client, with DEBUG off as in production.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port, require_program

BASE_DIR = Path(__file__).resolve().parent.parent

# Runs the steps given as arguments and prints what each request got, as JSON:
#   /path            one GET
#   run              run the next command read from standard input (JSON list), e.g. pg_ctl
#   repeat:S:/path   GET again and again for S seconds
#   until-ok:/path   GET until the answer is 200 (at most 60 s)
CLIENT = """
import json, subprocess, sys, time
import environ
environ.Env.read_env = classmethod(lambda *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
from django.db import close_old_connections
from django.test import Client
# Static files are not collected here: plain storage, as in the test settings.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
client = Client(raise_request_exception=False)

def get(path):
    started = time.monotonic()
    response = client.get(path)
    # What the WSGI handler does after each response, and the test client leaves out: the
    # connection goes back to the pool.
    close_old_connections()
    return {
        "path": path,
        "status": response.status_code,
        "seconds": time.monotonic() - started,
        "body": response.content.decode(),
        "retry_after": response.get("Retry-After"),
    }

results = []
for step in sys.argv[1:]:
    if step == "run":
        subprocess.run(json.loads(sys.stdin.readline()), check=True, capture_output=True)
    elif step.startswith("repeat:"):
        _, seconds, path = step.split(":", 2)
        started, statuses = time.monotonic(), []
        while time.monotonic() - started < float(seconds):
            statuses.append(get(path)["status"])
        results.append({"path": path, "statuses": statuses})
    elif step.startswith("until-ok:"):
        path, started, statuses = step.split(":", 1)[1], time.monotonic(), []
        while time.monotonic() - started < 60:
            statuses.append(get(path)["status"])
            if statuses[-1] == 200:
                break
        results.append({"path": path, "statuses": statuses, "seconds": time.monotonic() - started})
    else:
        results.append(get(step))
print(json.dumps(results))
"""


def run_site(steps: list[str], commands: tuple[list[str], ...] = (), **env: str) -> list[dict]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "CELERY_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="pactesur.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", CLIENT, *steps],
        cwd=BASE_DIR,
        env=environment,
        input="".join(json.dumps(command) + "\n" for command in commands),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_closed_database_port_gives_the_503_page_quickly(tmp_path):
    page, health = run_site(
        ["/practices/", "/health/"],
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/pactesur",
        DATABASE_POOL_TIMEOUT="1",  # the default (3 s) is checked in tests/test_settings.py
    )
    assert page["status"] == 503
    assert page["seconds"] < 2.5
    assert int(page["retry_after"]) > 0
    assert (
        "The platform is temporarily unavailable. Please try again in a few minutes."
        in (page["body"])
    )
    assert 'class="skip-link"' in page["body"]  # the site's page, not Django's bare one
    assert health["status"] == 503
    assert json.loads(health["body"])["checks"]["database"] == "unavailable"
    assert json.loads(health["body"])["status"] == "unavailable"


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary directory, on a free port."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        pg_ctl = require_program("PostgreSQL (pg_ctl)", binaries[-1] if binaries else None)
        self.bin = Path(pg_ctl).parent
        self.directory = Path(tempfile.mkdtemp(prefix="pactesur-pg-"))
        self.port = free_port()
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.directory, "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> list[str]:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        data = str(self.directory / "data")
        log = str(self.directory / "log")
        return [
            *self.as_user,
            str(self.bin / "pg_ctl"),
            "-D",
            data,
            "-l",
            log,
            "-o",
            options,
            *args,
        ]

    def start(self) -> None:
        initdb = [str(self.bin / "initdb"), "-D", str(self.directory / "data"), "-A", "trust"]
        subprocess.run(
            [*self.as_user, *initdb, "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
        )
        subprocess.run(self.pg_ctl("-w", "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(self.pg_ctl("-m", "immediate", "-w", "stop"), capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.services
def test_pooled_connections_broken_by_a_restart_are_replaced(private_postgres, tmp_path):
    """The pool keeps the connection of the first request; the restart breaks it; the next
    request gets a new one, because each connection is checked as it leaves the pool."""
    before, after, again = run_site(
        ["/health/", "run", "/health/", "/health/"],
        commands=(private_postgres.pg_ctl("-m", "fast", "-w", "restart"),),
        VAR_DIR=str(tmp_path),
        DATABASE_URL=private_postgres.url,
        DATABASE_POOL_MIN="1",  # only the connection the first request used: no refill racing
    )
    for response in (before, after, again):
        assert response["status"] == 200, response["body"]
        assert json.loads(response["body"])["checks"]["database"] == "ok"
    assert after["seconds"] < 3  # a broken connection would wait for the pool timeout


@pytest.mark.services
def test_the_site_serves_again_at_once_when_the_database_returns(private_postgres, tmp_path):
    """During an outage the pool keeps trying to connect, waiting longer each time (1, 2, 4, 8 s):
    its attempts give up after a few seconds, so that once the database is back the next request
    connects at once instead of waiting for the next scheduled attempt."""
    before, outage, back = run_site(
        ["/health/", "run", "repeat:8:/health/", "run", "until-ok:/health/"],
        commands=(
            private_postgres.pg_ctl("-m", "fast", "-w", "stop"),
            private_postgres.pg_ctl("-w", "start"),
        ),
        VAR_DIR=str(tmp_path),
        DATABASE_URL=private_postgres.url,
        DATABASE_POOL_TIMEOUT="1",
    )
    assert before["status"] == 200
    assert outage["statuses"] and set(outage["statuses"]) == {503}
    assert back["statuses"][-1] == 200
    assert back["seconds"] < 3, back["statuses"]
