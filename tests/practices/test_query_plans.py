"""No reading page runs a query on the practice tables that no index can serve, for any reader
(PostgreSQL): each query of each page is planned with sequential scans made as costly as
possible (``enable_seqscan`` off), and may then scan the practices and their themes only through
an index. The benchmark checks the same plans at 100,000 practices (``bench/run.py``)."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import City, Theme
from tests.practices.factories import PracticeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

ROLES = [
    "anonymous",
    "member",
    "network_member",
    "coordinator",
    "network_coordinator",
    "efus_staff",
    "operator",
]
BIG_TABLES = ("practices_practice", "practices_practice_themes")


def full_scans(sql: str) -> list[str]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    return [line for line in plan if any(f"Seq Scan on {t} " in f"{line} " for t in BIG_TABLES)]


@pytest.mark.parametrize("role", ROLES)
def test_every_query_of_the_reading_pages_can_use_an_index(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    events = Theme.objects.get(slug="major-events")
    for slug in ("nice", "brussels", "madrid"):
        for visibility in ("public", "network", "police"):
            PracticeFactory(
                city=City.objects.get(slug=slug), visibility=visibility, themes=[events]
            )
    practice = PracticeFactory(themes=[events])
    list_url = reverse("practices:list")
    pages = [
        (list_url, {}),
        (list_url, {"theme": "major-events", "outcome": "worked"}),
        (list_url, {"city": "brussels", "sort": "title"}),
        (list_url, {"country": "BE", "has_attachments": "on", "year": "2024"}),
        (list_url, {"q": "barriers"}),
        (list_url, {"q": "barriers", "sort": "newest"}),
        (practice.get_absolute_url(), {}),
        (reverse("cities:home"), {}),
        (reverse("cities:detail", args=["brussels"]), {}),
        (reverse("practices:export_json"), {"theme": "major-events"}),
    ]
    scans = []
    for url, params in pages:
        cache.clear()  # rendered from the database
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        scans += [
            (url, params, scan) for q in ctx.captured_queries for scan in full_scans(q["sql"])
        ]
    assert scans == []
