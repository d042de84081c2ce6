"""A training's page keeps what is the same for every reader (summary, sessions in the viewer's
time zone, programme, practical details, seats per city, materials) and renders the personal
parts on every request: a change of a session, the seats, a registration, a material or the
training shows at once, and one reader's page never shows another's registration, city or
moderation desk."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.files import pdf
from trainings import services

from .factories import TrainingFactory, in_days

pytestmark = pytest.mark.django_db


def page(client, training, user=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(training.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def seats_row(html: str, city: str) -> tuple[str, str]:
    found = re.search(rf'<th scope="row">{city}</th><td>(\d+)</td><td>(\d+)</td>', html)
    assert found, city
    return found.group(1), found.group(2)


def test_the_kept_body_is_served_from_the_cache(client):
    training = TrainingFactory()
    url = training.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) == 1  # the training: its sessions, themes, seats are kept


def test_every_change_shows_at_once(client, efus_staff, nice_body, madrid_body):
    training = TrainingFactory(
        online_link="https://example.org/room",
        seats={nice_body.city: 2, madrid_body.city: 1},
    )
    member = make_member(nice_body)
    services.registration_create(training=training, by=member)
    assert "Closing ceremony" not in page(client, training)
    assert seats_row(page(client, training), "Madrid") == ("1", "1")

    services.session_save(
        training=training, by=efus_staff, title="Closing ceremony",
        starts_at=in_days(21, 9), ends_at=in_days(21, 12),
    )  # fmt: skip
    assert "Closing ceremony" in page(client, training)

    services.seats_set(training=training, by=efus_staff, seats={madrid_body.city.pk: 4})
    assert seats_row(page(client, training), "Madrid") == ("4", "4")

    services.registration_create(training=training, by=make_member(madrid_body))
    assert seats_row(page(client, training), "Madrid") == ("4", "3")

    training.venue_name = "Stade Allianz Riviera"
    training.save()
    assert "Stade Allianz Riviera" in page(client, training)

    assert "Slides of day 1" not in page(client, training, member)
    services.material_add(training=training, by=efus_staff, title="Slides of day 1", upload=pdf())
    assert "Slides of day 1" in page(client, training, member)
    assert "Slides of day 1" not in page(client, training)  # for participants only


def test_the_personal_parts_are_each_readers_own(client, efus_staff, nice_body, madrid_body):
    training = TrainingFactory(
        online_link="https://example.org/room", seats={nice_body.city: 2, madrid_body.city: 3}
    )
    staff = page(client, training, efus_staff)  # rendered first, and kept
    assert 'href="https://example.org/room"' in staff
    assert "History" in staff

    visitor = page(client, training)
    assert "https://example.org/room" not in visitor
    assert "Shown to confirmed participants." in visitor
    assert "History" not in visitor
    assert "and in yours" not in visitor

    nice = make_member(nice_body)
    services.registration_create(training=training, by=nice)
    mine = page(client, training, nice)
    assert "1 place left for Nice" in mine
    assert "Cancel my registration" in mine
    assert 'href="https://example.org/room"' in mine

    madrid = page(client, training, make_member(madrid_body))
    assert "3 places left for Madrid" in madrid
    assert "Cancel my registration" not in madrid
    assert "https://example.org/room" not in madrid

    riga_coordinator = make_member(reference_body("riga"), role=Membership.Role.COORDINATOR)
    riga = page(client, training, riga_coordinator)
    assert "and in yours (Europe/Riga)" in riga
    assert "and in yours" not in page(client, training, nice)
