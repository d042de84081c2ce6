"""``datetime_attr``: what ``<time datetime>`` gets is a valid HTML date or date-and-time string."""

import datetime
import re
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from cities.templatetags.datetimes import datetime_attr

# HTML's "valid global date and time string" (with an offset), "valid local date and time
# string" and "valid date string": a fraction of a second has at most three digits.
VALID = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)


def test_aware_datetime_has_no_microseconds_and_the_current_offset(settings):
    settings.TIME_ZONE = "Europe/Paris"
    at = datetime.datetime(2026, 3, 4, 9, 15, 30, 385329, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        assert datetime_attr(at) == "2026-03-04T10:15:30+01:00"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        summer = datetime.datetime(2026, 7, 1, 22, 0, 0, 999999, tzinfo=datetime.UTC)
        assert datetime_attr(summer) == "2026-07-02T00:00:00+02:00"


def test_naive_datetime_and_date():
    assert datetime_attr(datetime.datetime(2026, 3, 4, 9, 15, 30, 12)) == "2026-03-04T09:15:30"
    assert datetime_attr(datetime.date(2026, 2, 28)) == "2026-02-28"


@pytest.mark.parametrize("value", [None, "", "2026-03-04", 12])
def test_anything_else_is_empty(value):
    assert datetime_attr(value) == ""


def test_every_output_is_a_valid_html_datetime():
    now = timezone.now().replace(microsecond=123456)
    for value in (now, timezone.localtime(now), now.date(), now.replace(tzinfo=None)):
        assert VALID.match(datetime_attr(value)), datetime_attr(value)


def test_in_a_template():
    at = datetime.datetime(2026, 3, 4, 9, 15, 30, 385329, tzinfo=datetime.UTC)
    html = Template('{% load datetimes %}<time datetime="{{ at|datetime_attr }}">').render(
        Context({"at": at})
    )
    assert VALID.match(html.split('"')[1])
    assert ".385329" not in html
