"""The outbox's tasks (accounts/emails.py): thin, they take ids and call one function."""

from celery import shared_task

from . import emails


@shared_task(name="accounts.tasks.send_emails")
def send_emails(ids: list[int]) -> int:
    """Send these outbox rows if they are still due (a repeated task finds them claimed)."""
    return emails.send_batch(ids).sent


@shared_task(name="accounts.tasks.sweep_emails")
def sweep_emails() -> int:
    """Send every due row: those whose hand-over to the broker failed, and retries."""
    return emails.send_due()
