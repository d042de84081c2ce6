"""Browser tests: Playwright's sync API driving the system Chromium against pytest-django's
live server.

The live server runs in a thread of this process, so it shares the test database (tests here use
``transactional_db``: the server thread only sees committed rows), the settings and the locmem
outbox (``mailoutbox``). Chromium missing: the tests skip, or fail when CI=true.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections

from pactesur.celery import app as celery_app
from tests.e2e.browser import DESKTOP, track_documents, unaudited_documents

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture
def browser(transactional_db) -> Iterator:
    """Chromium, for one test.

    Function scope on purpose. Playwright's sync API keeps an asyncio event loop running in this
    thread while it is alive, and then Django hands out *other* database connections (asgiref's
    Local is per async context) that lack the test database's serialized contents: a browser
    started before the test's database setup would skip `serialized_rollback`'s restore. Started
    after it (it depends on `transactional_db`) and closed before the flush, it is safe.
    """
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{reason}: browser tests are required when CI=true", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Django refuses ORM calls from a thread with a running event loop. The tests' own ORM calls
    # are plain sync code: allow them while Playwright is alive, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        # The connections the test made with the loop running belong to that async context:
        # close them now, or PostgreSQL cannot flush (nor later drop) the test database.
        connections.close_all()

        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies: one per person in a journey).

    Every document the page shows must be checked with ``audit(page)`` (axe-core): the test
    fails at the end if one was not.
    """
    contexts, pages = [], []

    def open_page(locale: str = "en-GB"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        track_documents(page)
        pages.append(page)
        return page

    yield open_page
    unaudited = [url for page in pages for url in unaudited_documents(page)]
    for context in contexts:
        context.close()
    assert not unaudited, f"Pages shown but not checked with audit(page): {unaudited}"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks (notification emails) run in-process even when REDIS_URL configures a broker."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
