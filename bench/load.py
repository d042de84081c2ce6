"""A small HTTP load generator: threads, one keep-alive ``http.client`` connection per thread.

Bounded by a request count and a time limit; loopback only. Latency is measured from sending the
request to having read the whole body. Servers that close the connection after each response
(gunicorn's sync workers) are handled: ``http.client`` reconnects on the next request.

A request is a path, or a ``(path, session key)`` pair: the request then carries that session's
cookie (a signed-in member, ``bench.seed.member_sessions``). ``per_thread`` gives each client
thread a list of its own (e.g. half the clients signed in, half visitors).
"""

from __future__ import annotations

import http.client
import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    elapsed: float = 0.0
    bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds (``nan`` without data)."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(math.ceil(p / 100 * len(ordered)) - 1, 0)
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else math.nan

    @property
    def ok(self) -> bool:
        return self.errors == 0 and set(self.statuses) == {200}


Request = str | tuple[str, str | None]
SESSION_COOKIE = "sessionid"


def _split(request: Request) -> tuple[str, dict[str, str]]:
    path, session = (request, None) if isinstance(request, str) else request
    headers = {"Accept": "text/html"}
    if session:
        headers["Cookie"] = f"{SESSION_COOKIE}={session}"
    return path, headers


def run_load(
    base_url: str,
    paths: Sequence[Request],
    *,
    concurrency: int = 1,
    requests: int = 100,
    max_seconds: float = 30.0,
    per_thread: Sequence[Sequence[Request]] | None = None,
    close: bool = False,
) -> LoadResult:
    """GET ``paths`` in turn (round robin) with ``concurrency`` threads until ``requests`` are done
    or ``max_seconds`` have passed (with ``per_thread``, thread ``i`` takes its turn in
    ``per_thread[i % len(per_thread)]``). Only 200 responses count as latencies; other statuses
    and connection errors are counted apart. With ``close``, every request has a connection of
    its own (the server's workers take turns accepting them)."""
    parts = urlsplit(base_url)
    if parts.hostname not in LOOPBACK:
        raise ValueError("the load generator only talks to loopback addresses")
    if not paths or (per_thread is not None and not all(per_thread)):
        raise ValueError("no paths to request")
    host, port = parts.hostname, parts.port or 80
    result = LoadResult(concurrency=concurrency)
    lock = threading.Lock()
    counter = itertools.count()
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(own: Sequence[Request]) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=max(max_seconds, 10))
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        errors, nbytes = 0, 0
        start.wait()
        while True:
            i = next(counter)
            if i >= requests or time.perf_counter() > deadline[0]:
                break
            path, headers = _split(own[i % len(own)])
            if close:
                headers["Connection"] = "close"
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - t0
            if close:
                conn.close()
            statuses[response.status] += 1
            nbytes += len(body)
            if response.status == 200:
                latencies.append(elapsed)
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)
            result.errors += errors
            result.bytes += nbytes

    lists = [
        per_thread[n % len(per_thread)] if per_thread is not None else paths
        for n in range(concurrency)
    ]
    threads = [threading.Thread(target=worker, args=(own,), daemon=True) for own in lists]
    for thread in threads:
        thread.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + max_seconds
    start.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - t0
    return result
