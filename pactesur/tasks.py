"""Wiring-level tasks: the health round trip through broker, worker and result backend."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="pactesur.tasks.health_ping")
def health_ping(token: str = "ping") -> dict[str, str]:  # noqa: S107  (not a password)
    """Echo a token back with the worker's clock, proving the broker → worker → backend path."""
    return {"token": token, "at": timezone.now().isoformat()}
