"""``make serve``: a production-like run on a laptop (migrations, collected static files, gunicorn,
DEBUG off), over plain http with ``DJANGO_HTTPS=false`` as the README says."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables of the developer's shell that would change what is served.
DROPPED = ("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "CELERY_", "EMAIL_")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (http://127.0.0.1)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_make_serve_runs_the_site_as_in_production(tmp_path):
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(DROPPED)}
    env.update(VAR_DIR=str(tmp_path), DJANGO_HTTPS="false", DJANGO_SECRET_KEY="x" * 60)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        # -o: never reinstall the project here (`make install` did, or the developer did).
        server = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "serve", f"ADDR=127.0.0.1:{port}", "WORKERS=1"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, gunicorn and its worker
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, body = fetch(f"{site}/health/")
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        health = json.loads(body)
        assert status == 200, body
        assert health["checks"]["database"] == "ok"  # migrated
        assert health["checks"]["static"] == "ok"  # collected, with a manifest: DEBUG is off

        status, home = fetch(f"{site}/")
        assert status == 200  # no redirect to https: DJANGO_HTTPS=false
        stylesheet = home.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert stylesheet.startswith("/static/css/site.") and stylesheet != "/static/css/site.css"
        assert fetch(f"{site}{stylesheet}")[0] == 200  # hashed, served by WhiteNoise

        status, page = fetch(f"{site}/no-such-page/")
        assert status == 404
        assert "<h1>Page not found</h1>" in page  # the site's page, not DEBUG's
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert "gunicorn" in log.read_text().lower() or "Booting worker" in log.read_text()
