"""Send a period's digest by hand: what beat does every Monday, with a progress bar.

    manage.py send_digest                      # this week's (the latest Monday 08:00 passed)
    manage.py send_digest --period 2026-W49    # a given week's, e.g. one whose run failed
    manage.py send_digest --subscriber a@b.org # one address only
    manage.py send_digest --dry-run            # who is due and what they would get; no write

It queues the ledger rows (those queued already are left alone: running it again sends nothing
twice), then follows them until each is sent, skipped (nothing new) or failed. With a broker the
workers send them (``--wait 0`` returns at once); without one (the laptop default) they are
sent in this process, through the configured email backend (the console by default).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone

from accounts.models import OutboundEmail
from digests import notifications, services
from digests.models import Subscriber
from digests.periods import Period
from digests.selectors import digest_items

BAR = 30


class Command(BaseCommand):
    help = "Queue and send the digest of a period (this week's by default), with a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="ISO week, e.g. 2026-W49 (default: this week's)")
        parser.add_argument("--subscriber", metavar="EMAIL", help="send to this address only")
        parser.add_argument(
            "--dry-run", action="store_true", help="show who is due and what; write nothing"
        )
        parser.add_argument(
            "--wait",
            type=int,
            default=900,
            metavar="SECONDS",
            help="how long to follow the sending (default 900; 0: queue and return)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"]) if options["period"] else Period.current()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        email = options["subscriber"]
        if options["dry_run"]:
            self._dry_run(period, email)
            return
        started = time.monotonic()
        try:
            result = services.digest_run(period=period, email=email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Digest {period}: {result.due} subscriber(s) due, {result.queued} queued now "
            f"({result.due - result.queued} already queued before)."
        )
        rows = OutboundEmail.objects.filter(kind=notifications.DIGEST, occasion=str(period))
        if email:
            rows = rows.filter(recipient=services.normalise_email(email))
        counts = self._follow(rows, options["wait"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {counts.get('sent', 0)}, skipped (nothing new) "
                f"{counts.get('cancelled', 0)}, failed {counts.get('failed', 0)}, "
                f"pending {counts.get('pending', 0)}; {time.monotonic() - started:.1f} s."
            )
        )
        if counts.get("pending"):
            self.stdout.write("The pending ones are sent by the workers (see /digests/staff/).")

    def _counts(self, rows: Any) -> dict[str, int]:
        return dict(rows.values_list("status").annotate(n=Count("pk")).order_by())

    def _follow(self, rows: Any, wait: int) -> dict[str, int]:
        """Show the progress until no row is pending (or ``wait`` seconds have passed)."""
        deadline = time.monotonic() + wait
        while True:
            counts = self._counts(rows)
            total = sum(counts.values())
            done = total - counts.get("pending", 0)
            self._bar(done, total)
            if done == total or time.monotonic() >= deadline:
                self.stdout.write("")
                return counts
            time.sleep(1)

    def _bar(self, done: int, total: int) -> None:
        filled = BAR * done // total if total else BAR
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}"
        self.stdout.write(f"\r{line}", ending="")
        self.stdout.flush()

    def _dry_run(self, period: Period, email: str | None) -> None:
        due = Subscriber.objects.due_in(period).select_related("user").order_by("pk")
        if email:
            due = due.filter(email=services.normalise_email(email))
        subscribers = list(due)
        until = min(period.cutoff, timezone.now())
        self.stdout.write(f"Digest {period} (dry run): {len(subscribers)} subscriber(s) due.")
        with_items = 0
        for index, subscriber in enumerate(subscribers, 1):
            selection = digest_items(subscriber, until=until)
            with_items += bool(selection.items)
            if email or len(subscribers) <= 20:
                self.stdout.write(
                    f"{subscriber.email} ({subscriber.language}): {selection.total} item(s)"
                )
                for item in selection.items:
                    restricted = f" [{item.visibility}]" if item.restricted else ""
                    self.stdout.write(f"  - {item.title}{restricted}")
            else:
                self._bar(index, len(subscribers))
        if len(subscribers) > 20 and not email:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Would send {with_items}, skip {len(subscribers) - with_items} (nothing new)."
            )
        )
