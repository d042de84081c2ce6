"""Wiring-level tasks: the health round trip through broker, worker and result backend."""

import time

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

# Where the worker leaves the time of its last health ping (epoch seconds), for /health/.
HEARTBEAT_KEY = "health:worker-heartbeat"


@shared_task(name="pactesur.tasks.health_ping")
def health_ping(token: str = "ping") -> dict[str, str]:  # noqa: S107  (not a password)
    """Echo a token back with the worker's clock, proving the broker → worker → backend path.

    Beat sends it every five minutes (``pactesur.celery``); the time it ran is kept in the shared
    cache as the worker's heartbeat, which ``/health/`` reads.
    """
    cache.set(HEARTBEAT_KEY, time.time(), None)
    return {"token": token, "at": timezone.now().isoformat()}
