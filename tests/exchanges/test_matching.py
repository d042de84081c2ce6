"""Matching on a small fixed data set: which open offers a Nice officer is suggested, in what
order, with what reasons; and what the page costs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cities.models import City, Theme
from exchanges.models import ApplicationStatus
from exchanges.selectors import matches_for
from moderation.models import Status, Visibility
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)
MARCH = dt.date(2027, 3, 8)


def city(slug: str) -> City:
    return City.objects.get(slug=slug)


def theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


def offer(title: str, slug: str, *, places: int = 2, start: dt.date = MARCH, **fields):
    fields.setdefault("application_deadline", dt.date(2027, 2, 15))
    made = OfferFactory(title=title, city=city(slug), **fields)
    WindowFactory(offer=made, start=start, end=start + dt.timedelta(days=5), places=places)
    return made


@pytest.fixture
def officer(member):
    member.languages = ["es", "fr"]
    member.save(update_fields=["languages"])
    member.interests.set([theme("safe-nightlife")])
    city("nice").challenges.set([theme("major-events")])
    return member


@pytest.fixture
def offers(officer, madrid_officer):
    with time_machine.travel(TODAY, tick=False):
        made = {
            "madrid": offer(
                "Madrid nights", "madrid", host_languages=["es"],
                themes=[theme("safe-nightlife"), theme("major-events")],
            ),
            "riga": offer("Riga tourism police", "riga", host_languages=["lv", "en"],
                          themes=[theme("safety-and-tourism")], places=1,
                          start=dt.date(2027, 4, 5)),
            "xabia": offer("Xàbia summer", "xabia", host_languages=["es", "ca"]),
        }  # fmt: skip
        # Never suggested: their own city's; full; a language they do not speak required; the
        # deadline passed; a draft; dates already begun. Police-only material is (a police
        # officer reads it).
        offer("Nice carnival", "nice", host_languages=["es"], themes=[theme("major-events")])
        full = offer("Madrid full", "madrid", places=1, host_languages=["es"])
        ApplicationFactory(
            applicant=madrid_officer, offer=full, preferred_window=full.windows.get(),
            sending_city=city("madrid"), status=ApplicationStatus.ACCEPTED,
        )  # fmt: skip
        offer("German required", "riga", required_languages=["de"], host_languages=["de"])
        offer("Closed", "turin", application_deadline=dt.date(2027, 1, 9), host_languages=["es"])
        offer("Draft", "turin", status=Status.DRAFT, host_languages=["es"])
        offer("Police only", "bologna", visibility=Visibility.POLICE, host_languages=["it"])
        offer("Past dates", "lisbon", start=dt.date(2027, 1, 2), host_languages=["es"])
    return made


def test_matching_order_and_reasons(officer, offers):
    with time_machine.travel(TODAY, tick=False), translation.override("en"):
        suggestions = matches_for(officer, officer)
    assert [s.offer.title for s in suggestions] == [
        "Madrid nights",  # Spanish, a challenge of Nice, an interest, places: 3+3+4+1
        "Xàbia summer",  # Spanish, places: 4+1
        "Riga tourism police",  # places: 1; the same deadline, offered first
        "Police only",  # places: 1 (police-only material: a police officer reads it)
    ]
    reasons = {s.offer.title: s.reasons for s in suggestions}
    assert reasons["Madrid nights"] == [
        "speaks Spanish",
        "Major events (a challenge of your city)",
        "Safe nightlife",
        "2 places in March 2027",
    ]
    assert reasons["Xàbia summer"] == ["speaks Spanish", "2 places in March 2027"]
    assert reasons["Riga tourism police"] == ["1 place in April 2027"]


def test_reasons_are_translated(officer, offers):
    with time_machine.travel(TODAY, tick=False), translation.override("fr"):
        suggestions = matches_for(officer, officer)
    assert suggestions[0].reasons == [
        "parle Espagnol",  # Django names languages with a capital in French
        "Grands événements (un défi de votre ville)",
        "Sécurité de la vie nocturne",
        "2 places en mars 2027",
    ]


def test_a_coordinator_sees_the_ranking_of_a_member_of_their_city(
    client, officer, offers, coordinator, other_coordinator
):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(coordinator)
        response = client.get(reverse("exchanges:for_me"), {"member": officer.pk})
        assert response.status_code == 200
        assert [s.offer.title for s in response.context["suggestions"]][:2] == [
            "Madrid nights",
            "Xàbia summer",
        ]
        client.force_login(other_coordinator)  # Madrid's: not their member
        assert client.get(reverse("exchanges:for_me"), {"member": officer.pk}).status_code == 404


def queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("exchanges:for_me"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_for_me_queries_are_constant_in_the_offers_shown(client, officer, offers):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(officer)
        one = queries(client)
        for n in range(12):
            offer(f"More {n}", "tallinn", host_languages=["es"], themes=[theme("safe-nightlife")])
        many = queries(client)
    # The session, the user with their membership; the officer's interests and their city's
    # challenges (one query); the ranked offers (scored in the database); the shown offers, their
    # themes, their windows; the officer's applications.
    assert one == many == 2 + 1 + 1 + 3 + 1
