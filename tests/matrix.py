"""The permission matrix: role × own city / other city × action, for every URL of the project.

Each app's ``tests/<app>/test_permission_matrix.py`` declares ``CASES``, a list of ``Case``; the
test there calls ``run_case``. ``tests/test_url_coverage.py`` fails when a named URL of ours is
missing from every matrix.

Roles are fixtures from ``tests/conftest.py``: ``anonymous``, ``outsider`` (verified, no body),
``pending_member``, ``member`` (Nice, police), ``coordinator`` (Nice), ``other_coordinator``
(Madrid), ``efus_staff``, and optionally ``network_member`` (Brussels, not police). Usage::

    @pytest.mark.django_db
    @pytest.mark.parametrize("case,role", matrix_params(CASES))
    def test_permission_matrix(case, role, request, client):
        run_case(case, role, request, client)

``expect(404, coordinator=200)`` and ``everyone(200)`` build the usual expectations (pass
``roles=WITH_NETWORK`` where ``network_member`` matters). Several files per app are fine: every
``tests/**/test_permission_matrix*.py`` with ``CASES``.
Objects under test belong to Nice unless a case says otherwise, so ``coordinator`` is "own
city" and ``other_coordinator`` is "other city".

A POST case also checks its effect on the database: ``state(request, kwargs, user)`` reads what
the action changes (a row's columns, a count), before and after the request. It must change for
the roles in ``changes`` (by default those expecting a 302: the action's redirect after success)
and stay the same for every other role: a 302 that changed nothing, or a 404 that did, fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

ROLES = (
    "anonymous",
    "outsider",
    "pending_member",
    "member",
    "coordinator",
    "other_coordinator",
    "efus_staff",
)
# Optional roles a case may add where they matter: a member of a body that is not police
# (safe.brussels, a regional prevention agency), for police-only material.
EXTRA_ROLES = ("network_member",)
WITH_NETWORK = (*ROLES, *EXTRA_ROLES)
# Every role fixture of tests/conftest.py, for the tests that go over all of them (the lists and the
# layout kept per what a reader may see, the roles loaded with the user, the query budgets).
ALL_ROLES = (
    "anonymous",
    "outsider",
    "pending_member",
    "member",
    "network_member",
    "coordinator",
    "coordinator_without_mfa",
    "other_coordinator",
    "network_coordinator",
    "efus_staff",
    "efus_staff_without_mfa",
    "operator",
)


def everyone(status: int | str, roles: tuple[str, ...] = ROLES) -> dict[str, int | str]:
    """The same status for every role."""
    return dict.fromkeys(roles, status)


def expect(
    default: int | str, roles: tuple[str, ...] = ROLES, **overrides: int | str
) -> dict[str, int | str]:
    """``default`` for every signed-in role, the login page for anonymous, then ``overrides``."""
    return {**dict.fromkeys(roles, default), "anonymous": "login", **overrides}


State = Callable[[Any, dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Case:
    """One URL and action: expected status for each role (a redirect to login is ``"login"``)."""

    url_name: str
    expected: dict[str, int | str]
    method: str = "get"
    # Builds the URL kwargs (and any objects) from the request fixture; runs inside the test.
    kwargs: Callable[[Any], dict[str, Any]] | None = None
    # The form, or a function of the request fixture and the URL kwargs that returns it.
    data: dict[str, Any] | Callable[[Any, dict[str, Any]], dict[str, Any]] = field(
        default_factory=dict
    )
    id: str = ""
    # POST: what the action changes, read before and after (request, URL kwargs, user or None).
    state: State | None = None
    # POST: the roles whose request must change ``state`` (default: those expecting a 302).
    changes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expected)
        assert not missing, f"{self.url_name}: no expectation for {sorted(missing)}"
        if self.method == "post":
            assert self.state is not None, f"{case_id(self)}: a POST case needs a state"

    def changed_by(self, role: str) -> bool:
        if self.changes is not None:
            return role in self.changes
        return self.expected[role] == 302


def case_id(case: Case) -> str:
    return case.id or f"{case.method}:{case.url_name}"


def matrix_params(cases: list[Case]) -> list[Any]:
    """Parameters ``(case, role)`` over every role of every case."""
    import pytest

    return [
        pytest.param(case, role, id=f"{case_id(case)}-{role}")
        for case in cases
        for role in case.expected
    ]


def run_case(case: Case, role: str, request: Any, client: Any) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)
    kwargs = case.kwargs(request) if case.kwargs else {}
    url = reverse(case.url_name, kwargs=kwargs)
    data = case.data(request, kwargs) if callable(case.data) else case.data
    if user is not None:
        client.force_login(user)
    before = case.state(request, kwargs, user) if case.state else None
    response = getattr(client, case.method)(url, data=data)
    expected = case.expected[role]
    if expected == "login":
        assert response.status_code == 302, f"{role} {url}: {response.status_code}"
        assert "/accounts/login/" in response["Location"], f"{role} {url}: {response['Location']}"
    else:
        assert response.status_code == expected, (
            f"{role} {case.method.upper()} {url}: expected {expected}, got {response.status_code}"
        )
    if case.state is not None:
        after = case.state(request, kwargs, user)
        if case.changed_by(role):
            assert after != before, f"{role} {case.method.upper()} {url} changed nothing: {after}"
        else:
            assert after == before, f"{role} {case.method.upper()} {url}: {before} -> {after}"


def all_cases() -> list[Case]:
    """Every case of every app's matrix (for the URL coverage test)."""
    import importlib
    import pkgutil

    import tests

    cases: list[Case] = []
    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        if module.name.rsplit(".", 1)[-1].startswith("test_permission_matrix"):
            cases.extend(importlib.import_module(module.name).CASES)
    return cases
