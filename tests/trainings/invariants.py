"""The seat invariants every registration write keeps (checked by the random walks)."""

from collections import Counter

from trainings.models import Registration, SeatAllocation, Training


def check_invariants(training: Training) -> None:
    training.refresh_from_db()
    rows = list(Registration.objects.filter(training=training))
    holding = [r for r in rows if r.status in Registration.HOLDING]
    by_city = Counter(r.city_id for r in holding)
    quota = dict(SeatAllocation.objects.filter(training=training).values_list("city_id", "seats"))
    # The count is right and within the capacity.
    assert training.seats_taken == len(holding) <= training.capacity
    # Within each city's seats.
    for city_id, n in by_city.items():
        if quota:
            assert n <= quota.get(city_id, 0), (city_id, n, quota)
    # One open registration per person.
    open_users = Counter(r.user_id for r in rows if r.status in Registration.OPEN)
    assert max(open_users.values(), default=0) <= 1
    # No seat lost: if someone waits whose city still has a seat, there is no free seat.
    free = training.capacity - len(holding)
    waiting = [r for r in rows if r.status == Registration.Status.WAITLISTED]
    eligible = [r for r in waiting if not quota or by_city[r.city_id] < quota.get(r.city_id, 0)]
    assert not (free > 0 and eligible), (free, [r.pk for r in eligible])
    # Waiting positions are distinct.
    positions = [r.position for r in waiting]
    assert len(positions) == len(set(positions))
