"""The digest benchmark (issue 10, "Performance and reliability"): ``make bench-digest``.

1. Creates afresh the PostgreSQL database ``BENCH_DIGEST_DATABASE_URL`` (default
   postgres://postgres@127.0.0.1:5432/pactesur_bench_digest), migrates it, and seeds a realistic
   week: 40 practices published in it (both languages, mostly public, some network and police
   only, across the themes), and 10,000 confirmed subscribers (public and members, English and
   French, with and without themes), each with something new.
2. Starts a private redis-server (the broker) and an aiosmtpd sink on the loopback, in this
   process, that counts messages by their Message-ID (one per ledger row).
3. **Throughput**: one Celery worker (prefork, 2 processes); the beat task is published, and the
   clock runs until the sink has every digest. Prints the total time against the 60 s target.
4. **Anchor**: the same number of pre-rendered messages sent by Django's ``send_messages`` over
   one connection to the same sink; prints the digest's rate as a fraction of it (target 0.5).
5. **Memory**: the worker's RSS (main and pool processes) sampled during the run; prints the peak
   in the first and the last quarter (by messages delivered) and the growth (target < 10 %).
6. **Fault run**: the same week again from scratch; the worker is SIGKILLed (the whole process
   group) at half way and started again; prints lost and duplicated digests (target 0 and 0).
   Then the weekly job runs twice more: prints the duplicates (target 0).

A benchmark, not a test: it prints figures and exits 0. ``--subscribers`` and ``--practices``
scale it down (``tests/test_bench_digest.py`` runs it tiny).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pactesur_bench_digest"
CELERY = str(Path(sys.executable).with_name("celery"))
TARGET_SECONDS = 60.0
TARGET_RATIO = 0.5
TARGET_GROWTH = 0.10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--subscribers", type=int, default=10_000)
    p.add_argument("--practices", type=int, default=40)
    p.add_argument("--members", type=float, default=0.3, help="share of member subscribers")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--no-fault", action="store_true", help="skip the fault run")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds a run may take")
    return p.parse_args(argv)


# --- The SMTP sink --------------------------------------------------------------------------------


class Sink:
    """aiosmtpd in a thread: counts accepted messages by Message-ID (one per ledger row)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.counts: collections.Counter[str] = collections.Counter()
        self.total = 0
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = ""
        for line in envelope.original_content.split(b"\r\n"):
            if not line:
                break
            if line[:11].lower() == b"message-id:":
                message_id = line[11:].strip().decode()
                break
        with self.lock:
            self.counts[message_id] += 1
            self.total += 1
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.total = 0

    def stop(self) -> None:
        self.controller.stop()


# --- Processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is needed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_worker(env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen:
    out = log.open("a")
    return subprocess.Popen(
        [CELERY, "-A", "pactesur", "worker", "--pool=prefork", "-c", str(concurrency),
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen, *, kill: bool = False) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def group_rss(proc: subprocess.Popen) -> int:
    """Resident memory (bytes) of the worker and its pool processes (its process group)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != proc.pid:  # the process group id
                continue
            total += int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


# --- Seeding --------------------------------------------------------------------------------------


def seed(subscribers: int, practices: int, member_share: float) -> None:
    """A realistic week: ``practices`` published in the current period, ``subscribers``
    confirmed subscribers whose previous digest was the last period's."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Membership, User
    from bench import seed as practice_seed
    from cities.models import Body, Theme
    from digests.models import Subscriber
    from digests.periods import Period
    from moderation.models import Visibility
    from practices.models import Practice

    rng = random.Random(10)
    period = Period.current()
    start = period.previous().cutoff
    practice_seed.seed_practices(practices, 15)
    themes = list(Theme.objects.order_by("pk"))
    with transaction.atomic():
        for index, practice in enumerate(Practice.objects.order_by("pk")):
            practice.published_at = start + dt.timedelta(minutes=rng.randrange(1, 6 * 24 * 60))
            practice.original_language = "fr" if index % 2 else "en"
            practice.visibility = rng.choices(
                [Visibility.PUBLIC, Visibility.NETWORK, Visibility.POLICE], [8, 1, 1]
            )[0]
            practice.save(update_fields=["published_at", "original_language", "visibility"])
            practice.themes.set(rng.sample(themes, 2))
            if index < len(themes):  # every theme has a public item: no digest is empty
                practice.visibility = Visibility.PUBLIC
                practice.save(update_fields=["visibility"])
                practice.themes.add(themes[index])
        bodies = list(
            Body.objects.filter(city__slug__in=["nice", "madrid", "turin", "liege", "brussels"])
        )
        members = int(subscribers * member_share)
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"member{n}@bench.example.org",
                    full_name=f"Member {n}",
                    password=password,
                    language="fr" if n % 2 else "en",
                )
                for n in range(members)
            ],
            batch_size=1000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    body=bodies[n % len(bodies)],
                    status=Membership.Status.APPROVED,
                    decided_at=start,
                )
                for n, user in enumerate(users)
            ],
            batch_size=1000,
        )
        confirmed = start - dt.timedelta(days=30)
        rows = []
        for n in range(subscribers):
            user = users[n] if n < members else None
            rows.append(
                Subscriber(
                    email=user.email if user else f"reader{n}@bench.example.org",
                    user=user,
                    language=("fr", "en", "it")[n % 3],
                    status=Subscriber.Status.CONFIRMED,
                    requested_at=confirmed,
                    confirmed_at=confirmed,
                    last_digest_at=start,
                )
            )
        created = Subscriber.objects.bulk_create(rows, batch_size=1000)
        through = Subscriber.themes.through
        links = []
        for subscriber in created:
            if rng.random() < 0.5:  # half choose 1 to 3 themes, the others get every theme
                for theme in rng.sample(themes, rng.randint(1, 3)):
                    links.append(through(subscriber_id=subscriber.pk, theme_id=theme.pk))
        through.objects.bulk_create(links, batch_size=5000)


