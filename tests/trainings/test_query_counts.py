"""Exact query counts of the trainings' pages at 1 and 25 rows, for several roles: the catalogue
(rendered from the database, and served from the list cache), a training's page, and the host's
participant list.

A signed-in reader costs ``AUTH`` on every page: the session, and the user read with their
membership (its body and city) and whether they have two-factor authentication, in one query
(``accounts.backends.AuthenticationBackend``)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cities.models import City, Theme
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from trainings import services
from trainings.models import Registration, Session

from .factories import TrainingFactory, in_days

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "coordinator", "other_coordinator", "efus_staff"]
AUTH = dict.fromkeys(ROLES, 2) | {"anonymous": 0}

LIST_RENDERED = (
    1  # the filters' themes
    + 1  # the filters' cities (both kept per content version and language)
    + 1  # the capped count (kept per scope and filters)
    + 1  # the ids of the page's trainings
    + 1  # the cards' trainings, with their host (kept per language)
    + 1  # the cards' themes
)
LIST_SERVED = 0  # the page below its title comes from the cache

DETAIL = 1  # the training (visible_to), with its city and host body
# What the page keeps (per language, time zone, and whether the online link is shown), read only
# when it is not kept yet:
DETAIL_RENDERED = (
    1  # its themes
    + 1  # its sessions
    + 1  # its seats per city, with the cities
    + 1  # the seats held per city (only with seats per city)
)
DETAIL_SIGNED_IN = 1  # the reader's open registration
# training_flags (moderation_flags): one query for those who see the status of a published
# training (the host's coordinators, Efus staff): its history (joined to its content type: no
# look-up of its own, even the first in a process), shown by moderation/includes/item_desk.html,
# and the pending edit found in it. The report form and the freshness cost nothing.
DETAIL_HOST = {"coordinator": 1, "efus_staff": 1}
DETAIL_PARTICIPANT = 1  # the materials, for a confirmed participant (kept like the rest)

PARTICIPANTS = (
    1  # the training (visible_to)
    + 1  # the open registrations, with their person and city
    + 1  # the sessions (links to attendance)
)


def queries(client, url, params=None, *, cold: bool = True) -> int:
    """The page's queries, rendered from the database (``cold``: the caches emptied, the
    content types' too, as in a new process) or served from what the previous request kept."""
    if cold:
        cache.clear()
        ContentType.objects.clear_cache()
    else:
        client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.fixture
def rows():
    """``add(n)``: n more published trainings of Nice and of Madrid, on two themes; the shown
    one (Nice, seats per city) gets n more registrations (Nice and Madrid)."""
    events = Theme.objects.get(slug="major-events")
    nightlife = Theme.objects.get(slug="safe-nightlife")
    nice, madrid = reference_body("nice"), reference_body("madrid")
    shown = TrainingFactory(capacity=100, seats={nice.city: 50, madrid.city: 50})
    shown.themes.set([events, nightlife])

    def add(n: int) -> None:
        for i in range(n):
            TrainingFactory(body=nice).themes.set([events, nightlife])
            TrainingFactory(body=madrid).themes.set([events])
            Session.objects.create(
                training=shown, starts_at=in_days(30 + i), ends_at=in_days(30 + i, 17)
            )
            for body in (nice, madrid):
                services.registration_create(training=shown, by=make_member(body))

    add.shown = shown
    return add


def sign_in(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_list_queries(client, request, rows, role):
    sign_in(client, request, role)
    rows(1)
    params = {"theme": "major-events", "has_places": "on"}
    counts = [queries(client, "/trainings/", params, cold=c) for c in (True, False)]
    rows(24)
    assert [queries(client, "/trainings/", params, cold=c) for c in (True, False)] == counts
    assert counts == [AUTH[role] + LIST_RENDERED, AUTH[role] + LIST_SERVED]


@pytest.mark.parametrize("role", ROLES)
def test_detail_queries(client, request, rows, role):
    sign_in(client, request, role)
    rows(1)
    url = rows.shown.get_absolute_url()
    one = [queries(client, url, cold=c) for c in (True, False)]
    rows(24)
    assert [queries(client, url, cold=c) for c in (True, False)] == one
    personal = AUTH[role] + DETAIL + DETAIL_HOST.get(role, 0)
    personal += DETAIL_SIGNED_IN if role != "anonymous" else 0
    assert one == [personal + DETAIL_RENDERED, personal]
    assert one[0] <= 10


def test_detail_queries_of_a_participant(client, member, rows):
    rows(1)
    services.registration_create(training=rows.shown, by=member)
    client.force_login(member)
    url = rows.shown.get_absolute_url()
    one = [queries(client, url, cold=c) for c in (True, False)]
    rows(24)
    assert [queries(client, url, cold=c) for c in (True, False)] == one
    personal = AUTH["member"] + DETAIL + DETAIL_SIGNED_IN
    assert one == [personal + DETAIL_RENDERED + DETAIL_PARTICIPANT, personal]
    assert one[0] <= 10


@pytest.mark.parametrize("role", ["coordinator", "efus_staff"])
def test_participants_queries(client, request, rows, role):
    sign_in(client, request, role)
    rows(1)
    url = f"/trainings/{rows.shown.pk}/participants/"
    one = queries(client, url)
    rows(24)
    assert Registration.objects.filter(training=rows.shown).count() == 50
    assert queries(client, url) == one == AUTH[role] + PARTICIPANTS


def test_list_filters_are_shareable_urls(client, rows):
    """Each filter narrows the list; every combination is a plain GET URL."""
    rows(1)
    madrid = City.objects.get(slug="madrid")
    past = TrainingFactory(
        title="Past academy in Madrid",
        body=reference_body("madrid"),
        sessions=[(in_days(-40), in_days(-40, 17))],
        registration_deadline=None,
    )
    online = TrainingFactory(
        title="Webinar on drones", kind="webinar", format="online", languages="es",
        online_link="https://example.org/room", sessions=[(in_days(3), in_days(3, 11))],
        capacity=1,
    )  # fmt: skip
    services.registration_create(training=online, by=make_member(reference_body("nice")))

    def titles(params):
        page = client.get("/trainings/", params).content.decode()
        return {t for t in (past.title, online.title, rows.shown.title) if t in page}

    assert titles({}) == {online.title, rows.shown.title}
    assert titles({"when": "past"}) == {past.title}
    assert titles({"when": "past", "city": madrid.slug}) == {past.title}
    assert titles({"kind": "webinar"}) == {online.title}
    assert titles({"format": "online"}) == {online.title}
    assert titles({"language": "es"}) == {online.title}
    assert online.title not in titles({"has_places": "on"})
    month = (dt.date.today() + dt.timedelta(days=3)).strftime("%Y-%m")
    assert online.title in titles({"month": month})
    assert titles({"month": "1999-01"}) == set()
    assert client.get("/trainings/", {"month": "garbage", "kind": "nope"}).status_code == 200
