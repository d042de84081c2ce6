"""What the Nu HTML Checker and axe-core found on the pages, checked without Java or a browser
over every page of ``site_tour`` (the checker itself runs in ``test_html_validity.py``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# HTML's valid date, local date-and-time and global date-and-time strings.
VALID_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes and the open tags around it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict, list[tuple[str, dict]]]] = []
        self.stack: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes, list(self.stack)))
        if tag not in self.VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def elements(html: bytes) -> list[tuple[str, dict, list]]:
    parser = Elements()
    parser.feed(html.decode())
    return parser.elements


def tour_pages(site_tour):
    for role, user in site_tour.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in site_tour.paths(role):
            response = client.get(path, follow=True)
            assert response.status_code == 200, path
            yield f"{role} {path}", response.content


def test_time_elements_carry_valid_datetime_strings(site_tour):
    found = 0
    for label, html in tour_pages(site_tour):
        for tag, attrs, _ in elements(html):
            if tag == "time":
                found += 1
                assert VALID_DATETIME.match(attrs.get("datetime") or ""), (label, attrs)
    assert found > 20  # the detail page, members, queue, review, log and my practices have some


def test_no_page_uses_hx_attributes(site_tour):
    """htmx reads ``data-hx-*`` as well: the ``hx-*`` form is not valid HTML."""
    data_hx = 0
    for label, html in tour_pages(site_tour):
        for tag, attrs, _ in elements(html):
            assert not [a for a in attrs if a.startswith("hx-")], (label, tag, attrs)
            data_hx += len([a for a in attrs if a.startswith("data-hx-")])
    assert data_hx


def test_flash_messages_are_a_list_inside_a_live_region(client, member):
    """axe's ``listitem`` rule and the checker both failed on ``<ul role="status">``."""
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    page = elements(client.get(reverse("accounts:dashboard")).content)
    items = [(a, around) for tag, a, around in page if "message" in (a.get("class") or "").split()]
    assert len(items) == 1  # "Successfully signed in as ..."
    for _attrs, around in items:
        parent_tag, parent_attrs = around[-1]
        assert parent_tag == "ul" and "role" not in parent_attrs
        assert [a for _, a in around[:-1] if a.get("role") == "status"]
    assert not [a for tag, a, _ in page if tag in ("ul", "ol", "li") and a.get("role")]


def test_every_template_writes_datetime_attributes_with_the_one_filter():
    from django.conf import settings

    templates = Path(settings.BASE_DIR) / "templates"
    uses = 0
    for path in templates.rglob("*.html"):
        for value in re.findall(r'datetime="([^"]*)"', path.read_text()):
            uses += 1
            assert re.fullmatch(r"\{\{ [\w.]+\|datetime_attr \}\}", value), (path, value)
    assert uses >= 7


def test_every_page_answers_head_as_it_answers_get(site_tour):
    """Link checkers and monitors ask with HEAD: every page a role visits answers it like GET
    (``require_safe``, never ``require_GET``), without a body."""
    checked = 0
    for role, user in site_tour.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in site_tour.paths(role):
            get = client.get(path)
            head = client.head(path)
            assert (head.status_code, head.content) == (get.status_code, b""), (role, path)
            checked += 1
    assert checked > 100
