"""Signed, expiring links that act on a subscription without signing in.

A link carries the subscriber's id and address, signed with ``SECRET_KEY`` and a salt per
purpose (a confirmation link cannot be used to unsubscribe, nor the reverse). ``read`` raises
``InvalidLink`` for a tampered, expired or outdated link (the subscription was deleted, or its
address changed); views show a page that says so.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse

from .models import Subscriber

Purpose = Literal["confirm", "preferences", "unsubscribe"]

# How long a link works. A confirmation is due within the 7 days an unconfirmed address is kept;
# preference and unsubscribe links come in every digest, and a monthly subscriber may open an
# old one.
MAX_AGE: dict[str, dt.timedelta] = {
    "confirm": dt.timedelta(days=7),
    "preferences": dt.timedelta(days=90),
    "unsubscribe": dt.timedelta(days=365),
}
URL_NAMES = {
    "confirm": "digests:confirm",
    "preferences": "digests:preferences",
    "unsubscribe": "digests:unsubscribe",
}


class InvalidLink(Exception):
    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _salt(purpose: Purpose) -> str:
    return f"digests.{purpose}"


def make_token(subscriber: Subscriber, purpose: Purpose) -> str:
    return signing.dumps([subscriber.pk, subscriber.email], salt=_salt(purpose), compress=True)


def path(subscriber: Subscriber, purpose: Purpose) -> str:
    """The link's path (``site_url`` goes before it in an email)."""
    return _path_around(purpose, get_script_prefix(), get_urlconf()).replace(
        _SLOT, make_token(subscriber, purpose)
    )


_SLOT = "0slot0"  # stands for the token: characters that ``reverse`` leaves as they are


@lru_cache(maxsize=16)
def _path_around(purpose: Purpose, prefix: str, urlconf: str | None) -> str:
    """The link's path with a slot for the token, reversed once (a digest run makes two links a
    message; a token's characters, like the slot's, are never quoted by ``reverse``)."""
    return reverse(URL_NAMES[purpose], args=[_SLOT])


def read(token: str, purpose: Purpose) -> Subscriber:
    try:
        pk, email = signing.loads(token, salt=_salt(purpose), max_age=MAX_AGE[purpose])
    except signing.SignatureExpired:
        raise InvalidLink(expired=True) from None
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidLink(expired=False) from None
    subscriber = (
        Subscriber.objects.select_related("city", "user").filter(pk=pk, email=email).first()
    )
    if subscriber is None:
        raise InvalidLink(expired=False)
    return subscriber