def reset_week() -> None:
    """Forget the run: the same week is sent again from scratch (the fault run)."""
    from accounts.models import OutboundEmail
    from digests.models import DigestRun, Subscriber
    from digests.periods import Period

    OutboundEmail.objects.all().delete()
    DigestRun.objects.all().delete()
    Subscriber.objects.update(last_digest_at=Period.current().previous().cutoff, hard_bounces=0)


# --- Runs -----------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float = 0.0
    delivered: int = 0
    rss_first: int = 0
    rss_last: int = 0
    samples: list[tuple[int, int]] = field(default_factory=list)  # (delivered, rss)


def publish(broker: str, task: str, *args: str) -> None:
    from celery import Celery

    app = Celery("pactesur", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker, task_always_eager=False)
    try:
        app.send_task(task, args=list(args), ignore_result=True)
    finally:
        app.close()


def pending() -> int:
    from accounts.models import OutboundEmail

    return OutboundEmail.objects.filter(kind="digest", status="pending").count()


def throughput_run(
    env: dict[str, str], broker: str, sink: Sink, expected: int, args: argparse.Namespace, log: Path
) -> Run:
    from digests.periods import Period

    worker = start_worker(env, args.concurrency, log)
    run = Run()
    try:
        time.sleep(3)  # the worker is up and listening (its start is not the digest's time)
        started = time.monotonic()
        publish(broker, "digests.tasks.run_digest", str(Period.current()))
        deadline = started + args.timeout
        while sink.total < expected and time.monotonic() < deadline:
            run.samples.append((sink.total, group_rss(worker)))
            time.sleep(0.2)
        run.seconds = time.monotonic() - started
        run.delivered = sink.total
    finally:
        stop(worker)
    quarter = expected / 4
    first = [rss for done, rss in run.samples if done <= quarter]
    last = [rss for done, rss in run.samples if done >= 3 * quarter]
    run.rss_first, run.rss_last = max(first, default=0), max(last, default=0)
    return run


def anchor_rate(sink: Sink, count: int) -> float:
    """Messages a second that Django's SMTP backend sends over one connection, pre-rendered
    (one digest's subject, text and HTML, to ``count`` addresses)."""
    from django.core.mail import EmailMultiAlternatives
    from django.core.mail.backends.smtp import EmailBackend

    from accounts import emails
    from digests import notifications
    from digests.models import Subscriber

    subscriber = Subscriber.objects.filter(user=None).first()
    assert subscriber is not None
    preview = notifications.digest_preview(subscriber)
    messages = []
    for n in range(count):
        message = EmailMultiAlternatives(
            preview.subject,
            preview.text,
            to=[f"anchor{n}@bench.example.org"],
            headers={"Message-ID": emails._message_id()},
        )
        message.attach_alternative(preview.html, "text/html")
        messages.append(message)
    backend = EmailBackend(host="127.0.0.1", port=sink.port, use_tls=False, fail_silently=False)
    started = time.monotonic()
    backend.open()
    backend.send_messages(messages)
    backend.close()
    return count / (time.monotonic() - started)


