"""The practice list (filters, sort, pagination, htmx) and the detail page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import City, Theme
from moderation.models import Status
from practices.models import Practice
from tests.cities.factories import CityFactory
from tests.practices.factories import PracticeFactory

LIST = reverse("practices:list")


def theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


def city(slug: str) -> City:
    return City.objects.get(slug=slug)


def listed(response) -> list[str]:
    """Titles of the cards on the page, in order (read from the HTML)."""
    return re.findall(
        r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


def get_list(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


# --- List: what it shows ----------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_published_public_practices_with_their_card(client):
    PracticeFactory(
        title="Tourism police in the Old Town",
        city=city("riga"),
        body=None,
        summary="**Bilingual** officers patrol the [Old Town](https://riga.lv) in summer.",
        outcome=Practice.Outcome.WORKED,
        evaluation_stage=Practice.EvaluationStage.LOCAL,
        period_start=datetime.date(2019, 5, 1),
        themes=[theme("safety-and-tourism"), theme("major-events")],
    )
    response = get_list(client)
    html = response.content.decode()
    assert listed(response) == ["Tourism police in the Old Town"]
    practice = Practice.objects.get()
    assert f'href="{practice.get_absolute_url()}"' in html
    assert 'href="/cities/riga/">Riga</a>' in html
    assert "Safety and tourism" in html and "Major events" in html
    assert "Worked" in html and "Evaluated locally" in html
    assert "Bilingual officers patrol the Old Town in summer." in html  # excerpt without markup
    assert "since 2019" in html
    assert "1 practice" in html


@pytest.mark.django_db
def test_list_hides_drafts_submitted_and_sent_back_practices_even_from_their_authors(
    client, coordinator
):
    PracticeFactory(title="Published one")
    for status in (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED):
        PracticeFactory(
            title=f"Not yet {status}", status=status, published_at=None, created_by=coordinator
        )
    client.force_login(coordinator)
    assert listed(get_list(client)) == ["Published one"]


@pytest.mark.django_db
def test_list_result_count_is_a_live_region_and_counts_all_pages(client):
    PracticeFactory.create_batch(23)
    html = get_list(client).content.decode()
    assert re.search(
        r'id="result-count"[^>]*role="status"[^>]*aria-live="polite"[^>]*>\s*23 practices', html
    )


@pytest.mark.django_db
def test_list_form_is_a_get_form_with_labels_and_fieldsets(client):
    html = get_list(client).content.decode()
    form = html[
        html.index('class="practice-filters"') - 200 : html.index(
            "</form>", html.index('class="practice-filters"')
        )
    ]
    assert 'method="get"' in form
    for name in (
        "q",
        "city",
        "country",
        "outcome",
        "evaluation_stage",
        "year",
        "language",
        "has_attachments",
        "sort",
    ):
        assert f'<label for="id_{name}"' in form, name
    assert form.count("<fieldset") >= 4
    assert "<legend>Themes</legend>" in form or "<legend>Themes" in form
    assert 'hx-get="/practices/"' in form and 'hx-target="#practice-results"' in form
    assert 'hx-push-url="true"' in form


@pytest.mark.django_db
def test_list_links_its_feeds_in_the_head(client):
    html = get_list(client, theme="major-events").content.decode()
    head = html[: html.index("</head>")]
    rss = reverse("practices:feed_rss")
    assert f'type="application/rss+xml" title="New promising practices (RSS)" href="{rss}"' in head
    assert f'href="{reverse("practices:feed_atom")}"' in head
    assert f'href="{reverse("practices:theme_feed_rss", args=["major-events"])}"' in head


@pytest.mark.django_db
def test_main_nav_links_to_practices(client):
    html = client.get(reverse("cities:home")).content.decode()
    nav = html[
        html.index('class="main-nav"') : html.index("</nav>", html.index('class="main-nav"'))
    ]
    assert f'href="{LIST}"' in nav
    assert nav.index("Cities") < nav.index("Practices")


# --- List: filters ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_filter_by_themes_matches_any_of_them_without_duplicates(client):
    PracticeFactory(title="Nightlife", themes=[theme("safe-nightlife")])
    PracticeFactory(title="Both", themes=[theme("safe-nightlife"), theme("major-events")])
    PracticeFactory(title="Events", themes=[theme("major-events")])
    PracticeFactory(title="Crisis", themes=[theme("crisis-management")])
    response = get_list(client, theme=["safe-nightlife", "major-events"], sort="title")
    assert listed(response) == ["Both", "Events", "Nightlife"]
    assert response.context["result_count"] == 3
    assert listed(get_list(client, theme="crisis-management")) == ["Crisis"]


@pytest.mark.django_db
def test_filter_by_city_and_by_country(client):
    PracticeFactory(title="Nice", city=city("nice"))
    PracticeFactory(title="Liège", city=city("liege"))
    PracticeFactory(title="Brussels", city=city("brussels"))
    assert listed(get_list(client, city="liege")) == ["Liège"]
    assert sorted(listed(get_list(client, country="BE"))) == ["Brussels", "Liège"]
    assert listed(get_list(client, country="FR")) == ["Nice"]


@pytest.mark.django_db
def test_filter_by_outcome_evaluation_stage_and_language(client):
    PracticeFactory(
        title="Worked", outcome="worked", evaluation_stage="independent", original_language="it"
    )
    PracticeFactory(
        title="Failed", outcome="did_not_work", evaluation_stage="local", original_language="fr"
    )
    assert listed(get_list(client, outcome="did_not_work")) == ["Failed"]
    assert listed(get_list(client, evaluation_stage="independent")) == ["Worked"]
    assert listed(get_list(client, language="fr")) == ["Failed"]


@pytest.mark.django_db
def test_filter_by_year_keeps_practices_whose_period_overlaps_it(client):
    d = datetime.date
    PracticeFactory(title="Before", period_start=d(2018, 1, 1), period_end=d(2022, 12, 31))
    PracticeFactory(title="Ongoing", period_start=d(2024, 3, 1), period_end=None)
    PracticeFactory(title="Inside", period_start=d(2023, 2, 1), period_end=d(2023, 6, 30))
    PracticeFactory(title="Spanning", period_start=d(2020, 1, 1), period_end=d(2025, 1, 1))
    PracticeFactory(title="No period", period_start=None, period_end=None)
    assert sorted(listed(get_list(client, year="2023"))) == ["Inside", "Spanning"]
    assert sorted(listed(get_list(client, year="2024"))) == ["Ongoing", "Spanning"]
    assert sorted(listed(get_list(client, year="2018"))) == ["Before"]


@pytest.mark.django_db
def test_filter_has_attachments(client):
    PracticeFactory(title="With files", attachment_count=2)
    PracticeFactory(title="Without", attachment_count=0)
    assert listed(get_list(client, has_attachments="on")) == ["With files"]
    assert sorted(listed(get_list(client))) == ["With files", "Without"]


@pytest.mark.django_db
def test_filters_combine(client):
    PracticeFactory(
        title="Match", city=city("madrid"), outcome="worked", themes=[theme("major-events")]
    )
    PracticeFactory(
        title="Wrong city", city=city("nice"), outcome="worked", themes=[theme("major-events")]
    )
    PracticeFactory(
        title="Wrong outcome", city=city("madrid"), outcome="new", themes=[theme("major-events")]
    )
    PracticeFactory(
        title="Wrong theme", city=city("madrid"), outcome="worked", themes=[theme("polarisation")]
    )
    response = get_list(client, city="madrid", outcome="worked", theme="major-events")
    assert listed(response) == ["Match"]


@pytest.mark.django_db
def test_invalid_filter_values_are_ignored_and_reported(client):
    PracticeFactory(title="Still listed", outcome="worked")
    response = get_list(client, outcome="excellent", year="soon", city="atlantis", theme="nope")
    assert listed(response) == ["Still listed"]
    html = response.content.decode()
    assert 'role="alert"' in html and "Some filters were ignored" in html


@pytest.mark.django_db
def test_city_choices_include_network_cities_in_their_own_group(client):
    CityFactory(name="Lyon", slug="lyon", project_role=City.ProjectRole.NETWORK)
    html = get_list(client, city="lyon").content.decode()
    assert '<optgroup label="Efus network">' in html
    assert '<option value="lyon" selected>Lyon</option>' in html


# --- List: sort and pagination ----------------------------------------------------------------


@pytest.mark.django_db
def test_default_sort_is_newest_first_and_title_sort_is_alphabetical(client):
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    PracticeFactory(title="Charlie", published_at=now - datetime.timedelta(days=2))
    PracticeFactory(title="Bravo", published_at=now - datetime.timedelta(days=1))
    PracticeFactory(title="Alpha", published_at=now - datetime.timedelta(days=3))
    default = get_list(client)
    assert listed(default) == ["Bravo", "Charlie", "Alpha"]
    assert '<option value="newest" selected>' in default.content.decode()
    assert listed(get_list(client, sort="newest")) == ["Bravo", "Charlie", "Alpha"]
    by_title = get_list(client, sort="title")
    assert listed(by_title) == ["Alpha", "Bravo", "Charlie"]
    assert '<option value="title" selected>' in by_title.content.decode()


@pytest.mark.django_db
def test_relevance_without_a_search_falls_back_to_newest(client):
    old = PracticeFactory(
        title="Zulu old", published_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    PracticeFactory(
        title="Alpha new", published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    assert listed(get_list(client, sort="relevance")) == ["Alpha new", old.title]


@pytest.mark.django_db
def test_pagination_is_20_per_page_and_page_links_keep_the_filters(client):
    PracticeFactory.create_batch(45, outcome="worked")
    PracticeFactory.create_batch(3, outcome="new")
    first = get_list(client, outcome="worked")
    assert len(listed(first)) == 20
    html = first.content.decode()
    assert "Page 1 of 3" in html
    assert (
        'href="?outcome=worked&amp;sort=newest&amp;page=2"' in html
        or 'href="?outcome=worked&amp;page=2"' in html
    )
    third = get_list(client, outcome="worked", page=3)
    assert len(listed(third)) == 5
    assert re.search(
        r'href="\?[^"]*outcome=worked[^"]*page=2"[^>]*rel="prev"', third.content.decode()
    )
    # Out-of-range or junk page numbers give a page, not an error.
    assert len(listed(get_list(client, outcome="worked", page=99))) == 5
    assert len(listed(get_list(client, outcome="worked", page="x"))) == 20


@pytest.mark.django_db
def test_export_links_carry_the_filters_but_not_the_page(client):
    PracticeFactory.create_batch(21, outcome="worked")
    html = get_list(client, outcome="worked", page=2).content.decode()
    assert f'href="{reverse("practices:export_csv")}?outcome=worked"' in html
    assert f'href="{reverse("practices:export_json")}?outcome=worked"' in html


# --- List: htmx -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_htmx_request_gets_only_the_results_and_the_count_out_of_band(client):
    PracticeFactory(title="Night patrols", outcome="worked")
    PracticeFactory(title="Other", outcome="new")
    response = client.get(LIST, {"outcome": "worked"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert listed(response) == ["Night patrols"]
    assert re.search(r'hx-swap-oob="innerHTML:#result-count">\s*1 practice', html)
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_full_page_also_varies_on_htmx_and_history_restore_gets_the_full_page(client):
    response = client.get(LIST)
    assert "HX-Request" in response["Vary"]
    restore = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()
    assert "hx-swap-oob" not in client.get(LIST).content.decode()


# --- List: query budget -----------------------------------------------------------------------


def _make_rows(n: int) -> None:
    """n public practices over five cities, each with one to three themes (always Major events)."""
    cities = list(City.objects.in_project()[:5])
    themes = [theme("major-events"), *Theme.objects.exclude(slug="major-events")[:2]]
    for i in range(n):
        PracticeFactory(city=cities[i % len(cities)], themes=themes[: 1 + i % 3])


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator", "efus_staff"])
def test_list_query_count_is_small_and_does_not_grow_with_rows(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    params = {"theme": "major-events", "sort": "title", "q": "barriers"}
    _make_rows(1)
    one = _count_queries(client, LIST, params)
    unfiltered_one = _count_queries(client, LIST)
    _make_rows(24)
    many = _count_queries(client, LIST, params)
    assert len(listed(client.get(LIST, params))) == 20
    assert one == many <= 10
    assert unfiltered_one == _count_queries(client, LIST) <= 10


@pytest.mark.django_db
def test_list_counts_without_joins_and_pages_with_one_query_and_one_prefetch(client):
    _make_rows(3)
    slug = Practice.objects.first().city.slug
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"city": slug})
    assert len(listed(response)) == 1
    sqls = [q["sql"] for q in ctx.captured_queries]
    counts = [s for s in sqls if "COUNT(" in s.upper()]
    assert len(counts) == 1
    assert "JOIN" not in counts[0].upper()
    practice_selects = [
        s
        for s in sqls
        if s.startswith("SELECT") and 'FROM "practices_practice"' in s and "COUNT(" not in s
    ]
    assert len(practice_selects) == 1
    assert '"practices_practice"."problem"' not in practice_selects[0]  # long sections are not read
    assert '"practices_practice"."search_vector"' not in practice_selects[0]
    theme_selects = [s for s in sqls if 'FROM "cities_theme"' in s]
    assert len(theme_selects) == 2  # the filter's choices, the cards' prefetch
