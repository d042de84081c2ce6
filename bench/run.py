"""The practices benchmark (issue 3, "Performance"): ``make bench`` runs ``bench/run.py``.

1. Creates or reuses the dedicated PostgreSQL database ``BENCH_DATABASE_URL``
   (default postgres://postgres@127.0.0.1:5432/pactesur_bench), migrates it, seeds it.
2. Starts gunicorn on a free loopback port with ``bench.wsgi:application``.
3. Measures the ceiling and the practice pages at concurrency 1 and 8, counts queries per page,
   prints the EXPLAIN of the selective search and a table with the issue's targets.

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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402
from bench.load import LoadResult, run_load  # noqa: E402
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


@dataclass
class Scenario:
    key: str
    label: str
    paths: list[str]
    # (concurrency, metric, comparison, value): metric is "p50", "p95" or "rps".
    targets: list[tuple[int, str, str, float]] = field(default_factory=list)
    # Cold: the list cache is emptied before each measurement and every request has its own
    # query string, so every page is rendered from the database.
    cold: bool = False


def cold_variant(scenario: Scenario, requests: int) -> Scenario:
    """The same pages, each request with a query string of its own (``&cold=<n>``, which the
    filters ignore): nothing comes from the list cache."""
    paths = [
        f"{path}{'&' if '?' in path else '?'}cold={i}"
        for i, path in zip(range(requests), itertools.cycle(scenario.paths), strict=False)
    ]
    return Scenario(
        f"{scenario.key}_cold", f"{scenario.label}, cold", paths, scenario.targets, cold=True
    )


def forget_rendered_lists() -> None:
    """Empty the list cache (``moderation.cache``): after seeding, and before cold measurements."""
    from moderation.cache import content_changed
    from practices.signals import LIST_CACHE

    content_changed(LIST_CACHE)


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


def build_scenarios(requests: int = 1000) -> list[Scenario]:
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from bench.text import RARE_WORDS, THIRD_WORDS
    from cities.models import City, Theme
    from practices.models import Practice

    anonymous = AnonymousUser()
    r = random.Random(42)
    public = list(
        Practice.objects.visible_to(anonymous).order_by("?").values_list("pk", "slug")[:300]
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
    scenarios = [
        Scenario("ceiling", "ceiling (1 row)", [f"/bench/ceiling/?pk={pk}" for pk, _ in public]),
        Scenario(
            "list",
            "list, filtered",
            list_paths,
            [(1, "p50", "<=", 20.0), (8, "rps", ">=", 150.0)],
        ),
        Scenario(
            "detail",
            "detail",
            [
                reverse("practices:detail", kwargs={"pk": pk, "slug": slug or "practice"})
                for pk, slug in public
            ],
        ),
        Scenario(
            "search_rare",
            "search, ~10 rows",
            [f"{list_url}?q={w}" for w in RARE_WORDS],
            [(1, "p50", "<=", 25.0)],
        ),
        Scenario(
            "search_third",
            "search, 1/3 rows",
            [f"{list_url}?q={w}" for w in THIRD_WORDS],
            [(1, "p95", "<=", 150.0)],
        ),
    ]
    cached = [s for s in scenarios if s.key in ("list", "search_rare", "search_third")]
    return scenarios + [cold_variant(s, requests) for s in cached]


def probe(base_url: str, path: str) -> int:
    try:
        with urllib.request.urlopen(base_url + path, timeout=30) as r:  # noqa: S310
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


# --- In-process checks: queries per page, EXPLAIN ---------------------------------------------


def capture(path: str) -> tuple[int, list[str]]:
    """GET ``path`` in-process as an anonymous visitor: (status, SQL of each query)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = Client(raise_request_exception=False).get(path)
    return response.status_code, [q["sql"] for q in ctx.captured_queries]


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [row[0] for row in cursor.fetchall()]


