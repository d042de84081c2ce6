"""Cached renderings of published content, shared by the readers who may see the same rows.

Published content changes a few times a week (every change goes through moderation) and is read
all day: a list page rendered for one reader is kept for every reader with the same listing
scope (``moderation.models.listing_scope``), language and query (``lists.pages``).

Renderings live in each process's memory (the "fragments" cache: bounded by
``FRAGMENT_CACHE_ENTRIES``, least recently used first out, no round trip), under a key that holds
the *content version* of what they show. Versions live in the default cache (Redis, or the file
cache of the embedded run), shared by every process. When content changes,
``content_changed(name)`` gives the name a new version: renderings built on the old one are never
read again and expire on their own (``FRAGMENT_TIMEOUT``). The version changes
at once and again after the transaction commits, so that a reader who rendered the old rows in
between cannot keep them under the new version. The caller decides what a name covers (the
practices' name covers practices, their attachments, themes and cities: whatever a card or a
filter shows).

When the shared cache fails (``pactesur.cache``: its ``available`` is false), versions cannot be
shared between processes, so nothing is cached: every rendering is built from the database (a
slower page, never a stale or failed one). A change made meanwhile could not reach the shared
cache, which may come back holding versions from before it: on recovery, every name this process
has used gets a new version (``drop_versions``), so that no process reads renderings of the old
one. A process that neither changed anything nor saw the failure does not know of it: it may keep
serving what it rendered before until another process that did gets the cache back (its next
request), and at most ``FRAGMENT_TIMEOUT``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache, caches
from django.db import transaction

T = TypeVar("T")

FRAGMENT_TIMEOUT = 600  # seconds: a bound on what an unforeseen change can leave stale
_names: set[str] = set()  # the content names this process has read or changed


def _version_key(name: str) -> str:
    return f"content-version:{name}"


def _shared_cache_available() -> bool:
    return getattr(cache, "available", True)


def content_version(name: str) -> str | None:
    """The current version of ``name`` (a new one if the cache lost it: nothing old is read), or
    None when the shared cache cannot be reached: then nothing may be cached."""
    _names.add(name)
    key = _version_key(name)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    if not version or not _shared_cache_available():
        return None
    return version


def content_changed(name: str) -> None:
    """Forget every rendering of ``name``: now, and again when the transaction commits."""
    _names.add(name)

    def new_version() -> None:
        cache.set(_version_key(name), uuid.uuid4().hex, None)

    new_version()
    transaction.on_commit(new_version)


def drop_versions(**kwargs: Any) -> None:
    """Give every content name this process knows a new version, and forget the renderings kept
    in its memory: sent by the shared cache when it answers again (``pactesur.cache``)."""
    for name in sorted(_names):
        cache.set(_version_key(name), uuid.uuid4().hex, None)
    caches["fragments"].clear()


class Renderings:
    """The cached renderings of one content name, for one request: the version is read once,
    on first use, and every rendering of the request is read and stored under it.

        renderings = Renderings.of(request, "practices")
        page = renderings.get(["list", scope, language, query], render_page)
        cards = renderings.get_many(["card-en-1", "card-en-2"], render_cards)
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._prefix: str | None = ""

    @classmethod
    def of(cls, request: Any, name: str) -> Renderings:
        """The renderings of ``name`` for this request: one version read per request, whatever
        reads them (the list page, its filters, its cards)."""
        kept: dict[str, Renderings] = request.__dict__.setdefault("_renderings", {})
        if name not in kept:
            kept[name] = cls(name)
        return kept[name]

    @property
    def prefix(self) -> str | None:
        """The start of every key of this request's renderings; None when the shared cache is
        down (nothing is read or kept: every rendering is built)."""
        if self._prefix == "":
            version = content_version(self.name)
            self._prefix = f"fragment:{self.name}:{version}:" if version else None
        return self._prefix

    def get(self, parts: Iterable[str], build: Callable[[], T]) -> T:
        """The rendering for ``parts`` (what it depends on besides the content: scope, language,
        query...), built by ``build()`` when the cache does not have it."""
        prefix = self.prefix
        if prefix is None:
            return build()
        key = prefix + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        fragments = caches["fragments"]
        value = fragments.get(key)
        if value is None:
            value = build()
            fragments.set(key, value, FRAGMENT_TIMEOUT)
        return value

    def get_many(
        self, keys: Sequence[str], build: Callable[[list[str]], dict[str, T]]
    ) -> dict[str, T]:
        """Many renderings at once, in one cache round trip: ``build(missing)`` renders those the
        cache does not have (and may leave out a key it cannot render). Keys are short ASCII
        words (``card-en-42``)."""
        prefix = self.prefix
        if prefix is None:
            return build(list(keys))
        fragments = caches["fragments"]
        found = fragments.get_many([prefix + key for key in keys])
        result = {key: found[prefix + key] for key in keys if prefix + key in found}
        missing = [key for key in keys if key not in result]
        if missing:
            built = build(missing)
            fragments.set_many(
                {prefix + key: value for key, value in built.items()}, FRAGMENT_TIMEOUT
            )
            result.update(built)
        return result
