"""Test-only settings tweaks (STYLE.md §9) and the fixtures every test folder shares."""

from pathlib import Path

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Plain static storage: tests don't run collectstatic. HTTPS redirects are off for the test
    # client and the live server (they are asserted separately by `check --deploy`).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    # WhiteNoise warns at every middleware load when STATIC_ROOT is missing (no collectstatic).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: each test starts with a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