def fault_run(
    env: dict[str, str], broker: str, sink: Sink, expected: int, args: argparse.Namespace, log: Path
) -> tuple[int, int, int, float]:
    """SIGKILL the whole worker at half way, start it again, finish (the sweep as beat would send
    it); then the weekly job twice more. Returns (lost, duplicated, duplicated by the reruns,
    seconds)."""
    from accounts.models import OutboundEmail
    from digests.periods import Period

    started = time.monotonic()
    worker = start_worker(env, args.concurrency, log)
    try:
        time.sleep(3)
        publish(broker, "digests.tasks.run_digest", str(Period.current()))
        deadline = time.monotonic() + args.timeout
        while sink.total < expected // 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop(worker, kill=True)
    worker = start_worker(env, args.concurrency, log)
    try:
        deadline = time.monotonic() + args.timeout
        while pending() and time.monotonic() < deadline:
            publish(broker, "accounts.tasks.sweep_emails")
            time.sleep(2)
        seconds = time.monotonic() - started
        sent = set(OutboundEmail.objects.filter(kind="digest").values_list("message_id", flat=True))
        lost = len(sent - set(sink.counts))
        duplicated = sum(1 for n in sink.counts.values() if n > 1)
        before = dict(sink.counts)
        for _ in range(2):  # the weekly job again, twice
            publish(broker, "digests.tasks.run_digest", str(Period.current()))
        time.sleep(5)
        while pending() and time.monotonic() < deadline:
            time.sleep(1)
        rerun = sum(n - before.get(mid, 0) for mid, n in sink.counts.items())
    finally:
        stop(worker)
    return lost, duplicated, rerun, seconds


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DIGEST_DATABASE_URL", DEFAULT_URL)
    if "bench" not in db.database_name(url):
        sys.exit("the benchmark database's name must contain 'bench' (it is dropped)")
    if db.exists(url):
        db.drop(url)
    db.create(url)
    var = Path(tempfile.mkdtemp(prefix="pactesur-bench-digest-"))
    redis, broker = start_redis(var)
    sink = Sink()
    base_env = {
        "DJANGO_SETTINGS_MODULE": "pactesur.settings",
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "SITE_URL": "https://pactesur.example.org",
    }
    os.environ.update(base_env)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CACHE_URL", None)
    os.environ["CELERY_BROKER_URL"] = broker
    import django

    django.setup()
    from django.core.management import call_command

    log = var / "worker.log"
    try:
        t = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        seed(args.subscribers, args.practices, args.members)
        print(
            f"Seeded {args.subscribers} subscribers ({args.members:.0%} members) and "
            f"{args.practices} practices in {time.monotonic() - t:.1f} s; worker log: {log}"
        )
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}},
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        }
        expected = args.subscribers
        run = throughput_run(env, broker, sink, expected, args, log)
        rate = run.delivered / run.seconds if run.seconds else 0.0
        duplicates = sum(1 for n in sink.counts.values() if n > 1)
        sink.reset()
        anchor = anchor_rate(sink, expected)
        sink.reset()
        ratio = rate / anchor if anchor else 0.0
        growth = (run.rss_last - run.rss_first) / run.rss_first if run.rss_first else 0.0
        mb = 1024 * 1024
        rows = [
            ("delivered", f"{run.delivered}/{expected}", "all", run.delivered == expected),
            (
                "total time, beat task to last message",
                f"{run.seconds:.1f} s",
                f"<= {TARGET_SECONDS:.0f} s",
                run.seconds <= TARGET_SECONDS and run.delivered == expected,
            ),
            ("digest rate", f"{rate:.0f} msg/s", "", True),
            ("anchor: send_messages, one connection", f"{anchor:.0f} msg/s", "", True),
            ("ratio digest / anchor", f"{ratio:.2f}", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
            (
                "worker peak RSS, first / last quarter",
                f"{run.rss_first / mb:.0f} / {run.rss_last / mb:.0f} MB",
                "",
                True,
            ),
            ("RSS growth", f"{growth:+.1%}", f"< {TARGET_GROWTH:.0%}", growth < TARGET_GROWTH),
            ("duplicated (clean run)", str(duplicates), "0", duplicates == 0),
        ]
        if not args.no_fault:
            reset_week()
            fault_env = {**env, "CELERY_TASK_TIME_LIMIT": "20"}  # a 30 s lease after the kill
            lost, duplicated, rerun, seconds = fault_run(
                fault_env, broker, sink, expected, args, log
            )
            rows += [
                (f"fault run: lost (SIGKILL at half, {seconds:.0f} s)", str(lost), "0", lost == 0),
                ("fault run: duplicated", str(duplicated), "0", duplicated == 0),
                ("weekly job run twice more: duplicated", str(rerun), "0", rerun == 0),
            ]
        width = max(len(r[0]) for r in rows)
        print()
        print(f"{'figure'.ljust(width)}  {'measured':>18}  {'target':>8}  verdict")
        for name, value, target, ok in rows:
            print(f"{name.ljust(width)}  {value:>18}  {target:>8}  {verdict(ok) if target else ''}")
    finally:
        sink.stop()
        redis.terminate()
        redis.wait()
        from django.db import connections

        connections.close_all()
        shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
