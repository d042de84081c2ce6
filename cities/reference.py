"""Load the reference data (themes, the 15 cities and their bodies, Efus) from data/reference.toml.

Creates what is missing and never overwrites what Efus staff have edited, so it is safe to run on
every install and again later. Used by migrations ``0002_reference_data`` (the rows) and
``0004_reference_translations_data`` (their French names and descriptions, where empty).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).parent / "data" / "reference.toml"

# The translated fields of the reference data (``cities.models.Translated``), per model.
THEME_TRANSLATIONS = ("name_fr", "description_fr")
BODY_TRANSLATIONS = ("name_fr",)


def read_reference() -> dict[str, Any]:
    with REFERENCE_FILE.open("rb") as fh:
        return tomllib.load(fh)


def _registry(apps: Any) -> Any:
    if apps is None:
        from django.apps import apps as live_apps

        return live_apps
    return apps


def _known(model: Any, row: dict[str, Any]) -> dict[str, Any]:
    """The values of ``row`` that ``model`` has fields for: a migration's historical model may
    predate fields that the file already has (the translations, added by migration 0003)."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in row.items() if k in names}


def load_reference_data(apps: Any = None) -> dict[str, int]:
    """Create missing themes, cities and bodies. ``apps`` is a migration's app registry, if any."""
    apps = _registry(apps)
    Theme = apps.get_model("cities", "Theme")
    City = apps.get_model("cities", "City")
    Body = apps.get_model("cities", "Body")
    data = read_reference()
    created = {"themes": 0, "cities": 0, "bodies": 0}

    for position, row in enumerate(data["themes"]):
        row = _known(Theme, dict(row))
        _, was_created = Theme.objects.get_or_create(
            slug=row.pop("slug"), defaults={**row, "position": position}
        )
        created["themes"] += was_created

    for row in data["cities"]:
        row = dict(row)
        body = row.pop("body")
        challenges = row.pop("challenges", [])
        for coord in ("latitude", "longitude"):
            row[coord] = Decimal(str(row[coord]))
        city, was_created = City.objects.get_or_create(
            slug=row.pop("slug"), defaults=_known(City, row)
        )
        created["cities"] += was_created
        if was_created:
            city.challenges.set(Theme.objects.filter(slug__in=challenges))
        _, body_created = Body.objects.get_or_create(
            city=city, official_name=body["official_name"], defaults=_known(Body, body)
        )
        created["bodies"] += body_created
    return created


def fill_translations(apps: Any = None) -> int:
    """Give the reference themes and bodies their French names and descriptions from the file,
    where they have none: a translation Efus staff wrote is never replaced. Themes are found by
    slug, bodies by city and official name; rows the file does not know are left alone.
    Returns the number of rows changed."""
    apps = _registry(apps)
    Theme = apps.get_model("cities", "Theme")
    Body = apps.get_model("cities", "Body")
    data = read_reference()
    changed = 0

    def fill(obj: Any, row: dict[str, Any], fields: tuple[str, ...]) -> None:
        nonlocal changed
        empty = [f for f in fields if row.get(f) and not getattr(obj, f)]
        for f in empty:
            setattr(obj, f, row[f])
        if empty:
            obj.save(update_fields=empty)
            changed += 1

    themes = {t.slug: t for t in Theme.objects.filter(slug__in=[r["slug"] for r in data["themes"]])}
    taken = set(Theme.objects.exclude(name_fr="").values_list("name_fr", flat=True))
    for row in data["themes"]:
        theme = themes.get(row["slug"])
        if theme is not None and row.get("name_fr") in taken and not theme.name_fr:
            row = {k: v for k, v in row.items() if k != "name_fr"}  # staff gave it to another
        if theme is not None:
            fill(theme, row, THEME_TRANSLATIONS)
    for row in data["cities"]:
        body = Body.objects.filter(
            city__slug=row["slug"], official_name=row["body"]["official_name"]
        ).first()
        if body is not None:
            fill(body, row["body"], BODY_TRANSLATIONS)
    return changed
