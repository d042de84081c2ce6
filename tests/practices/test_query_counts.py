"""Exact query counts of the reading pages, for every role fixture, at 1 and 25 rows: rendered
from the database (the list cache emptied), and served from the list cache.

What a signed-in reader costs on every page (``AUTH``): the session, and the user read with their
membership (its body and city) and whether they have two-factor authentication, in one query
(``accounts.backends.AuthenticationBackend``), whatever their role. Versions of the list cache
live in the cache, not the database.
"""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import City, Theme
from practices.models import Attachment
from tests.matrix import ALL_ROLES
from tests.practices.factories import AdoptionFactory, PracticeFactory

pytestmark = pytest.mark.django_db

ROLES = list(ALL_ROLES)
# The session; the user with their membership and MFA (one query).
AUTH = dict.fromkeys(ROLES, 2) | {"anonymous": 0}

LIST_RENDERED = (
    1  # the filters' themes
    + 1  # the filters' cities (both kept per content version and language)
    + 1  # the capped count (kept per scope and filters)
    + 1  # the ids of the page's practices
    + 1  # the cards' practices (kept per language)
    + 1  # the cards' themes
)
LIST_SERVED = 0  # the page below its title comes from the cache

DETAIL_RENDERED = (
    1  # the practice (visible_to), with its city, body and author
    + 1  # its themes
    + 1  # its attachments
    + 1  # its adoptions (these three: the page's body, kept per language)
    + 1  # other practices of its city and related ones, in one query (kept per scope)
)
DETAIL_SERVED = 1  # the practice: whether this reader may see it
# practice_flags: its history with the pending edit (one query), for those who see the status (its
# city's coordinator, Efus staff); or whether their city adopted it already, for other cities'
# coordinators.
FLAGS = {
    "coordinator": 1,
    "other_coordinator": 1,
    "network_coordinator": 1,
    "efus_staff": 1,
    "operator": 1,
}

DIRECTORY = (
    1  # the 15 project cities
    + 1  # their challenges
    + 1  # their bodies
)
HOME_RENDERED = (
    DIRECTORY
    + 1  # the number of network cities
    + 1  # the newest practices' cards (kept per scope and language)
    + 1  # their themes
    + 1  # the next trainings' cards (trainings/sections.py, kept the same way; none here)
)
HOME_SERVED = HOME_RENDERED - 3

CITY_RENDERED = (
    1  # the city
    + 1  # its challenges
    + 1  # its body
    + 1  # its coordinators
    + 1  # its newest practices and those it adopted (kept per scope and language)
    + 1  # the themes of their cards
    + 1  # the next trainings it hosts (trainings/sections.py, kept the same way; none here)
    + 1  # its open exchange offers (none here; kept per scope and language: exchanges/)
)
CITY_SERVED = CITY_RENDERED - 4  # the four sections' queries: kept


def queries(client, url, params=None, *, rendered: bool) -> int:
    if rendered:
        cache.clear()  # the list cache's versions: every rendering is built again
    else:
        client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def rows():
    """``add(n)``: n more published practices of Nice on two themes (the one shown has
    attachments and adoptions: one more of each per call), and n more of Madrid."""
    events = Theme.objects.get(slug="major-events")
    nightlife = Theme.objects.get(slug="safe-nightlife")
    nice, madrid = City.objects.get(slug="nice"), City.objects.get(slug="madrid")
    shown = PracticeFactory(city=nice, themes=[events, nightlife], title="The practice shown")
    others = [c for c in City.objects.in_project() if c.slug not in ("nice", "madrid")]

    def add(n: int) -> None:
        for i in range(n):
            PracticeFactory(city=nice, themes=[events, nightlife])
            PracticeFactory(city=madrid, themes=[events])
            Attachment.objects.create(
                practice=shown,
                file=SimpleUploadedFile(f"plan{i}.pdf", b"%PDF-1.4 test"),
                original_name=f"plan-{i}.pdf",
                content_type="application/pdf",
                size=12,
            )
        taken = shown.adoptions.count()
        for city in others[taken : taken + n]:
            AdoptionFactory(practice=shown, city=city)
            AdoptionFactory(practice=PracticeFactory(city=madrid, themes=[events]), city=nice)

    add.shown = shown
    return add


def sign_in(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_list_queries(client, request, rows, role):
    sign_in(client, request, role)
    url, params = reverse("practices:list"), {"theme": "major-events", "q": "barriers"}
    rows(1)
    counts = [queries(client, url, params, rendered=r) for r in (True, False)]
    rows(24)
    assert [queries(client, url, params, rendered=r) for r in (True, False)] == counts
    assert counts == [AUTH[role] + LIST_RENDERED, AUTH[role] + LIST_SERVED]
    assert max(counts) <= 10


@pytest.mark.parametrize("role", ROLES)
def test_detail_queries(client, request, rows, role):
    sign_in(client, request, role)
    url = rows.shown.get_absolute_url()
    rows(1)
    client.get(url)  # the content types, as on a live server
    counts = [queries(client, url, rendered=r) for r in (True, False)]
    rows(12)  # 13 attachments, 13 adoptions, 5 of its city and 5 related shown
    assert [queries(client, url, rendered=r) for r in (True, False)] == counts
    flags = FLAGS.get(role, 0)
    assert counts == [AUTH[role] + DETAIL_RENDERED + flags, AUTH[role] + DETAIL_SERVED + flags]
    assert max(counts) <= 10


@pytest.mark.parametrize("role", ROLES)
def test_home_queries(client, request, rows, role):
    sign_in(client, request, role)
    url = reverse("cities:home")
    rows(1)
    counts = [queries(client, url, rendered=r) for r in (True, False)]
    rows(24)
    assert [queries(client, url, rendered=r) for r in (True, False)] == counts
    assert counts == [AUTH[role] + HOME_RENDERED, AUTH[role] + HOME_SERVED]
    assert max(counts) <= 10


@pytest.mark.parametrize("role", ROLES)
def test_city_page_queries(client, request, rows, role):
    sign_in(client, request, role)
    url = reverse("cities:detail", args=["nice"])
    rows(1)
    counts = [queries(client, url, rendered=r) for r in (True, False)]
    rows(12)
    assert [queries(client, url, rendered=r) for r in (True, False)] == counts
    assert counts == [AUTH[role] + CITY_RENDERED, AUTH[role] + CITY_SERVED]
    assert max(counts) <= 10
