"""The trainings' periodic tasks (``pactesur/celery.py``): thin, each calls one service."""

from celery import shared_task

from . import services


@shared_task(name="trainings.tasks.expire_offers", ignore_result=True)
def expire_offers() -> int:
    """Seats offered and not confirmed in time go to the next person waiting."""
    return services.offers_expire()


@shared_task(name="trainings.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Remind participants two days before a training starts (once each)."""
    return services.reminders_send()


@shared_task(name="trainings.tasks.notify_venue_changes", ignore_result=True)
def notify_venue_changes() -> int:
    """Participants hear of a new venue or link (an edit published through moderation)."""
    return services.venue_changes_notify()
