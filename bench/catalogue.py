"""The catalogue benchmark (issues 11 and 12): trainings and exchange offers at scale.

    make bench-catalogue                      # 5,000 trainings, 20,000 sessions, 2,000 offers,
                                              # 20,000 officers (seeded once, then reused)
    .venv/bin/python bench/catalogue.py --rounds 3 --reseed

Seeds its own database (``BENCH_CATALOGUE_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/pactesur_bench_catalogue``; its name must contain ``bench``,
``--reseed`` drops it) with a few practices (the ceiling reads one), the 300 bench members
(``bench.seed.seed_members``), 5,000 published trainings with 20,000 sessions, and 2,000 open
exchange offers with their date windows and 20,000 police officers (languages, interests). Then,
with the reading benchmark's own machinery (``bench.run``: the server, the load generator, the
rounds, the table), it measures in one run the one-row ceiling and, as shares of it:

- the training list, filtered, cold, for visitors and members: share >= 0.35 at c=8;
- the training page, visitors and members: share >= 0.4 at c=8;
- the offer list, filtered, cold, visitors and members: share >= 0.35 at c=8;
- ``/exchanges/for-me/`` for signed-in police officers: c=1 p50 <= 4x the ceiling's;

and, in process, the queries of each page (<= 10, the same with few rows and with many).
Not a test: it always exits 0; read the PASS/FAIL column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db, run  # noqa: E402
from bench.run import MEMBERS, VISITORS, Scenario, Target  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pactesur_bench_catalogue"
CEILING_PRACTICES = 2000  # the ceiling reads one practice by its key: the table's size is moot
CITIES = 250
OFFICER_DOMAIN = "officers.bench.example.eu"
QUERY_BUDGET = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--trainings", type=int, default=5000)
    p.add_argument("--sessions", type=int, default=20000)
    p.add_argument("--offers", type=int, default=2000)
    p.add_argument("--officers", type=int, default=20000)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--max-seconds", type=float, default=20.0)
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=3)
    p.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    p.add_argument("--keep-server", action="store_true")
    return p.parse_args(argv)


# --- Seeding ----------------------------------------------------------------------------------

TRAINING_WORDS = (
    "crowd safety", "night-time economy", "de-escalation", "event security", "tourist areas",
    "community patrols", "hate crime", "drone use", "CCTV review", "crisis communication",
    "public transport", "festival stewarding", "youth outreach", "beach patrols", "markets",
)  # fmt: skip


def _html(fields: dict[str, str]) -> dict[str, str]:
    from bench.seed import paragraph_html

    return paragraph_html(fields, tuple(fields))


def seed_trainings(count: int, sessions: int, *, seed: int = 31) -> dict[str, float]:
    """``count`` published trainings (all tiers, every kind and format, 2 years past to 1 year
    ahead, a third with seats per city) with ``sessions`` sessions between them, and 1 to 3
    themes each: ``bulk_create`` in one transaction."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from cities.models import Body, City, Theme
    from moderation.models import Status, Visibility
    from trainings.models import TIME_ZONES, TRAINING_LANGUAGES, SeatAllocation, Session, Training

    r = random.Random(seed)
    now = timezone.now()
    bodies = list(Body.objects.select_related("city").exclude(city=None).order_by("pk"))
    project = list(City.objects.in_project().order_by("pk"))
    themes = list(Theme.objects.values_list("pk", flat=True))
    visibilities = [Visibility.PUBLIC] * 6 + [Visibility.NETWORK] * 3 + [Visibility.POLICE]
    per_training = [sessions // count + (1 if i < sessions % count else 0) for i in range(count)]
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        trainings = []
        plans = []
        for i in range(count):
            body = r.choice(bodies)
            kind = r.choice(Training.Kind.values)
            form = r.choice(Training.Format.values)
            start = now + dt.timedelta(days=r.randint(-730, 365), hours=r.randint(0, 23))
            n = per_training[i]
            days = [start + dt.timedelta(days=d) for d in range(n)]
            capacity = r.choice((12, 20, 30, 45, 60, 100))
            title = f"{kind.replace('_', '-').capitalize()} on {r.choice(TRAINING_WORDS)} {i}"
            summary = f"A {kind} for officers of the network about {r.choice(TRAINING_WORDS)}."
            programme = " ".join(f"Day {d + 1}: {r.choice(TRAINING_WORDS)}." for d in range(n))
            languages = " ".join(sorted(set(r.sample(TRAINING_LANGUAGES, r.randint(1, 3)))))
            trainings.append(
                Training(
                    title=title, slug=slugify(title), body=body, city=body.city, kind=kind,
                    format=form, summary=summary, programme=programme, languages=languages,
                    venue_name="" if form == "online" else f"Academy of {body.city.name}",
                    venue_address="" if form == "online" else "1 Main Street",
                    online_link="" if form == "on_site" else "https://meet.example.eu/room",
                    capacity=capacity, seats_taken=r.randint(0, capacity),
                    registration_deadline=start - dt.timedelta(days=7),
                    audience=r.choice(Training.Audience.values),
                    time_zone=r.choice(TIME_ZONES), status=Status.PUBLISHED,
                    visibility=r.choice(visibilities), published_at=start - dt.timedelta(days=60),
                    first_start=days[0], last_end=days[-1] + dt.timedelta(hours=7),
                    html=_html({"summary": summary, "programme": programme}),
                )
            )  # fmt: skip
            plans.append(days)
        trainings = Training.objects.bulk_create(trainings, batch_size=1000)
        steps[f"{count} trainings"] = time.perf_counter() - t0
        t = time.perf_counter()
        Session.objects.bulk_create(
            [
                Session(
                    training=training,
                    title=f"Day {d + 1}",
                    starts_at=day,
                    ends_at=day + dt.timedelta(hours=7),
                )
                for training, days in zip(trainings, plans, strict=True)
                for d, day in enumerate(days)
            ],
            batch_size=2000,
        )
        through = Training.themes.through
        through.objects.bulk_create(
            [
                through(training_id=training.pk, theme_id=theme)
                for training in trainings
                for theme in r.sample(themes, r.choice((1, 2, 3)))
            ],
            batch_size=5000,
        )
        SeatAllocation.objects.bulk_create(
            [
                SeatAllocation(training=training, city=city, seats=3)
                for training in trainings
                if training.kind == Training.Kind.ACADEMY
                for city in project
            ],
            batch_size=5000,
        )
        steps[f"{sessions} sessions, themes, seats"] = time.perf_counter() - t
    return steps


def seed_offers(count: int, *, seed: int = 37) -> dict[str, float]:
    """``count`` open published offers (all tiers, every kind), 1 to 3 windows each with 1 to 4
    places, 1 to 3 themes, 1 to 2 host languages, a tenth needing a language: ``bulk_create``."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from cities.models import Body, Theme
    from exchanges.models import EXCHANGE_LANGUAGES, Offer, Window
    from moderation.models import Status, Visibility

    r = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    bodies = list(
        Body.objects.select_related("city")
        .exclude(city=None)
        .exclude(type=Body.Type.NETWORK_SECRETARIAT)
    )
    themes = list(Theme.objects.values_list("pk", flat=True))
    visibilities = [Visibility.PUBLIC] * 5 + [Visibility.NETWORK] * 3 + [Visibility.POLICE] * 2
    t0 = time.perf_counter()
    with transaction.atomic():
        offers = []
        for i in range(count):
            body = r.choice(bodies)
            kind = r.choice(Offer.Kind.values)
            title = f"{body.city.name}: {r.choice(TRAINING_WORDS)} ({i})"
            description = f"Visitors join the {r.choice(TRAINING_WORDS)} team for a week."
            offers.append(
                Offer(
                    title=title, slug=slugify(title), city=body.city, body=body,
                    description=description, kind=kind,
                    host_languages=r.sample(EXCHANGE_LANGUAGES, r.randint(1, 2)),
                    event_name="Carnival" if kind == "event" else "",
                    required_languages=[r.choice(("en", "fr", "es"))] if r.random() < 0.1 else [],
                    police_only=r.random() < 0.5,
                    application_deadline=today + dt.timedelta(days=r.randint(7, 200)),
                    status=Status.PUBLISHED, visibility=r.choice(visibilities),
                    published_at=now - dt.timedelta(days=r.randint(1, 300)),
                    html=_html({"description": description}),
                )
            )  # fmt: skip
        offers = Offer.objects.bulk_create(offers, batch_size=1000)
        windows = []
        for offer in offers:
            start = offer.application_deadline + dt.timedelta(days=r.randint(10, 60))
            for _w in range(r.randint(1, 3)):
                windows.append(
                    Window(
                        offer=offer,
                        start=start,
                        end=start + dt.timedelta(days=6),
                        places=r.randint(1, 4),
                    )
                )
                start += dt.timedelta(days=r.randint(20, 90))
        Window.objects.bulk_create(windows, batch_size=2000)
        through = Offer.themes.through
        through.objects.bulk_create(
            [
                through(offer_id=offer.pk, theme_id=theme)
                for offer in offers
                for theme in r.sample(themes, r.choice((1, 2, 3)))
            ],
            batch_size=5000,
        )
    return {f"{count} offers, {len(windows)} windows": time.perf_counter() - t0}


def seed_officers(count: int, *, seed: int = 41) -> dict[str, float]:
    """``count`` approved police officers over the police bodies (the project cities' first),
    each speaking 1 to 3 languages with 0 to 3 themes of interest; every city 1 to 3 challenges."""
    from django.db import transaction

    from accounts.models import Membership, User
    from cities.models import Body, City, Theme
    from exchanges.models import EXCHANGE_LANGUAGES

    r = random.Random(seed)
    police = [b for b in Body.objects.select_related("city").exclude(city=None) if b.is_police]
    themes = list(Theme.objects.values_list("pk", flat=True))
    t0 = time.perf_counter()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"officer{n}@{OFFICER_DOMAIN}",
                    full_name=f"Officer {n}",
                    password="!",  # noqa: S106 (unusable: they sign in through a session)
                    languages=r.sample(EXCHANGE_LANGUAGES, r.randint(1, 3)),
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, body=police[n % len(police)], status="approved")
                for n, user in enumerate(users)
            ],
            batch_size=2000,
        )
        interests = User.interests.through
        interests.objects.bulk_create(
            [
                interests(user_id=user.pk, theme_id=theme)
                for user in users
                for theme in r.sample(themes, r.randint(0, 3))
            ],
            batch_size=5000,
        )
        challenges = City.challenges.through
        challenges.objects.all().delete()
        challenges.objects.bulk_create(
            [
                challenges(city_id=city, theme_id=theme)
                for city in City.objects.values_list("pk", flat=True)
                for theme in r.sample(themes, r.randint(1, 3))
            ]
        )
    return {f"{count} officers": time.perf_counter() - t0}


def seeded(args: argparse.Namespace) -> bool:
    from exchanges.models import Offer
    from trainings.models import Session, Training

    # ``bench/registrations.py`` adds its academies ("Burst academy ...") to the same database.
    return (
        Training.objects.exclude(title__startswith="Burst academy").count() == args.trainings
        and Session.objects.exclude(training__title__startswith="Burst academy").count()
        == args.sessions
        and Offer.objects.count() == args.offers
    )


def seed_everything(args: argparse.Namespace) -> dict[str, float]:
    from bench import seed

    steps: dict[str, float] = {}
    report = seed.seed_practices(CEILING_PRACTICES, CITIES, analyze=False)
    steps[f"{CEILING_PRACTICES} practices (the ceiling's table)"] = report.seconds
    steps.update(seed_trainings(args.trainings, args.sessions))
    steps.update(seed_offers(args.offers))
    steps.update(seed_officers(args.officers))
    t = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    steps["VACUUM ANALYZE"] = time.perf_counter() - t
    return steps


def officer_sessions(count: int) -> list[str]:
    """Signed-in sessions of ``count`` officers, spread over the cities."""
    from accounts.models import User
    from bench.registrations import sessions

    step = max(User.objects.filter(email__endswith=f"@{OFFICER_DOMAIN}").count() // count, 1)
    officers = list(
        User.objects.filter(email__endswith=f"@{OFFICER_DOMAIN}").order_by("pk")[::step][:count]
    )
    return sessions(officers)


# --- Scenarios --------------------------------------------------------------------------------

TRAINING_COMBOS = (
    "theme={theme}",
    "kind={kind}&language={language}",
    "city={city}&when=all",
    "format={format}&has_places=on",
    "month={month}&when=all",
    "when=past&theme={theme}",
    "theme={theme}&kind={kind}&page=2",
    "language=en",
)
OFFER_COMBOS = (
    "theme={theme}",
    "kind={kind}",
    "city={city}",
    "language={language}&has_places=on",
    "month={month}",
    "theme={theme}&page=2",
)


def build_scenarios(member_sessions: list[str | None], officers: list[str], requests: int):
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse
    from django.utils import timezone

    from cities.models import City, Theme
    from exchanges.models import Offer
    from trainings.models import Training

    r = random.Random(5)
    anonymous = AnonymousUser()
    themes = list(Theme.objects.values_list("slug", flat=True))
    cities = list(City.objects.exclude(trainings=None).values_list("slug", flat=True)[:60])
    today = timezone.localdate()
    months = [f"{today.year + (today.month + k - 1) // 12}-{(today.month + k - 1) % 12 + 1:02d}"
              for k in range(-12, 12)]  # fmt: skip

    def paths(url: str, combos: tuple[str, ...], kinds: list[str], languages: list[str]):
        return [
            url + "?" + combos[i % len(combos)].format(
                theme=r.choice(themes), kind=r.choice(kinds), language=r.choice(languages),
                city=r.choice(cities), format=r.choice(Training.Format.values),
                month=r.choice(months),
            )
            for i in range(48)
        ]  # fmt: skip

    training_paths = paths(
        reverse("trainings:list"), TRAINING_COMBOS, Training.Kind.values, ["en", "fr", "es", "it"]
    )
    offer_paths = paths(
        reverse("exchanges:offer_list"), OFFER_COMBOS, Offer.Kind.values, ["en", "fr", "es", "de"]
    )
    details = [
        t.get_absolute_url()
        for t in Training.objects.listed_to(anonymous).order_by("?").only("pk", "slug")[:300]
    ]
    ceiling = Scenario(
        "ceiling",
        "ceiling (1 row)",
        VISITORS,
        [
            f"/bench/ceiling/?pk={pk}"
            for pk in run_practices(anonymous)  # the same rows as the reading benchmark's
        ],
    )

    def both(key: str, label: str, urls: list[str], targets: list[Target]) -> list[Scenario]:
        return [
            Scenario(key, label, VISITORS, list(urls), targets),
            Scenario(key, label, MEMBERS, run.members_turn(urls, member_sessions), targets),
        ]

    cold = [Target(8, "share", ">=", 0.35), Target(1, "x_ceiling", "<=", 2.5)]
    lists = [*both("trainings", "trainings list", training_paths, [])]
    lists += both("offers", "offers list", offer_paths, [])
    for_me = reverse("exchanges:for_me")
    served = [
        ceiling,
        *both("training", "training page", details, [Target(8, "share", ">=", 0.4)]),
        Scenario(
            "for_me",
            "for-me, police officers",
            MEMBERS,
            [(for_me, key) for key in officers],
            [Target(1, "x_ceiling", "<=", 4.0)],
        ),
    ]
    return served + [run.cold_variant(s, requests, cold) for s in lists]


def run_practices(anonymous: Any) -> list[int]:
    from practices.models import Practice

    return list(
        Practice.objects.listed_to(anonymous).order_by("?").values_list("pk", flat=True)[:300]
    )


# --- Queries per page -------------------------------------------------------------------------


def query_checks() -> list[bool]:
    """Queries of each page rendered from the database, for each kind of reader, on a page with
    many rows and on one with few (one row, or none): the same count, at most ``QUERY_BUDGET``."""
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from accounts.models import User
    from exchanges.models import Offer
    from trainings.models import Training

    anonymous = AnonymousUser()
    training = Training.objects.listed_to(anonymous).order_by("pk").first()
    lonely = Training.objects.listed_to(anonymous).order_by("-pk").first()
    assert training is not None and lonely is not None
    offer = Offer.objects.listed_to(anonymous).order_by("pk").first()
    assert offer is not None
    tlist, olist = reverse("trainings:list"), reverse("exchanges:offer_list")
    pages = {
        "trainings list": (f"{tlist}?when=all", f"{tlist}?when=all&city={lonely.city.slug}"
                           f"&kind={lonely.kind}&format={lonely.format}"),
        "training page": (training.get_absolute_url(), lonely.get_absolute_url()),
        "offers list": (olist, f"{olist}?city={offer.city.slug}&kind={offer.kind}"),
    }  # fmt: skip
    kinds = run.readers()
    officer = User.objects.filter(email__endswith=f"@{OFFICER_DOMAIN}").order_by("pk").first()
    kinds["officer (20,000)"] = officer
    outcomes = []
    print(
        f"Queries per page, rendered from the database (<= {QUERY_BUDGET}), many rows / few rows:"
    )
    for kind, user in kinds.items():
        counts = []
        for name, (many, few) in pages.items():
            forget_lists()
            status_many, sql_many = run.capture(many, user)
            forget_lists()
            status_few, sql_few = run.capture(few, user)
            ok = (
                status_many == status_few == 200
                and len(sql_many) == len(sql_few)
                and len(sql_many) <= QUERY_BUDGET
            )
            outcomes.append(ok)
            counts.append(
                f"{name} {len(sql_many)}/{len(sql_few)}"
                + ("" if ok else f" (status {status_many}/{status_few}) FAIL")
            )
        if kind != "visitor":
            many_status, many_sql = run.capture(reverse("exchanges:for_me"), user)
            counts.append(f"for-me {len(many_sql)}")
            ok = many_status == 200 and len(many_sql) <= QUERY_BUDGET
            outcomes.append(ok)
            if not ok:
                counts[-1] += f" (status {many_status}) FAIL"
        print(f"  {kind:<26} " + ", ".join(counts))
    return outcomes


def forget_lists() -> None:
    run.forget_rendered_lists()


def explain_for_me() -> None:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of the for-me page's ranking query, for one officer."""
    from accounts.models import User

    officer = User.objects.filter(email__endswith=f"@{OFFICER_DOMAIN}").order_by("pk").first()
    from django.urls import reverse

    _status, sqls = run.capture(reverse("exchanges:for_me"), officer)
    ranking = [q for q in sqls if "score" in q.lower()]
    for sql in ranking[:1]:
        print("EXPLAIN (ANALYZE, BUFFERS) of the for-me ranking query:")
        print("  " + sql[:400] + (" ..." if len(sql) > 400 else ""))
        for line in run.explain(sql):
            print("    " + line)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_CATALOGUE_DATABASE_URL", DEFAULT_URL)
    print(f"PACTESUR catalogue benchmark, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores")
    print(
        f"Database: {url} ({args.trainings} trainings, {args.sessions} sessions, "
        f"{args.offers} offers, {args.officers} officers)"
    )
    if args.reseed and db.exists(url):
        db.drop(url)
    if not db.exists(url):
        db.create(url)
    env = run.configure_environment(url)
    run.setup_django()
    run.migrate_and_collectstatic()
    from bench import seed

    if not seeded(args):
        if db.exists(url):
            from django.db import connection

            connection.close()
            db.drop(url)
            db.create(url)
            run.migrate_and_collectstatic()
        print("Seeding...")
        for name, seconds in seed_everything(args).items():
            print(f"  {name}: {seconds:.1f} s")
    else:
        print("Seeded already (reused; --reseed to rebuild)")
    members = seed.seed_members(300)
    member_sessions = list(seed.member_sessions().values())
    officers = officer_sessions(200)
    print(f"Members: {members.members}; officers signed in: {len(officers)}")
    forget_lists()
    scenarios = build_scenarios(member_sessions, officers, args.warmup + args.requests)
    port = run.free_port()
    server = run.start_server(port, args.workers, args.threads, env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for s in scenarios:
            status = run.probe(base_url, s.requests[0])
            if status != 200:
                print(f"NOT AVAILABLE: {s.name} answers {status}")
        load_before = os.getloadavg()
        figures = run.measure(base_url, scenarios, args)
        load_after = os.getloadavg()
    finally:
        if args.keep_server:
            print(f"gunicorn left running at {base_url} (pid {server.pid})")
        else:
            run.stop_server(server)
    print()
    print("=" * 110)
    print(
        f"RESULTS: {args.trainings} trainings, {args.sessions} sessions, {args.offers} offers, "
        f"{args.officers} officers; gunicorn {args.workers} workers x {args.threads} thread(s); "
        f"load average before/after {load_before[0]:.2f}/{load_after[0]:.2f}; "
        f"{args.rounds} round(s), medians"
    )
    print("=" * 110)
    outcomes = run.print_table(figures, [])
    print()
    outcomes += query_checks()
    print()
    explain_for_me()
    failed = outcomes.count(False)
    print()
    print(
        f"{len(outcomes) - failed} of {len(outcomes)} targets met"
        + (f", {failed} FAILED" if failed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
