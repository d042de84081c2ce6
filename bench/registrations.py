"""Registration burst (issue 11): 300 registrations posted through HTTP at once (16 clients)
against gunicorn and PostgreSQL, for an academy with 45 places, 3 per city (15 cities).

    .venv/bin/python bench/registrations.py                     # 300 members, c=16
    .venv/bin/python bench/registrations.py --members 600 --concurrency 32

Prints the confirmed count and the confirmed per city, the waitlisted count and whether the
waiting list follows the order in which the server received the requests, the errors, and the
latency (p50, p95). Targets: exactly 45 confirmed, no city over 3, 0 errors, p95 <= 250 ms.

Each run starts from a fresh academy in the benchmark database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/pactesur_bench``; its members, made once, are reused). Every
client is a signed-in member with its own session and CSRF token, posting the registration form
as a browser does. Not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402
from bench.run import (  # noqa: E402
    configure_environment,
    free_port,
    migrate_and_collectstatic,
    setup_django,
    start_server,
    stop_server,
)

EMAIL_DOMAIN = "burst.bench.example.org"
CSRF_TOKEN = "b" * 32  # the form's token and the cookie's, as a browser sends them
CAPACITY, PER_CITY = 45, 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument(
        "--lock-sample", type=int, default=60, help="registrations timed in process (60)"
    )
    return parser.parse_args(argv)


def members(n: int) -> list[Any]:
    """``n`` approved police members spread over the 15 cities (made once, then reused)."""
    from accounts.models import Membership, User
    from cities.models import Body, City

    bodies = list(
        Body.objects.filter(city__in=City.objects.in_project())
        .exclude(type=Body.Type.NETWORK_SECRETARIAT)
        .order_by("city__name")
    )
    users = []
    for i in range(n):
        user, created = User.objects.get_or_create(
            email=f"member{i}@{EMAIL_DOMAIN}", defaults={"full_name": f"Member {i}"}
        )
        if created:
            Membership.objects.create(
                user=user, body=bodies[i % len(bodies)], status=Membership.Status.APPROVED
            )
        users.append(user)
    return users


def sessions(users: list[Any]) -> list[str]:
    """A signed-in session per member, as the login form leaves it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in users:
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "accounts.backends.AuthenticationBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def academy() -> Any:
    """A fresh published academy: 45 places, 3 for each of the 15 cities."""
    import datetime as dt

    from django.utils import timezone

    from cities.models import Body, City
    from moderation.models import Status, Visibility
    from trainings.models import SeatAllocation, Session, Training

    nice = Body.objects.get(city__slug="nice")
    start = timezone.now() + dt.timedelta(days=30)
    end = start + dt.timedelta(hours=8)
    training = Training.objects.create(
        title=f"Burst academy {timezone.now():%H%M%S}", body=nice, city=nice.city,
        kind=Training.Kind.ACADEMY, summary="Bench.", languages="en", capacity=CAPACITY,
        audience=Training.Audience.MEMBERS, status=Status.PUBLISHED,
        visibility=Visibility.NETWORK, published_at=timezone.now(),
        first_start=start, last_end=end,
    )  # fmt: skip
    Session.objects.create(training=training, starts_at=start, ends_at=end)
    for city in City.objects.in_project():
        SeatAllocation.objects.create(training=training, city=city, seats=PER_CITY)
    return training


def lock_hold(users: list[Any]) -> tuple[list[float], list[str]]:
    """Register ``users`` one after the other, in process, for a fresh academy, and time how long
    each registration holds the training's row lock: from sending the ``SELECT ... FOR UPDATE`` to
    the end of the ``COMMIT`` (what any other registration of the training waits for). Returns
    the times in seconds and the statements run under the lock by the last registration."""
    from django.db import connection, transaction

    from trainings import services

    training = academy()
    held: list[float] = []
    statements: list[str] = []
    locked_at: list[float] = []
    committed: list[float] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "FOR UPDATE" in sql and '"trainings_training"' in sql:
            locked_at.append(time.perf_counter())
            statements.clear()
            # The first callback after the COMMIT: the lock is released then.
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
        if locked_at:
            statements.append(sql.split(" WHERE ")[0][:90])
        return execute(sql, params, many, context)

    for user in users:
        locked_at.clear()
        committed.clear()
        user = type(user).objects.get(pk=user.pk)  # a fresh request's user
        with connection.execute_wrapper(watch):
            services.registration_create(training=training, by=user)
        if locked_at and committed:
            held.append(committed[0] - locked_at[0])
    assert not transaction.get_connection().in_atomic_block
    return held, [*statements, "COMMIT"]


