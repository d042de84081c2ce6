"""iCalendar files (RFC 5545) made with the icalendar library: a training's file, one VEVENT per
session in the host's time zone with its VTIMEZONE, and a member's private feed of their
confirmed trainings.

A session's UID (``session-<id>@<site host>``) stays the same across updates; its SEQUENCE is
the training's ``schedule_sequence``, bumped whenever the dates change, so that calendar apps
replace the event they hold instead of adding one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Session, Training

PRODID = "-//PACTESUR//Trainings//EN"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def session_uid(session: Session) -> str:
    return f"training-session-{session.pk}@{_host()}"


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _events(calendar: icalendar.Calendar, training: Training, sessions: Iterable[Session]) -> None:
    zone = training.tz
    url = settings.SITE_URL + training.get_absolute_url()
    stamp = timezone.now()
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", session_uid(session))
        event.add("sequence", training.schedule_sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        summary = training.title if not session.title else f"{training.title}: {session.title}"
        event.add("summary", summary)
        event.add("url", url)
        location = ", ".join(p for p in (training.venue_name, training.venue_address) if p)
        if location:
            event.add("location", location.replace("\r", "").replace("\n", ", "))
        event.add("description", url)
        calendar.add_component(event)


def _first_last(sessions: list[Session]) -> tuple[dt.date, dt.date]:
    if not sessions:
        today = timezone.now().date()
        return today, today
    return (
        min(s.starts_at for s in sessions).date() - dt.timedelta(days=1),
        max(s.ends_at for s in sessions).date() + dt.timedelta(days=1),
    )


def training_calendar(training: Training, sessions: list[Session]) -> bytes:
    """The training's .ics file: its sessions, with the VTIMEZONE of the host's zone."""
    calendar = _calendar(training.title)
    _events(calendar, training, sessions)
    first, last = _first_last(sessions)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def member_feed(name: str, trainings: list[Training]) -> bytes:
    """A member's feed: every session of the trainings given (their sessions prefetched)."""
    calendar = _calendar(name)
    sessions: list[Session] = []
    for training in trainings:
        rows = list(training.sessions.all())
        sessions.extend(rows)
        _events(calendar, training, rows)
    first, last = _first_last(sessions)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
