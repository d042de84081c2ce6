"""The .ics files, parsed back with icalendar: one VEVENT per session in the host's time zone
(with its VTIMEZONE) across a DST change, a UID stable across updates, SEQUENCE bumped when the
dates change; the private feed of confirmed trainings and its revocable token."""

import datetime as dt
import zoneinfo

import icalendar
import pytest

from moderation.models import Visibility
from trainings import services
from trainings.models import CalendarFeed

from .factories import TrainingFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Summer time ends in Europe on the last Sunday of October (2027-10-31).
BEFORE_DST = dt.datetime(2027, 10, 29, 9, 0, tzinfo=PARIS)
AFTER_DST = dt.datetime(2027, 11, 2, 9, 0, tzinfo=PARIS)


def parse(response) -> icalendar.Calendar:
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(calendar):
    return sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


@pytest.fixture
def academy(db):
    return TrainingFactory(
        sessions=[
            (BEFORE_DST, BEFORE_DST + dt.timedelta(hours=8)),
            (AFTER_DST, AFTER_DST + dt.timedelta(hours=8)),
        ],
        registration_deadline=None,
    )


def test_one_event_per_session_in_the_hosts_zone_across_dst(client, academy):
    calendar = parse(client.get(f"/trainings/{academy.pk}.ics"))
    first, second = events(calendar)
    # Both start at 9:00 wall-clock time in Paris, an hour apart in UTC (CEST, then CET).
    assert first.decoded("dtstart") == BEFORE_DST
    assert second.decoded("dtstart") == AFTER_DST
    assert first["dtstart"].params["TZID"] == "Europe/Paris"
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(hours=2)
    assert second.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"]
    # The VTIMEZONE itself carries both offsets, so a client without the tz database agrees.
    offsets = {c["TZOFFSETTO"].to_ical() for c in zones[0].subcomponents}
    assert {"+0200", "+0100"} <= offsets
    assert first["summary"] == academy.title


def test_uid_is_stable_and_sequence_bumped_when_dates_change(client, academy, coordinator):
    before = events(parse(client.get(f"/trainings/{academy.pk}.ics")))
    session = academy.sessions.order_by("starts_at").first()
    services.session_save(
        training=academy, by=coordinator, session=session,
        starts_at=session.starts_at + dt.timedelta(hours=1),
        ends_at=session.ends_at + dt.timedelta(hours=1),
    )  # fmt: skip
    after = events(parse(client.get(f"/trainings/{academy.pk}.ics")))
    assert [str(e["uid"]) for e in before] == [str(e["uid"]) for e in after]
    assert [int(e["sequence"]) for e in before] == [0, 0]
    assert [int(e["sequence"]) for e in after] == [1, 1]
    assert after[0].decoded("dtstart") == BEFORE_DST + dt.timedelta(hours=1)


def test_ics_of_a_training_one_may_not_see_is_404(client, academy):
    academy.visibility = Visibility.POLICE
    academy.save()
    assert client.get(f"/trainings/{academy.pk}.ics").status_code == 404


def test_private_feed_lists_confirmed_trainings_and_revoked_token_is_404(
    client, academy, member, nice_body
):
    other = TrainingFactory(capacity=1)
    from tests.accounts.factories import make_member

    services.registration_create(training=other, by=make_member(nice_body))
    services.registration_create(training=other, by=member)  # waitlisted: not in the feed
    services.registration_create(training=academy, by=member)
    client.force_login(member)
    client.post("/trainings/mine/calendar/")
    token = CalendarFeed.objects.get(user=member).token
    client.logout()  # calendar apps have no session
    calendar = parse(client.get(f"/trainings/calendar/{token}.ics"))
    assert {str(e["summary"]) for e in calendar.walk("VEVENT")} == {academy.title}
    client.force_login(member)
    client.post("/trainings/mine/calendar/")
    client.logout()
    assert client.get(f"/trainings/calendar/{token}.ics").status_code == 404
    new = CalendarFeed.objects.get(user=member).token
    assert new != token
    assert client.get(f"/trainings/calendar/{new}.ics").status_code == 200
    assert client.get("/trainings/calendar/not-a-token.ics").status_code == 404
