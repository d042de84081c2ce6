"""``pactesur.cache.FailSafeRedisCache``: a Redis that stops or hangs fails no cache operation and
costs milliseconds; when it answers again, the receivers of ``cache_recovered`` hear of it.

Each test runs its own redis-server (``private_redis``) and stops or freezes it for real.
"""

import time

import pytest
import redis
from django.core.cache import cache

from pactesur.cache import cache_recovered

TIMEOUT = 0.25


@pytest.fixture
def redis_cache(settings, private_redis):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "pactesur.cache.FailSafeRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "RETRY_AFTER": 0.2,
            },
        },
    }
    return cache


@pytest.fixture
def recoveries():
    heard = []

    def receiver(**kwargs):
        heard.append(kwargs["cache"])

    cache_recovered.connect(receiver)
    yield heard
    cache_recovered.disconnect(receiver)


def every_operation(cache) -> None:
    """Every operation of Django's cache API, as the site and allauth use them."""
    cache.set("a", 1)
    assert cache.get("a") == 1
    assert cache.get("missing", "default") == "default"
    assert cache.add("lock", True, 10) is True
    assert cache.add("lock", True, 10) is False  # allauth's lock, TOTP codes already used
    cache.set_many({"b": 2, "c": 3})
    assert cache.get_many(["b", "c", "missing"]) == {"b": 2, "c": 3}
    assert cache.incr("b") == 3
    assert cache.has_key("c")
    assert cache.touch("c", 60)
    assert cache.get_or_set("d", 4) == 4
    cache.delete("c")
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b", "c"]) == {}
    cache.clear()


def test_operations_reach_redis_while_it_answers(redis_cache, private_redis):
    every_operation(redis_cache)
    redis_cache.set("shared", "yes")
    raw = redis.Redis.from_url(private_redis.url)
    assert any(key.endswith(b"shared") for key in raw.scan_iter())
    assert redis_cache.available


def test_a_stopped_redis_fails_no_operation_and_costs_milliseconds(redis_cache, private_redis):
    redis_cache.set("before", 1)
    private_redis.stop()
    started = time.monotonic()
    for _ in range(20):
        every_operation(redis_cache)
    assert time.monotonic() - started < 1.0
    assert not redis_cache.available


def test_a_hung_redis_costs_one_timeout_then_nothing(settings, redis_cache, private_redis):
    settings.CACHES["default"]["OPTIONS"]["RETRY_AFTER"] = 30
    redis_cache.get("warm")  # an open connection, as a serving process has
    private_redis.freeze()
    started = time.monotonic()
    assert redis_cache.get("a", "default") == "default"
    first = time.monotonic() - started
    assert first < 3 * TIMEOUT
    started = time.monotonic()
    for _ in range(20):
        every_operation(redis_cache)
    assert time.monotonic() - started < 0.2  # the breaker is open: no socket is touched
    assert not redis_cache.available


def test_recovery_is_announced_once_and_forgets_the_memory_fallback(
    redis_cache, private_redis, recoveries
):
    redis_cache.set("kept", "from before")
    private_redis.stop()
    redis_cache.set("written-while-down", 1)
    assert redis_cache.get("written-while-down") == 1  # this process still reads its own writes
    assert recoveries == []

    private_redis.start()
    time.sleep(0.3)  # RETRY_AFTER
    assert redis_cache.get("kept") == "from before"  # Redis kept its data
    assert redis_cache.available
    assert len(recoveries) == 1
    assert redis_cache.get("written-while-down") is None
    redis_cache.get("kept")
    assert len(recoveries) == 1
