"""Test-only settings tweaks (STYLE.md §9) and the fixtures every test folder shares."""

from pathlib import Path

import pytest
from django.conf import settings

# Test-only apps: a second moderated model (tests/bulletins), proof that the moderation kit
# serves any registered model. Django is set up before this file is read, so the app registry
# is populated again with them; they have no migrations: the test database creates their tables.
TEST_APPS = ["tests.bulletins"]


def _install_test_apps() -> None:
    from django.apps import apps

    missing = [app for app in TEST_APPS if app not in settings.INSTALLED_APPS]
    if missing:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, *missing]
        apps.set_installed_apps(settings.INSTALLED_APPS)


def pytest_configure(config: pytest.Config) -> None:
    _install_test_apps()
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
    """Rate-limit counters live in the cache: each test starts with a clean one, and with no
    rendering kept in process memory (the layout's fragments follow settings a test may change)."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["fragments"].clear()
    yield
    cache.clear()
    caches["fragments"].clear()
