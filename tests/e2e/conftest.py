"""Browser tests: Playwright's sync API driving the system Chromium against pytest-django's
live server.

The live server runs in a thread of this process, so it shares the test database (tests here use
``transactional_db``: the server thread only sees committed rows), the settings and the locmem
outbox (``mailoutbox``). Chromium missing: the tests skip, or fail when CI=true.
"""

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.db import connections

from pactesur.celery import app as celery_app

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


# --- Accessibility: axe-core (bundled by axe-playwright-python) on every page shown ------------

DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def track_documents(page) -> None:
    """Count the documents (and in-place history changes, e.g. htmx) the page shows."""
    page._shown = []  # URLs, in order
    page._audited = set()  # indexes into _shown

    def shown(frame) -> None:
        if frame == page.main_frame:
            page._shown.append(frame.url)

    page.on("framenavigated", shown)


def unaudited_documents(page) -> list[str]:
    return [url for i, url in enumerate(page._shown) if i not in page._audited]


def audit(page) -> None:
    """axe-core's WCAG 2.1 A and AA rules on the page as it is now, at desktop width and at
    390 px: 0 violations; and at 390 px nothing makes the page scroll sideways (WCAG 1.4.10).

    axe (the copy axe-playwright-python bundles) is evaluated through the DevTools protocol
    (``page.evaluate``), which the site's CSP (script-src 'self') does not govern: the CSP served
    to users stays as it is and the browser context needs no ``bypass_csp``. It is injected
    once per document.
    """
    from axe_playwright_python.base import AXE_SCRIPT

    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    size = page.viewport_size or DESKTOP
    reports = []
    for viewport in (DESKTOP, MOBILE):
        page.set_viewport_size(viewport)
        violations = page.evaluate(
            "options => axe.run(document, options).then(results => results.violations)",
            {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        for violation in violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            reports.append(
                f"{viewport['width']} px: {violation['id']} ({violation['impact']}): "
                f"{violation['help']}: {targets}"
            )
        if viewport == MOBILE:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > MOBILE["width"]:
                reports.append(f"390 px: the page is {width} px wide (it scrolls sideways)")
    page.set_viewport_size(size)
    page._audited.update(range(len(page._shown)))
    assert not reports, f"{page.url}\n" + "\n".join(reports)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks (notification emails) run in-process even when REDIS_URL configures a broker."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def totp_code(user) -> str:
    """The code the user's authenticator app shows now, by allauth's own TOTP functions.

    Waits for the next period when this one is about to end, so the code is still valid when the
    server checks it.
    """
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(page, user, password: str = "correct-horse-battery") -> None:
    """Sign in through the real login form, with the TOTP step when the user has MFA."""
    import re

    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    audit(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        expect(page).to_have_url(re.compile(r"/2fa/authenticate/"))
        audit(page)
        page.get_by_label("Code").fill(totp_code(user))
        page.get_by_role("button", name=re.compile(r"^Sign in$", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    audit(page)
