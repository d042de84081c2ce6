"""Writes on cities: the import of the wider Efus network from a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .countries import CODE_HINTS, is_country_code
from .models import City

NETWORK_COLUMNS = ("name", "country", "kind")
NAME_MAX_LENGTH = City._meta.get_field("name").max_length or 120


class NetworkFileError(Exception):
    """The file cannot be read as a network list at all (e.g. no valid header)."""


@dataclass
class NetworkRow:
    line: int
    name: str
    country: str
    kind: str


@dataclass
class NetworkImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows matching one of the 15 project cities: counted as unchanged, never downgraded.
    project_cities: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            _(
                "added %(added)d, updated %(updated)d, unchanged %(unchanged)d, "
                "rejected %(rejected)d"
            )
            % {
                "added": self.added,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": len(self.rejected),
            }
        ]
        if self.project_cities:
            out.append(
                _("%(count)d row(s) name a PACTESUR 2 city: left as they are.")
                % {"count": self.project_cities}
            )
        out += [
            _("line %(line)d: %(reason)s") % {"line": line, "reason": reason}
            for line, reason in self.rejected
        ]
        return out


def read_network_csv(fh: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a CSV file with a header naming name, country and kind.

    Header names are matched without regard to case, surrounding spaces or a byte-order mark;
    other columns (a note, say) are ignored. Raises ``NetworkFileError`` without a valid header.
    """
    reader = csv.reader(fh)
    header = next(reader, None)
    columns = [(h or "").replace("\ufeff", "").strip().lower() for h in header or []]
    missing = [c for c in NETWORK_COLUMNS if c not in columns]
    if missing:
        raise NetworkFileError(
            _(
                "no valid header: the first line must name the columns %(columns)s "
                "(missing: %(missing)s)"
            )
            % {"columns": ", ".join(NETWORK_COLUMNS), "missing": ", ".join(missing)}
        )
    index = {c: columns.index(c) for c in NETWORK_COLUMNS}
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank line
        yield reader.line_num, {c: values[i] if i < len(values) else "" for c, i in index.items()}


def clean_network_row(line: int, raw: dict[str, str]) -> NetworkRow | str:
    """A valid row, or the reason it is rejected."""
    name = " ".join((raw.get("name") or "").split())
    country = (raw.get("country") or "").strip().upper()
    kind = (raw.get("kind") or "").strip().lower()
    errors = []
    if not name:
        errors.append(_("name is empty"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(_("name is longer than %(max)d characters") % {"max": NAME_MAX_LENGTH})
    if not country:
        errors.append(_("country is empty"))
    elif country in CODE_HINTS:
        errors.append(
            _("country '%(code)s' is not an ISO 3166-1 code: use '%(iso)s'")
            % {"code": country, "iso": CODE_HINTS[country]}
        )
    elif not is_country_code(country):
        errors.append(_("country '%(code)s' is not an ISO 3166-1 alpha-2 code") % {"code": country})
    if kind not in City.Kind.values:
        errors.append(
            _("kind must be one of %(kinds)s, not '%(kind)s'")
            % {"kinds": ", ".join(City.Kind.values), "kind": kind}
        )
    if errors:
        return "; ".join(errors)
    return NetworkRow(line=line, name=name, country=country, kind=kind)


def _key(name: str, country: str) -> tuple[str, str]:
    return name.casefold(), country.upper()


def _unique_slug(name: str, country: str, taken: set[str]) -> str:
    base = slugify(name)[:100].strip("-") or "place"
    candidates = [base, f"{base}-{country.lower()}"]
    candidates += [f"{base}-{country.lower()}-{n}" for n in range(2, 1000)]
    slug = next(s for s in candidates if s not in taken)
    taken.add(slug)
    return slug


@transaction.atomic
def network_import(
    *, rows: Iterable[tuple[int, dict[str, str]]], dry_run: bool = False
) -> NetworkImportReport:
    """Create or update the network's cities and regions (``project_role=network``).

    A row matches an existing city by name and country, ignoring case. The 15 project cities are
    never changed. Importing the same rows twice changes nothing the second time. With
    ``dry_run`` everything is rolled back and the report says what would have happened.
    """
    report = NetworkImportReport()
    cities = {_key(c.name, c.country): c for c in City.objects.all()}
    slugs = set(City.objects.values_list("slug", flat=True))
    seen: dict[tuple[str, str], int] = {}  # key → line, to reject a row given twice
    for line, raw in rows:
        row = clean_network_row(line, raw)
        if isinstance(row, str):
            report.rejected.append((line, row))
            continue
        key = _key(row.name, row.country)
        if key in seen:
            report.rejected.append(
                (line, _("the same city or region as line %(line)d") % {"line": seen[key]})
            )
            continue
        seen[key] = line
        city = cities.get(key)
        if city is None:
            city = City.objects.create(
                name=row.name,
                slug=_unique_slug(row.name, row.country, slugs),
                country=row.country,
                kind=row.kind,
                project_role=City.ProjectRole.NETWORK,
            )
            report.added += 1
            continue
        if city.in_project:
            report.project_cities += 1
            report.unchanged += 1
            continue
        changed = [
            f for f, value in (("name", row.name), ("kind", row.kind)) if getattr(city, f) != value
        ]
        if changed:
            for f in changed:
                setattr(city, f, getattr(row, f))
            city.save(update_fields=changed)
            report.updated += 1
        else:
            report.unchanged += 1
    if dry_run:
        transaction.set_rollback(True)
    return report
