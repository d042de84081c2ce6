"""When the digest runs: Monday 08:00 in Paris, summer and winter time alike (the one
``beat_schedule``), and which period a moment belongs to."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from digests.periods import Period
from pactesur.celery import app as celery_app

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.UTC


def _entry():
    entry = celery_app.conf.beat_schedule["weekly-digest"]
    assert entry["task"] == "digests.tasks.run_digest"
    schedule = entry["schedule"]
    schedule.app = celery_app  # as beat binds it: the app's time zone (CELERY_TIMEZONE)
    return schedule


@pytest.mark.parametrize(
    "monday_utc",
    [
        # Winter time (UTC+1): 07:00 UTC; the Monday after the change back (25 October 2026).
        dt.datetime(2026, 1, 5, 7, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC),
        # Summer time (UTC+2): 06:00 UTC; the Monday after the change (29 March 2026).
        dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
        dt.datetime(2026, 7, 6, 6, 0, tzinfo=UTC),
    ],
)
def test_the_digest_is_due_on_monday_at_eight_in_paris_across_daylight_saving(monday_utc):
    assert monday_utc.astimezone(PARIS).strftime("%a %H:%M") == "Mon 08:00"
    schedule = _entry()
    previous_monday = monday_utc.astimezone(PARIS).date() - dt.timedelta(days=7)
    last_run = dt.datetime.combine(previous_monday, dt.time(8), tzinfo=PARIS)  # its previous run
    with time_machine.travel(monday_utc - dt.timedelta(minutes=1), tick=False):
        due, wait = schedule.is_due(last_run)
        assert not due
        assert 0 < wait <= 60  # beat wakes up at 08:00 Paris time
    with time_machine.travel(monday_utc + dt.timedelta(seconds=5), tick=False):
        due, wait = schedule.is_due(last_run)
        assert due
        # and not again before next Monday 08:00 (6 days 23:59:55 later, or an hour more or
        # less across a change of time)
        due, wait = schedule.is_due(monday_utc.astimezone(PARIS))
        assert not due
        week = 7 * 24 * 3600
        assert week - 3600 - 5 <= wait <= week + 3600


def test_a_period_is_the_iso_week_in_paris_and_its_cutoff_is_monday_eight():
    period = Period.parse("2026-W13")
    assert period.cutoff == dt.datetime(2026, 3, 23, 8, 0, tzinfo=PARIS)
    assert period.cutoff.utcoffset() == dt.timedelta(hours=1)
    assert period.next().cutoff == dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # summer time
    # Sunday 23:30 UTC is already Monday in Paris.
    assert str(Period.of(dt.datetime(2026, 11, 29, 23, 30, tzinfo=UTC))) == "2026-W49"
    assert str(Period.of(dt.datetime(2026, 11, 29, 22, 30, tzinfo=UTC))) == "2026-W48"
    assert str(Period.parse("2026-W53".replace("53", "01")).previous()) == "2025-W52"
    assert [p.first_of_month for p in map(Period.parse, ["2026-W49", "2026-W50"])] == [False, True]


@pytest.mark.parametrize("text", ["2026-49", "2026-W60", "2025-W53", "W49", ""])
def test_a_period_that_does_not_exist_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)
