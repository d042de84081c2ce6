"""Celery wiring, and email delivery through a real Redis broker, real workers and a real SMTP
server: delivered once, even when the whole worker is killed again and again.

The `services` tests start real `celery worker` and `celery beat` processes. They use Redis
database 4 and a queue named for the test run, so they never consume another process's tasks.
Workers share the test database, so the tests that start one need PostgreSQL (SQLite's test
database lives in this process's memory) and commit for real (``transaction=True``).
"""

import collections
import os
import random
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from celery import Celery
from celery._state import get_current_app
from django.db import connection, transaction

from accounts import emails
from accounts.models import OutboundEmail
from pactesur.celery import app as project_app
from pactesur.tasks import health_ping
from tests.support import WORKER_OPTIONS, celery_process, worker_environment

BROKER_DB = 4
_PROBLEM = re.compile(r"time limit|WorkerLost|Traceback|ERROR|WARNING|exited", re.IGNORECASE)

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process shares the test database: PostgreSQL only (CI runs it too)",
)


def test_health_ping_echoes_its_token():
    result = health_ping.apply(args=("x",)).get()
    assert result["token"] == "x"
    assert datetime.fromisoformat(result["at"]).tzinfo is not None


def test_every_periodic_schedule_names_a_registered_task():
    project_app.loader.import_default_modules()
    schedule = project_app.conf.beat_schedule
    assert {"health-ping", "sweep-emails"} <= set(schedule)
    assert schedule["sweep-emails"]["schedule"] <= 60
    unknown = {entry["task"] for entry in schedule.values()} - set(project_app.tasks)
    assert not unknown, f"beat_schedule names tasks that do not exist: {sorted(unknown)}"


