"""The moderation desk's periodic tasks (``pactesur/celery.py``): thin, each calls one service."""

from celery import shared_task

from . import freshness, notifications, queue


@shared_task(name="moderation.tasks.send_daily_summary", ignore_result=True)
def send_daily_summary() -> int:
    """The moderators' morning email (09:00 Europe/Paris)."""
    return notifications.daily_summary()


@shared_task(name="moderation.tasks.send_overdue_reminders", ignore_result=True)
def send_overdue_reminders() -> int:
    """Each coordinator's monthly list of their city's overdue items (the 1st, 08:00)."""
    return freshness.overdue_notify()


@shared_task(name="moderation.tasks.refresh_waiting_count", ignore_result=True)
def refresh_waiting_count() -> int:
    """Count the queue again for staff's navigation (every 5 minutes: a cache that lost the
    count has it back within minutes even when nothing changes)."""
    return queue.refresh_waiting_count()
