"""Every URL pattern of the project, hostile input, no server error (issue 7, "Tests and checks").

For each pattern (ours, allauth's, the admin's, i18n, health), as an anonymous visitor and as
Efus staff with two-factor authentication (and, in the admin, as the operator, a superuser):

- GET with a NUL character in every query parameter the page reads: the site's 400 page
  (pactesur.middleware);
- GET with a control character (U+000B) in every query parameter the page reads (its GET
  forms' fields and its links' parameters), and on a change list each of the admin's list
  filters with U+000B or NUL appended to its value;
- POST to the page's own form(s), with U+000B in every text field (hidden fields keep their
  value, a select takes its first option), or a generic body when the page has no form.

No response may be a 5xx: ``test_every_url_pattern_survives_hostile_input`` fails naming each
one. The objects the URLs need come from ``world``; a new URL parameter makes
``test_every_url_pattern_is_reachable`` fail until ``_kwargs`` knows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import roles
from accounts.models import Membership
from moderation.models import Status
from moderation.services import moderation_submit, revision_propose
from practices.services import attachment_add
from tests.accounts.factories import UserFactory, give_mfa, make_certificate, make_member
from tests.cities.factories import reference_body
from tests.digests.factories import pending
from tests.exchanges.factories import ApplicationFactory
from tests.files import pdf
from tests.practices.factories import AdoptionFactory, PracticeFactory
from tests.trainings.factories import TrainingFactory
from trainings import services as trainings

CONTROL = "\x0b"
# Trainings' URLs whose <pk> is a registration's.
REGISTRATION_URLS = ("cancel", "offer_accept", "offer_decline", "decide", "certificate")
NUL = "\x00"
ROLES = ("anonymous", "staff")
# The admin's pages for people (users, memberships, sign-in data) are the operator's alone.
ADMIN_ROLES = (*ROLES, "operator")


def _patterns(patterns: Any = None, route: str = "", namespace: str = "") -> Iterator[tuple]:
    """(route, qualified name, parameter names) of every URL pattern."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, route + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            full = route + str(p.pattern)
            params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", full)
            name = f"{namespace}{p.name}" if p.name else None
            yield full, name, tuple(a or b for a, b in params)


PATTERNS = list(_patterns())


