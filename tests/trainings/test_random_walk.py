"""Long random sequences of register, cancel, approve, accept, decline and expire, checking after
every step that the seat count is right, within the capacity and each city's seats, and that no
seat is lost (a free seat and an eligible waiting person never coexist). Seeded: a failure
names its seed and replays."""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from trainings import services
from trainings.models import Registration

from .factories import TrainingFactory
from .invariants import check_invariants

S = Registration.Status
STEPS = 200


def walk(seed: int, *, seats_per_city: bool, approval: bool) -> None:
    rng = random.Random(seed)
    bodies = [reference_body(slug) for slug in ("nice", "madrid", "liege")]
    seats = {bodies[0].city: 2, bodies[1].city: 1, bodies[2].city: 2} if seats_per_city else None
    training = TrainingFactory(capacity=4, seats=seats, requires_approval=approval)
    people = [make_member(rng.choice(bodies)) for _ in range(14)]
    coordinators = {b.city_id: make_member(b, role="coordinator") for b in bodies}
    seen: set[str] = set()
    for _step in range(STEPS):
        rows = list(Registration.objects.filter(training=training))
        actions = ["register", "register", "cancel", "answer", "decide", "expire"]
        action = rng.choice([*actions, "decide", "decide"] if approval else actions)
        try:
            if action == "register":
                services.registration_create(training=training, by=rng.choice(people))
            elif action == "cancel":
                open_ = [r for r in rows if r.status in Registration.OPEN]
                if open_:
                    r = rng.choice(open_)
                    services.registration_cancel(registration=r, by=r.user)
            elif action == "answer":
                offered = [r for r in rows if r.status == S.OFFERED]
                if offered:
                    r = rng.choice(offered)
                    services.offer_answer(registration=r, by=r.user, accept=rng.random() < 0.6)
            elif action == "decide":
                requested = [r for r in rows if r.status == S.REQUESTED]
                if requested:
                    r = rng.choice(requested)
                    services.registration_decide(
                        registration=r, by=coordinators[r.city_id], approve=rng.random() < 0.8
                    )
            else:
                offered = [r for r in rows if r.status == S.OFFERED]
                if offered:
                    r = rng.choice(offered)
                    services.offers_expire(r.offer_expires_at)
        except (ValidationError, PermissionDenied):
            pass  # a refusal changes nothing: the invariants still hold
        check_invariants(training)
        seen.update(Registration.objects.filter(training=training).values_list("status", flat=True))
    # The walk went through the waiting list, offers and their ends, not only easy seats.
    assert {S.CONFIRMED, S.WAITLISTED, S.OFFERED, S.CANCELLED} <= seen, seen
    assert seen & {S.EXPIRED, S.DECLINED}, seen


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_random_walk_with_seats_per_city(seed):
    walk(seed, seats_per_city=True, approval=seed % 2 == 1)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_random_walk_without_seats_per_city(seed):
    walk(100 + seed, seats_per_city=False, approval=seed == 2)
