"""Import the wider Efus network (member cities and regions) from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cities.services import NetworkFileError, network_import, read_network_csv


class Command(BaseCommand):
    help = (
        "Create or update the wider Efus network's cities and regions from a UTF-8 CSV file with a "
        "header row and the columns name, country (ISO 3166-1 alpha-2, e.g. FR) and kind (city or "
        "region). The real list is imported from Efus's own member file; "
        "cities/data/network-sample.csv is only a sample for development and demos. Rows naming "
        "one of the 15 PACTESUR 2 cities leave them as they are. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, and save nothing."
        )

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                report = network_import(rows=read_network_csv(fh), dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except IsADirectoryError as exc:
            raise CommandError(f"{path}: is a directory, not a CSV file") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not a UTF-8 file ({exc.reason})") from exc
        except NetworkFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        for line in report.lines():
            self.stdout.write(line)