def burst(
    port: int, path: str, keys: list[str], concurrency: int
) -> tuple[list[float], list[str], dict[int, float]]:
    """POST the registration form once per session, ``concurrency`` clients at a time; returns
    (latencies in seconds, errors, when each session's request was sent)."""
    body = f"csrfmiddlewaretoken={CSRF_TOKEN}&note=".encode()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sent: dict[int, float] = {}
    queue = list(enumerate(keys))
    barrier = threading.Barrier(concurrency)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    break
                index, key = queue.pop(0)
            headers = {
                "Cookie": f"sessionid={key}; csrftoken={CSRF_TOKEN}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{port}",
                "Referer": f"http://127.0.0.1:{port}{path}",
            }
            started = time.perf_counter()
            sent[index] = started
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status == 302:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"HTTP {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                with lock:
                    errors.append(type(exc).__name__)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, sent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def report(
    training: Any,
    latencies: list[float],
    errors: list[str],
    sent_by_user: dict[int, float],
) -> None:
    from trainings.models import Registration

    rows = list(
        Registration.objects.filter(training=training)
        .select_related("city")
        .order_by("created_at", "pk")
    )
    confirmed = [r for r in rows if r.status == Registration.Status.CONFIRMED]
    waiting = [r for r in rows if r.status == Registration.Status.WAITLISTED]
    per_city = Counter(r.city.name if r.city else "-" for r in confirmed)
    # Arrival order: when the client sent each request. The server takes them in the order it
    # gets the training's lock, so requests sent within a few milliseconds of each other may
    # swap: count the pairs of neighbours (by sending time) whose positions are reversed, and
    # how far apart in time the farthest swapped pair was sent.
    by_sending = sorted(waiting, key=lambda r: sent_by_user[r.user_id])
    swaps = [
        sent_by_user[b.user_id] - sent_by_user[a.user_id]
        for a, b in itertools.pairwise(by_sending)
        if (a.position or 0) > (b.position or 0)
    ]
    inversions = len(swaps)
    positions = [r.position for r in waiting]
    p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    print(f"registrations posted:   {len(latencies) + len(errors)}")
    ok = len(confirmed) == CAPACITY
    print(f"confirmed:              {len(confirmed)} (target {CAPACITY}) {verdict(ok)}")
    print("confirmed per city:     " + ", ".join(f"{c} {n}" for c, n in sorted(per_city.items())))
    top = max(per_city.values(), default=0)
    print(f"most in one city:       {top} (target <= {PER_CITY}) {verdict(top <= PER_CITY)}")
    print(f"waitlisted:             {len(waiting)}")
    print(
        f"waiting list in arrival order: {'yes' if not inversions else 'no'} "
        f"({inversions} neighbours swapped of {max(0, len(positions) - 1)}, sent at most "
        f"{max(swaps, default=0) * 1000:.0f} ms apart)"
    )
    print(f"errors:                 {len(errors)} {verdict(not errors)} {Counter(errors) or ''}")
    print(f"latency p50:            {p50:.0f} ms")
    print(f"latency p95:            {p95:.0f} ms (target <= 250) {verdict(p95 <= 250)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", db.DEFAULT_URL)
    if not db.exists(url):
        db.create(url)
    env = configure_environment(url)
    setup_django()
    migrate_and_collectstatic()
    from django.urls import reverse

    users = members(args.members)
    keys = sessions(users)
    held, statements = lock_hold(members(args.lock_sample))
    print(
        f"Training row lock held per registration ({len(held)} registered one after the other, "
        f"in process): p50 {percentile(held, 50) * 1000:.2f} ms, p95 "
        f"{percentile(held, 95) * 1000:.2f} ms; under the lock: " + "; ".join(statements)
    )
    training = academy()
    path = reverse("trainings:register", kwargs={"pk": training.pk})
    port = free_port()
    server = start_server(port, args.workers, args.threads, env)
    try:
        print(
            f"Registration burst: {len(keys)} members, c={args.concurrency}, gunicorn "
            f"{args.workers}x{args.threads}, academy of {CAPACITY} places ({PER_CITY} per city)"
        )
        latencies, errors, sent = burst(port, path, keys, args.concurrency)
    finally:
        stop_server(server)
    report(training, latencies, errors, {users[i].pk: t for i, t in sent.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
