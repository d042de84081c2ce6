import pytest

from trainings.models import Registration
from trainings.services import registration_create

from .factories import TrainingFactory


@pytest.mark.django_db
def test_pages_render(client, member, coordinator):
    training = TrainingFactory()
    assert client.get("/trainings/").status_code == 200
    assert client.get(training.get_absolute_url()).status_code == 200
    client.force_login(member)
    r = client.post(f"/trainings/{training.pk}/register/", {"note": "hi"})
    assert r.status_code == 302
    assert Registration.objects.get(user=member).status == "confirmed"
    assert client.get(training.get_absolute_url()).status_code == 200
    assert client.get("/me/").status_code == 200
    assert client.get("/trainings/mine/").status_code == 200
    client.force_login(coordinator)
    for url in ("sessions", "seats", "materials", "participants", "register_member"):
        assert (
            client.get(f"/trainings/{training.pk}/{url.replace('_', '-')}/").status_code == 200
        ), url
    assert client.get(f"/trainings/{training.pk}/participants.csv").status_code == 200
    assert client.get(f"/trainings/{training.pk}.ics").status_code == 200
    assert client.get("/trainings/city/").status_code == 200
    assert client.get("/trainings/new/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get(training.city.get_absolute_url()).status_code == 200
    registration_create(training=training, by=coordinator)
