"""Build demo data: each app's optional ``<app>.demo`` module, in INSTALLED_APPS order.

An app takes part by defining ``<app>/demo.py`` with ``seed(*, counts: dict, stdout) -> None``
(``counts`` holds ``members`` and ``cities``); nothing here needs to change. Seeds write through
the apps' services and are safe to re-run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts import emails
from accounts.demo import (
    DEFAULT_CITIES,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    TOTP_CODE_COMMAND,
    demo_logins,
)
from cities.models import City


def demo_modules() -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app that has a ``demo`` module with ``seed``."""
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "demo"):
            module = import_module(f"{app_config.name}.demo")
            if callable(getattr(module, "seed", None)):
                yield app_config.label, module


class Command(BaseCommand):
    help = (
        "Create demo data (people, and whatever each app's demo module adds) through the site's "
        f"services. Safe to re-run. Demo accounts use @{DEMO_DOMAIN} addresses and the password "
        f"'{DEMO_PASSWORD}'. The emails the services would send are not even queued, unless "
        "--send-emails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members", type=int, default=3, help="Members per city besides its coordinator (3)."
        )
        parser.add_argument(
            "--cities",
            default=",".join(DEFAULT_CITIES),
            help=f"Comma-separated city slugs (default: {','.join(DEFAULT_CITIES)}).",
        )
        parser.add_argument(
            "--send-emails",
            action="store_true",
            help="Queue and send the notification emails as usual (to the demo addresses).",
        )

    def handle(
        self, *args: Any, members: int, cities: str, send_emails: bool, **options: Any
    ) -> None:
        if members < 0:
            raise CommandError("--members must be 0 or more.")
        slugs = list(dict.fromkeys(s.strip().lower() for s in cities.split(",") if s.strip()))
        known = set(City.objects.in_project().filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise CommandError(
                f"Not PACTESUR 2 cities: {', '.join(unknown)}. Choose among: "
                + ", ".join(
                    City.objects.in_project().order_by("slug").values_list("slug", flat=True)
                )
            )
        counts = {"members": members, "cities": slugs}
        with ExitStack() as stack:
            if not send_emails:
                # Nothing enters the outbox, so no worker can send it later (the demo people
                # are not real people, and their addresses are on a reserved domain anyway).
                stack.enter_context(emails.muted())
            with transaction.atomic():
                for label, module in demo_modules():
                    self.stdout.write(f"{label}:")
                    module.seed(counts=counts, stdout=self.stdout)
        self._print_logins()

    def _print_logins(self) -> None:
        rows = [("Email", "Role", "City", "TOTP")]
        rows += [(e, role, org, "yes" if mfa else "") for e, role, org, mfa in demo_logins()]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if i == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write(
            f"Demo TOTP secret (accounts marked TOTP): {DEMO_TOTP_SECRET} - add it to an "
            "authenticator app, or print the current code with:"
        )
        self.stdout.write(f"  {TOTP_CODE_COMMAND}")