def fallback_search_sql(word: str) -> str:
    """The search query itself (first page, by relevance), when the list page is not there."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from practices.models import Practice

    qs = Practice.objects.visible_to(AnonymousUser()).search(word).order_by("-rank", "-pk")[:20]
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

    def metric(self, name: str) -> float:
        return getattr(self, name)


def measure(base_url: str, scenarios: list[Scenario], args: argparse.Namespace) -> list[Figure]:
    print(f"Warm-up: {args.warmup} requests per scenario at concurrency 8...")
    for scenario in scenarios:
        run_load(base_url, scenario.paths, concurrency=8, requests=args.warmup, max_seconds=30)
    figures = {(s.key, c): Figure(s, c, []) for c in CONCURRENCIES for s in scenarios}
    for round_ in range(1, args.rounds + 1):
        for concurrency in CONCURRENCIES:
            for scenario in scenarios:
                if scenario.cold:
                    forget_rendered_lists()
                result = run_load(
                    base_url,
                    scenario.paths,
                    concurrency=concurrency,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                )
                figures[(scenario.key, concurrency)].runs.append(result)
                print(
                    f"  round {round_} c={concurrency} {scenario.label}: {result.requests} ok, "
                    f"p50 {fmt(result.p50)} ms, p95 {fmt(result.p95)} ms, "
                    f"{fmt(result.rps, 0)} req/s"
                    + (
                        f", statuses {dict(result.statuses)}, errors {result.errors}"
                        if not result.ok
                        else ""
                    )
                )
    return [figures[(s.key, c)] for s in scenarios for c in CONCURRENCIES]


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


def print_table(figures: list[Figure]) -> list[bool]:
    ceiling = {f.concurrency: f for f in figures if f.scenario.key == "ceiling"}
    header = (
        f"{'scenario':<24} {'c':>2} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} "
        f"{'p50 x ceil':>10} {'req/s % ceil':>12}  target"
    )
    print(header)
    print("-" * (len(header) + 24))
    outcomes = []
    for f in figures:
        base = ceiling.get(f.concurrency)
        ratio_p50 = f.p50 / base.p50 if base and base.p50 else math.nan
        ratio_rps = 100 * f.rps / base.rps if base and base.rps else math.nan
        targets = [t for t in f.scenario.targets if t[0] == f.concurrency]
        notes = []
        for _c, metric, comparison, value in targets:
            ok = passes(f.metric(metric), comparison, value) and not f.failures
            outcomes.append(ok)
            notes.append(f"{metric} {comparison} {value:g}: {verdict(ok)}")
        if f.failures:
            notes.append(f"{f.failures} non-200 responses or errors")
        print(
            f"{f.scenario.label:<24} {f.concurrency:>2} {f.requests:>8} {fmt(f.p50):>8} "
            f"{fmt(f.p95):>8} {fmt(f.rps, 0):>7} {fmt(ratio_p50, 2):>10} {fmt(ratio_rps, 0):>12}  "
            + ("; ".join(notes) or "(no target)")
        )
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", db.DEFAULT_URL)
    print(f"PACTESUR practices benchmark, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores")
    print(f"Database: {url} (rows {args.rows}, cities {args.cities})")
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
        seconds = report.seconds + vacuum
        steps = {**report.steps, "VACUUM ANALYZE": vacuum}
        db.write_marker(url, rows=args.rows, cities=args.cities, seconds=seconds, steps=steps)
        seeded = "seeded now"
    else:
        seconds = marker.seconds
        seeded = f"seeded {marker.seeded_at[:16]}, reused (--reseed to rebuild)"
    print(f"Seeding time: {seconds:.1f} s ({seeded})")

    forget_rendered_lists()  # renderings of an earlier seeding must not be served
    scenarios = build_scenarios(args.warmup + args.requests)
    port = free_port()
    command = gunicorn_command(port, args.workers, args.threads)
    print("Server:", " ".join(command[1:]))
    server = start_server(port, args.workers, args.threads, env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        unavailable = [s for s in scenarios if probe(base_url, s.paths[0]) != 200]
        for s in unavailable:
            print(f"NOT AVAILABLE: {s.label} ({s.paths[0]} does not answer 200): not measured")
        measured = [s for s in scenarios if s not in unavailable]
        load_avg = os.getloadavg()
        if load_avg[0] > 1.0:
            print(
                f"NOTE: load average {load_avg[0]:.2f} before measuring: other work shares the "
                f"{os.cpu_count()} cores, the figures will be pessimistic (compare the ratios)."
            )
        figures = measure(base_url, measured, args)
        load_after = os.getloadavg()
    finally:
        if args.keep_server:
            print(f"gunicorn left running at {base_url} (pid {server.pid})")
        else:
            stop_server(server)

    # Queries per page, in-process, anonymous visitor.
    by_key = {s.key: s for s in scenarios}
    pages = {
        "list, filtered": by_key["list"].paths[0],
        "list, no filter": reverse_list(),
        "search, ~10 rows": by_key["search_rare"].paths[0],
        "search, 1/3 rows": by_key["search_third"].paths[0],
        "detail": by_key["detail"].paths[0],
    }
    captured = {}
    for name, path in pages.items():
        forget_rendered_lists()  # the queries of a page rendered from the database
        captured[name] = capture(path)

    print()
    print("=" * 100)
    print(
        f"RESULTS: {args.rows} published practices, {args.cities} cities; gunicorn "
        f"{args.workers} workers x {args.threads} thread(s); load average before/after "
        f"{load_avg[0]:.2f}/{load_after[0]:.2f}; {args.rounds} round(s), medians"
    )
    print("=" * 100)
    outcomes = print_table(figures)
    print()
    print("Queries per page (anonymous, in-process test client):")
    for name, (status, sqls) in captured.items():
        ok = status == 200 and len(sqls) <= QUERY_BUDGET
        outcomes.append(ok)
        print(
            f"  {name:<20} {len(sqls):>3} queries (status {status})  "
            f"<= {QUERY_BUDGET}: {verdict(ok)}"
        )
    print()
    print(f"Seeding {args.rows} rows: {seconds:.1f} s  < 120 s: {verdict(seconds < 120)}")
    outcomes.append(seconds < 120)

    rare = search_queries(captured["search, ~10 rows"][1])
    if not rare:
        rare = [fallback_search_sql(RARE_WORD_FOR_EXPLAIN)]
    print()
    print(f"EXPLAIN (ANALYZE, BUFFERS) of the selective search ({pages['search, ~10 rows']}):")
    uses_gin = True
    for sql in rare:
        plan = explain(sql)
        uses_gin &= any(GIN_INDEX in line for line in plan)
        print("  " + sql[:300] + (" ..." if len(sql) > 300 else ""))
        for line in plan:
            print("    " + line)
    print(f"GIN index {GIN_INDEX} used by every search query: {verdict(uses_gin)}")
    outcomes.append(uses_gin)
    third = search_queries(captured["search, 1/3 rows"][1])
    if third:
        print()
        print(f"Search matching a third of the rows ({pages['search, 1/3 rows']}), per query:")
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


def reverse_list() -> str:
    from django.urls import reverse

    return reverse("practices:list")


if __name__ == "__main__":
    sys.exit(main())
