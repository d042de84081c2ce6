"""docker-compose.yml and the Dockerfile agree with the settings.

There is no Docker engine in the test environment, so the file is parsed, not run; the web
healthcheck's command is run for real against a gunicorn started here.
"""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.support import settings_variables

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICES_WITH_HEALTHCHECKS = {"web", "worker", "beat", "postgres", "redis", "mailpit"}
# What the settings need outside a laptop (their defaults are for development only).
REQUIRED_IN_PRODUCTION = {
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def _project_services(compose: dict) -> dict[str, dict]:
    """The services running our image (the others run stock postgres, redis, mailpit images)."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} substitution, and $$ escapes."""

    def substitute(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name, "")
        if op in (":-", "-"):
            return current or arg
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        return current

    return INTERPOLATION.sub(substitute, value).replace("$$", "$")


def test_every_service_has_a_healthcheck(compose):
    services = compose["services"]
    assert set(services) >= SERVICES_WITH_HEALTHCHECKS
    for name in SERVICES_WITH_HEALTHCHECKS:
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"


def test_stock_images_are_the_expected_versions(compose):
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_postgres_gets_shared_buffers_the_practices_table_fits_in(compose):
    command = " ".join(compose["services"]["postgres"]["command"])
    assert interpolate(command, {}) == "postgres -c shared_buffers=512MB"
    assert interpolate(command, {"POSTGRES_SHARED_BUFFERS": "2GB"}).endswith("=2GB")


def test_project_containers_get_only_variables_the_settings_read(compose):
    known = settings_variables()
    project = _project_services(compose)
    assert set(project) >= {"web", "worker", "beat", "migrate"}
    for name, service in project.items():
        unknown = sorted(set(service["environment"]) - known)
        assert not unknown, f"{name} sets {unknown}, which pactesur/settings.py never reads"


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
def test_required_production_variables_are_set(compose, service):
    environment = compose["services"][service]["environment"]
    missing = sorted(REQUIRED_IN_PRODUCTION - set(environment))
    assert not missing, f"{service} lacks {missing}"
    assert environment["DJANGO_DEBUG"] == "false"


def test_the_secret_key_has_no_default(compose):
    env = compose["services"]["web"]["environment"]
    with pytest.raises(KeyError, match="DJANGO_SECRET_KEY"):
        interpolate(env["DJANGO_SECRET_KEY"], {})


def test_containers_talk_to_the_compose_services(compose):
    env = {
        k: interpolate(str(v), {})
        for k, v in compose["services"]["web"]["environment"].items()
        if k != "DJANGO_SECRET_KEY"
    }
    assert env["DATABASE_URL"].startswith("postgres://pactesur:")
    assert env["DATABASE_URL"].endswith("@postgres:5432/pactesur")
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"


def test_no_result_backend_is_configured(compose):
    """No task's result is read: the containers get no result store that could fail a request."""
    for name, service in _project_services(compose).items():
        assert "CELERY_RESULT_BACKEND" not in service.get("environment", {}), name


def test_the_worker_may_finish_its_tasks_when_stopped(compose):
    """Docker kills a container 10 s after SIGTERM by default; the worker gets longer than the
    longest task may run, so that a redeploy never cuts a batch of emails in the middle."""
    grace = compose["services"]["worker"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > settings.CELERY_TASK_TIME_LIMIT


def test_app_services_wait_for_migrations_and_healthy_backends(compose):
    services = compose["services"]
    assert "migrate" in " ".join(services["migrate"]["command"])
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        for backend in ("postgres", "redis"):
            assert depends[backend]["condition"] == "service_healthy", (name, backend)


def test_commands_run_gunicorn_and_celery(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "pactesur.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "pactesur", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "pactesur", "beat"]
    assert "8025:8025" in services["mailpit"]["ports"]


def test_named_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/", "~"))
    }
    assert {"postgres-data", "redis-data"} <= used
    assert used <= declared


def test_dockerfile_builds_a_non_root_image_with_collected_static_files():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", "var"} <= set(ignored)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _web_healthcheck(compose: dict, port: int) -> list[str]:
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    command = [interpolate(part, {}) for part in test[1:]]
    assert command[0] == "python"
    assert "/health/" in command[-1]
    return [
        sys.executable,
        *command[1:-1],
        command[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}"),
    ]


def test_web_healthcheck_passes_against_gunicorn_behind_https(compose, tmp_path):
    """Production-like settings: HTTPS redirects on and one allowed host, as in a deployment."""
    port = _free_port()
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DJANGO_SETTINGS_MODULE": "pactesur.settings",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "true",
        "DJANGO_ALLOWED_HOSTS": "pactesur.example.eu",
        "SITE_URL": "https://pactesur.example.eu",
        "VAR_DIR": str(tmp_path),
    }
    check = _web_healthcheck(compose, port)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pactesur.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        result = subprocess.run(check, env=env, capture_output=True, text=True, check=False)
        while result.returncode != 0 and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.3)
            result = subprocess.run(check, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    finally:
        server.terminate()
        server.wait(timeout=15)
    # With nothing listening, the same check fails: it does test something.
    down = subprocess.run(check, env=env, capture_output=True, text=True, check=False)
    assert down.returncode != 0
