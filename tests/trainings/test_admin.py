"""The trainings admin (the moderated part: tests/moderation/test_moderated_admin.py): its list
costs the same queries at 1 and 25 rows; sessions, seats, materials and registrations are read
only, even for the operator (they move through the services, under the training's lock)."""

import pytest
from django.urls import reverse

from tests.cities.factories import reference_body
from tests.files import pdf
from tests.support import admin_form_data, get_queries
from trainings import services
from trainings.models import Registration, SeatAllocation

from .factories import TrainingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

QUERIES = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
    "the cities of the city filter",
    "the count of the filtered trainings",
    "the count of every training",
    "the user's own permissions (ModelBackend)",
    "their groups' permissions (ModelBackend)",
    "the page of trainings, with their city",
]


def test_training_changelist_costs_the_same_queries_at_1_and_25_rows(client, efus_staff):
    client.force_login(efus_staff)
    url = reverse("admin:trainings_training_changelist")

    TrainingFactory()
    one = get_queries(client, url)
    TrainingFactory.create_batch(24)
    assert client.get(url).context["cl"].result_count == 25
    assert one == get_queries(client, url) == len(QUERIES)


@pytest.mark.parametrize("role", ["efus_staff", "operator"])
def test_sessions_seats_and_materials_are_shown_read_only(role, client, request, member):
    user = request.getfixturevalue(role)
    training = TrainingFactory(seats={reference_body("nice").city: 2})
    services.material_add(training=training, by=user, title="Slides", upload=pdf())
    services.registration_create(training=training, by=member)
    client.force_login(user)
    url = reverse("admin:trainings_training_change", args=[training.pk])
    response = client.get(url)
    html = response.content.decode()
    assert "Slides" in html and "Nice" in html
    data = admin_form_data(response)
    assert "sessions-0-starts_at" not in data and "seat_allocations-0-seats" not in data
    # Posting a changed seat count as if the inline were editable changes nothing.
    seats = SeatAllocation.objects.get(training=training)
    data.update({"seat_allocations-0-id": str(seats.pk), "seat_allocations-0-seats": "9"})
    assert client.post(url, data).status_code == 302
    seats.refresh_from_db()
    assert seats.seats == 2 and training.sessions.count() == 1


@pytest.mark.parametrize("role", ["efus_staff", "operator"])
def test_registrations_are_read_only_in_the_admin(role, client, request, member):
    registration = services.registration_create(training=TrainingFactory(), by=member)
    client.force_login(request.getfixturevalue(role))
    change = reverse("admin:trainings_registration_change", args=[registration.pk])
    assert client.get(change).status_code == 200
    assert 'name="status"' not in client.get(change).content.decode()
    assert client.post(change, {"status": "cancelled"}).status_code == 403
    delete = reverse("admin:trainings_registration_delete", args=[registration.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:trainings_registration_add")).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
