"""Smoke tests of the benchmark's code (bench/) at a tiny scale: seeding (practices and members),
the load generator (visitors and signed-in members), the soak's helpers, the scenarios and the
checks of every page's queries and plans.

Not timed: they prove the code works, the figures come from ``make bench``. PostgreSQL only (the
seeding uses COPY and tsvector).
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection, connections
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from bench import seed, text
from bench.load import run_load
from cities.models import City
from moderation.markdown import render_fields
from moderation.models import Status, Visibility, listing_scope
from practices.models import Attachment, Practice

pytestmark = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark seeds PostgreSQL only (COPY, tsvector, GIN)",
)

ROWS, CITIES = 50, 20


@pytest.fixture
def seeded(db):
    return seed.seed_practices(ROWS, CITIES)


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'practices_practice'")
        return {row[0] for row in cursor.fetchall()}


def _foreign_keys() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[])",
            [list(seed.LOADED_TABLES)],
        )
        return set(cursor.fetchall())


def test_seeding_adds_published_practices_across_the_cities(db):
    indexes_before, keys_before = _index_names(), _foreign_keys()
    report = seed.seed_practices(ROWS, CITIES)

    practices = Practice.objects.all()
    assert practices.count() == ROWS
    assert set(practices.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert set(practices.values_list("visibility", flat=True)) == set(Visibility.values)
    assert practices.filter(search_vector__isnull=True).count() == 0
    assert practices.values("city").distinct().count() <= CITIES
    generated = City.objects.filter(slug__startswith=seed.NETWORK_SLUG_PREFIX)
    assert generated.count() == CITIES - City.objects.in_project().count()
    assert all(city.bodies.count() == 1 for city in generated)
    assert all(1 <= p.themes.count() <= 3 for p in practices.prefetch_related("themes"))
    assert Attachment.objects.count() == sum(practices.values_list("attachment_count", flat=True))
    # The indexes and foreign keys dropped for the load are all back, the GIN index among them.
    assert _index_names() == indexes_before
    assert _foreign_keys() == keys_before and len(keys_before) >= 5
    assert "practice_search_vector_gin" in indexes_before
    assert report.rows == ROWS and report.seconds > 0
    # The sections' stored HTML is what the real renderer makes, for every row.
    for practice in practices.only("html", *seed.MARKDOWN_FIELDS):
        assert practice.html == render_fields(practice, seed.MARKDOWN_FIELDS), practice.pk
    seed.check_paragraph_html()


def test_members_are_seeded_once_with_every_kind_of_reader(seeded):
    report = seed.seed_members(60)
    assert report.members == 60
    assert report.by_kind["project coordinator"] == 15 and report.by_kind["Efus staff"] == 3
    officers = {kind: n for kind, n in report.by_kind.items() if "officer" in kind}
    assert officers["project officer"] >= 10 and len(officers) >= 2  # and the network's
    members = User.objects.filter(email__endswith=f"@{seed.MEMBER_EMAIL_DOMAIN}")
    assert members.count() == 60
    assert all(user.is_member for user in members)
    assert {listing_scope(user) for user in members} >= {
        "public.network.police",
        "public.network",
    }
    coordinators = [u for u in members if u.is_city_coordinator]
    assert coordinators and all(u.has_coordinator_powers for u in coordinators)
    assert seed.seed_members(60).by_kind == {}  # nothing added the second time
    assert members.count() == 60


def test_planted_words_match_the_intended_rows(seeded):
    rare, third = text.RARE_WORDS[0], text.THIRD_WORDS[0]
    assert Practice.objects.search(rare).count() == text.RARE_ROWS
    assert Practice.objects.search(third).count() == len(range(0, ROWS, 3))


def test_seeding_twice_reuses_the_generated_cities(seeded):
    seed.seed_practices(10, CITIES)
    assert Practice.objects.count() == ROWS + 10
    assert City.objects.filter(slug__startswith=seed.NETWORK_SLUG_PREFIX).count() == CITIES - 15


def test_ceiling_is_only_in_the_bench_urlconf():
    assert resolve("/bench/ceiling/", urlconf="bench.urls").url_name == "bench_ceiling"
    with pytest.raises(Resolver404):
        resolve("/bench/ceiling/")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def bench_server(seeded, settings):
    """The Django app under ``bench.urls`` on a loopback port, in a thread that shares this
    test's database connection (so it sees the seeded rows inside the test transaction)."""
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]  # testserver: the in-process checks
    shared = connections["default"]
    shared.inc_thread_sharing()
    # As the test client does: these would close the shared connection in the test transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    httpd = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler)

    def serve():
        connections["default"] = shared
        httpd.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        shared.dec_thread_sharing()


def test_load_generator_measures_the_ceiling_and_the_list(bench_server):
    pks = list(Practice.objects.filter(visibility=Visibility.PUBLIC).values_list("pk", flat=True))
    paths = [f"/bench/ceiling/?pk={pk}" for pk in pks[:5]] + [reverse("practices:list")]

    result = run_load(bench_server, paths, concurrency=2, requests=20, max_seconds=60)

    assert result.statuses == {200: 20} and result.errors == 0 and result.ok
    assert result.requests == 20
    assert 0 < result.p50 <= result.p95
    assert result.rps > 0 and result.bytes > 0


def test_load_generator_sends_the_members_sessions_per_thread(bench_server):
    seed.seed_members(30)
    sessions = list(seed.member_sessions().values())
    mine = reverse("practices:mine")  # a page for members, the sign-in page's redirect for visitors
    result = run_load(
        bench_server,
        [mine],
        concurrency=2,
        requests=6,
        max_seconds=60,
        per_thread=[[(mine, session) for session in sessions[:3]], [mine]],
    )
    assert result.statuses == {200: 3, 302: 3}
    assert result.p99 >= result.p50 > 0


def test_the_scenarios_soak_and_page_checks_run(seeded, bench_server):
    from bench import run, soak

    seed.seed_members(30)
    sessions = list(seed.member_sessions().values())
    scenarios = run.build_scenarios(sessions, 20)
    keys = {(s.key, s.who) for s in scenarios}
    for page in ("list", "detail", "home"):
        assert {(page, run.VISITORS), (page, run.MEMBERS)} <= keys
    assert ("list_cold", run.MEMBERS) in keys and ("search_third_cold", run.VISITORS) in keys
    members = next(s for s in scenarios if s.who == run.MEMBERS and s.key == "list")
    assert len({session for _path, session in members.requests}) == 30
    pages = run.soak_pages(sessions)
    mixed = soak.mixed_requests(pages, [None, sessions[0]], 50, seed=1)
    assert set(soak.MIX) == set(pages) and len(mixed) == 50
    for path, _session in mixed[:10]:
        assert run.probe(bench_server, path) == 200, path
    assert all(run.check_pages(scenarios))  # queries per page and plans, for each reader


def test_load_generator_counts_other_statuses_apart(bench_server):
    result = run_load(bench_server, ["/no-such-page/"], concurrency=1, requests=3, max_seconds=60)

    assert result.statuses == {404: 3}
    assert result.requests == 0 and not result.ok


def test_load_generator_stops_at_the_time_limit(bench_server):
    pk = Practice.objects.values_list("pk", flat=True).first()
    result = run_load(
        bench_server, [f"/bench/ceiling/?pk={pk}"], concurrency=1, requests=10_000, max_seconds=0.3
    )
    assert sum(result.statuses.values()) < 10_000


def test_load_generator_talks_to_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://example.org", ["/"], requests=1)
