"""Fixtures for the moderation tests."""

import pytest


@pytest.fixture(autouse=True)
def _eager(celery_eager):
    """Tasks run in-process (``celery_eager`` in tests/conftest.py)."""
    yield
