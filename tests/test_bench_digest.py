"""Smoke test of the digest benchmark's seeding (bench/digest.py) at a tiny scale: a realistic
week in which every subscriber has something new. Not timed (``make bench-digest`` measures).
PostgreSQL only (the practices are seeded with COPY)."""

import pytest
from django.conf import settings as django_settings

from bench import digest as bench_digest
from digests.models import Subscriber
from digests.periods import Period
from digests.selectors import digest_items

pytestmark = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark seeds PostgreSQL only (COPY, tsvector, GIN)",
)


@pytest.mark.django_db
def test_the_benchmark_week_gives_every_subscriber_a_digest():
    bench_digest.seed(30, 40, 0.3)
    subscribers = list(Subscriber.objects.due_in(Period.current()))
    assert len(subscribers) == 30
    assert sum(s.is_member for s in subscribers) == 9
    cutoff = Period.current().cutoff
    assert all(digest_items(s, until=cutoff).items for s in subscribers)
    bench_digest.reset_week()
    assert set(Subscriber.objects.values_list("last_digest_at", flat=True)) == {
        Period.current().previous().cutoff
    }
