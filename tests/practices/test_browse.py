"""The practice list (filters, sort, pagination, htmx) and the detail page."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import City, Theme
from lists import pages
from moderation.models import Status, Visibility
from practices.listing import PRACTICES
from practices.models import Attachment, Practice
from tests.cities.factories import CityFactory, ThemeFactory
from tests.practices.factories import AdoptionFactory, PracticeFactory
from tests.practices.pages import listed

LIST = reverse("practices:list")


def theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


def city(slug: str) -> City:
    return City.objects.get(slug=slug)


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
    assert 'data-hx-get="/practices/"' in form and 'data-hx-target="#practice-results"' in form
    assert 'data-hx-push-url="true"' in form
    assert 'data-hx-trigger="submit, change from:' in form


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


@pytest.mark.django_db
def test_cards_and_filter_choices_escape_what_people_typed(client):
    hostile_city = CityFactory(
        name='<b>Evil</b> "city"', slug="evil", project_role=City.ProjectRole.NETWORK
    )
    hostile_theme = ThemeFactory(name="<i>Theme</i> & co", slug="hostile")
    PracticeFactory(
        title="<script>alert(1)</script>",
        summary="<img src=x onerror=alert(1)> summary",
        city=hostile_city,
        body=None,
        themes=[hostile_theme],
    )
    html = get_list(client).content.decode()
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; summary" in html
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &quot;city&quot;" in html
    assert "<i>Theme</i>" not in html and "&lt;i&gt;Theme&lt;/i&gt; &amp; co" in html


def test_card_period_shows_years():
    d = datetime.date
    assert Practice(period_start=d(2019, 5, 1), period_end=d(2021, 1, 1)).period_years == (
        "2019\u20132021"
    )
    assert Practice(period_start=d(2019, 5, 1)).period_years == "since 2019"
    assert Practice().period_years == ""


@pytest.mark.django_db
def test_a_period_within_one_year_shows_that_year_once(client):
    d = datetime.date
    practice = PracticeFactory(period_start=d(2023, 3, 1), period_end=d(2023, 11, 30))
    assert practice.period_years == "2023"
    month = PracticeFactory(period_start=d(2023, 3, 1), period_end=d(2023, 3, 31))
    detail = client.get(month.get_absolute_url()).content.decode()
    assert "Mar 2023 to Mar 2023" not in detail and "Mar 2023" in detail


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
    # On a small screen the filters are folded: folded with errors, nobody would see them.
    assert '<details class="filters-disclosure" open>' in html
    assert '<details class="filters-disclosure">' in get_list(client).content.decode()


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
def test_beyond_the_count_cap_the_list_says_more_than_and_still_pages(client, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_CAP", 5)
    monkeypatch.setattr(PRACTICES, "per_page", 4)
    for i in range(11):
        PracticeFactory(title=f"P{i:02d}")
    first = get_list(client, sort="title")
    html = first.content.decode()
    assert re.search(r'id="result-count"[^>]*>\s*More than 5 practices', html)
    assert listed(first) == ["P00", "P01", "P02", "P03"]
    assert "Page 1</li>" in html and "Page 1 of" not in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    last = get_list(client, sort="title", page=3)
    assert listed(last) == ["P08", "P09", "P10"]
    assert 'rel="next"' not in last.content.decode()
    past = get_list(client, sort="title", page=9).content.decode()
    assert "past the last result" in past and 'href="?sort=title"' in past


@pytest.mark.django_db
def test_up_to_the_cap_the_count_is_exact(client, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_CAP", 5)
    PracticeFactory.create_batch(5)
    assert re.search(r'id="result-count"[^>]*>\s*5 practices', get_list(client).content.decode())


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
    assert re.search(r'data-hx-swap-oob="innerHTML:#result-count">\s*1 practice', html)
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


@pytest.mark.django_db
def test_list_counts_without_joins_and_pages_with_ids_then_cards(client):
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
    # The page's ids (filtered, sorted), then the cards' columns of those ids.
    assert len(practice_selects) == 2
    ids, _cards = practice_selects
    assert (
        ids.startswith('SELECT "practices_practice"."id" AS "pk" FROM')
        and "JOIN" not in ids.upper()
    )
    for sql in practice_selects:
        assert '"practices_practice"."problem"' not in sql  # long sections are not read
        assert '"practices_practice"."search_vector"' not in sql
    theme_selects = [s for s in sqls if 'FROM "cities_theme"' in s]
    assert len(theme_selects) == 2  # the filter's choices, the cards' prefetch


@pytest.mark.django_db
def test_cards_and_count_already_rendered_cost_no_query(client):
    _make_rows(3)
    client.get(LIST, {"sort": "title"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"sort": "newest"})  # another page, the same cards and count
    assert len(listed(response)) == 3
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len(sqls) == 1 and '"practices_practice"."id" AS "pk"' in sqls[0]  # the page's ids


# --- Detail -----------------------------------------------------------------------------------


def _attach(practice: Practice, n: int, *, image: bool = False) -> None:
    for i in range(n):
        Attachment.objects.create(
            practice=practice,
            file=SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4 test"),
            original_name=f"plan-{i}.{'png' if image else 'pdf'}",
            title=f"Plan {i}",
            content_type="image/png" if image else "application/pdf",
            size=2048,
        )


@pytest.mark.django_db
def test_detail_renders_every_section_with_markdown_and_the_labels_with_their_definitions(client):
    practice = PracticeFactory(
        title="Modular anti-ramming barriers",
        city=city("liege"),
        summary="Barriers **protect** squares.",
        problem="## Ramming\n\nVehicles <script>alert(1)</script> drive into crowds.",
        mechanism="Stops vehicles.",
        context="Population ~195,000.",
        implementation="1. Buy\n2. Install",
        resources="EUR 200,000.",
        evaluation="No incident since.",
        transferability="Needs a depot.",
        outcome=Practice.Outcome.PROMISING,
        evaluation_stage=Practice.EvaluationStage.INDEPENDENT,
        period_start=datetime.date(2021, 3, 1),
        original_language="fr",
        contact_role="Events unit, Zone de police de Liège",
        contact_email="events@example.org",
        links=[{"url": "https://example.org/report", "title": "Report"}, "javascript:alert(1)"],
        themes=[theme("security-of-public-spaces"), theme("major-events")],
    )
    response = client.get(practice.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Modular anti-ramming barriers" in html
    for heading in (
        "Summary",
        "Problem addressed",
        "How it works and why it should",
        "Context and conditions",
        "Implementation",
        "Resources and cost",
        "Evaluation and results",
        "Transferability",
    ):
        assert re.search(rf"<h2[^>]*>{heading}</h2>", html), heading
    assert "<strong>protect</strong>" in html
    assert "<h3>Ramming</h3>" in html  # shifted under the section's h2
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<ol>" in html
    assert "Promising" in html and str(Practice.OUTCOME_DEFINITIONS["promising"]) in html
    assert (
        "Independently evaluated" in html
        and str(Practice.EVALUATION_DEFINITIONS["independent"]) in html
    )
    assert "Security of public spaces" in html and "Major events" in html
    assert 'href="/cities/liege/">Liège</a>' in html
    assert "Zone de police de Liège" in html  # the body
    assert "French" in html  # the original language
    assert (
        "Events unit, Zone de police de Liège" in html
        and 'href="mailto:events@example.org"' in html
    )
    assert '<a href="https://example.org/report" rel="nofollow noopener">Report</a>' in html
    assert "javascript:" not in html
    assert "Public" in html and "Anyone, including the public digest." in html
    assert "Mar 2021" in html


@pytest.mark.django_db
def test_detail_lists_attachments_with_links_and_image_thumbnails(client):
    practice = PracticeFactory()
    _attach(practice, 1)
    _attach(practice, 1, image=True)
    html = client.get(practice.get_absolute_url()).content.decode()
    for attachment in practice.attachments.all():
        assert f'href="{attachment.get_absolute_url()}"' in html
    image = practice.attachments.get(content_type="image/png")
    assert f'<img src="{image.get_absolute_url()}"' in html
    assert "2.0\xa0KB" in html


@pytest.mark.django_db
def test_detail_shows_adoptions(client):
    practice = PracticeFactory()
    AdoptionFactory(
        practice=practice, city=city("madrid"), outcome_note="Adapted for the Christmas market."
    )
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Madrid" in html and "Adapted for the Christmas market." in html


@pytest.mark.django_db
def test_detail_shows_the_city_s_other_practices_and_related_ones_the_reader_may_see(client):
    events = theme("major-events")
    practice = PracticeFactory(city=city("nice"), themes=[events])
    PracticeFactory.create_batch(6, city=city("nice"), title=factory_title("Nice other"))
    PracticeFactory(city=city("nice"), title="Nice network only", visibility=Visibility.NETWORK)
    PracticeFactory(city=city("nice"), title="Nice draft", status=Status.DRAFT, published_at=None)
    PracticeFactory.create_batch(
        6, city=city("madrid"), themes=[events], title=factory_title("Madrid related")
    )
    PracticeFactory(
        city=city("madrid"),
        themes=[events],
        title="Madrid police only",
        visibility=Visibility.POLICE,
    )
    PracticeFactory(city=city("turin"), themes=[theme("polarisation")], title="Unrelated")
    response = client.get(practice.get_absolute_url())
    same_city, related = more_titles(response, "same-city-title"), more_titles(response)
    assert len(same_city) == 5 and all(t.startswith("Nice other") for t in same_city)
    assert len(related) == 5 and all(t.startswith("Madrid related") for t in related)
    html = response.content.decode()
    assert "Other practices of Nice" in html and "Related practices on the same themes" in html
    assert (
        "Nice network only" not in html
        and "Nice draft" not in html
        and "Madrid police only" not in html
    )


def more_titles(response, section: str = "related-title") -> list[str]:
    """The titles listed in a section below a practice ("same-city-title" or "related-title")."""
    html = response.content.decode()
    if f'id="{section}"' not in html:
        return []
    part = html[html.index(f'id="{section}"') :]
    part = part[: part.index("</section>")]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', part)


def factory_title(prefix: str):
    import factory

    return factory.Sequence(lambda n: f"{prefix} {n}")


@pytest.mark.django_db
def test_detail_shows_network_practices_to_members_in_related_lists(client, member):
    events = theme("major-events")
    practice = PracticeFactory(city=city("nice"), themes=[events])
    PracticeFactory(
        city=city("madrid"),
        themes=[events],
        title="Madrid police only",
        visibility=Visibility.POLICE,
    )
    client.force_login(member)
    assert more_titles(client.get(practice.get_absolute_url())) == ["Madrid police only"]


@pytest.mark.django_db
def test_short_url_and_wrong_slug_redirect_to_the_canonical_url(client):
    practice = PracticeFactory(title="Night patrols")
    canonical = practice.get_absolute_url()
    assert canonical == f"/practices/{practice.pk}/night-patrols/"
    for url in (
        reverse("practices:detail_short", args=[practice.pk]),
        reverse("practices:detail", args=[practice.pk, "old-title"]),
    ):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


@pytest.mark.django_db
def test_missing_practice_is_a_404(client):
    assert client.get(reverse("practices:detail_short", args=[999999])).status_code == 404
    assert client.get(reverse("practices:detail", args=[999999, "x"])).status_code == 404


@pytest.mark.django_db
def test_draft_detail_shows_its_status_to_its_author(client, member):
    practice = PracticeFactory(status=Status.DRAFT, published_at=None, created_by=member)
    client.force_login(member)
    response = client.get(practice.get_absolute_url())
    assert response.status_code == 200
    assert "Draft" in response.content.decode()
