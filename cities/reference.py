"""Load the reference data (themes, the 15 cities and their bodies, Efus) from data/reference.toml.

Creates what is missing and never overwrites what Efus staff have edited, so it is safe to run on
every install and again later. Used by migration ``0002_reference_data``.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).parent / "data" / "reference.toml"


def read_reference() -> dict[str, Any]:
    with REFERENCE_FILE.open("rb") as fh:
        return tomllib.load(fh)


def load_reference_data(apps: Any = None) -> dict[str, int]:
    """Create missing themes, cities and bodies. ``apps`` is a migration's app registry, if any."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Theme = apps.get_model("cities", "Theme")
    City = apps.get_model("cities", "City")
    Body = apps.get_model("cities", "Body")
    data = read_reference()
    created = {"themes": 0, "cities": 0, "bodies": 0}

    for position, row in enumerate(data["themes"]):
        _, was_created = Theme.objects.get_or_create(
            slug=row["slug"],
            defaults={"name": row["name"], "description": row["description"], "position": position},
        )
        created["themes"] += was_created

    for row in data["cities"]:
        row = dict(row)
        body = row.pop("body")
        challenges = row.pop("challenges", [])
        for coord in ("latitude", "longitude"):
            row[coord] = Decimal(str(row[coord]))
        city, was_created = City.objects.get_or_create(slug=row.pop("slug"), defaults=row)
        created["cities"] += was_created
        if was_created:
            city.challenges.set(Theme.objects.filter(slug__in=challenges))
        _, body_created = Body.objects.get_or_create(
            city=city, official_name=body["official_name"], defaults=body
        )
        created["bodies"] += body_created
    return created
