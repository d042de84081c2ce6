from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError), retry_backoff=30, max_retries=5
)
def notify_membership(kind: str, membership_id: int) -> int:
    return services.membership_notify(kind=kind, membership_id=membership_id)
