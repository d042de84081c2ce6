"""Helpers the tests share that are neither fixtures nor factories: the services and programs a
test needs (skipped without them, failed when CI=true), free ports, a private Redis, the
variables the settings read. Tests import them from here, never from another test module."""

from __future__ import annotations

import ast
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

BASE_DIR = Path(__file__).resolve().parent.parent


def require_service(name: str, host: str, port: int) -> None:
    """Skip the test when a service does not answer on host:port; fail instead when CI=true.

    CI must run every test, so a missing service there is an error, never a silent skip.
    """
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        reason = f"{name} is not reachable at {host}:{port} ({exc})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: it is required when CI=true", pytrace=False)
    pytest.skip(f"{reason}: start it to run this test (see README, Full stack)")


def require_program(name: str, path: str | None) -> str:
    """The path of a program the test runs; skip without it (fail when CI=true)."""
    if path and os.access(path, os.X_OK):
        return path
    reason = f"{name} is not installed"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}: it is required when CI=true", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop, freeze and start
    again (never the shared one). It keeps its data in an append-only file, so that, started
    again, it holds what it held before, as a production Redis with persistence does."""

    def __init__(self, directory: Path) -> None:
        self.binary = require_program("redis-server", shutil.which("redis-server"))
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.directory),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Stop answering while keeping connections open: a hung Redis, not a refusing one."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


def settings_variables() -> set[str]:
    """Names of the environment variables pactesur/settings.py reads: every env.<type>("NAME")."""
    tree = ast.parse((BASE_DIR / "pactesur" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


# --- Celery processes (a real worker on the test database) ---------------------------------------

CELERY = str(Path(sys.executable).with_name("celery"))
WORKER_OPTIONS = ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"]


def worker_environment(broker_url: str, smtp_port: int, var_dir: Path, **extra: str) -> dict:
    """The environment of a Celery process on the test database (PostgreSQL), with ``broker_url``
    as its broker and sending to an SMTP server on the loopback at ``smtp_port``."""
    from django.db import connection

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pactesur.settings",
        CELERY_BROKER_URL=broker_url,
        PYTHONUNBUFFERED="1",
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        VAR_DIR=str(var_dir),
        **extra,
    )
    return env


@contextmanager
def celery_process(args: list[str], env: dict, log: Path) -> Iterator[subprocess.Popen]:
    """``celery -A pactesur <args>`` in a session of its own (its pool's children with it),
    stopped (SIGTERM, then SIGKILL) when the block ends."""
    with log.open("a") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", "pactesur", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads started together, each with its own database connection (closed
    after it): each result, or the exception it raised. For races on PostgreSQL's row locks."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def in_thread(target: Callable[..., Any], *args: Any) -> tuple[threading.Thread, dict]:
    """Start ``target(*args)`` in a thread with its own database connection (closed after it);
    the thread, and a dict that holds its result under ``"value"`` once it has returned."""
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


# --- Query budgets -----------------------------------------------------------------------------


def get_queries(client: Any, url: str) -> int:
    """How many queries a GET of ``url`` costs (it must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- The admin ----------------------------------------------------------------------------------


def admin_form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """What a browser would post back from an admin change page (``response``): every input of
    the form and of its inlines as it is shown, then ``changes``."""
    from django import forms

    # (form, the names of its fields that the page shows as inputs, or None for all)
    parts: list[tuple[Any, set[str] | None]] = [(response.context["adminform"].form, None)]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        parts.append((formset.management_form, None))
        # A view-only inline shows its rows as text, with only their ids as (hidden) inputs.
        shown = None if inline.has_change_permission else {formset.model._meta.pk.name}
        parts += [(form, shown) for form in formset.forms]
    data: dict[str, Any] = {}
    for form, shown in parts:
        for name, field in form.fields.items():
            if shown is not None and name not in shown:
                continue
            bound = form[name]
            value = field.prepare_value(bound.value())
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(field.widget, forms.MultiWidget):
                for i, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    data.update(changes)
    return data
