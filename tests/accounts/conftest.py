"""Fixtures for the accounts tests."""

import pytest

from pactesur.celery import app as celery_app


@pytest.fixture(autouse=True)
def _celery_eager():
    """Run tasks in-process even when REDIS_URL (and so a broker) is configured for the run."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
