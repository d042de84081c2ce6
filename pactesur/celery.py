"""The Celery app. All periodic schedules live in ``beat_schedule`` below."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pactesur.settings")

app = Celery("pactesur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# `pactesur` is not an installed app (only its admin config is): name its tasks module here.
app.autodiscover_tasks(["pactesur"])

# One place for every periodic schedule (STYLE.md §8). Features add their entries here.
app.conf.beat_schedule = {
    "health-ping": {"task": "pactesur.tasks.health_ping", "schedule": 300.0},
    # Emails whose hand-over to the broker failed, and retries that are due (accounts/emails.py).
    # A sweep that waited longer than the interval is dropped: the next one does its work.
    "sweep-emails": {
        "task": "accounts.tasks.sweep_emails",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Digest subscriptions not confirmed within 7 days are forgotten (digests/services.py).
    "forget-unconfirmed-subscribers": {
        "task": "digests.tasks.forget_unconfirmed",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Exchanges: evaluation due, field report due, "what did you change at home?" three months
    # after; each sent once (exchanges/services.py, reminders_send).
    "exchange-reminders": {
        "task": "exchanges.tasks.send_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}


@worker_ready.connect
def heartbeat_at_start(**kwargs: object) -> None:
    """A worker that just started is alive: say so before beat's first ``health_ping``."""
    from .tasks import record_heartbeat

    record_heartbeat()
