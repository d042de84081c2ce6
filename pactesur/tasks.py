"""Wiring-level tasks: the worker's heartbeat, which ``/health/`` reads."""

import time

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

# Where the worker leaves the time of its last health ping (epoch seconds), for /health/.
HEARTBEAT_KEY = "health:worker-heartbeat"


def record_heartbeat(**kwargs: object) -> None:
    """Keep the time in the shared cache as the worker's heartbeat (also a ``worker_ready``
    receiver)."""
    cache.set(HEARTBEAT_KEY, time.time(), None)


@shared_task(name="pactesur.tasks.health_ping")
def health_ping(token: str = "ping") -> dict[str, str]:  # noqa: S107  (not a password)
    """Record the worker's heartbeat and echo a token back with the worker's clock.

    Beat sends it every five minutes (``pactesur.celery``), and each worker records a heartbeat as
    it starts (``worker_ready``), so ``/health/`` does not say "degraded" for the first minutes.
    No result is stored: the heartbeat in the shared cache is what tells.
    """
    record_heartbeat()
    return {"token": token, "at": timezone.now().isoformat()}
