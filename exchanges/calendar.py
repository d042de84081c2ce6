"""The calendar of scheduled exchanges as an iCalendar feed (RFC 5545, the ``icalendar``
library), and the signed address a coordinator's calendar application subscribes to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import User

from .models import Application

SALT = "exchanges.calendar"


def feed_token(user: Any) -> str:
    """A token naming the user, for the feed's address (calendar applications send no cookie).
    It stops working as soon as the user loses the right to the calendar (checked each time)."""
    return signing.dumps(user.pk, salt=SALT)


def feed_user(token: str) -> User | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def feed_url(user: Any) -> str:
    return settings.SITE_URL + reverse("exchanges:calendar_ics", args=[feed_token(user)])


def ics(exchanges: list[Application]) -> bytes:
    """The exchanges as all-day events, one per exchange (the officer's name only where the
    reader may see the application)."""
    calendar = Calendar()
    calendar.add("prodid", "-//PACTESUR//Officer exchanges//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("PACTESUR officer exchanges"))
    stamp = timezone.now()
    for application in exchanges:
        if application.start is None or application.end is None:
            continue
        event = Event()
        event.add("uid", f"exchange-{application.pk}@pactesur")
        event.add("dtstamp", stamp)
        event.add("dtstart", application.start)
        event.add("dtend", application.end + dt.timedelta(days=1))
        summary = _("%(offer)s in %(host)s (from %(city)s)") % {
            "offer": application.offer.title,
            "host": application.host_city.name,
            "city": application.sending_city.name,
        }
        if getattr(application, "shown", False):
            summary += f": {application.applicant}"
            event.add("url", settings.SITE_URL + application.get_absolute_url())
        event.add("summary", summary)
        event.add("location", application.host_city.name)
        calendar.add_component(event)
    return calendar.to_ical()
