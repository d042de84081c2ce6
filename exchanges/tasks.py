"""The exchanges' periodic task: thin, it calls one service."""

from celery import shared_task

from . import services


@shared_task(name="exchanges.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Queue the reminders that are due: evaluation, field report, the three-month follow-up
    (hourly, ``pactesur/celery.py``). Each is sent once (its outbox key)."""
    return services.reminders_send()
