"""Exact query counts of the exchanges' pages at 1 and 25 rows: the offer list (rendered from the
database, and served from the list cache), an offer's page, an application's page, the
coordinators' page and a city page's offers section.

What a signed-in reader costs on every page (``AUTH``): the session, and the user read with their
membership (its body and city) and two-factor authentication in one query
(``accounts.backends.AuthenticationBackend``)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.models import City, Theme
from exchanges.models import ApplicationEvent, ApplicationStatus, Evaluation, FieldReport
from tests.accounts.factories import make_member
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "coordinator", "other_coordinator", "efus_staff"]
AUTH = dict.fromkeys(ROLES, 2) | {"anonymous": 0}

LIST_RENDERED = (
    1  # the filters' themes
    + 1  # the filters' cities (both kept per content version and language)
    + 1  # the capped count (kept per scope and filters)
    + 1  # the ids of the page's offers
    + 1  # the cards' offers with their cities (kept per language)
    + 1  # the cards' themes
    + 1  # the cards' windows with their places left
)
LIST_SERVED = 0

DETAIL = 1  # the offer (visible_to), with its city and body
# Its body, kept per language (rendered on every request for those who manage its dates, with
# their forms):
DETAIL_RENDERED = (
    1  # its windows with their places left (counted on the window: no application read)
    + 1  # its themes
)
MANAGE_DATES = {"other_coordinator", "efus_staff"}  # the host coordinator, Efus staff
# moderation_flags: one query for those who see the status of a published offer (its history,
# joined to its content type, shown by moderation/includes/item_desk.html, and the pending edit
# found in it); none for the others (the report form and freshness cost nothing).
FLAGS = {"member": 0, "coordinator": 0, "other_coordinator": 1, "efus_staff": 1}

CITY_SECTION_RENDERED = (
    1  # the city's open offers (kept per scope and language)
    + 1  # their themes
    + 1  # their windows with places left
)


def queries(client, url, params=None, *, rendered: bool = True) -> int:
    if rendered:
        cache.clear()
        ContentType.objects.clear_cache()  # as in a new process
    else:
        client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def offers():
    """``add(n)``: n more published public Madrid offers on two themes, each with two windows
    (and the shown one a window more per call)."""
    events = Theme.objects.get(slug="major-events")
    nightlife = Theme.objects.get(slug="safe-nightlife")
    shown = OfferFactory(title="The offer shown", themes=[events, nightlife], visibility="public")

    def add(n: int) -> None:
        for _ in range(n):
            offer = OfferFactory(themes=[events, nightlife], visibility="public")
            WindowFactory(offer=offer)
            WindowFactory(offer=offer, places=3)
            WindowFactory(offer=shown)

    add.shown = shown
    return add


def sign_in(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_list_queries(client, request, offers, role):
    sign_in(client, request, role)
    url, params = reverse("exchanges:offer_list"), {"theme": "major-events", "has_places": "on"}
    offers(1)
    counts = [queries(client, url, params, rendered=r) for r in (True, False)]
    offers(24)
    assert [queries(client, url, params, rendered=r) for r in (True, False)] == counts
    assert counts == [AUTH[role] + LIST_RENDERED, AUTH[role] + LIST_SERVED]


@pytest.mark.parametrize("role", ["member", "coordinator", "other_coordinator", "efus_staff"])
def test_detail_queries(client, request, offers, role):
    sign_in(client, request, role)
    url = offers.shown.get_absolute_url()
    offers(1)
    one = [queries(client, url, rendered=r) for r in (True, False)]
    offers(24)
    assert [queries(client, url, rendered=r) for r in (True, False)] == one
    personal = AUTH[role] + DETAIL + FLAGS[role]
    served = personal + (DETAIL_RENDERED if role in MANAGE_DATES else 0)
    assert one == [personal + DETAIL_RENDERED, served]


@pytest.mark.parametrize("role", ["member", "coordinator", "other_coordinator", "efus_staff"])
def test_application_page_queries(client, request, role):
    member = request.getfixturevalue("member")
    application = ApplicationFactory(
        applicant=member, status=ApplicationStatus.COMPLETED, completed_at=timezone.now()
    )
    FieldReport.objects.create(
        application=application, observed="x", bring_home="y", status="submitted"
    )

    def add(n: int) -> None:
        for _ in range(n):
            ApplicationEvent.objects.create(application=application, by=member, to_status="x")
        Evaluation.objects.get_or_create(
            application=application, side="visitor",
            defaults={"overall": 4, "usefulness": 4, "organisation": 4},
        )  # fmt: skip

    sign_in(client, request, role)
    url = application.get_absolute_url()
    add(1)
    one = queries(client, url)
    add(24)
    # The application (visible_to) with its offer, applicant, cities and windows; its report;
    # its evaluations; its follow-up; its log with who acted; for the sending coordinator and
    # staff, the practices of the city a report may be attached to (none here: not approved).
    assert queries(client, url) == one == AUTH[role] + 5


@pytest.mark.parametrize("role", ["coordinator", "efus_staff"])
def test_coordinators_page_queries(client, request, role, nice_body):
    offer = OfferFactory()
    sign_in(client, request, role)
    url = reverse("exchanges:city")

    def add(n: int) -> None:
        for _ in range(n):
            ApplicationFactory(applicant=make_member(nice_body), offer=offer)

    add(1)
    one = queries(client, url)
    add(24)
    # The applications with applicant, offer, cities and window; the offers.
    assert queries(client, url) == one == AUTH[role] + 2


def test_city_page_section_queries(client, offers):
    url = reverse("cities:detail", args=["madrid"])
    offers(1)
    one = queries(client, url)
    offers(5)
    assert queries(client, url) == one
    served = queries(client, url, rendered=False)
    # The three sections kept: the practices' and the trainings' (one query each, none shared by
    # Madrid here) and this one.
    assert one - served == 1 + 1 + CITY_SECTION_RENDERED
    assert City.objects.get(slug="madrid").exchange_offers.count() == 7
