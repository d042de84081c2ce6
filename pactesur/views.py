"""Wiring-level views: the health check used by docker-compose and load balancers, and the page
served when a request fails (500, or 503 when the database cannot be reached)."""

from __future__ import annotations

import logging
import sys
import time

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

from .celery import app as celery_app
from .tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)

OK, DEGRADED, UNAVAILABLE, OFF = "ok", "degraded", "unavailable", "off"
# Seconds a probe of the broker may take: the health check must answer fast when a part hangs.
BROKER_PROBE_TIMEOUT = 0.5
# How long after the worker's last heartbeat it counts as gone: two missed beats and a margin.
HEARTBEAT_MAX_AGE = 2 * celery_app.conf.beat_schedule["health-ping"]["schedule"] + 60
# A database that cannot be reached raises these (psycopg's pool timeout is an OperationalError).
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means the site cannot serve
        logger.warning("Health: the database does not answer", exc_info=True)
        return UNAVAILABLE
    return OK


def _cache_and_heartbeat() -> tuple[str, float | None]:
    """The shared cache's state, and the worker's last heartbeat (epoch seconds) if it has one."""
    try:
        heartbeat = cache.get(HEARTBEAT_KEY)
    except Exception:  # a cache backend other than pactesur.cache's may raise
        logger.warning("Health: the cache does not answer", exc_info=True)
        return DEGRADED, None
    if not getattr(cache, "available", True):
        return DEGRADED, None
    return OK, heartbeat if isinstance(heartbeat, int | float) else None


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return OFF  # tasks run in-process: there is no broker to reach
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_PROBE_TIMEOUT,
            transport_options={
                "socket_timeout": BROKER_PROBE_TIMEOUT,
                "socket_connect_timeout": BROKER_PROBE_TIMEOUT,
                "max_retries": 0,
            },
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
    except Exception:
        logger.warning("Health: the broker does not answer", exc_info=True)
        return DEGRADED
    return OK


def _static() -> str:
    """With hashed static files (DEBUG off), their manifest must exist: collectstatic ran."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return OFF
    return OK if storage.manifest_storage.exists(storage.manifest_name) else DEGRADED


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Public by design, so it says only how each part is, never why (the log says why).

    503 only when the site cannot serve (the database is unreachable); a part that fails but
    leaves the site serving (cache, broker, worker, static files) is "degraded", with 200.
    """
    cache_state, heartbeat = _cache_and_heartbeat()
    # Seconds since the worker's last health ping (its clock may be a little ahead of ours).
    heartbeat_age = None if heartbeat is None else max(0, round(time.time() - heartbeat))
    broker = _broker()
    if broker == OFF:
        worker = OFF
    elif heartbeat_age is not None and heartbeat_age < HEARTBEAT_MAX_AGE:
        worker = OK
    else:
        worker = DEGRADED
    checks = {
        "database": _database(),
        "cache": cache_state,
        "broker": broker,
        "worker": worker,
        "static": _static(),
    }
    if checks["database"] != OK:
        status = UNAVAILABLE
    elif DEGRADED in checks.values():
        status = DEGRADED
    else:
        status = OK
    body = {
        "status": status,
        "checks": checks,
        "worker_heartbeat_age": heartbeat_age,
    }
    return JsonResponse(body, status=503 if status == UNAVAILABLE else 200)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the site's 500 page, or its 503 page when the database cannot be reached.

    Neither needs the database, the session or the user: the template gets the request and a CSRF
    token (for the language switcher) but no context processors, so it shows the site as to a
    visitor.
    """
    unavailable = isinstance(sys.exc_info()[1], DATABASE_UNREACHABLE)
    template, status = ("503.html", 503) if unavailable else ("500.html", 500)
    body: str
    try:
        with translation.override(translation.get_language_from_request(request)):
            body = loader.render_to_string(
                template, {"request": request, "csrf_token": get_token(request)}
            )
    except Exception:  # the error page itself must not fail: plain HTML, as Django's own
        logger.exception("The %s page could not be rendered", status)
        title = "Service temporarily unavailable" if unavailable else "Server error"
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1>"
    response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
