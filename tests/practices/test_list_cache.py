"""The list page's cache: a repeated list costs no query, and nothing a reader may see goes stale.

The page below its title is kept per visibility scope, language and query string
(``practices.views.browse.practice_list``); every change to a practice, an attachment, a theme or
a city drops it (``practices.signals``).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from moderation.models import Status, Visibility
from moderation.services import moderation_publish, moderation_submit, moderation_unpublish
from practices.services import attachment_add
from tests.cities.factories import ThemeFactory
from tests.files import pdf
from tests.practices.factories import PracticeFactory
from tests.practices.pages import listed

LIST = reverse("practices:list")


def queries_and_titles(client, params=None, **headers) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params or {}, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), listed(response)


def without_csrf_tokens(response) -> str:
    """The page without its CSRF tokens, which are masked anew on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_a_repeated_list_costs_no_query_and_shows_the_same_page(client):
    PracticeFactory(title="Tourism police in the Old Town")
    first = without_csrf_tokens(client.get(LIST, {"sort": "title"}))
    with CaptureQueriesContext(connection) as ctx:
        again = without_csrf_tokens(client.get(LIST, {"sort": "title"}))
    assert ctx.captured_queries == []
    assert again == first
    assert "Tourism police in the Old Town" in again


@pytest.mark.django_db
def test_publishing_unpublishing_and_editing_show_at_once(client, coordinator, efus_staff):
    practice = PracticeFactory(
        title="Wildfire drills with drones", status=Status.DRAFT, published_at=None
    )
    assert queries_and_titles(client)[1] == []
    moderation_submit(obj=practice, by=coordinator)
    assert queries_and_titles(client)[1] == []
    practice = moderation_publish(obj=practice, by=efus_staff)
    assert queries_and_titles(client)[1] == ["Wildfire drills with drones"]
    practice.title = "Wildfire simulation with drones"
    practice.save(update_fields=["title"])
    assert queries_and_titles(client)[1] == ["Wildfire simulation with drones"]
    moderation_unpublish(obj=practice, by=efus_staff, message="Outdated figures.")
    assert queries_and_titles(client)[1] == []


@pytest.mark.django_db
def test_themes_cities_and_attachments_changes_show_at_once(client, coordinator):
    practice = PracticeFactory(status=Status.DRAFT, published_at=None, created_by=coordinator)
    practice.themes.add(ThemeFactory(name="Night-time economy", slug="night-time-economy"))
    practice.status = Status.PUBLISHED
    practice.save(update_fields=["status"])
    page = client.get(LIST).content.decode()
    assert "Night-time economy" in page and "Nice" in page

    theme = practice.themes.get()
    theme.name = "Nightlife"
    theme.save()
    city = practice.city
    city.name = "Nizza"
    city.save()
    page = client.get(LIST).content.decode()
    assert "Nightlife" in page and "Night-time economy" not in page  # card and filter
    assert ">Nizza<" in page

    assert queries_and_titles(client, {"has_attachments": "on"})[1] == []
    practice.status = Status.DRAFT
    practice.save(update_fields=["status"])
    attachment_add(practice=practice, by=coordinator, upload=pdf())
    practice.status = Status.PUBLISHED
    practice.save(update_fields=["status"])
    assert queries_and_titles(client, {"has_attachments": "on"})[1] == [practice.title]


@pytest.mark.django_db
def test_a_cached_page_never_reaches_a_reader_with_another_scope(client, member, network_member):
    PracticeFactory(title="Public practice")
    PracticeFactory(title="Police practice", visibility=Visibility.POLICE)
    assert queries_and_titles(client, {"sort": "title"})[1] == ["Public practice"]
    client.force_login(member)  # police body: sees police-only practices
    assert queries_and_titles(client, {"sort": "title"})[1] == [
        "Police practice",
        "Public practice",
    ]
    client.force_login(network_member)  # not police
    assert queries_and_titles(client, {"sort": "title"})[1] == ["Public practice"]
    client.logout()
    queries, titles = queries_and_titles(client, {"sort": "title"})
    assert (queries, titles) == (0, ["Public practice"])


@pytest.mark.django_db
def test_each_language_has_its_own_cached_page(client):
    PracticeFactory(outcome="worked")
    english = client.get(LIST).content.decode()
    with translation.override("fr"):
        french = client.get(LIST, headers={"accept-language": "fr"}).content.decode()
    assert "Any outcome" in english and "Any outcome" not in french
    assert "Tout résultat" in french


@pytest.mark.django_db
def test_the_htmx_answer_and_the_full_page_share_the_cached_results(client):
    PracticeFactory(title="Shared results")
    page = client.get(LIST, {"q": "results"}).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        partial = client.get(LIST, {"q": "results"}, headers={"hx-request": "true"})
    assert ctx.captured_queries == []
    body = partial.content.decode()
    assert 'data-hx-swap-oob="innerHTML:#result-count"' in body and "Shared results" in body
    assert "<form" not in body and "<form" in page


@pytest.mark.django_db
def test_pages_and_sorts_of_the_same_filters_reuse_the_count(client):
    for i in range(25):
        PracticeFactory(title=f"Night patrol {i:02}")
    client.get(LIST, {"q": "patrol"})
    for params in ({"q": "patrol", "page": "2"}, {"q": "patrol", "sort": "title"}):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, params)
        assert "25 practices" in response.content.decode()
        assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST, {"q": "patrol", "outcome": "worked"})
    assert [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
def test_the_shared_city_options_mark_only_this_request_s_selection(client):
    def selected_options(params) -> list[str]:
        page = client.get(LIST, params).content.decode()
        return [v for v in re.findall(r'<option value="([^"]*)" selected>', page) if v]

    assert selected_options({"city": "nice"}) == ["nice", "newest"]
    assert selected_options({"city": "madrid", "country": "ES"}) == ["madrid", "ES", "newest"]
    assert selected_options({}) == ["newest"]
    assert selected_options({"city": "nowhere"}) == ["newest"]  # invalid: ignored, reported
