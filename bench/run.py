"""The reading benchmark (issues 3 and 9): ``make bench`` runs ``bench/run.py``.

1. Creates or reuses the dedicated PostgreSQL database ``BENCH_DATABASE_URL``
   (default postgres://postgres@127.0.0.1:5432/pactesur_bench), migrates it, seeds it
   (100,000 practices, 300 members), and signs every member in (one session each).
2. Starts gunicorn on a free loopback port with ``bench.wsgi:application``.
3. Measures the ceiling and the pages, for visitors and for signed-in members, at concurrency 1
   and 8; then the soak, twice (visitors only, then half of the clients members); counts the
   queries of each page for each kind of reader and checks their plans; prints one table with
   every row's share of the same run's ceiling and the targets.

Exits 0 even when a target fails (a benchmark, not a test): read the PASS/FAIL column.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402
from bench.load import LoadResult, Request, run_load  # noqa: E402
from bench.soak import SoakResult, mixed_requests, soak  # noqa: E402
from bench.text import RARE_WORDS  # noqa: E402

CONCURRENCIES = (1, 8)
QUERY_BUDGET = 10
GIN_INDEX = "practice_search_vector_gin"
RARE_WORD_FOR_EXPLAIN = RARE_WORDS[0]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
VAR_DIR = Path(tempfile.gettempdir()) / "pactesur-bench-var"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=100_000, help="published practices to seed (100000)")
    p.add_argument("--cities", type=int, default=250, help="cities the practices spread over (250)")
    p.add_argument(
        "--requests", type=int, default=400, help="requests per scenario and concurrency (400)"
    )
    p.add_argument(
        "--max-seconds", type=float, default=20.0, help="time limit per measurement (20)"
    )
    p.add_argument("--warmup", type=int, default=40, help="warm-up requests per scenario (40)")
    p.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    p.add_argument("--keep-server", action="store_true", help="leave gunicorn running at the end")
    p.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3)")
    p.add_argument("--threads", type=int, default=3, help="threads per worker; >1 uses gthread (3)")
    p.add_argument(
        "--rounds", type=int, default=1, help="repeat the measurements; medians reported (1)"
    )
    p.add_argument("--members", type=int, default=300, help="signed-in members to seed (300)")
    p.add_argument(
        "--soak-seconds", type=float, default=180, help="length of each soak; 0 skips it (180)"
    )
    p.add_argument("--soak-clients", type=int, default=16, help="soak concurrency (16)")
    return p.parse_args(argv)


# --- Environment and Django ------------------------------------------------------------------


def configure_environment(url: str) -> dict[str, str]:
    """The environment of this process and of gunicorn: production-like settings, bench DB."""
    env = {
        "DJANGO_SETTINGS_MODULE": "pactesur.settings",
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "VAR_DIR": str(VAR_DIR),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return {**os.environ}


def setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    # The in-process test client (query counts) talks to "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def migrate_and_collectstatic() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # DEBUG is off: the manifest static storage needs collected files (in a private VAR_DIR).
    call_command("collectstatic", interactive=False, verbosity=0)


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "bench.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--backlog",
        "512",
        "--keep-alive",
        "5",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    return command


def start_server(port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(gunicorn_command(port, workers, threads), env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer /health/ within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Scenarios -------------------------------------------------------------------------------

VISITORS, MEMBERS = "visitors", "members"


@dataclass
class Target:
    concurrency: int
    # "p50", "p95", "rps" (absolute), "share" (req/s / the ceiling's), "x_ceiling" (p50 / the
    # ceiling's), "x_visitors" (a members row's p50 / the same page's visitors row).
    metric: str
    comparison: str
    value: float

    def describe(self) -> str:
        names = {
            "share": "share",
            "x_ceiling": "p50 x ceil",
            "x_visitors": "p50 x visitors",
            "p50": "p50 ms",
            "p95": "p95 ms",
            "rps": "req/s",
        }
        return f"{names[self.metric]} {self.comparison} {self.value:g}"


@dataclass
class Scenario:
    key: str  # the page: visitors' and members' rows of the same page share it
    label: str
    who: str
    requests: Sequence[Request]
    targets: list[Target] = field(default_factory=list)
    # Cold: the list cache is emptied before each measurement and every request has a query
    # string of its own, so every page is rendered from the database.
    cold: bool = False

    @property
    def name(self) -> str:
        return f"{self.label}, {self.who}"


def with_cold(path: str, n: int) -> str:
    """The path with a query string of its own (``cold=<n>``, which the filters ignore)."""
    return f"{path}{'&' if '?' in path else '?'}cold={n}"


def cold_variant(scenario: Scenario, requests: int, targets: list[Target]) -> Scenario:
    """The same pages, each request with a query string of its own: nothing comes from the
    page cache (cards and counts that earlier requests rendered are reused, as on the site)."""
    items = [
        (with_cold(path, i), session)
        for i, (path, session) in zip(
            range(requests), itertools.cycle(as_pairs(scenario.requests)), strict=False
        )
    ]
    return Scenario(
        f"{scenario.key}_cold", f"{scenario.label}, cold", scenario.who, items, targets, cold=True
    )


def as_pairs(requests: Sequence[Request]) -> list[tuple[str, str | None]]:
    return [(r, None) if isinstance(r, str) else r for r in requests]


def forget_rendered_lists() -> None:
    """Empty the list caches (``lists.cache``) of practices, trainings and exchange offers: after
    seeding, and before cold measurements."""
    from exchanges.signals import LIST_CACHE as OFFERS
    from lists.cache import content_changed
    from practices.signals import LIST_CACHE as PRACTICES
    from trainings.signals import LIST_CACHE as TRAININGS

    for name in (PRACTICES, TRAININGS, OFFERS):
        content_changed(name)


LIST_COMBOS = [
    "theme={theme}&outcome=worked&sort=newest",
    "theme={theme}&sort=newest",
    "outcome=promising&evaluation_stage=local&sort=newest",
    "country={country}&sort=newest",
    "city={city}&sort=title",
    "language=en&has_attachments=on&sort=newest",
    "year={year}&sort=newest",
    "theme={theme}&outcome=worked&sort=newest&page=2",
    "theme={theme}&sort=title&page=3",
]


def members_turn(paths: list[str], sessions: Sequence[str | None]) -> list[Request]:
    """Each path requested by members in turn: ``len(paths) * k`` requests, so that every member
    comes up and every path is asked by several kinds of member."""
    count = max(len(paths), len(sessions))
    return [(paths[i % len(paths)], sessions[i % len(sessions)]) for i in range(count)]


def build_scenarios(sessions: Sequence[str | None], requests: int = 1000) -> list[Scenario]:
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from bench.text import RARE_WORDS, THIRD_WORDS
    from cities.models import City, Theme
    from practices.models import Practice

    anonymous = AnonymousUser()
    r = random.Random(42)
    public = list(
        Practice.objects.listed_to(anonymous).order_by("?").values_list("pk", "slug")[:300]
    )
    list_url = reverse("practices:list")
    themes = list(Theme.objects.values_list("slug", flat=True))
    cities = list(City.objects.exclude(practices=None).values_list("slug", "country")[:60])
    this_year = date.today().year
    list_paths = []
    for i in range(60):
        combo = LIST_COMBOS[i % len(LIST_COMBOS)]
        city, country = r.choice(cities)
        query = combo.format(
            theme=r.choice(themes), city=city, country=country, year=this_year - r.randint(0, 4)
        )
        list_paths.append(f"{list_url}?{query}")
    details = [
        reverse("practices:detail", kwargs={"pk": pk, "slug": slug or "practice"})
        for pk, slug in public
    ]
    rare = [f"{list_url}?q={w}" for w in RARE_WORDS]
    third = [f"{list_url}?q={w}" for w in THIRD_WORDS]
    home = [reverse("cities:home")]

    def both(key: str, label: str, paths: list[str], visitors: list[Target], members: list[Target]):
        return [
            Scenario(key, label, VISITORS, list(paths), visitors),
            Scenario(key, label, MEMBERS, members_turn(paths, sessions), members),
        ]

    ratio = Target(1, "x_visitors", "<=", 1.5)
    served = [
        Scenario(
            "ceiling", "ceiling (1 row)", VISITORS, [f"/bench/ceiling/?pk={p}" for p, _ in public]
        ),
        *both(
            "list",
            "list, filtered",
            list_paths,
            [Target(1, "p50", "<=", 20.0), Target(8, "rps", ">=", 150.0)],
            [Target(8, "share", ">=", 0.5), ratio],
        ),
        *both(
            "detail",
            "detail",
            details,
            [Target(8, "share", ">=", 0.4), Target(1, "x_ceiling", "<=", 3.0)],
            [Target(8, "share", ">=", 0.4), Target(1, "x_ceiling", "<=", 3.0), ratio],
        ),
        *both("home", "home", home, [], [ratio]),
        Scenario("search_rare", "search, ~10 rows", VISITORS, rare, [Target(1, "p50", "<=", 25.0)]),
        Scenario(
            "search_third", "search, 1/3 rows", VISITORS, third, [Target(1, "p95", "<=", 150.0)]
        ),
    ]
    by_key = {(s.key, s.who): s for s in served}
    list_cold = [Target(8, "share", ">=", 0.35), Target(1, "x_ceiling", "<=", 2.5)]
    cold = [
        cold_variant(by_key[("list", VISITORS)], requests, list_cold),
        cold_variant(by_key[("list", MEMBERS)], requests, [*list_cold, ratio]),
        cold_variant(by_key[("search_rare", VISITORS)], requests, [Target(1, "p50", "<=", 25.0)]),
        cold_variant(by_key[("search_third", VISITORS)], requests, [Target(1, "p95", "<=", 60.0)]),
        cold_variant(
            Scenario("search_third", "search, 1/3 rows", MEMBERS, members_turn(third, sessions)),
            requests,
            [Target(1, "p95", "<=", 60.0), ratio],
        ),
    ]
    first_look = Scenario(
        "list_first",
        "list, first look",
        VISITORS,
        first_looks(list_url, themes, requests),
        cold=True,
    )
    return served + cold + [first_look]


def first_looks(list_url: str, themes: list[str], count: int) -> list[str]:
    """Filter combinations nobody asked before (a year, a theme, an outcome and a language
    drawn at random, ~100,000 combinations): the page, its form and its count are rendered;
    only the cards may come from the cache."""
    from practices.models import PRACTICE_LANGUAGES, Practice

    r = random.Random(7)
    return [
        f"{list_url}?year={r.randint(1990, 2100)}&theme={r.choice(themes)}"
        f"&outcome={r.choice(Practice.Outcome.values)}&language={r.choice(PRACTICE_LANGUAGES)}"
        for _ in range(count)
    ]


def soak_pages(sessions: Sequence[str | None]) -> dict[str, list[str]]:
    """The pages the soak mixes (``bench.soak.MIX``)."""
    from django.urls import reverse

    from cities.models import City

    scenarios = {s.key: s for s in build_scenarios(sessions, 1) if s.who == VISITORS}
    cities = City.objects.exclude(practices=None).order_by("pk").values_list("slug", flat=True)
    return {
        "detail": [p for p, _ in as_pairs(scenarios["detail"].requests)],
        "list": [p for p, _ in as_pairs(scenarios["list"].requests)],
        "search": [p for p, _ in as_pairs(scenarios["search_rare"].requests)]
        + [p for p, _ in as_pairs(scenarios["search_third"].requests)],
        "home": [reverse("cities:home")],
        "city": [reverse("cities:detail", args=[slug]) for slug in cities[:40]],
    }


def probe(base_url: str, request: Request) -> int:
    path, session = as_pairs([request])[0]
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    try:
        request_ = urllib.request.Request(base_url + path, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request_, timeout=30) as r:  # noqa: S310
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


# --- In-process checks: queries per page and their plans, for each kind of reader ------------


def readers() -> dict[str, Any]:
    """One reader of each kind among the bench members (and a visitor)."""
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import Membership, User
    from bench.seed import MEMBER_EMAIL_DOMAIN

    members = User.objects.filter(email__endswith=f"@{MEMBER_EMAIL_DOMAIN}").order_by("pk")
    kinds: dict[str, Any] = {"visitor": AnonymousUser()}
    for user in members:
        membership = user.membership
        if membership is None:
            continue
        body = membership.body
        if body.is_efus:
            kind = "Efus staff"
        elif membership.role == Membership.Role.COORDINATOR:
            kind = "coordinator" + ("" if body.is_police else " (not police)")
        else:
            kind = "member" + ("" if body.is_police else " (not police)")
        kinds.setdefault(kind, user)
    return kinds


def capture(path: str, user: Any = None) -> tuple[int, list[str]]:
    """GET ``path`` in-process as ``user`` (a visitor by default): (status, SQL of each query)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    if user is not None and getattr(user, "is_authenticated", False):
        client.force_login(user)
    client.get("/health/")  # the session's first read is not the page's
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in ctx.captured_queries]


