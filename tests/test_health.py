"""``/health/``: each part's state and an overall status; 503 only when the site cannot serve.

The database-down case runs against a closed port in a process of its own
(``tests/test_database_down.py``); the others change the settings here.
"""

import datetime as dt
import json
import time

import pytest
import time_machine
from django.urls import reverse

from pactesur.tasks import health_ping
from tests.support import free_port

pytestmark = pytest.mark.django_db
HEALTH = reverse("health")


def health(client) -> tuple[int, dict]:
    response = client.get(HEALTH)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


@pytest.fixture
def broker(settings):
    """Tasks go through a broker (as in production) instead of running in-process."""

    def use(url: str) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = url

    return use


@pytest.fixture(autouse=True)
def _in_process_tasks(settings):
    """As in the embedded run, whatever REDIS_URL says for the test run: no broker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = ""


@pytest.fixture
def manifest_storage(settings, tmp_path):
    """Hashed static files, as with DEBUG off, and a STATIC_ROOT where nothing was collected."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return settings.STATIC_ROOT


def test_the_embedded_run_is_ok_and_says_which_parts_it_does_without(client):
    status, body = health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "off",  # tasks run in-process
            "worker": "off",
            "static": "off",  # DEBUG-style static files: nothing to collect
        },
        "worker_heartbeat_age": None,
    }


def test_a_cache_that_is_down_is_degraded_not_unavailable(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "pactesur.cache.FailSafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        },
    }
    status, body = health(client)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == "degraded"
    assert body["checks"]["database"] == "ok"


def test_a_broker_that_is_down_is_degraded_and_answers_fast(client, broker):
    broker(f"redis://:s3cret-password@127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    response = client.get(HEALTH)
    assert time.monotonic() - started < 2
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["broker"] == "degraded"
    assert body["checks"]["worker"] == "degraded"  # no heartbeat either
    # Public: the states, never the reasons, addresses or secrets.
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text and "redis" not in text.lower()
    assert set(body) == {"status", "checks", "worker_heartbeat_age"}


def test_the_workers_heartbeat_comes_from_the_beat_task(client, broker, redis_url):
    broker(f"{redis_url}/4")
    status, body = health(client)
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["worker"] == "degraded"  # no heartbeat yet
    assert body["status"] == "degraded"

    health_ping.apply()  # what beat sends every five minutes, run by the worker
    status, body = health(client)
    assert status == 200
    assert body["checks"]["worker"] == "ok"
    assert body["status"] == "ok"
    assert 0 <= body["worker_heartbeat_age"] <= 5

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=11)):
        status, body = health(client)
    assert body["checks"]["worker"] == "degraded"  # two beats missed: the worker is gone
    assert body["worker_heartbeat_age"] >= 660


def test_static_files_that_were_not_collected_are_degraded(client, manifest_storage):
    status, body = health(client)
    assert status == 200
    assert body["checks"]["static"] == "degraded"
    assert body["status"] == "degraded"

    (manifest_storage / "staticfiles.json").write_text(
        json.dumps({"paths": {}, "version": "1.1", "hash": ""})
    )
    status, body = health(client)
    assert body["checks"]["static"] == "ok"
    assert body["status"] == "ok"


def test_a_starting_worker_records_its_heartbeat_at_once(client):
    """/health/ must not say "degraded" for five minutes after a deploy, until beat's first ping."""
    from celery.signals import worker_ready
    from django.core.cache import cache

    from pactesur.tasks import HEARTBEAT_KEY

    cache.delete(HEARTBEAT_KEY)
    worker_ready.send(sender=None)
    assert cache.get(HEARTBEAT_KEY) is not None
