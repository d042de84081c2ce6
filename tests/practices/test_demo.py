"""Demo practices: written through the services, marked as demo content, safe to re-run."""

import io

import pytest
from django.core.management import call_command

from accounts.demo import DEFAULT_CITIES as DEFAULT_DEMO_CITIES
from accounts.models import User
from moderation.models import ModerationEvent, Status, Visibility
from practices import demo
from practices.models import Adoption, Practice

pytestmark = pytest.mark.django_db


ALL_CITIES = sorted({item.city for item in demo.PRACTICES})
DEFAULT_CITIES = list(DEFAULT_DEMO_CITIES)


def run(cities=ALL_CITIES, **counts):
    out = io.StringIO()
    demo.seed(counts={"cities": list(cities), "members": 0, **counts}, stdout=out)
    return out.getvalue()


def test_seeding_twice_creates_nothing_new():
    first = run()
    snapshot = (Practice.objects.count(), Adoption.objects.count(), ModerationEvent.objects.count())
    assert snapshot[0] == len(demo.PRACTICES) and snapshot[1] == len(demo.ADOPTIONS)
    assert f"practices: {len(demo.PRACTICES)} created" in first
    second = run()
    assert (
        Practice.objects.count(),
        Adoption.objects.count(),
        ModerationEvent.objects.count(),
    ) == snapshot
    assert "practices: 0 created, 0 adoptions recorded" in second


def test_demo_practices_go_through_moderation_and_are_marked():
    run()
    practices = Practice.objects.all()
    assert all(p.is_demo and "Demo content" in p.summary for p in practices)
    states = sorted(practices.values_list("status", flat=True))
    assert states.count(Status.SUBMITTED) == 2 and states.count(Status.CHANGES_REQUESTED) == 2
    assert states.count(Status.PUBLISHED) == len(demo.PRACTICES) - 4
    assert set(practices.values_list("visibility", flat=True)) == set(Visibility.values)
    assert practices.filter(outcome=Practice.Outcome.DID_NOT_WORK, status=Status.PUBLISHED).exists()
    barriers = practices.get(city__slug="liege")
    assert barriers.created_by.email == "coordinator.liege@demo.example.org"
    assert barriers.themes.filter(slug="major-events").exists()
    events = ModerationEvent.objects.for_object(barriers)
    # Published first, it is also the practice whose edit waits on the moderators' desk.
    assert sorted(events.values_list("action", flat=True)) == ["publish", "revise", "submit"]
    assert events.get(action="publish").by.email == "moderator@demo.example.org"
    assert Adoption.objects.filter(practice=barriers, city__slug="madrid").exists()
    gdansk = practices.get(city__slug="gdansk")
    assert "remove the volunteers' names" in gdansk.moderation_message


def test_the_moderators_desk_holds_a_new_an_edited_a_reported_and_an_overdue_practice():
    from django.core.management import call_command

    from moderation.queue import queue_rows

    call_command("seed_demo", stdout=io.StringIO())  # people of the default cities, practices
    kinds = [row.kind for tab in ("waiting", "reported", "overdue") for row in queue_rows(tab)]
    assert {"new", "edit", "reported", "overdue"} <= set(kinds)
    reported = next(row.obj for row in queue_rows("reported"))
    assert reported.hidden_at is not None  # three reports from two other cities
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing more
    assert [row.kind for tab in ("waiting", "reported", "overdue") for row in queue_rows(tab)] == (
        kinds
    )


def test_only_the_chosen_cities_get_practices_and_people():
    run(DEFAULT_CITIES)
    assert set(Practice.objects.values_list("city__slug", flat=True)) == set(DEFAULT_CITIES)
    assert not User.objects.filter(email="coordinator.gdansk@demo.example.org").exists()
    # The default cities still show every state and a null result.
    states = set(Practice.objects.values_list("status", flat=True))
    assert states == {Status.PUBLISHED, Status.SUBMITTED, Status.CHANGES_REQUESTED}
    assert Practice.objects.filter(outcome=Practice.Outcome.DID_NOT_WORK).exists()
    assert Adoption.objects.count() == len(demo.ADOPTIONS)


def test_extra_generated_practices_for_volume():
    run(practices=5)
    assert Practice.objects.filter(title__startswith="Generated demo practice").count() == 5
    run(practices=5)
    assert Practice.objects.filter(title__startswith="Generated demo practice").count() == 5


def test_seed_demo_command_runs_the_practices_module():
    out = io.StringIO()
    call_command("seed_demo", "--cities", "nice,liege,madrid", "--members", "0", stdout=out)
    assert "practices: 4 created, 1 adoptions recorded" in out.getvalue()
    assert set(Practice.objects.values_list("city__slug", flat=True)) == {"nice", "liege", "madrid"}
