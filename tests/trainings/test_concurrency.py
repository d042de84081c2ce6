"""Seats under concurrency, with real transactions on PostgreSQL: each registration in its own
thread and connection, started together. The count of seats taken is read while the training's
row is locked, and each registration is slowed down after counting: without the lock, several
would count the same free seat and all take it."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.support import at_once
from trainings import services
from trainings.models import Registration, Training

from .factories import TrainingFactory
from .invariants import check_invariants

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks: PostgreSQL (CI runs it too)"
    ),
]

S = Registration.Status
HOLD = 0.05


@pytest.fixture
def slow_counts(monkeypatch):
    """Every count of the seats taken is followed by a pause, the lock held."""
    count = services._seats

    def slow(training: Training) -> tuple[Counter, dict | None]:
        seats = count(training)
        time.sleep(HOLD)
        return seats

    monkeypatch.setattr(services, "_seats", slow)


def register_all(training: Training, people: list[Any]) -> list[Any]:
    return at_once(
        *[
            lambda by=by: services.registration_create(
                training=Training.objects.get(pk=training.pk), by=by
            )
            for by in people
        ]
    )


def test_two_people_never_both_take_the_last_seat(slow_counts):
    nice = reference_body("nice")
    training = TrainingFactory(capacity=1)
    results = register_all(training, [make_member(nice), make_member(nice)])
    statuses = sorted(r.status for r in results)
    assert statuses == [S.CONFIRMED, S.WAITLISTED], results
    check_invariants(training)


def test_a_burst_fills_capacity_and_seats_per_city_exactly(slow_counts):
    nice, madrid, liege = (reference_body(s) for s in ("nice", "madrid", "liege"))
    training = TrainingFactory(capacity=5, seats={nice.city: 2, madrid.city: 2, liege.city: 1})
    people = [make_member(b) for b in (nice, madrid, liege) for _ in range(4)]
    results = register_all(training, people)
    assert not [r for r in results if isinstance(r, Exception)], results
    confirmed = Counter(r.city_id for r in results if r.status == S.CONFIRMED)
    assert confirmed == {nice.city.pk: 2, madrid.city.pk: 2, liege.city.pk: 1}
    waiting = sorted(r.position for r in results if r.status == S.WAITLISTED)
    assert waiting == list(range(1, len(waiting) + 1))  # an order, no gaps or duplicates
    check_invariants(training)


def test_cancellations_at_once_offer_each_seat_once(slow_counts):
    nice = reference_body("nice")
    training = TrainingFactory(capacity=2)
    people = [make_member(nice) for _ in range(5)]
    regs = [services.registration_create(training=training, by=p) for p in people]
    results = at_once(
        *[
            lambda r=r: services.registration_cancel(
                registration=Registration.objects.get(pk=r.pk), by=r.user
            )
            for r in regs[:2]
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [Registration.objects.get(pk=r.pk).status for r in regs]
    assert statuses == [S.CANCELLED, S.CANCELLED, S.OFFERED, S.OFFERED, S.WAITLISTED]
    check_invariants(training)


def test_the_same_person_twice_at_once_gets_one_registration(slow_counts):
    member = make_member(reference_body("nice"))
    training = TrainingFactory(capacity=3)
    results = register_all(training, [member, member])
    assert sum(isinstance(r, Registration) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Registration.objects.filter(user=member).count() == 1
