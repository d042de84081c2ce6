"""The shared cache: Django's own Redis backend, wrapped once so that a failing Redis never fails a
request.

What the default cache holds is either rebuilt from the database (the versions of the rendered
lists, ``lists.cache``) or short-lived counters (allauth's rate limits, the TOTP codes already
used, the worker's heartbeat). When Redis refuses, times out or errs, each operation falls back to
a small memory cache of the process instead of raising: pages are slower, never errors.

- A failure opens a *breaker* for ``RETRY_AFTER`` seconds: operations go straight to the memory
  cache, so a Redis that hangs costs one socket timeout (settings: a fraction of a second), not one
  per operation. The next operation after that tries Redis again.
- Rate limits and used TOTP codes keep working per process while Redis is down (allauth's lock is
  a ``cache.add``: with a cache that only failed, every login would be refused). A limit is then
  counted by each process apart, so it is looser by the number of processes, but it still holds.
- ``available`` says whether the last operation reached Redis. ``lists.cache`` reads it to
  stop caching renderings while versions cannot be shared between processes.
- On the first operation that reaches Redis again, ``cache_recovered`` is sent (and the memory
  cache emptied): what Redis holds may predate writes that were lost meanwhile, so the receivers
  drop it (``lists.cache`` gives every content name a new version).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.dispatch import Signal
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Sent with ``cache`` (the backend) when Redis answers again after a failure.
cache_recovered = Signal()

# Whatever a broken connection, a timeout or a refusal (read-only replica, out of memory) raises.
FAILURES = (RedisError, OSError)


class FailSafeRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that falls back to process memory.

    OPTIONS: those of Django's RedisCache (passed to redis-py's connection pool: set
    ``socket_connect_timeout`` and ``socket_timeout`` short), plus ``RETRY_AFTER`` (seconds the
    breaker stays open, default 5) and ``FALLBACK_ENTRIES`` (size of the memory cache, 1000).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        fallback_entries = int(options.pop("FALLBACK_ENTRIES", 1000))
        super().__init__(server, {**params, "OPTIONS": options})
        # Django makes one backend per thread; LocMemCache shares its store by name, so every
        # thread of the process sees the same fallback.
        self._fallback = LocMemCache(
            f"pactesur-cache-fallback:{server}",
            {**params, "OPTIONS": {"MAX_ENTRIES": fallback_entries}},
        )
        self._failed_at: float | None = None  # monotonic time of the last failure, if not cleared

    @property
    def available(self) -> bool:
        """Whether the last operation reached Redis."""
        return self._failed_at is None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if self._failed_at is not None and now - self._failed_at < self.retry_after:
            return getattr(self._fallback, method)(*args, **kwargs)
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except FAILURES as exc:
            if self._failed_at is None:
                logger.warning("Cache unreachable, using process memory until it answers: %r", exc)
            self._failed_at = now
            return getattr(self._fallback, method)(*args, **kwargs)
        if self._failed_at is not None:
            self._failed_at = None
            self._fallback.clear()
            logger.warning("Cache reachable again: dropping what it held from before")
            cache_recovered.send(sender=type(self), cache=self)
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call("delete_many", keys, version)

    def clear(self) -> Any:
        return self._call("clear")
