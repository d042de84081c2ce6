"""Redis stopped for real while the site serves (issue 7, finding 4).

The shared cache points at a redis-server of the test's own (``private_redis``), with append-only
persistence: started again, it holds what it held before the outage, including the version of the
practice list that was current then. Tasks run in-process here: the broker's failure is another
matter (the email outbox).
"""

import re
import time

import pytest
from django.urls import reverse

from moderation.models import Status
from moderation.services import moderation_submit
from moderation.versions import version_token
from pactesur.celery import app as celery_app
from practices.models import Practice
from practices.services import practice_create
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LIST = reverse("practices:list")
FORM = {
    "title": "Night-time mediators in the Old Town",
    "summary": "Mediators patrol bar streets on weekend nights.",
    "outcome": "promising",
    "evaluation_stage": "local",
    "original_language": "fr",
    "visibility": "public",
}


@pytest.fixture(autouse=True)
def _eager_tasks():
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def shared_cache(settings, private_redis):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "pactesur.cache.FailSafeRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "RETRY_AFTER": 0.2},
        },
    }


def listed(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(
        r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.usefixtures("shared_cache")
def test_with_redis_stopped_pages_sign_in_writes_and_publish_work_and_nothing_stale_comes_back(
    client, private_redis, member, coordinator, efus_staff
):
    harbour = PracticeFactory(title="Harbour patrols")
    assert listed(client.get(LIST)) == ["Harbour patrols"]  # rendered and kept under a version

    private_redis.stop()

    # Reading: every page a visitor uses answers, from the database.
    assert listed(client.get(LIST)) == ["Harbour patrols"]
    assert listed(client.get(LIST, {"q": "harbour"})) == ["Harbour patrols"]
    assert listed(client.get(LIST, {"q": "harbour"}, headers={"HX-Request": "true"}))
    for url in (
        reverse("cities:home"),
        harbour.get_absolute_url(),
        reverse("practices:export_csv"),
        reverse("practices:export_json"),
        reverse("practices:feed_rss"),
        reverse("practices:feed_atom"),
        reverse("health"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(reverse("health")).json()["checks"]["cache"] == "degraded"

    # Signing in, and failed sign-ins still limited (each process counts on its own).
    for _ in range(5):
        assert login(client, member.email, "wrong-password").status_code == 200
    assert "Too many failed login attempts" in login(client, member.email).content.decode()
    response = login(client, coordinator.email)
    assert response.status_code == 302, response.content.decode()[:500]

    # Writing: a member drafts a practice; it is saved.
    client.force_login(member)
    response = client.post(reverse("practices:create"), FORM)
    assert response.status_code == 302
    assert Practice.objects.filter(title=FORM["title"], created_by=member).exists()

    # Publishing: the moderator publishes a submitted practice; readers see it at once.
    wildfire = practice_create(
        by=coordinator, data={"title": "Wildfire drills", "summary": "S", "visibility": "public"}
    )
    moderation_submit(obj=wildfire, by=coordinator)
    client.force_login(efus_staff)
    response = client.post(
        reverse("moderation:publish", args=["practices.practice", wildfire.pk]),
        {"version": version_token(wildfire, None)},  # what the review page would carry
    )
    assert response.status_code == 302
    wildfire.refresh_from_db()
    assert wildfire.status == Status.PUBLISHED
    client.logout()
    assert sorted(listed(client.get(LIST))) == ["Harbour patrols", "Wildfire drills"]

    # Redis comes back holding the list's version from before the publish: it must not be used.
    private_redis.start()
    time.sleep(0.3)  # the breaker's RETRY_AFTER
    assert sorted(listed(client.get(LIST))) == ["Harbour patrols", "Wildfire drills"]
    assert client.get(reverse("health")).json()["checks"]["cache"] == "ok"
    # And the cache works again: the list is kept, and a change still shows at once.
    assert sorted(listed(client.get(LIST))) == ["Harbour patrols", "Wildfire drills"]
    harbour.title = "Harbour and beach patrols"
    harbour.save(update_fields=["title"])
    assert sorted(listed(client.get(LIST))) == ["Harbour and beach patrols", "Wildfire drills"]
