"""The practices' sections of the home page and city pages: visibility and query budgets."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.models import Status, Visibility
from tests.practices.factories import AdoptionFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def _queries(client, url):
    """Cold: every section (practices', trainings') is rendered from the database."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_city_page_shows_what_the_city_shared_and_adopted(client):
    shared = PracticeFactory(title="Night patrols in the port")
    madrid_practice = PracticeFactory(
        title="Christmas market perimeter", city=shared.city.__class__.objects.get(slug="madrid")
    )
    AdoptionFactory(
        practice=madrid_practice, city=shared.city, outcome_note="Used for our carnival."
    )
    page = client.get(reverse("cities:detail", kwargs={"slug": "nice"})).content.decode()
    assert "Night patrols in the port" in page
    assert "Christmas market perimeter" in page
    assert "Used for our carnival." in page
    madrid_page = client.get(reverse("cities:detail", kwargs={"slug": "madrid"})).content.decode()
    assert "Christmas market perimeter" in madrid_page
    assert "Night patrols in the port" not in madrid_page


def test_city_page_hides_drafts_and_restricted_practices_from_visitors(client, member):
    PracticeFactory(title="Draft idea", status=Status.DRAFT)
    PracticeFactory(title="Police tactics", visibility=Visibility.POLICE)
    url = reverse("cities:detail", kwargs={"slug": "nice"})
    page = client.get(url).content.decode()
    assert "Draft idea" not in page
    assert "Police tactics" not in page
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "Police tactics" in page
    assert "Draft idea" not in page


def test_home_lists_the_newest_public_practices(client):
    PracticeFactory(title="Tourism police on foot")
    PracticeFactory(title="Restricted checkpoint plan", visibility=Visibility.POLICE)
    page = client.get(reverse("cities:home")).content.decode()
    assert "Tourism police on foot" in page
    assert "Restricted checkpoint plan" not in page


@pytest.mark.parametrize(
    "url_name,kwargs", [("cities:home", {}), ("cities:detail", {"slug": "nice"})]
)
def test_query_count_does_not_grow_with_practices(client, member, url_name, kwargs):
    client.force_login(member)
    url = reverse(url_name, kwargs=kwargs)
    practice = PracticeFactory()
    AdoptionFactory(
        practice=PracticeFactory(city=practice.city.__class__.objects.get(slug="madrid")),
        city=practice.city,
    )
    # Cold both times: the practices' sections (their content changed) and the others' (e.g.
    # the exchanges' offers on a city page, whose content did not).
    caches["fragments"].clear()
    one = _queries(client, url)
    for _ in range(24):
        PracticeFactory()
    caches["fragments"].clear()
    twenty_five = _queries(client, url)
    assert one == twenty_five
    # Exact counts per role: tests/practices/test_query_counts.py. A member's cold city page
    # costs 11 (its practices, trainings and exchange offers): over the target of 10, issue 9.
    assert one <= (11 if url_name == "cities:detail" else 10)
