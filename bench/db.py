"""The dedicated benchmark database: create, reuse (a marker table records what was seeded), drop.

These helpers talk to PostgreSQL with psycopg directly, before Django is set up, so that
``DATABASE_URL`` can point Django at the benchmark database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pactesur_bench"
# Bump when the seeded data changes shape: an older bench database is then rebuilt.
SEED_VERSION = 6
MARKER_TABLE = "bench_seed_marker"


@dataclass
class Marker:
    rows: int
    cities: int
    version: int
    seconds: float
    seeded_at: str
    steps: dict


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def exists(url: str) -> bool:
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return row is not None


def create(url: str) -> None:
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))


def drop(url: str) -> None:
    name = database_name(url)
    if not name.endswith("_bench") and "bench" not in name:
        raise ValueError(
            f"refusing to drop {name!r}: the benchmark database name must contain 'bench'"
        )
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def read_marker(url: str) -> Marker | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()
        present = row[0] if row else None
        if present is None:
            return None
        row = conn.execute(
            f"SELECT rows, cities, version, seconds, seeded_at::text, steps FROM {MARKER_TABLE} "  # noqa: S608
            "ORDER BY seeded_at DESC LIMIT 1"
        ).fetchone()
    return Marker(*row) if row else None


def write_marker(url: str, *, rows: int, cities: int, seconds: float, steps: dict) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (rows integer NOT NULL, "
            "cities integer NOT NULL, version integer NOT NULL, seconds double precision NOT NULL, "
            "seeded_at timestamptz NOT NULL DEFAULT now(), steps jsonb NOT NULL)"
        )
        conn.execute(
            f"INSERT INTO {MARKER_TABLE} (rows, cities, version, seconds, steps) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [rows, cities, SEED_VERSION, seconds, json.dumps(steps)],
        )


def prepare(url: str, *, rows: int, cities: int, reseed: bool) -> Marker | None:
    """Return the marker of a reusable database, or ``None`` after creating an empty one."""
    if exists(url):
        marker = None if reseed else read_marker(url)
        if marker and (marker.rows, marker.cities, marker.version) == (rows, cities, SEED_VERSION):
            return marker
        drop(url)
    create(url)
    return None