def explain(sql: str, *, analyze: bool = True) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{sql}")
        return [row[0] for row in cursor.fetchall()]


BIG_TABLES = ("practices_practice", "practices_practice_themes")


def full_scans(sql: str) -> list[str]:
    """The sequential scans of the 100,000-row tables that the query cannot do without: its plan
    with sequential scans made as costly as PostgreSQL can (``enable_seqscan`` off), so that it
    takes any index it can use. (With few matches to find, a sequential scan that stops early can
    be the cheapest plan, and PostgreSQL rightly takes it: that is not a missing index.)"""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    return [
        line.strip()
        for line in plan
        if any(f"Seq Scan on {table} " in f"{line} " for table in BIG_TABLES)
    ]


def fallback_search_sql(word: str) -> str:
    """The search query itself (first page, by relevance), when the list page is not there."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from practices.models import Practice

    qs = Practice.objects.listed_to(AnonymousUser()).search(word).order_by("-rank", "-pk")[:20]
    sql, params = qs.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]


def search_queries(sqls: list[str]) -> list[str]:
    return [q for q in sqls if "@@" in q]


# --- Measurements ----------------------------------------------------------------------------


def median(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


@dataclass
class Figure:
    scenario: Scenario
    concurrency: int
    runs: list[LoadResult]

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def p50(self) -> float:
        return median([r.p50 for r in self.runs])

    @property
    def p95(self) -> float:
        return median([r.p95 for r in self.runs])

    @property
    def rps(self) -> float:
        return median([r.rps for r in self.runs])

    @property
    def failures(self) -> int:
        return sum(r.errors + sum(n for s, n in r.statuses.items() if s != 200) for r in self.runs)


WARM_PASSES = 3


def warm_up(base_url: str, scenario: Scenario) -> None:
    """Requests not counted: every request of a served scenario, ``WARM_PASSES`` times, each on
    a connection of its own, so that every gunicorn worker has rendered most pages (a worker
    keeps its renderings in its own memory, and a keep-alive connection stays with one worker),
    as after their first readers on a live site."""
    count = WARM_PASSES * len(scenario.requests)
    run_load(
        base_url, scenario.requests, concurrency=8, requests=count, max_seconds=120, close=True
    )


def measure(base_url: str, scenarios: list[Scenario], args: argparse.Namespace) -> list[Figure]:
    """Each round: the served pages (after a warm-up), then the cold ones, each at every
    concurrency (the cold ones fill the workers' caches with pages nobody asks again: they come
    last, and the next round warms the served pages again)."""
    for scenario in scenarios:
        if scenario.cold:  # connections, the query plans, the cards and counts
            run_load(base_url, scenario.requests, concurrency=8, requests=args.warmup)
    figures = {(s.name, c): Figure(s, c, []) for c in CONCURRENCIES for s in scenarios}
    served = [s for s in scenarios if not s.cold]
    cold = [s for s in scenarios if s.cold]
    for round_ in range(1, args.rounds + 1):
        print(f"Round {round_}: warming the served pages up ({WARM_PASSES} passes)...")
        for scenario in served:
            warm_up(base_url, scenario)
        for scenario in served + cold:
            for concurrency in CONCURRENCIES:
                if scenario.cold:
                    forget_rendered_lists()
                result = run_load(
                    base_url,
                    scenario.requests,
                    concurrency=concurrency,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                )
                figures[(scenario.name, concurrency)].runs.append(result)
                print(
                    f"  round {round_} c={concurrency} {scenario.name}: {result.requests} ok, "
                    f"p50 {fmt(result.p50)} ms, p95 {fmt(result.p95)} ms, "
                    f"{fmt(result.rps, 0)} req/s"
                    + (
                        f", statuses {dict(result.statuses)}, errors {result.errors}"
                        if not result.ok
                        else ""
                    )
                )
    return [figures[(s.name, c)] for s in scenarios for c in CONCURRENCIES]


def run_soaks(
    base_url: str, master: int, sessions: list[str | None], args: argparse.Namespace
) -> list[SoakResult]:
    pages = soak_pages(sessions)
    clients = args.soak_clients
    visitors = [mixed_requests(pages, [None], 5000, seed=n) for n in range(clients)]
    half = [
        mixed_requests(pages, sessions[n::2] if n % 2 == 0 else [None], 5000, seed=n)
        for n in range(clients)
    ]
    results = []
    for label, per_thread in (("visitors only", visitors), ("half members", half)):
        print(f"Soak, {label}: {args.soak_seconds:g} s at c={clients}...")
        result = soak(
            base_url, master, label, per_thread, seconds=args.soak_seconds, concurrency=clients
        )
        results.append(result)
        load = result.load
        print(
            f"  {load.requests} ok, {fmt(load.rps, 0)} req/s, statuses {dict(load.statuses)}, "
            f"errors {load.errors}, RSS {fmt(result.rss_at(0), 0)}/{fmt(result.rss_at(1), 0)}/"
            f"{fmt(result.rss_at(2), 0)} MB"
        )
    return results


# --- Report ----------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def passes(value: float, comparison: str, target: float) -> bool:
    if math.isnan(value):
        return False
    return value <= target if comparison == "<=" else value >= target


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL  <<<"


def print_table(figures: list[Figure], soaks: list[SoakResult]) -> list[bool]:
    ceiling = {f.concurrency: f for f in figures if f.scenario.key == "ceiling"}
    visitors = {
        (f.scenario.key, f.scenario.cold, f.concurrency): f
        for f in figures
        if f.scenario.who == VISITORS
    }
    header = (
        f"{'page':<36} {'c':>2} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'req/s':>6} {'share':>6} {'p50 x ceil':>10} {'x visitors':>10}  targets"
    )
    print(header)
    print("-" * (len(header) + 30))
    outcomes = []
    for f in figures:
        base = ceiling.get(f.concurrency)
        twin = visitors.get((f.scenario.key, f.scenario.cold, f.concurrency))
        values = {
            "p50": f.p50,
            "p95": f.p95,
            "rps": f.rps,
            "share": f.rps / base.rps if base and base.rps else math.nan,
            "x_ceiling": f.p50 / base.p50 if base and base.p50 else math.nan,
            "x_visitors": (
                f.p50 / twin.p50 if twin and f.scenario.who == MEMBERS and twin.p50 else math.nan
            ),
        }
        notes = []
        for target in f.scenario.targets:
            if target.concurrency != f.concurrency:
                continue
            ok = passes(values[target.metric], target.comparison, target.value) and not f.failures
            outcomes.append(ok)
            notes.append(f"{target.describe()}: {verdict(ok)}")
        if f.failures:
            notes.append(f"{f.failures} non-200 responses or errors")
        p99 = median([r.p99 for r in f.runs])
        print(
            f"{f.scenario.name:<36} {f.concurrency:>2} {f.requests:>8} {fmt(f.p50):>7} "
            f"{fmt(f.p95):>7} {fmt(p99):>7} {fmt(f.rps, 0):>6} {fmt(values['share'], 2):>6} "
            f"{fmt(values['x_ceiling'], 2):>10} {fmt(values['x_visitors'], 2):>10}  "
            + ("; ".join(notes) or "")
        )
    c8 = ceiling.get(8)
    reference = soaks[0].load.rps if soaks else math.nan
    for result in soaks:
        load = result.load
        share = load.rps / c8.rps if c8 and c8.rps else math.nan
        notes = [f"statuses {dict(load.statuses)}, errors {load.errors}"]
        ok_errors = load.errors == 0 and set(load.statuses) <= {200}
        ok_rss = passes(result.rss_drift, "<=", 0.10)
        outcomes += [ok_errors, ok_rss]
        notes.append(f"0 errors: {verdict(ok_errors)}")
        notes.append(
            f"RSS {fmt(result.rss_at(0), 0)}/{fmt(result.rss_at(1), 0)}/{fmt(result.rss_at(2), 0)}"
            f" MB (start/middle/end), second half {100 * result.rss_drift:+.1f} % <= 10: "
            f"{verdict(ok_rss)}"
        )
        if result is not soaks[0]:
            ok = passes(load.rps / reference, ">=", 0.8)
            outcomes.append(ok)
            notes.append(f"x visitors-only {load.rps / reference:.2f} >= 0.8: {verdict(ok)}")
        label = f"soak {result.seconds:.0f} s, {result.label}"
        print(
            f"{label:<36} {result.concurrency:>2} {load.requests:>8} {fmt(load.p50):>7} "
            f"{fmt(load.p95):>7} {fmt(load.p99):>7} {fmt(load.rps, 0):>6} {fmt(share, 2):>6} "
            f"{'':>10} {'':>10}  " + "; ".join(notes)
        )
    return outcomes


def check_pages(scenarios: list[Scenario]) -> list[bool]:
    """Queries per page for each kind of reader, rendered from the database, and the plan of
    every query: no sequential scan of a 100,000-row table."""
    from django.urls import reverse

    by_key = {(s.key, s.who): s for s in scenarios}

    def first(key: str) -> str:
        return as_pairs(by_key[(key, VISITORS)].requests)[0][0]

    pages = {
        "list, filtered": first("list"),
        "list, no filter": reverse("practices:list"),
        "search, ~10 rows": first("search_rare"),
        "search, 1/3 rows": first("search_third"),
        "detail": first("detail"),
        "home": reverse("cities:home"),
    }
    outcomes = []
    print(f"Queries per page, rendered from the database (<= {QUERY_BUDGET}), and full scans:")
    for kind, user in readers().items():
        counts, scans = [], []
        for name, path in pages.items():
            forget_rendered_lists()
            status, sqls = capture(path, user)
            ok = status == 200 and len(sqls) <= QUERY_BUDGET
            outcomes.append(ok)
            counts.append(f"{name} {len(sqls)}" + ("" if ok else f" (status {status}) FAIL"))
            scans += [f"{name}: {scan}" for sql in sqls for scan in full_scans(sql)]
        outcomes.append(not scans)
        print(f"  {kind:<26} " + ", ".join(counts))
        print(f"  {'':<26} no full scan of a 100,000-row table: {verdict(not scans)}")
        for scan in scans:
            print(f"  {'':<26}   {scan}")
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", db.DEFAULT_URL)
    print(f"PACTESUR reading benchmark, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores")
    print(f"Database: {url} (rows {args.rows}, cities {args.cities}, members {args.members})")
    marker = db.prepare(url, rows=args.rows, cities=args.cities, reseed=args.reseed)
    env = configure_environment(url)
    setup_django()
    t0 = time.perf_counter()
    migrate_and_collectstatic()
    print(f"Migrations and collectstatic: {time.perf_counter() - t0:.1f} s")

    from bench import seed

    if marker is None:
        print(f"Seeding {args.rows} practices across {args.cities} cities...")
        report = seed.seed_practices(args.rows, args.cities, analyze=False, log=print)
        vacuum = seed.vacuum_analyze()
        print(f"  VACUUM ANALYZE: {vacuum:.1f} s")
        seed.check_paragraph_html()
        seconds = report.seconds + vacuum
        steps = {**report.steps, "VACUUM ANALYZE": vacuum}
        db.write_marker(url, rows=args.rows, cities=args.cities, seconds=seconds, steps=steps)
        seeded = "seeded now"
    else:
        seconds = marker.seconds
        seeded = f"seeded {marker.seeded_at[:16]}, reused (--reseed to rebuild)"
    print(f"Seeding time: {seconds:.1f} s ({seeded})")
    members = seed.seed_members(args.members)
    print(f"Members: {members.members}" + (f" {members.by_kind}" if members.by_kind else ""))
    sessions = list(seed.member_sessions().values())

    forget_rendered_lists()  # renderings of an earlier seeding must not be served
    scenarios = build_scenarios(sessions, args.warmup + args.requests)
    port = free_port()
    command = gunicorn_command(port, args.workers, args.threads)
    print("Server:", " ".join(command[1:]))
    server = start_server(port, args.workers, args.threads, env)
    base_url = f"http://127.0.0.1:{port}"
    soaks: list[SoakResult] = []
    try:
        unavailable = [s for s in scenarios if probe(base_url, s.requests[0]) != 200]
        for s in unavailable:
            print(f"NOT AVAILABLE: {s.name} ({s.requests[0]} does not answer 200): not measured")
        measured = [s for s in scenarios if s not in unavailable]
        load_avg = os.getloadavg()
        if load_avg[0] > 1.0:
            print(
                f"NOTE: load average {load_avg[0]:.2f} before measuring: other work shares the "
                f"{os.cpu_count()} cores, the figures will be pessimistic (compare the shares)."
            )
        figures = measure(base_url, measured, args)
        if args.soak_seconds > 0:
            soaks = run_soaks(base_url, server.pid, sessions, args)
        load_after = os.getloadavg()
    finally:
        if args.keep_server:
            print(f"gunicorn left running at {base_url} (pid {server.pid})")
        else:
            stop_server(server)

    print()
    print("=" * 110)
    print(
        f"RESULTS: {args.rows} published practices, {args.cities} cities, {members.members} "
        f"members; gunicorn {args.workers} workers x {args.threads} thread(s); load average "
        f"before/after {load_avg[0]:.2f}/{load_after[0]:.2f}; {args.rounds} round(s), medians"
    )
    print(
        "share: req/s / the ceiling's at the same concurrency; p50 x ceil: p50 / the ceiling's; "
        "x visitors: a members row's p50 / the visitors row of the same page"
    )
    print("=" * 110)
    outcomes = print_table(figures, soaks)
    print()
    outcomes += check_pages(scenarios)
    print()
    print(f"Seeding {args.rows} rows: {seconds:.1f} s  < 120 s: {verdict(seconds < 120)}")
    outcomes.append(seconds < 120)
    by_key = {(s.key, s.who): s for s in scenarios}
    rare_path = as_pairs(by_key[("search_rare", VISITORS)].requests)[0][0]
    third_path = as_pairs(by_key[("search_third", VISITORS)].requests)[0][0]
    forget_rendered_lists()
    rare = search_queries(capture(rare_path)[1]) or [fallback_search_sql(RARE_WORD_FOR_EXPLAIN)]
    print()
    print(f"EXPLAIN (ANALYZE, BUFFERS) of the selective search ({rare_path}):")
    uses_gin = True
    for sql in rare:
        plan = explain(sql)
        uses_gin &= any(GIN_INDEX in line for line in plan)
        print("  " + sql[:300] + (" ..." if len(sql) > 300 else ""))
        for line in plan:
            print("    " + line)
    print(f"GIN index {GIN_INDEX} used by every search query: {verdict(uses_gin)}")
    outcomes.append(uses_gin)
    forget_rendered_lists()
    third = search_queries(capture(third_path)[1])
    if third:
        print()
        print(f"Search matching a third of the rows ({third_path}), per query:")
        for sql in third:
            plan = explain(sql)
            timing = [line.strip() for line in plan if line.strip().startswith("Execution Time")]
            print(f"  {plan[0].strip()[:90]}  {timing[0] if timing else ''}")
    print()
    failed = outcomes.count(False)
    print(
        f"{len(outcomes) - failed} of {len(outcomes)} targets met"
        + (f", {failed} FAILED" if failed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
