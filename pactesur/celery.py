"""The Celery app. All periodic schedules live in ``beat_schedule`` below."""

import os

from celery import Celery

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
}
