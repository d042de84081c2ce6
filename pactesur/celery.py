"""The Celery app. All periodic schedules live in ``beat_schedule`` below."""

import os

from celery import Celery
from celery.schedules import crontab
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
    # The digest, every Monday at 08:00 in the app's time zone (CELERY_TIMEZONE, Europe/Paris:
    # crontab follows its daylight saving time); monthly subscribers get theirs on the first
    # Monday of the month (digests/services.py). The task only queues the ledger rows; a run
    # that beat could not start within 6 hours is left to `manage.py send_digest`.
    "weekly-digest": {
        "task": "digests.tasks.run_digest",
        "schedule": crontab(minute="0", hour="8", day_of_week="mon"),
        "options": {"expires": 6 * 3600},
    },
    # Digest subscriptions not confirmed within 7 days are forgotten (digests/services.py).
    "forget-unconfirmed-subscribers": {
        "task": "digests.tasks.forget_unconfirmed",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Seats offered from a training's waiting list and not confirmed in time pass to the next
    # person waiting (trainings/services.py).
    "expire-training-offers": {
        "task": "trainings.tasks.expire_offers",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # A training's venue or link changed by a published edit: its participants are told.
    "training-venue-changes": {
        "task": "trainings.tasks.notify_venue_changes",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # Participants are reminded two days before a training starts, once (the outbox's key).
    "training-reminders": {
        "task": "trainings.tasks.send_reminders",
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
    # The moderators' morning email, at 09:00 in CELERY_TIMEZONE (Europe/Paris); the outbox's
    # key makes it once a day even if beat sends the task twice (moderation/notifications.py).
    "moderation-daily-summary": {
        "task": "moderation.tasks.send_daily_summary",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 3 * 3600},
    },
    # The waiting count in staff's navigation (moderation/queue.py), should the cache lose it.
    "moderation-waiting-count": {
        "task": "moderation.tasks.refresh_waiting_count",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Each coordinator's overdue items, on the 1st of the month (moderation/freshness.py).
    "moderation-overdue-reminders": {
        "task": "moderation.tasks.send_overdue_reminders",
        "schedule": crontab(day_of_month=1, hour=8, minute=0),
        "options": {"expires": 12 * 3600},
    },
}


@worker_ready.connect
def heartbeat_at_start(**kwargs: object) -> None:
    """A worker that just started is alive: say so before beat's first ``health_ping``."""
    from .tasks import record_heartbeat

    record_heartbeat()
