"""The settings module: production values pass `check --deploy`; the defaults run on a laptop.

Each test runs Django in a subprocess with a controlled environment, because settings are read
once per process. The ``.env`` file a developer may have is ignored (``read_env`` is patched out),
so the tests see only the variables they set.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import require_service, settings_variables

BASE_DIR = Path(__file__).resolve().parent.parent

# Production-like values: everything the settings require outside a laptop.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "pactesur.example.eu",
    "DJANGO_HTTPS": "true",
    "DATABASE_URL": "postgres://pactesur:secret@db.example.eu:5432/pactesur",
    "REDIS_URL": "redis://redis.example.eu:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.eu:587",
    "SITE_URL": "https://pactesur.example.eu",
}

# Prints the settings the tests look at, as JSON, without reading any .env file.
PRINT_SETTINGS = """
import json, environ
environ.Env.read_env = classmethod(lambda *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
    "CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS"),
    "OPTIONS": {k: v for k, v in db.get("OPTIONS", {}).items()},
    "VAR_DIR": str(settings.VAR_DIR),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    "CELERY_TASK_IGNORE_RESULT": settings.CELERY_TASK_IGNORE_RESULT,
    "CELERY_TASK_TIME_LIMIT": settings.CELERY_TASK_TIME_LIMIT,
    "CELERY_BROKER_TRANSPORT_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "CELERY_BROKER_CONNECTION_TIMEOUT": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    "CELERY_TASK_PUBLISH_RETRY_POLICY": settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
    "ALLAUTH_TRUSTED_PROXY_COUNT": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
}))
"""


# Every variable the settings read: removed from the developer's shell before each subprocess.
SETTINGS_VARIABLES = settings_variables()


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # check --deploy rejects it (async.E001)
    env["DJANGO_SETTINGS_MODULE"] = "pactesur.settings"
    env.update(values)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# `manage.py check --deploy --fail-level WARNING`, without reading any .env file.
CHECK_DEPLOY = """
import environ
environ.Env.read_env = classmethod(lambda *args, **kwargs: None)
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
"""


def _settings(**values: str) -> dict:
    result = _run(["-c", PRINT_SETTINGS], _env(**values))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_production_values():
    env = _env(**PRODUCTION_ENV, DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    result = _run(["-c", CHECK_DEPLOY], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_the_development_secret_key():
    """The embedded default key is for laptops: a deployment that forgets to set one is caught."""
    result = _run(["-c", CHECK_DEPLOY], _env(**PRODUCTION_ENV))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_defaults_run_on_a_laptop(tmp_path):
    resolved = _settings(VAR_DIR=str(tmp_path))
    assert resolved["ENGINE"] == "django.db.backends.sqlite3"
    assert resolved["NAME"] == str(tmp_path / "db.sqlite3")
    assert resolved["CELERY_BROKER_URL"] == ""
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is True
    assert resolved["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert resolved["CACHE_BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert resolved["DEBUG"] is False


def test_default_database_lives_under_var():
    resolved = _settings()
    assert resolved["VAR_DIR"] == str(BASE_DIR / "var")
    assert resolved["NAME"] == str(BASE_DIR / "var" / "db.sqlite3")


def test_postgresql_uses_psycopg3_with_djangos_pool():
    resolved = _settings(
        DATABASE_URL="postgres://pactesur@db.example.eu:5432/pactesur", DATABASE_POOL_MAX="7"
    )
    assert resolved["ENGINE"] == "django.db.backends.postgresql"
    assert resolved["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    assert resolved["OPTIONS"]["pool"] == {
        "min_size": 2,
        "max_size": 7,
        "timeout": 3,
        "reconnect_timeout": 5,
    }


def test_a_database_that_is_down_costs_seconds_and_a_restart_costs_nothing():
    resolved = _settings(DATABASE_URL="postgres://pactesur@db.example.eu:5432/pactesur")
    # Bounded waits: for a pooled connection, and for one connection attempt.
    assert resolved["OPTIONS"]["pool"]["timeout"] <= 5
    assert resolved["OPTIONS"]["connect_timeout"] <= 5
    # Django then hands the pool check=ConnectionPool.check_connection (checked on checkout).
    assert resolved["CONN_HEALTH_CHECKS"] is True


def test_a_broker_turns_off_eager_tasks():
    resolved = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    assert resolved["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is False
    assert resolved["CACHE_BACKEND"] == "pactesur.cache.FailSafeRedisCache"


def test_a_redis_cache_that_is_down_costs_milliseconds():
    resolved = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    options = resolved["CACHE_OPTIONS"]
    assert options["socket_connect_timeout"] <= 0.5
    assert options["socket_timeout"] <= 0.5
    assert options["RETRY_AFTER"] >= 1  # then each process stops trying for a while


def test_trusted_proxy_count_comes_from_the_environment():
    assert _settings()["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert _settings(ALLAUTH_TRUSTED_PROXY_COUNT="1")["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


def test_no_result_backend_unless_one_is_set():
    resolved = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    assert resolved["CELERY_RESULT_BACKEND"] is None
    assert resolved["CELERY_TASK_IGNORE_RESULT"] is True
    assert _settings(CELERY_RESULT_BACKEND="redis://r:6379/2")["CELERY_RESULT_BACKEND"] == (
        "redis://r:6379/2"
    )


def test_a_lost_task_comes_back_within_minutes():
    """A task whose worker died is handed out again after visibility_timeout: just above the
    time limit (never while it may still run), minutes and not kombu's default hour."""
    resolved = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    limit = resolved["CELERY_TASK_TIME_LIMIT"]
    visibility = resolved["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"]
    assert limit <= 300
    assert limit < visibility <= limit + 60
    assert (
        _settings(CELERY_TASK_TIME_LIMIT="10")["CELERY_BROKER_TRANSPORT_OPTIONS"][
            "visibility_timeout"
        ]
        == 40
    )


def test_enqueueing_waits_for_the_broker_a_few_seconds_at_most():
    resolved = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    options = resolved["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["socket_connect_timeout"] <= 3
    assert options["socket_timeout"] <= 5
    assert resolved["CELERY_BROKER_CONNECTION_TIMEOUT"] <= 3
    assert resolved["CELERY_TASK_PUBLISH_RETRY_POLICY"]["max_retries"] <= 1


@pytest.mark.services
def test_postgresql_connection_goes_through_the_pool():
    """A real connection, to the server's `postgres` database (DATABASE_URL's may not exist)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/")
    require_service("PostgreSQL", parts.hostname or "127.0.0.1", parts.port or 5432)
    url = parts._replace(path="/postgres").geturl()
    script = (
        "import environ; environ.Env.read_env = classmethod(lambda *a, **k: None)\n"
        "import django; django.setup()\n"
        "import psycopg\n"
        "from django.db import connection\n"
        "from django.db.backends.postgresql.psycopg_any import is_psycopg3\n"
        "connection.ensure_connection()\n"
        "print(is_psycopg3, psycopg.__version__.split('.')[0], type(connection.pool).__name__)\n"
    )
    result = _run(["-c", script], _env(DATABASE_URL=url))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "3", "ConnectionPool"]


def test_settings_variables_are_found():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CACHE_URL"} <= (
        SETTINGS_VARIABLES
    )


def test_env_example_documents_every_variable_the_settings_read():
    text = (BASE_DIR / ".env.example").read_text()
    documented = {
        line.lstrip("# ").split("=", 1)[0]
        for line in text.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    }
    missing = sorted(settings_variables() - documented)
    assert not missing, f".env.example does not document {missing}"
