"""Two host coordinators accepting at once for the last place of a window, with real concurrent
transactions on PostgreSQL: each in its own thread and connection, started together. The window's
row is locked while the places are counted, so exactly one accept wins and the other is refused;
the window is never over-committed.

The first accept holds the lock a while after counting (``slow_accepts``), so the second always
arrives while the first is still running.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Membership
from exchanges import services
from exchanges.models import Application, ApplicationStatus
from tests.accounts.factories import make_member
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory
from tests.support import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks: PostgreSQL (CI runs it too)"
    ),
]

HOLD = 0.3  # seconds an accept keeps the window's lock after counting


@pytest.fixture
def slow_accepts(monkeypatch):
    take = services._take_place

    def slow_take(*args: Any, **kwargs: Any) -> Any:
        window = take(*args, **kwargs)
        time.sleep(HOLD)
        return window

    monkeypatch.setattr(services, "_take_place", slow_take)


def test_two_accepts_for_the_last_place_commit_one(slow_accepts, nice_body, madrid_body):
    host = make_member(madrid_body, role=Membership.Role.COORDINATOR)
    staff_host = make_member(madrid_body, role=Membership.Role.COORDINATOR)
    offer = OfferFactory()
    window = WindowFactory(offer=offer, places=1)
    applications = [
        ApplicationFactory(
            applicant=make_member(nice_body), offer=offer, preferred_window=window,
            status=ApplicationStatus.ENDORSED,
        )
        for _ in range(2)
    ]  # fmt: skip

    def accept(application: Application, by: Any) -> Callable[[], Any]:
        def call() -> Any:
            fresh = Application.objects.get(pk=application.pk)
            return services.application_accept(application=fresh, by=by, window=window)

        return call

    results = at_once(accept(applications[0], host), accept(applications[1], staff_host))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], ValidationError) and refused[0].code == "full"
    assert Application.objects.filter(window=window, status=ApplicationStatus.ACCEPTED).count() == 1
    assert Application.objects.filter(status=ApplicationStatus.ENDORSED).count() == 1, (
        "the refused one is still waiting"
    )
