"""Seed the benchmark database: network cities with a body each, then published practices.

Practices, their themes (the through table) and attachments go in with PostgreSQL ``COPY`` (psycopg
3's ``cursor.copy``): ``bulk_create`` of 100,000 wide rows was measured at several times slower (see
bench/README.md). The search vector is then filled by ONE ``UPDATE`` through
``PracticeQuerySet.update_search_vector()`` (the same expression the site uses), and the tables
are analysed. Deterministic: the same ``rows``/``cities``/``seed`` give the same data.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from cities.models import Body, City, Theme
from moderation.markdown import render_fields
from moderation.models import Status, Visibility
from practices.models import Attachment, Practice

from . import text

NETWORK_SLUG_PREFIX = "bench-"
COUNTRIES = {
    "AT": "de",
    "BE": "nl",
    "BG": "bg",
    "CY": "el",
    "CZ": "cs",
    "DE": "de",
    "DK": "da",
    "EE": "et",
    "ES": "es",
    "FI": "fi",
    "FR": "fr",
    "GR": "el",
    "HR": "hr",
    "HU": "hu",
    "IE": "en",
    "IT": "it",
    "LT": "lt",
    "LU": "fr",
    "LV": "lv",
    "MT": "en",
    "NL": "nl",
    "PL": "pl",
    "PT": "pt",
    "RO": "ro",
    "SE": "sv",
    "SI": "sl",
    "SK": "sk",
    "NO": "no",
    "CH": "de",
    "UK": "en",
}
SYLLABLES_START = [
    "Bran",
    "Vel",
    "Kor",
    "Mar",
    "San",
    "Lin",
    "Ost",
    "Gra",
    "Tor",
    "Bel",
    "Ros",
    "Val",
    "Dun",
    "Hel",
    "Kal",
    "Mor",
    "Nov",
    "Pol",
    "Sev",
    "Vil",
    "Zar",
    "Alt",
]
SYLLABLES_END = [
    "burg",
    "ville",
    "stad",
    "grad",
    "ona",
    "ia",
    "heim",
    "dorf",
    "ovo",
    "ica",
    "ere",
    "ano",
    "mark",
    "holm",
    "ek",
    "ac",
    "es",
    "ford",
]
BODY_TYPES = [
    (Body.Type.MUNICIPAL_POLICE, 45),
    (Body.Type.LOCAL_POLICE, 20),
    (Body.Type.CITY_GUARD, 10),
    (Body.Type.LOCAL_POLICE_ZONE, 5),
    (Body.Type.PUBLIC_SPACE_INSPECTORATE, 8),
    (Body.Type.REGIONAL_PREVENTION_AGENCY, 7),
    (Body.Type.MUNICIPALITY, 5),
]
VISIBILITY_WEIGHTS = [(Visibility.PUBLIC, 60), (Visibility.NETWORK, 30), (Visibility.POLICE, 10)]
OUTCOME_WEIGHTS = [
    (Practice.Outcome.WORKED, 30),
    (Practice.Outcome.PROMISING, 35),
    (Practice.Outcome.NEW, 25),
    (Practice.Outcome.DID_NOT_WORK, 10),
]
STAGE_WEIGHTS = [
    (Practice.EvaluationStage.NOT_EVALUATED, 50),
    (Practice.EvaluationStage.LOCAL, 35),
    (Practice.EvaluationStage.INDEPENDENT, 15),
]
LANGUAGE_WEIGHTS = [
    ("en", 40),
    ("fr", 12),
    ("es", 10),
    ("it", 10),
    ("de", 7),
    ("pl", 5),
    ("pt", 4),
    ("nl", 4),
    ("el", 2),
    ("hu", 2),
    ("lv", 1),
    ("et", 1),
    ("lt", 1),
    ("sk", 1),
]
ATTACHMENT_SHARE = 0.15  # share of practices with 1 to 3 attachments
YEARS = 5

PRACTICE_COLUMNS = (
    "id",
    "status",
    "visibility",
    "created_at",
    "updated_at",
    "submitted_at",
    "published_at",
    "moderation_message",
    "title",
    "slug",
    "summary",
    "problem",
    "mechanism",
    "context",
    "implementation",
    "resources",
    "evaluation",
    "transferability",
    "outcome",
    "evaluation_stage",
    "period_start",
    "period_end",
    "original_language",
    "contact_role",
    "contact_email",
    "links",
    "is_demo",
    "attachment_count",
    "body_id",
    "city_id",
    "html",
)
# The sections whose HTML is stored (``Moderated.html``), in ``PRACTICE_COLUMNS`` order.
MARKDOWN_FIELDS = Practice.MARKDOWN_FIELDS


@dataclass
class SeedReport:
    rows: int
    cities: int
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


def ensure_network_cities(total: int, *, seed: int = 7) -> list[City]:
    """The project's 15 cities plus generated network cities, ``total`` in all, each with a body.

    Efus (Paris) publishes no practices and is not counted. Safe to call again: existing generated
    cities are reused.
    """
    reference = list(City.objects.in_project().order_by("pk"))
    wanted = max(total - len(reference), 0)
    existing = list(
        City.objects.network().filter(slug__startswith=NETWORK_SLUG_PREFIX).order_by("pk")
    )
    r = random.Random(seed)
    new_cities: list[Any] = []
    taken = {(c.name, c.country) for c in City.objects.all()}
    n = len(existing)
    while len(existing) + len(new_cities) < wanted:
        n += 1
        country = r.choice(list(COUNTRIES))
        name = f"{r.choice(SYLLABLES_START)}{r.choice(SYLLABLES_END)}"
        if (name, country) in taken:
            name = f"{name} {n}"
        taken.add((name, country))
        new_cities.append(
            City(
                name=name,
                slug=f"{NETWORK_SLUG_PREFIX}{slugify(name)}-{country.lower()}-{n}",
                country=country,
                project_role=City.ProjectRole.NETWORK,
                population=r.randint(15, 2000) * 1000,
                languages=[COUNTRIES[country]],
                latitude=round(r.uniform(36, 65), 4),
                longitude=round(r.uniform(-9, 28), 4),
            )
        )
    created = City.objects.bulk_create(new_cities, batch_size=500)
    types, weights = _weighted(BODY_TYPES)
    Body.objects.bulk_create(
        [
            Body(
                city=c,
                official_name=f"{r.choices(types, weights)[0].label} of {c.name}",
                type=r.choices(types, weights)[0],
                contact_email=f"international@{c.slug}.example.eu",
            )
            for c in created
        ],
        batch_size=500,
    )
    cities = reference + (existing + created)[:wanted]
    return list(
        City.objects.filter(pk__in=[c.pk for c in cities]).prefetch_related("bodies").order_by("pk")
    )


def _practice_rows(start_id, count, bodies, theme_ids, pools, r, now):
    """Yield (practice row, theme ids, attachment count) for ``count`` practices from ``start_id``.

    No queries in here: it runs while the connection is busy with ``COPY``.
    """
    visibilities, vis_w = _weighted(VISIBILITY_WEIGHTS)
    outcomes, out_w = _weighted(OUTCOME_WEIGHTS)
    stages, stage_w = _weighted(STAGE_WEIGHTS)
    languages, lang_w = _weighted(LANGUAGE_WEIGHTS)
    city_ids = list(bodies)
    span = YEARS * 365 * 24 * 3600
    # Rare words: each in exactly RARE_ROWS practices, at fixed, spread positions.
    rare_at: dict[int, str] = {}
    step = max(count // (len(text.RARE_WORDS) * text.RARE_ROWS), 1)
    for w, word in enumerate(text.RARE_WORDS):
        for k in range(text.RARE_ROWS):
            i = (w * text.RARE_ROWS + k) * step + w
            if i < count:
                rare_at[i] = word
    for i in range(count):
        t = pools.practice_text(r)
        if i in rare_at:
            t["summary"] += f" Known locally as operation {rare_at[i].capitalize()}."
        third = text.THIRD_WORDS[i % 3]
        where = r.choice(("title", "summary", "implementation", "context"))
        if where == "title":
            t["title"] = (
                f"{t['title']} on the {third}"
                if third == "waterfront"
                else f"{t['title']} ({third})"
            )
        else:
            t[where] += f" The {third} was part of it from the start."
        published = now - timedelta(seconds=r.randrange(span))
        created = published - timedelta(days=r.randint(11, 90))
        start = (published - timedelta(days=r.randint(30, 900))).date()
        end = None if r.random() < 0.55 else start + timedelta(days=r.randint(60, 1200))
        city_id = r.choice(city_ids)
        attachments = r.randint(1, 3) if r.random() < ATTACHMENT_SHARE else 0
        row = (
            start_id + i,
            Status.PUBLISHED,
            r.choices(visibilities, vis_w)[0],
            created,
            published,
            published - timedelta(days=r.randint(1, 10)),
            published,
            "",
            t["title"][:200],
            slugify(t["title"])[:200],
            t["summary"],
            t["problem"],
            t["mechanism"],
            t["context"],
            t["implementation"],
            t["resources"],
            t["evaluation"],
            t["transferability"],
            r.choices(outcomes, out_w)[0],
            r.choices(stages, stage_w)[0],
            start,
            end,
            r.choices(languages, lang_w)[0],
            r.choice(text.CONTACT_ROLES),
            "international@example.eu",
            "[]",
            False,
            attachments,
            bodies[city_id],
            city_id,
        )
        yield (
            (*row, json.dumps(paragraph_html(t, MARKDOWN_FIELDS))),
            r.sample(theme_ids, r.choices((1, 2, 3), (40, 40, 20))[0]),
            attachments,
        )


def paragraph_html(text: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """What ``moderation.markdown.render_markdown`` makes of the generated sections, which are
    plain sentences (no Markdown syntax, no ``<`` or ``&``): one paragraph each, escaped. Rendering
    100,000 practices with the real renderer takes about 100 s; ``check_paragraph_html`` compares
    the two on a sample after seeding, and the smoke test on every row."""
    return {name: f"<p>{escape(text[name], quote=False)}</p>\n" for name in names if text[name]}


def check_paragraph_html(sample: int = 200) -> None:
    """The stored HTML of a sample of seeded practices is what the real renderer makes."""
    for practice in Practice.objects.order_by("?").only("html", *MARKDOWN_FIELDS)[:sample]:
        expected = render_fields(practice, MARKDOWN_FIELDS)
        if practice.html != expected:
            raise RuntimeError(f"seeded HTML of practice {practice.pk} differs from the renderer's")


ANALYZED_TABLES = (
    "practices_practice",
    "practices_practice_themes",
    "practices_attachment",
    "cities_city",
    "cities_body",
)


def _drop_secondary_indexes(cursor, table: str) -> list[str]:
    """Drop the indexes of ``table`` that back no constraint; return their definitions.

    Loading rows and then building each index once is much faster than maintaining them row by
    row ("Populating a Database" in the PostgreSQL manual); the definitions come from the catalog,
    so the rebuilt indexes are exactly those the migrations made.
    """
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
        "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


LOADED_TABLES = ("practices_practice", "practices_practice_themes", "practices_attachment")


def _drop_foreign_keys(cursor, tables: tuple[str, ...]) -> list[str]:
    """Drop the foreign keys of ``tables``; return the statements that add them back.

    Adding a foreign key back checks every row with one join, instead of one trigger call per
    inserted row (the manual's other bulk-loading advice); the definitions come from the catalog.
    """
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
        [list(tables)],
    )
    keys = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys
    ]


def _copy_practices(pg, start_id, rows, bodies, theme_ids, pools, r, now):
    """COPY the practices; return the theme links and attachment rows to COPY next."""
    themes_rows: list[tuple[int, int]] = []
    attachment_rows: list[tuple] = []
    columns = ", ".join(PRACTICE_COLUMNS)
    practices = _practice_rows(start_id, rows, bodies, theme_ids, pools, r, now)
    with pg.copy(f"COPY practices_practice ({columns}) FROM STDIN") as copy:
        for row, row_themes, attachments in practices:
            copy.write_row(row)
            themes_rows.extend((row[0], theme_id) for theme_id in row_themes)
            for a in range(attachments):
                kind = Attachment.Kind.PDF if a == 0 else Attachment.Kind.JPEG
                ext = Attachment.EXTENSIONS[kind]
                attachment_rows.append(
                    (
                        row[0],
                        f"practices/bench/{row[0]}-{a}.{ext}",
                        f"document-{a + 1}.{ext}",
                        f"Annex {a + 1}",
                        kind.value,
                        r.randint(40_000, 4_000_000),
                        row[6],
                    )
                )
    return themes_rows, attachment_rows


def _copy_links(pg, themes_rows, attachment_rows) -> None:
    with pg.copy("COPY practices_practice_themes (practice_id, theme_id) FROM STDIN") as copy:
        for pair in themes_rows:
            copy.write_row(pair)
    columns = "practice_id, file, original_name, title, content_type, size, created_at"
    with pg.copy(f"COPY practices_attachment ({columns}) FROM STDIN") as copy:
        for attachment in attachment_rows:
            copy.write_row(attachment)
    pg.execute(
        "SELECT setval(pg_get_serial_sequence('practices_practice', 'id'), "
        "(SELECT max(id) FROM practices_practice))"
    )


def seed_practices(
    rows: int,
    cities: int,
    *,
    seed: int = 2025,
    analyze: bool = True,
    log: Callable[[str], None] = lambda s: None,
) -> SeedReport:
    """Add ``rows`` published practices across ``cities`` cities (PostgreSQL), index, analyse.

    Runs in one transaction. Outside one, pass ``analyze=False`` and call ``vacuum_analyze()``
    after: it analyses too, and ``VACUUM`` is not allowed in a transaction.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark seeds PostgreSQL only (COPY, tsvector)")
    text.check_planted_words()
    report = SeedReport(rows=rows, cities=cities)
    t0 = time.perf_counter()

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        report.steps[name] = now - since
        log(f"  {name}: {now - since:.1f} s")
        return now

    with transaction.atomic():
        city_list = ensure_network_cities(cities)
        bodies = {c.pk: (c.bodies.all()[0].pk if c.bodies.all() else None) for c in city_list}
        theme_ids = list(Theme.objects.order_by("pk").values_list("pk", flat=True))
        t = step("cities and bodies", t0)
        pools = text.TextPools(seed=seed)
        r = random.Random(seed)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Run the deferred checks of the rows written so far (the new cities and bodies):
            # ALTER TABLE is refused on a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            indexes = _drop_secondary_indexes(cursor, "practices_practice")
            foreign_keys = _drop_foreign_keys(cursor, LOADED_TABLES)
            cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM practices_practice")
            start_id = cursor.fetchone()[0]
            themes_rows, attachment_rows = _copy_practices(
                cursor.cursor, start_id, rows, bodies, theme_ids, pools, r, now
            )
            t = step(f"COPY {rows} practices", t)
            _copy_links(cursor.cursor, themes_rows, attachment_rows)
            t = step(f"COPY {len(themes_rows)} theme links, {len(attachment_rows)} attachments", t)
        Practice.objects.filter(pk__gte=start_id).update_search_vector()
        t = step("UPDATE search_vector (one statement)", t)
        with connection.cursor() as cursor:
            for statement in foreign_keys:
                cursor.execute(statement)
            t = step(f"ADD {len(foreign_keys)} foreign keys (checked)", t)
            for definition in indexes:
                cursor.execute(definition)
            t = step(f"CREATE {len(indexes)} indexes (GIN included)", t)
            if analyze:
                for table in ANALYZED_TABLES:
                    cursor.execute(f"ANALYZE {table}")
                step("ANALYZE", t)
    report.seconds = time.perf_counter() - t0
    return report


def vacuum_analyze() -> float:
    """``VACUUM ANALYZE`` the practice tables (autocommit only): clears the dead tuples that the
    UPDATE left, so that autovacuum does not start in the middle of the measurements."""
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ANALYZED_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - t0


# --- Members ----------------------------------------------------------------------------------

MEMBER_EMAIL_DOMAIN = "members.bench.example.eu"
PROJECT_MEMBERS_PER_CITY = 8  # and one coordinator (with two-factor authentication) each
EFUS_STAFF = 3  # with two-factor authentication
NETWORK_COORDINATORS = 12  # coordinators of network bodies (with two-factor authentication)


@dataclass
class MemberReport:
    members: int
    by_kind: dict[str, int]


def seed_members(total: int = 300, *, seed: int = 11) -> MemberReport:
    """``total`` approved members: a coordinator and ``PROJECT_MEMBERS_PER_CITY`` officers in each
    of the 15 project cities, Efus staff, coordinators of network bodies (police or not), and
    officers of the generated network cities' bodies for the rest; coordinators and Efus staff
    have two-factor authentication, as the site requires. Safe to call again: the members of an
    earlier call are kept (the function adds none when there are ``total`` already)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import Membership, User

    existing = User.objects.filter(email__endswith=f"@{MEMBER_EMAIL_DOMAIN}").count()
    if existing >= total:
        return MemberReport(existing, {})
    r = random.Random(seed)
    project = list(Body.objects.filter(city__in=City.objects.in_project()).order_by("pk"))
    network = list(Body.objects.filter(city__slug__startswith=NETWORK_SLUG_PREFIX).order_by("pk"))
    efus = Body.objects.filter(type=Body.Type.NETWORK_SECRETARIAT).first()
    # body, role, with MFA, kind: the coordinators and staff first, then officers of the project
    # cities and of the network in turn, so that a smaller total still has every kind.
    plan: list[tuple[Body, str, bool, str]] = [
        (body, Membership.Role.COORDINATOR, True, "project coordinator") for body in project
    ]
    if efus is not None:
        plan.extend((efus, Membership.Role.MEMBER, True, "Efus staff") for _ in range(EFUS_STAFF))
    for body in network[:NETWORK_COORDINATORS]:
        kind = "network coordinator" + ("" if body.is_police else " (not police)")
        plan.append((body, Membership.Role.COORDINATOR, True, kind))
    officers = [body for body in project for _ in range(PROJECT_MEMBERS_PER_CITY)]
    while len(plan) < total and (officers or network):
        if officers:
            plan.append((officers.pop(0), Membership.Role.MEMBER, False, "project officer"))
        if network and len(plan) < total:
            body = r.choice(network)
            kind = "network officer" + ("" if body.is_police else " (not police)")
            plan.append((body, Membership.Role.MEMBER, False, kind))
    plan = plan[:total]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(email=f"member{n}@{MEMBER_EMAIL_DOMAIN}", full_name=f"Bench member {n}")
                for n in range(existing, existing + len(plan))
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, body=body, role=role, status=Membership.Status.APPROVED)
                for user, (body, role, _mfa, _kind) in zip(users, plan, strict=True)
            ]
        )
        Authenticator.objects.bulk_create(
            [
                Authenticator(
                    user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
                )
                for user, (_body, _role, mfa, _kind) in zip(users, plan, strict=True)
                if mfa
            ]
        )
    by_kind: dict[str, int] = {}
    for _body, _role, _mfa, kind in plan:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return MemberReport(existing + len(plan), by_kind)


def member_sessions() -> dict[int, str | None]:
    """A signed-in session for every bench member (as the login form leaves it): user id to
    session key, for the load generator's ``Cookie`` header."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    backend = "accounts.backends.AuthenticationBackend"
    sessions = {}
    for user in User.objects.filter(email__endswith=f"@{MEMBER_EMAIL_DOMAIN}").order_by("pk"):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(settings.SESSION_COOKIE_AGE)
        store.create()
        sessions[user.pk] = store.session_key
    return sessions