@pytest.fixture(scope="module")
def world_media(tmp_path_factory) -> Any:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings, world_media):
    """The world's files stay where its attachment and material were saved, for every test."""
    settings.MEDIA_ROOT = world_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, world_media) -> Iterator[dict[str, Any]]:
    """One object of each kind a URL may need: practices in every state, an attachment, a pending
    edit, memberships, an adoption, audit-log events, a training, an exchange application...

    Built once for the module's ~375 tests, in a transaction that is rolled back at the end; each
    test runs in a savepoint inside it (pytest-django's ``db``), so what a test's hostile POST
    changes is undone before the next test, as with a world of its own."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=world_media),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> dict[str, Any]:
    nice = reference_body("nice")
    efus_staff = make_member(reference_body("paris"), mfa=True)
    operator = give_mfa(UserFactory(is_superuser=True, is_staff=True))
    coordinator = make_member(nice, role=Membership.Role.COORDINATOR)
    member = make_member(nice)
    pending_member = make_member(nice, status=Membership.Status.PENDING)

    published = PracticeFactory(title="Night mediators", created_by=coordinator)
    draft = PracticeFactory(
        title="A draft", status=Status.DRAFT, published_at=None, created_by=member
    )
    moderation_submit(obj=draft, by=coordinator)
    attachment = attachment_add(practice=published, by=efus_staff, upload=pdf())
    revision_propose(obj=published, by=coordinator, data={"title": "Night mediators, revised"})
    AdoptionFactory(practice=published)
    # Stored before the input rule existed: every page, feed and export must still answer.
    PracticeFactory(
        title=f"Legacy{CONTROL}title",
        summary=f"Summary with\x1b an escape and a NUL-free {CONTROL}",
    )
    training = TrainingFactory(title="Academy", created_by=coordinator)
    registration = trainings.registration_create(training=training, by=member)
    material = trainings.material_add(
        training=training, by=efus_staff, title="Slides", upload=pdf()
    )
    application = ApplicationFactory(applicant=member)  # with its offer and a window
    return {
        "training": training,
        "session": training.sessions.get(),
        "material": material,
        "registration": registration,
        "feed": trainings.feed_for(member),
        "application": application,
        "offer": application.offer,
        "window": application.preferred_window,
        "certificate": make_certificate(member),
        "subscriber": pending(email="reader@example.org", place="Brest"),
        "practice": published,
        "attachment": attachment,
        "membership": Membership.objects.get(user=pending_member),
        "staff": efus_staff,
        "operator": operator,
    }


def _admin_object_id(name: str) -> str:
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(info):
            obj = model._default_manager.order_by("pk").first()
            return str(obj.pk) if obj is not None else "1"
    return "1"


def _kwargs(name: str | None, params: tuple[str, ...], world: dict[str, Any]) -> dict[str, Any]:
    practice, attachment = world["practice"], world["attachment"]
    values: dict[str, Any] = {}
    for param in params:
        if param == "pk" and name == "accounts:certificate_download":
            values[param] = world["certificate"].pk
        elif param == "pk" and name and name.startswith("exchanges:"):
            offer = name.startswith(("exchanges:offer", "exchanges:window", "exchanges:apply"))
            values[param] = world["offer" if offer else "application"].pk
        elif param == "window_pk":
            values[param] = world["window"].pk
        elif param == "name":  # a step of an application's workflow
            values[param] = "endorse"
        elif param == "token" and name == "exchanges:calendar_ics":
            from exchanges.calendar import feed_token

            values[param] = feed_token(world["staff"])
        elif param == "pk" and name and name.startswith("digests:"):
            values[param] = world["subscriber"].pk
        elif param == "pk":
            membership = name and name.startswith("accounts:")
            values[param] = world["membership"].pk if membership else practice.pk
            if name and name.startswith("trainings:"):
                on_registration = name.split(":")[1] in REGISTRATION_URLS
                values[param] = world["registration" if on_registration else "training"].pk
        elif param == "session_pk":
            values[param] = world["session"].pk
        elif param == "material_pk":
            values[param] = world["material"].pk
        elif param == "token" and name == "trainings:feed":
            values[param] = world["feed"].token
        elif param == "period":  # a digest's week (digests.periods)
            values[param] = "2026-W49"
        elif param == "esp":  # an email service provider (digests: bounce webhooks)
            values[param] = "postmark"
        elif param == "attachment_pk":
            values[param] = attachment.pk
        elif param == "slug":
            values[param] = "nice" if name == "cities:detail" else practice.slug
            if name == "trainings:detail":
                values[param] = world["training"].slug
        elif param == "code":
            values[param] = world["certificate"].display_code
        elif param == "theme":
            values[param] = "major-events"
        elif param == "label":
            values[param] = "practices.practice"
        elif param == "key" and name == "exchanges:figures_csv":
            values[param] = "host-city"
        elif param == "key":
            values[param] = "MQ:1abc:xyz"
        elif param == "uidb36":
            values[param] = "1"
        elif param == "object_id":
            if name == "admin:view_on_site":
                values[param] = practice.pk
            else:
                values[param] = _admin_object_id(name or "")
        elif param == "content_type_id":
            values[param] = ContentType.objects.get_for_model(practice).pk
        elif param == "id":
            values[param] = world["staff"].pk
        elif param == "app_label":
            values[param] = "practices"
        elif param == "url":
            values[param] = "no/such/page/"
        elif param == "token":  # a digest link (digests.links): its purpose is in the URL's name
            from digests import links

            purpose = {"digests:delete": "preferences"}.get(name or "", (name or "").split(":")[-1])
            values[param] = links.make_token(world["subscriber"], purpose)  # type: ignore[arg-type]
        else:
            raise AssertionError(f"{name}: no value for the URL parameter {param!r}")
    return values


def _url(route: str, name: str | None, params: tuple[str, ...], world: dict[str, Any]) -> str:
    kwargs = _kwargs(name, params, world)
    if name is not None:
        return reverse(name, kwargs=kwargs)
    # The admin's catch-all pattern has no name.
    assert route.startswith("admin/"), route
    return "/admin/no/such/page/"


class _Page(HTMLParser):
    """What a page offers: its forms (action, method, fields) and its "?..." links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("?"):
            self.links.append(a["href"])
        if tag == "form":
            post = a.get("method", "get").lower() == "post"
            self.forms.append({"action": a.get("action", ""), "post": post, "data": {}})
            return
        if tag == "option" and self._select is not None and self.forms:
            self.forms[-1]["data"].setdefault(self._select, a.get("value", ""))
        if not self.forms or not a.get("name"):
            return
        data, field = self.forms[-1]["data"], a["name"]
        kind = a.get("type", "text").lower()
        if tag == "textarea":
            data[field] = f"text{CONTROL}area\r\nline"
        elif tag == "select":
            self._select = field
        elif tag == "input" and kind in ("hidden", "submit"):
            data.setdefault(field, a.get("value", ""))
        elif tag == "input" and kind in ("checkbox", "radio"):
            data.setdefault(field, a.get("value", "on"))
        elif tag == "input" and kind != "file":
            data[field] = f"x{CONTROL}y"

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None

    def post_data(self, path: str) -> dict[str, Any]:
        """The fields of the page's own POST form(s), or a generic body."""
        data: dict[str, Any] = {}
        for form in self.forms:
            if form["post"] and form["action"] in ("", path, "."):
                data.update(form["data"])
        return data or {"message": f"a{CONTROL}b", "title": f"a{CONTROL}b", "q": f"a{CONTROL}b"}

    def filter_values(self) -> dict[str, str]:
        """One value of each parameter of the page's links (the admin's list filters)."""
        values: dict[str, str] = {}
        for link in self.links:
            for key, value in parse_qsl(link[1:], keep_blank_values=True):
                values.setdefault(key, value)
        return values

    def query_names(self) -> set[str]:
        """The query parameters the page reads: its GET forms' fields and its links'."""
        names = {"q", "page"}
        for form in self.forms:
            if not form["post"]:
                names |= set(form["data"])
        return names | set(self.filter_values())


