"""Celery wiring: the health task runs, and round-trips through a real Redis broker and worker.

The `services` tests start real `celery worker` and `celery beat` processes. They use Redis
database 4 and a queue named for the test run, so they never consume another process's tasks.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from celery import Celery
from celery._state import get_current_app

from pactesur.celery import app as project_app
from pactesur.tasks import health_ping

BASE_DIR = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_DB = 4


def test_health_ping_echoes_its_token():
    result = health_ping.apply(args=("x",)).get()
    assert result["token"] == "x"
    assert datetime.fromisoformat(result["at"]).tzinfo is not None


def test_every_periodic_schedule_names_a_registered_task():
    project_app.loader.import_default_modules()
    schedule = project_app.conf.beat_schedule
    assert "health-ping" in schedule
    unknown = {entry["task"] for entry in schedule.values()} - set(project_app.tasks)
    assert not unknown, f"beat_schedule names tasks that do not exist: {sorted(unknown)}"


def _celery_env(broker_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pactesur.settings",
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND=broker_url,
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", "pactesur", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def _current_app(app: Celery) -> Iterator[Celery]:
    """Make `app` the one shared tasks such as `health_ping` resolve to, then restore."""
    previous = get_current_app()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


@pytest.mark.services
def test_health_ping_round_trips_through_redis_and_a_real_worker(redis_url, tmp_path):
    broker = f"{redis_url}/{BROKER_DB}"
    queue = f"pactesur-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    worker_args = [
        "worker",
        "--pool=solo",
        "-c",
        "1",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "-l",
        "info",
    ]
    producer = Celery("pactesur", set_as_current=False)
    producer.conf.update(
        broker_url=broker,
        result_backend=broker,
        task_default_queue=queue,
        task_always_eager=False,
        broker_connection_retry_on_startup=True,
    )
    with _process(worker_args, _celery_env(broker), log) as worker, _current_app(producer):
        result = health_ping.delay("x")
        try:
            value = result.get(timeout=30)
        except Exception as exc:
            pytest.fail(f"no answer from the worker ({exc!r}); its log:\n{log.read_text()}")
        assert worker.poll() is None, log.read_text()
    assert value["token"] == "x"
    assert datetime.fromisoformat(value["at"]).tzinfo is not None
    assert "pactesur.tasks.health_ping" in log.read_text()


@pytest.mark.services
def test_beat_starts_and_loads_the_schedule(redis_url, tmp_path):
    broker = f"{redis_url}/{BROKER_DB}"
    schedule_file = tmp_path / "celerybeat-schedule"
    log = tmp_path / "beat.log"
    args = ["beat", "--schedule", str(schedule_file), "-l", "debug"]
    with _process(args, _celery_env(broker), log) as beat:
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
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat wrote no schedule file"
