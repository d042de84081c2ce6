"""The digest's periodic tasks: thin, each calls one service."""

from celery import shared_task
from django.utils import timezone

from . import services
from .periods import Period


@shared_task(name="digests.tasks.forget_unconfirmed", ignore_result=True)
def forget_unconfirmed() -> int:
    """Delete the addresses not confirmed within 7 days (daily, ``pactesur/celery.py``)."""
    return services.subscribers_forget_unconfirmed()


@shared_task(name="digests.tasks.run_digest", ignore_result=True, acks_late=True)
def run_digest(period: str = "") -> int:
    """Queue this week's digest (Monday 08:00 Europe/Paris, ``pactesur/celery.py``): the ledger
    rows only; the outbox's batch tasks send them. Running it again queues nothing new."""
    chosen = Period.parse(period) if period else Period.current(timezone.now())
    return services.digest_run(period=chosen).queued