def _login(client: Any, role: str, world: dict[str, Any]) -> None:
    client.logout()
    if role != "anonymous":
        client.force_login(world[role])


def _check(client: Any, role: str, world: dict[str, Any], url: str) -> list[str]:
    """Every request of the hostile set on ``url`` as ``role``; the 5xx answers (and a NUL that
    did not get the 400 page), described."""
    failures: list[str] = []

    def request(method: str, target: str, data: Any = None, expect: int | None = None) -> Any:
        _login(client, role, world)
        response = getattr(client, method)(target, data=data)
        if response.status_code >= 500 or (expect is not None and response.status_code != expect):
            failures.append(f"{role} {method.upper()} {target!r}: {response.status_code}")
        return response

    path = urlsplit(url).path
    response = request("get", url)
    html = ""
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode(errors="replace")
    page = _Page(html)
    names = sorted(page.query_names())
    sep = "&" if "?" in url else "?"
    request("get", url + sep + urlencode(dict.fromkeys(names, f"a{NUL}b")), expect=400)
    request("get", url + sep + urlencode(dict.fromkeys(names, f"a{CONTROL}b")))
    if path.startswith("/admin/") and role != "anonymous":
        for key, value in page.filter_values().items():  # each list filter, once
            for bad in (CONTROL, NUL):
                query = urlencode({key: value + bad})
                request("get", f"{path}?{query}", expect=400 if bad == NUL else None)
    request("post", url, data=page.post_data(path))
    return failures


@pytest.mark.django_db
def test_every_url_pattern_is_reachable(world):
    assert len(PATTERNS) > 100
    for route, name, params in PATTERNS:
        _url(route, name, params, world)


@pytest.mark.django_db
@pytest.mark.usefixtures("celery_eager")
@pytest.mark.parametrize("route,name,params", PATTERNS, ids=[p[1] or p[0] for p in PATTERNS])
def test_every_url_pattern_survives_hostile_input(client, world, route, name, params):
    client.raise_request_exception = False  # a 500 is counted, not raised
    url = _url(route, name, params, world)
    failures: list[str] = []
    for role in ADMIN_ROLES if url.startswith("/admin/") else ROLES:
        failures += _check(client, role, world, url)
    assert not failures, "\n".join(failures)


@pytest.fixture
def celery_eager():
    from pactesur.celery import app as celery_app

    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.mark.django_db  # pytest-django runs unmarked tests last: the world would be built twice
def test_the_staff_users_have_powers(world):
    assert roles.has_staff_powers(world["staff"]) and roles.has_staff_powers(world["operator"])
