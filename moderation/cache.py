"""Cached renderings of published content, shared by the readers who may see the same rows.

Published content changes a few times a week (every change goes through moderation) and is read
all day: a list page rendered for one reader is kept, in the shared cache (Redis, or the file
cache of the embedded run), for every reader with the same visibility scope
(``moderation.models.visibility_scope``), language and query.

A rendering is stored under a key that holds the *content version* of what it shows. When that
content changes, ``content_changed(name)`` gives the name a new version: renderings built on the
old one are never read again and expire on their own (``FRAGMENT_TIMEOUT``). The version changes
at once and again after the transaction commits, so that a reader who rendered the old rows in
between cannot keep them under the new version. The caller decides what a name covers (the
practices' name covers practices, their attachments, themes and cities: whatever a card or a
filter shows).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

FRAGMENT_TIMEOUT = 600  # seconds: a bound on what an unforeseen change can leave stale


def _version_key(name: str) -> str:
    return f"content-version:{name}"


def content_version(name: str) -> str:
    """The current version of ``name`` (a new one if the cache lost it: nothing old is read)."""
    key = _version_key(name)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key) or ""
    return version


def content_changed(name: str) -> None:
    """Forget every rendering of ``name``: now, and again when the transaction commits."""

    def new_version() -> None:
        cache.set(_version_key(name), uuid.uuid4().hex, None)

    new_version()
    transaction.on_commit(new_version)


def fragment_key(name: str, parts: Iterable[str]) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"fragment:{name}:{content_version(name)}:{digest}"


def cached_fragment(name: str, parts: Iterable[str], build: Callable[[], T]) -> T:
    """The rendering of ``name`` for ``parts`` (what it depends on besides the content: scope,
    language, query...), built by ``build()`` when the cache does not have it."""
    key = fragment_key(name, parts)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, FRAGMENT_TIMEOUT)
    return value


def cached_fragments(
    name: str, keys: Sequence[str], build: Callable[[list[str]], dict[str, T]]
) -> dict[str, T]:
    """Many renderings of ``name`` at once, in one cache round trip: ``build(missing)`` renders
    those the cache does not have (and may leave out a key it cannot render)."""
    prefix = f"fragment:{name}:{content_version(name)}:"
    found = cache.get_many([prefix + key for key in keys])
    result = {key: found[prefix + key] for key in keys if prefix + key in found}
    missing = [key for key in keys if key not in result]
    if missing:
        built = build(missing)
        cache.set_many({prefix + key: value for key, value in built.items()}, FRAGMENT_TIMEOUT)
        result.update(built)
    return result
