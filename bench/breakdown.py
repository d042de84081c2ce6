"""Where a page's time goes, in process: ``.venv/bin/python bench/breakdown.py [options] URL...``

Runs each URL through Django's test client against the benchmark database (seeded by
``bench/run.py``), with the benchmark's settings, as a visitor or as one of the bench members
(``--reader``: "member", "coordinator (not police)", "Efus staff"...), and prints the mean time
per request split into database time (every query, timed by an execution wrapper) and the rest
(Python: view, forms, templates, middleware), and the process's CPU time per request (which the
other work on a shared machine disturbs less than the wall clock). ``--cold`` empties the list
cache, then gives every request a query string of its own (``&cold=<n>``), as the benchmark's
cold scenarios do: every page is rendered, with what earlier requests left in the cache (cards,
counts). ``--cprofile`` also prints the functions with the most time. Without URLs, the
benchmark's pages are measured.

``--without LAYER,...`` measures the pages without some of the list cache's layers (each
rendering is then built on every request), to see what each layer saves: ``list`` (the page
below its title), ``form`` (the filter form), ``count``, ``cards``, ``filter-choices``, ``home``,
``city``, ``more`` (a practice's related lists). ``bench/README.md`` has the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402
from bench.run import configure_environment, setup_django  # noqa: E402


class QueryTimer:
    """An execution wrapper that adds up the time spent in the database."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def without_layers(layers: set[str]) -> None:
    """Build the renderings of these layers on every request (``lists.cache.Renderings``: a
    rendering is named by its first part, cards by their ``card-`` keys)."""
    from lists.cache import Renderings

    get, get_many = Renderings.get, Renderings.get_many

    def patched_get(self: Any, parts: Any, build: Any) -> Any:
        parts = list(parts)
        return build() if parts[0] in layers else get(self, parts, build)

    def patched_get_many(self: Any, keys: Any, build: Any) -> Any:
        return build(list(keys)) if "cards" in layers else get_many(self, keys, build)

    Renderings.get = patched_get  # type: ignore[method-assign]
    Renderings.get_many = patched_get_many  # type: ignore[method-assign]
    if layers:
        print(f"Without: {', '.join(sorted(layers))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--repeat", type=int, default=50, help="requests per URL (50)")
    parser.add_argument("--cprofile", action="store_true", help="print the top functions")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="a query string of its own for every request, as the benchmark's cold scenarios",
    )
    parser.add_argument("--reader", default="visitor", help="who reads (visitor)")
    parser.add_argument(
        "--without", default="", help="layers of the list cache to leave out, e.g. form,cards"
    )
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative)")
    parser.add_argument("--top", type=int, default=25, help="functions printed (25)")
    args = parser.parse_args(argv)

    configure_environment(os.environ.get("BENCH_DATABASE_URL", db.DEFAULT_URL))
    setup_django()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"  # the ceiling too
    from django.db import connection
    from django.test import Client

    from bench.run import VISITORS, as_pairs, build_scenarios, forget_rendered_lists, readers

    without_layers({layer for layer in args.without.split(",") if layer})

    urls = args.urls or [
        as_pairs(s.requests)[0][0]
        for s in build_scenarios([""])
        if s.key != "ceiling" and s.who == VISITORS and not s.cold
    ]
    client = Client()
    user = readers()[args.reader]
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    print(f"Reader: {args.reader}")
    print(f"{'URL':60} {'ms/req':>8} {'db ms':>8} {'other ms':>9} {'cpu ms':>7} {'queries':>8}")
    for url in urls:
        for _ in range(5):  # warm caches, connections and templates
            client.get(url)
        if args.cold:
            forget_rendered_lists()
        timer = QueryTimer()
        profiler = cProfile.Profile() if args.cprofile else None
        with connection.execute_wrapper(timer):
            cpu = time.process_time()
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            for i in range(args.repeat):
                response = client.get(
                    f"{url}{'&' if '?' in url else '?'}cold={i}" if args.cold else url
                )
            if profiler:
                profiler.disable()
            total = time.perf_counter() - start
            cpu = time.process_time() - cpu
        per = 1000 / args.repeat
        print(
            f"{url[:60]:60} {total * per:8.2f} {timer.seconds * per:8.2f}"
            f" {(total - timer.seconds) * per:9.2f} {cpu * per:7.2f}"
            f" {timer.count / args.repeat:8.1f}"
            + ("" if response.status_code == 200 else f"  (status {response.status_code})")
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
