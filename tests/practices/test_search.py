"""Full-text search: one interface (``Practice.objects.search``) on PostgreSQL and SQLite.

PostgreSQL: the stored, GIN-indexed ``search_vector`` (title A > summary B > sections C),
``websearch`` syntax, ranked. SQLite: every word must appear somewhere; title hits rank first.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from lists.pages import COUNT_CAP
from moderation.models import Status, Visibility
from practices.filters import PracticeFilter
from practices.models import Practice
from practices.selectors import listed_practices
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

LIST = reverse("practices:list")

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search (CI runs PostgreSQL too)"
)


def listed(response) -> list[str]:
    return re.findall(
        r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


def search(client, q: str, **params) -> list[str]:
    response = client.get(LIST, {"q": q, **params})
    assert response.status_code == 200
    return listed(response)


def plain(**kwargs):
    """A practice whose only words are the ones given (the factory's defaults are cleared)."""
    defaults = {"summary": "An approach.", "problem": "", "mechanism": ""}
    return PracticeFactory(**{**defaults, **kwargs})


@pytest.mark.django_db
def test_search_finds_words_in_title_summary_and_sections(client):
    plain(title="Drones over the hills", summary="A wildfire simulation.")
    plain(title="Night patrols", transferability="Needs drones and trained pilots.")
    plain(title="Citizen groups", summary="Neighbourhood meetings.")
    assert sorted(search(client, "drones")) == ["Drones over the hills", "Night patrols"]
    assert search(client, "neighbourhood") == ["Citizen groups"]
    assert search(client, "wildfire") == ["Drones over the hills"]


@pytest.mark.django_db
def test_every_word_must_match(client):
    plain(title="Drones for wildfire simulation")
    plain(title="Drones at the carnival")
    assert search(client, "drones wildfire") == ["Drones for wildfire simulation"]


@pytest.mark.django_db
def test_a_title_hit_outranks_a_body_hit(client):
    plain(title="Crowd safety at events", evaluation="Barriers were tested.")
    plain(title="Barriers for squares", summary="Protecting squares.")
    plain(title="Stewards", summary="Barriers are mentioned in the summary.")
    results = search(client, "barriers")
    assert results[0] == "Barriers for squares"
    assert set(results) == {"Barriers for squares", "Stewards", "Crowd safety at events"}


@postgres_only
@pytest.mark.django_db
def test_weights_rank_title_then_summary_then_sections(client):
    plain(title="Crowd safety at events", evaluation="Barriers were tested.")
    plain(title="Barriers for squares", summary="Protecting squares.")
    plain(title="Stewards", summary="Barriers are mentioned in the summary.")
    assert search(client, "barriers") == [
        "Barriers for squares",
        "Stewards",
        "Crowd safety at events",
    ]


@pytest.mark.django_db
def test_search_is_the_default_sort_and_another_sort_can_be_chosen(client):
    plain(title="Zebra barriers")
    plain(title="Alpha", problem="About barriers.")
    assert search(client, "barriers") == ["Zebra barriers", "Alpha"]
    assert search(client, "barriers", sort="title") == ["Alpha", "Zebra barriers"]
    html = client.get(LIST, {"q": "barriers"}).content.decode()
    assert '<option value="relevance" selected>' in html


@pytest.mark.django_db
def test_search_combines_with_filters_and_visibility(client, member):
    plain(title="Barriers Nice", outcome="worked")
    plain(title="Barriers failed", outcome="did_not_work")
    plain(title="Barriers police", visibility=Visibility.POLICE)
    plain(title="Barriers draft", status=Status.DRAFT, published_at=None, created_by=member)
    assert search(client, "barriers", outcome="worked") == ["Barriers Nice"]
    assert sorted(search(client, "barriers")) == ["Barriers Nice", "Barriers failed"]
    client.force_login(member)
    assert sorted(search(client, "barriers")) == [
        "Barriers Nice",
        "Barriers failed",
        "Barriers police",
    ]


@pytest.mark.django_db
def test_an_empty_or_blank_search_lists_everything(client):
    plain(title="One")
    plain(title="Two")
    assert sorted(search(client, "   ")) == ["One", "Two"]


@pytest.mark.django_db
def test_hostile_search_input_is_harmless(client):
    plain(title="Barriers")
    for q in (
        "'; DROP TABLE practices_practice; --",
        "<script>alert(1)</script>",
        '"unclosed',
        "!!! & | :*",
        "x" * 500,
    ):
        response = client.get(LIST, {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert Practice.objects.count() == 1


@postgres_only
@pytest.mark.django_db
def test_websearch_syntax_phrase_exclusion_and_or(client):
    plain(title="Night patrols in the old town")
    plain(title="Old patrols at night")
    plain(title="Tourism police", summary="Officers patrol the beach.")
    assert search(client, '"night patrols"') == ["Night patrols in the old town"]
    assert sorted(search(client, "patrols night")) == [
        "Night patrols in the old town",
        "Old patrols at night",
    ]
    assert sorted(search(client, "patrols -town")) == ["Old patrols at night", "Tourism police"]
    assert sorted(search(client, "town or beach")) == [
        "Night patrols in the old town",
        "Tourism police",
    ]
    # English stemming: "patrol" finds "patrols".
    assert len(search(client, "patrol")) == 3


@postgres_only
@pytest.mark.django_db
def test_search_vector_follows_an_edit_once_recomputed():
    practice = plain(title="Barriers")
    Practice.objects.filter(pk=practice.pk).update(title="Bollards")
    assert not Practice.objects.search("bollards").exists()
    practice.refresh_from_db()
    practice.on_content_changed()
    assert list(Practice.objects.search("bollards")) == [practice]
    assert not Practice.objects.search("barriers").exists()


@postgres_only
@pytest.mark.django_db
def test_selective_search_uses_the_gin_index():
    """2,000 published public practices, 5 of them with a rare word: the planner picks the GIN
    index on its own (no ``enable_seqscan = off``) for the list's count and page queries, once
    the index's pending list is merged and statistics exist, as autovacuum does on a live site."""
    words = ("patrol", "barrier", "camera", "festival", "market", "tourism", "drone", "night")
    city = reference_body("nice").city
    rows = [
        Practice(
            title=f"{words[i % 8].title()} practice {i}",
            slug=f"practice-{i}",
            city=city,
            summary=f"A {words[(i * 3) % 8]} scheme with {words[(i * 5) % 8]}."
            + (" Uses a zeppelin." if i % 400 == 7 else ""),
            problem=f"Problem number {i} about {words[(i + 1) % 8]}.",
            status=Status.PUBLISHED,
            visibility=Visibility.PUBLIC,
        )
        for i in range(2000)
    ]
    Practice.objects.bulk_create(rows, batch_size=500)
    Practice.objects.all().update_search_vector()
    with connection.cursor() as cursor:
        # What autovacuum does on a live database: merge the GIN index's pending list (fresh
        # inserts) into the index, and collect statistics.
        cursor.execute("SELECT gin_clean_pending_list('practice_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE practices_practice")

    request = RequestFactory().get(LIST, {"q": "zeppelin"})
    filterset = PracticeFilter(
        request.GET, queryset=listed_practices(AnonymousUser()), request=request
    )
    assert filterset.matches.count() == 5
    count_plan = filterset.matches.order_by()[: COUNT_CAP + 1].explain()  # what the list counts
    page_plan = filterset.qs.values("pk")[:21].explain()  # the page's ids, by relevance
    for plan in (count_plan, page_plan):
        assert "practice_search_vector_gin" in plan, plan


@pytest.mark.django_db
def test_a_broad_search_ranks_only_the_most_recent_matches_and_says_so(client, monkeypatch):
    """A search sorted by relevance ranks the ``RANKED_MATCHES`` most recently published matches
    (the count's cap), found through the listing index, instead of every match; the page says
    so, sorting by newest shows every match, and exports rank them all."""
    from lists import pages
    from practices import filters

    monkeypatch.setattr(pages, "COUNT_CAP", 3)
    monkeypatch.setattr(filters, "RANKED_MATCHES", 3)
    now = timezone.now()
    plain(title="Patrol boats", published_at=now - datetime.timedelta(days=30))  # best, oldest
    for day in range(4):
        plain(
            title=f"Harbour {day}",
            summary="A patrol at night.",
            published_at=now - datetime.timedelta(days=day),
        )

    response = client.get(LIST, {"q": "patrol"})
    html = response.content.decode()
    assert listed(response) == ["Harbour 0", "Harbour 1", "Harbour 2"]  # the 3 newest, ranked
    assert "Sorted by relevance among the 3 most recently published matches" in html
    newest = client.get(LIST, {"q": "patrol", "sort": "newest"})
    assert "Sorted by relevance" not in newest.content.decode()
    assert len(listed(newest)) == 5
    response = client.get(reverse("practices:export_csv"), {"q": "patrol"})
    export = b"".join(response.streaming_content).decode()
    assert export.splitlines()[1].split(",")[1] == "Patrol boats"  # every match, ranked
    assert len(export.splitlines()) == 6