def _celery_env(broker_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pactesur.settings",
        CELERY_BROKER_URL=broker_url,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _kill_whole_worker(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool's processes at once: nothing gets to clean up."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextmanager
def _producer(broker: str, queue: str) -> Iterator[Celery]:
    """The project's Celery settings, publishing to the test's queue, as the current app (the
    outbox hands its rows to ``current_app``)."""
    app = Celery("pactesur", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker, task_default_queue=queue, task_always_eager=False)
    previous = get_current_app()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


def _queue_emails(count: int, per_transaction: int) -> list[OutboundEmail]:
    """Queue ``count`` emails to distinct addresses, committed ``per_transaction`` at a time:
    each commit hands its rows to the broker as one task."""
    rows = []
    for start in range(0, count, per_transaction):
        with transaction.atomic():
            for i in range(start, min(start + per_transaction, count)):
                rows.append(
                    emails.queue(
                        "test",
                        to=f"person{i}@example.org",
                        template="account/email/unknown_account",
                        context={"email": f"person{i}@example.org", "signup_url": "http://x/"},
                        language="en",
                    )
                )
    return rows


@needs_postgresql
@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_outbox_email_through_redis_to_an_smtp_server(
    redis_url, smtp_sink, tmp_path
):
    broker = f"{redis_url}/{BROKER_DB}"
    queue = f"pactesur-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    args = ["worker", "--pool=solo", "-Q", queue, *WORKER_OPTIONS]
    with (
        celery_process(
            args, worker_environment(broker, smtp_sink.port, tmp_path / "var"), log
        ) as worker,
        _producer(broker, queue),
    ):
        rows = _queue_emails(3, per_transaction=3)
        deadline = time.monotonic() + 30
        while len(smtp_sink.messages) < 3 and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
    assert sorted(smtp_sink.message_ids) == sorted(r.message_id for r in rows), log.read_text()
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert "accounts.tasks.send_emails" in log.read_text()


@needs_postgresql
@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killing_the_whole_worker_again_and_again_loses_and_doubles_no_email(
    redis_url, smtp_sink, tmp_path
):
    """300 emails; the whole worker (two pool processes) is SIGKILLed at a random moment while
    it sends, six times, and started again; the sweep runs every second, as beat would.

    The SMTP server counts what it accepts by Message-ID. No email may be missing. No email may
    come twice, but for the inherent window: a worker killed after it handed a message over
    (the final dot) and before the commit that marks the row sent leaves the row pending, and
    the server may accept that message all the same; the row is sent again, with the same
    Message-ID, once its lease is over. That window is a few milliseconds here (up to 0.2 s on a
    loaded machine), against about 15 ms per message: about 4 kills in 10 double a message
    (README, "Email delivery guarantees", for the figures). So a message may come twice only if
    its first copy was accepted at the moment of a kill, and at most once per pool process per
    kill; anything else (a task run twice, a batch marked sent only at its end, a lease too
    short, a sweep running into its time limit) fails. ``KILL_SEED`` replays a run.
    """
    count, kills, concurrency = 300, 6, 2
    near = 0.5  # seconds between a kill and the acceptance of a message it doubles
    seed = os.environ.get("KILL_SEED") or str(random.randrange(10**6))
    rng = random.Random(seed)
    smtp_sink.rcpt_delay = 0.01  # a server checking each recipient: sending takes a while
    broker = f"{redis_url}/{BROKER_DB}"
    queue = f"pactesur-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    # A short time limit makes a short lease: rows claimed by a killed worker come back soon.
    env = worker_environment(broker, smtp_sink.port, tmp_path / "var", CELERY_TASK_TIME_LIMIT="10")
    args = ["worker", "--pool=prefork", "-c", str(concurrency), "-Q", queue, *WORKER_OPTIONS]

    with _producer(broker, queue) as producer:
        rows = _queue_emails(count, per_transaction=10)
        kill_times: list[float] = []
        for _ in range(kills):
            with celery_process(args, env, log) as worker:
                # Wait until it is sending, then kill it at a random moment.
                before = len(smtp_sink.messages)
                deadline = time.monotonic() + 30
                while len(smtp_sink.messages) == before and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.4))
                kill_times.append(time.time())
                _kill_whole_worker(worker)
        sent_before_the_last_start = len(smtp_sink.messages)
        with celery_process(args, env, log):
            deadline = time.monotonic() + 120
            while OutboundEmail.objects.filter(status="pending").exists():
                assert time.monotonic() < deadline, log.read_text()[-5000:]
                producer.send_task("accounts.tasks.sweep_emails", ignore_result=True)
                time.sleep(1)
            time.sleep(1)  # nothing more may arrive

    received = collections.Counter(smtp_sink.message_ids)
    lost = [r.recipient for r in rows if r.message_id not in received]
    doubled = [mid for mid, n in received.items() if n > 1]
    first_accepted = {}
    for message in smtp_sink.messages:
        first_accepted.setdefault(message["Message-ID"], message.accepted_at)
    near_kill = collections.Counter(
        next((i for i, t in enumerate(kill_times) if abs(first_accepted[mid] - t) < near), None)
        for mid in doubled
    )
    offsets = sorted(
        round(1000 * min((first_accepted[mid] - t for t in kill_times), key=abs), 1)
        for mid in doubled
    )
    print(
        f"\nseed {seed}: {len(received)} emails, {len(smtp_sink.messages)} messages, "
        f"{sent_before_the_last_start} before the last start; lost {len(lost)}, "
        f"doubled {len(doubled)} (per kill {dict(near_kill)}, first copy accepted "
        f"{offsets} ms from the kill)"
    )
    unexplained = [
        (mid, [round(m.accepted_at - kill_times[0], 3) for m in smtp_sink.messages
               if m["Message-ID"] == mid])
        for mid in doubled
        if all(abs(first_accepted[mid] - t) >= near for t in kill_times)
    ]  # fmt: skip
    problems = [line for line in log.read_text().splitlines() if _PROBLEM.search(line)]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert lost == []
    assert all(received[mid] == 2 for mid in doubled)
    assert not unexplained, (
        f"came twice away from any kill: {unexplained}; kills at "
        f"{[round(t - kill_times[0], 3) for t in kill_times]}; worker log:\n" + "\n".join(problems)
    )
    assert all(n <= concurrency for n in near_kill.values())
    assert sent_before_the_last_start < count, "every kill came too late to interrupt anything"


@pytest.mark.services
def test_beat_starts_and_loads_the_schedule(redis_url, tmp_path):
    broker = f"{redis_url}/{BROKER_DB}"
    schedule_file = tmp_path / "celerybeat-schedule"
    log = tmp_path / "beat.log"
    args = ["beat", "--schedule", str(schedule_file), "-l", "debug"]
    with celery_process(args, _celery_env(broker), log) as beat:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            output = log.read_text()
            if "beat: Starting..." in output and "Current schedule:" in output:
                break
            if beat.poll() is not None:
                pytest.fail(f"celery beat exited with {beat.returncode}:\n{output}")
            time.sleep(0.2)
        else:
            pytest.fail(f"celery beat did not load its schedule in 30 s:\n{log.read_text()}")
        # The schedule is printed after "Current schedule:", one entry a line.
        time.sleep(0.5)
        output = log.read_text()
        assert beat.poll() is None, output
    assert "<ScheduleEntry: health-ping pactesur.tasks.health_ping()" in output
    assert "<ScheduleEntry: sweep-emails accounts.tasks.sweep_emails()" in output
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat wrote no schedule file"
