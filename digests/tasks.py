"""The digest's periodic tasks: thin, each calls one service."""

from celery import shared_task

from . import services


@shared_task(name="digests.tasks.forget_unconfirmed", ignore_result=True)
def forget_unconfirmed() -> int:
    """Delete the addresses not confirmed within 7 days (daily, ``pactesur/celery.py``)."""
    return services.subscribers_forget_unconfirmed()
