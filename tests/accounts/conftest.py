"""Fixtures for the accounts tests."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

from pactesur.celery import app as celery_app


@pytest.fixture(autouse=True)
def _celery_eager():
    """Run tasks in-process even when REDIS_URL (and so a broker) is configured for the run."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def totp_code(user, *, offset: int = 0) -> str:
    """The code the user's authenticator app shows now (``offset`` periods away)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))
