"""``{% load datetimes %}``: machine-readable dates for ``<time datetime="...">``, site-wide."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def datetime_attr(value: Any) -> str:
    """``<time datetime="{{ event.at|datetime_attr }}">``: a valid HTML date or date-and-time
    string. An aware datetime is given in the current time zone, with its offset, to the second
    (HTML allows at most three digits of a fraction of a second: ``|date:'c'`` writes six);
    a naive one without an offset; a date as YYYY-MM-DD; anything else as "".
    """
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
