"""Digest periods: one per ISO week ("2026-W49"), sent on its Monday at 08:00, Europe/Paris.

A period's digest carries what was published up to its Monday 08:00 (its ``cutoff``), so that
the same period always carries the same items, whenever its run happens. Monthly subscribers are
due only in the period whose Monday is the first of its month.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

SEND_HOUR = 8  # local time, Monday
TIME_ZONE = "Europe/Paris"
_FORMAT = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @classmethod
    def parse(cls, text: str) -> Period:
        """``"2026-W49"``; raises ``ValueError`` for anything else or a week that does not
        exist."""
        match = _FORMAT.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a period such as 2026-W49")
        period = cls(int(match[1]), int(match[2]))
        dt.date.fromisocalendar(period.year, period.week, 1)  # ValueError for week 53 of most
        return period

    @classmethod
    def of(cls, moment: dt.datetime) -> Period:
        """The period whose week holds ``moment`` (in Paris)."""
        iso = timezone.localtime(moment, zoneinfo.ZoneInfo(TIME_ZONE)).isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def current(cls, now: dt.datetime | None = None) -> Period:
        """The latest period whose cutoff has passed (the one to send now)."""
        now = now or timezone.now()
        period = cls.of(now)
        return period if period.cutoff <= now else period.previous()

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def cutoff(self) -> dt.datetime:
        """Monday 08:00 in Paris (aware): what the digest carries was published before it."""
        return dt.datetime.combine(
            self.monday, dt.time(SEND_HOUR), tzinfo=zoneinfo.ZoneInfo(TIME_ZONE)
        )

    @property
    def first_of_month(self) -> bool:
        """Monthly subscribers get their digest in this period."""
        return self.monday.day <= 7

    def previous(self) -> Period:
        return Period.of(self.cutoff - dt.timedelta(days=7))

    def next(self) -> Period:
        return Period.of(self.cutoff + dt.timedelta(days=7))
