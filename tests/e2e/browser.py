"""What browser tests share besides fixtures: the accessibility audit of every page shown
(axe-core), viewports, and signing in through the real forms (with the TOTP step)."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

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
