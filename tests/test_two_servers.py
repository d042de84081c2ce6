"""Two web servers, one PostgreSQL and one Redis (docs/scaling.md): what one publishes, the other
shows at once, to visitors and to members.

Each server keeps the lists it renders in its own memory; the lists' versions are in the shared
Redis (``lists.cache``). Both servers are gunicorn processes with DEBUG off, started here on two
ports, on the test database (committed rows: ``transactional_db``) and a Redis of the test's own.
The moderator publishes through one server's page, with its form; the other server must not
serve the list, home page or city page it kept from before.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse

from moderation.services import moderation_submit
from practices.services import practice_create
from tests.support import free_port

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two servers share one PostgreSQL database (the SQLite test database is in memory)",
    ),
]

BASE_DIR = Path(__file__).resolve().parent.parent
DROPPED = ("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "CELERY_", "EMAIL_")
CARD = re.compile(r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>')


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )


@pytest.fixture
def environment(tmp_path, private_redis):
    env = {key: value for key, value in os.environ.items() if not key.startswith(DROPPED)}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=private_redis.url,
        CELERY_BROKER_URL="",  # tasks in-process: no worker here
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the sessions made here are theirs too
        VAR_DIR=str(tmp_path),
    )
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    return env


@pytest.fixture
def servers(environment, tmp_path):
    """Two gunicorn servers (one worker each) on two ports: their base URLs."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        log = (tmp_path / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(
                [gunicorn, "pactesur.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--chdir", str(BASE_DIR)],
                env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/health/", timeout=5)  # noqa: S310
                    break
                except urllib.error.HTTPError:
                    break  # it answers (a degraded part is not this test's business)
                except OSError:
                    assert process.poll() is None, (tmp_path / "a.log").read_text()
                    assert time.monotonic() < deadline, "a server did not start"
                    time.sleep(0.3)
        yield urls
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


class Browser:
    """One person's cookies (a session made here for a signed-in person), on either server."""

    def __init__(self, user=None) -> None:
        self.cookies: dict[str, str] = {}
        if user is not None:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "accounts.backends.AuthenticationBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            self.cookies["sessionid"] = store.session_key

    def open(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310  (http://127.0.0.1)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                self._keep(response.headers)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self._keep(error.headers)
            return error.code, error.read().decode()

    def _keep(self, headers) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name.strip()] = value.strip()

    def titles(self, url: str) -> list[str]:
        status, page = self.open(url)
        assert status == 200, page[:500]
        return CARD.findall(page)

    def submit(self, base: str, page_path: str, action: str, **fields: str) -> int:
        """Send the form of ``page_path`` that posts to ``action`` (its own action or a button's
        ``formaction``): its hidden fields (the CSRF token, whatever else it carries) and
        ``fields``."""
        status, page = self.open(base + page_path)
        assert status == 200, page[:500]
        at = page.index(f'action="{action}"')
        form = page[page.rindex("<form", 0, at) : page.index("</form>", at)]
        data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        status, answer = self.open(base + action, {**data, **fields})
        assert status in (200, 302), answer[:2000]
        return status


# serialized_rollback: committed rows for the servers (a transactional test), and the reference
# data (cities, bodies, themes from the migrations) back for the tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publish_through_one_server_shows_at_once_through_the_other(
    servers, coordinator, member, efus_staff
):
    a, b = servers
    practice = practice_create(
        by=coordinator,
        data={
            "title": "Harbour patrols at night",
            "summary": "Night patrols.",
            "visibility": "public",
        },
    )
    moderation_submit(obj=practice, by=coordinator)
    visitor, officer, moderator = Browser(), Browser(member), Browser(efus_staff)
    home, nice = reverse("cities:home"), reverse("cities:detail", args=["nice"])
    pages = [reverse("practices:list"), home, nice]

    for server in (a, b):  # each server renders and keeps the pages, for visitors and members
        for page in pages:
            assert "Harbour patrols at night" not in visitor.titles(server + page)
            assert "Harbour patrols at night" not in officer.titles(server + page)

    review = reverse("moderation:review", args=["practices.practice", practice.pk])
    publish = reverse("moderation:publish", args=["practices.practice", practice.pk])
    assert moderator.submit(a, review, publish) in (200, 302)
    practice.refresh_from_db()
    assert practice.is_published

    for page in pages:  # at once, through the other server
        assert "Harbour patrols at night" in visitor.titles(b + page), page
        assert "Harbour patrols at night" in officer.titles(b + page), page

    unpublish = reverse("moderation:unpublish", args=["practices.practice", practice.pk])
    assert moderator.submit(b, review, unpublish, message="Outdated figures.") in (200, 302)
    practice.refresh_from_db()
    assert not practice.is_published
    for page in pages:  # and back, through the first server
        assert "Harbour patrols at night" not in visitor.titles(a + page), page
        assert "Harbour patrols at night" not in officer.titles(a + page), page
