from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError), retry_backoff=30, max_retries=5
)
def notify_moderation_event(event_id: int) -> int:
    return services.moderation_notify(event_id=event_id)
