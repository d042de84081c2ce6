"""The trainings' pages through HTTP: registering and its messages, the detail page's places and
times, the host's pages (sessions in the host's zone, attendance, participants and CSV), the
coordinator's page of their city, /me/, drafting and submitting through the moderation kit."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest

from accounts.models import OutboundEmail
from moderation.models import Status
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from trainings import services
from trainings.models import Attendance, Registration, Training

from .factories import TrainingFactory, in_days

pytestmark = pytest.mark.django_db
S = Registration.Status


def text(response) -> str:
    return response.content.decode()


def test_register_and_cancel_through_the_pages(client, member):
    training = TrainingFactory(capacity=1)
    client.force_login(member)
    response = client.post(
        f"/trainings/{training.pk}/register/", {"note": "Night unit"}, follow=True
    )
    assert "your seat is confirmed" in text(response)
    registration = Registration.objects.get(user=member)
    assert registration.note == "Night unit" and registration.status == S.CONFIRMED
    page = text(client.get(training.get_absolute_url()))
    assert "Cancel my registration" in page and "0 places left of 1" in page
    assert training.title in text(client.get("/me/"))
    client.post(f"/registrations/{registration.pk}/cancel/", {"next": "mine"})
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED


def test_refusal_is_shown_on_the_page_and_after_a_post(client, pending_member):
    training = TrainingFactory()
    client.force_login(pending_member)
    page = text(client.get(training.get_absolute_url()))
    assert "waiting for your coordinator" in page
    response = client.post(f"/trainings/{training.pk}/register/", follow=True)
    assert "waiting for your coordinator" in text(response)
    assert not Registration.objects.exists()


def test_places_for_the_viewers_city_and_times_in_their_zone(client, member):
    nice, lisbon = reference_body("nice"), reference_body("lisbon")
    start = dt.datetime(2040, 5, 4, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    training = TrainingFactory(
        capacity=6, seats={nice.city: 2, lisbon.city: 4},
        sessions=[(start, start + dt.timedelta(hours=8))], registration_deadline=None,
    )  # fmt: skip
    services.registration_create(training=training, by=make_member(nice))
    client.force_login(member)
    page = text(client.get(training.get_absolute_url()))
    assert "1 place left for Nice" in page
    assert "5 places left of 6" in page
    # A Lisbon member sees the host's 9:00 and their own 8:00.
    client.force_login(make_member(lisbon))
    page = text(client.get(training.get_absolute_url()))
    assert "9 a.m." in page and "8 a.m." in page and "Europe/Lisbon" in page


def test_online_link_only_for_confirmed_participants(client, member, nice_body):
    training = TrainingFactory(
        format=Training.Format.ONLINE, online_link="https://meet.example.org/secret-room"
    )
    client.force_login(member)
    assert "secret-room" not in text(client.get(training.get_absolute_url()))
    services.registration_create(training=training, by=member)
    assert "secret-room" in text(client.get(training.get_absolute_url()))


def test_host_adds_a_session_typed_in_the_hosts_zone(client, coordinator):
    training = TrainingFactory(time_zone="Europe/Madrid", sessions=[])
    client.force_login(coordinator)
    client.post(
        f"/trainings/{training.pk}/sessions/",
        {"title": "Day 1", "starts_at": "2040-03-25T09:00", "ends_at": "2040-03-25T17:00"},
    )
    session = training.sessions.get()
    # Summer time starts that night (the last Sunday of March): 9:00 in Madrid is 7:00 UTC.
    assert session.starts_at == dt.datetime(2040, 3, 25, 7, 0, tzinfo=dt.UTC)
    training.refresh_from_db()
    assert training.first_start == session.starts_at


def test_attendance_and_participants_csv(client, coordinator, nice_body, madrid_body):
    training = TrainingFactory(capacity=2)
    here = services.registration_create(training=training, by=make_member(nice_body))
    absent = services.registration_create(
        training=training, by=make_member(madrid_body, full_name="=HYPERLINK(1)")
    )
    waiting = services.registration_create(training=training, by=make_member(nice_body))
    session = training.sessions.get()
    client.force_login(coordinator)
    page = text(client.get(f"/trainings/{training.pk}/sessions/{session.pk}/attendance/"))
    assert 'name="present"' in page and f'value="{waiting.pk}"' not in page
    client.post(
        f"/trainings/{training.pk}/sessions/{session.pk}/attendance/", {"present": [here.pk]}
    )
    assert dict(Attendance.objects.values_list("registration_id", "present")) == {
        here.pk: True, absent.pk: False,
    }  # fmt: skip
    page = text(client.get(f"/trainings/{training.pk}/participants/"))
    assert "Madrid" in page and "Nice" in page
    response = client.get(f"/trainings/{training.pk}/participants.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_id = {r["email"]: r for r in rows}
    assert by_id[here.user.email]["sessions_attended"] == "1"
    assert by_id[absent.user.email]["name"] == "'=HYPERLINK(1)"  # never a formula
    assert by_id[waiting.user.email]["status"] == "waitlisted"
    assert by_id[waiting.user.email]["waiting_position"] == str(waiting.position)


def test_coordinator_decides_their_citys_requests_in_one_place(
    client, coordinator, other_coordinator, nice_body, madrid_body
):
    training = TrainingFactory(requires_approval=True)
    mine = services.registration_create(training=training, by=make_member(nice_body))
    theirs = services.registration_create(training=training, by=make_member(madrid_body))
    client.force_login(coordinator)
    page = text(client.get("/trainings/city/"))
    assert mine.user.email in page or mine.user.full_name in page
    assert theirs.user.full_name not in page
    client.post(f"/registrations/{mine.pk}/decide/", {"decision": "approve"})
    mine.refresh_from_db()
    assert mine.status == S.CONFIRMED
    assert (
        client.post(f"/registrations/{theirs.pk}/decide/", {"decision": "approve"}).status_code
        == 404
    )


def test_coordinator_drafts_and_submits_a_training(client, coordinator, efus_staff):
    client.force_login(coordinator)
    response = client.post(
        "/trainings/new/",
        {
            "title": "Crowd safety workshop", "kind": "workshop", "summary": "Half a day.",
            "format": "hybrid", "languages": ["en", "fr"], "capacity": "20",
            "online_link": "https://example.org/room", "audience": "police",
            "time_zone": "Europe/Paris", "visibility": "network",
            "registration_deadline": "2040-01-10T18:00",
        },
    )  # fmt: skip
    training = Training.objects.get(title="Crowd safety workshop")
    assert response.status_code == 302
    assert training.status == Status.DRAFT and training.body == coordinator.body
    assert training.languages == "en fr"
    # Typed in the host's zone (Paris, UTC+1 in January).
    assert training.registration_deadline == dt.datetime(2040, 1, 10, 17, 0, tzinfo=dt.UTC)
    client.post(f"/trainings/{training.pk}/submit/")
    training.refresh_from_db()
    assert training.status == Status.SUBMITTED
    assert OutboundEmail.objects.filter(
        kind="moderation_submitted", recipient=efus_staff.email
    ).exists()
    client.force_login(efus_staff)
    assert client.get("/moderation/").status_code == 200
    assert training.title in text(client.get(f"/moderation/trainings.training/{training.pk}/"))


def test_efus_staff_host_with_the_efus_body(client, efus_staff):
    client.force_login(efus_staff)
    client.post(
        "/trainings/new/",
        {
            "title": "Webinar on EU funds", "kind": "webinar", "summary": "One hour.",
            "format": "online", "languages": ["en"], "capacity": "300",
            "online_link": "https://example.org/webinar", "audience": "public",
            "time_zone": "Europe/Brussels", "visibility": "public",
        },
    )  # fmt: skip
    training = Training.objects.get(title="Webinar on EU funds")
    assert training.body.is_efus


def test_city_and_home_pages_show_upcoming_trainings(client):
    TrainingFactory(title="Academy of the spring")
    TrainingFactory(title="Old academy", sessions=[(in_days(-30), in_days(-30, 17))])
    home = text(client.get("/"))
    assert "Academy of the spring" in home and "Old academy" not in home
    assert "Academy of the spring" in text(client.get("/cities/nice/"))
    assert "Academy of the spring" not in text(client.get("/cities/madrid/"))


def test_data_export_has_the_persons_registrations_and_not_the_feed_secret(client, member):
    import json

    training = TrainingFactory()
    services.registration_create(training=training, by=member, note="Vegetarian")
    feed = services.feed_for(member)
    client.force_login(member)
    response = client.get("/me/export/")
    data = json.loads(response.content)
    [registration] = data["trainings"]["registrations"]
    assert registration["training__title"] == training.title
    assert registration["note"] == "Vegetarian"
    assert data["trainings"]["calendar_feed"] is True
    assert feed.token not in response.content.decode()


def test_capacity_cannot_go_below_the_seats_taken(client, coordinator, member, nice_body):
    training = TrainingFactory(capacity=2, created_by=coordinator)
    services.registration_create(training=training, by=member)
    services.registration_create(training=training, by=make_member(nice_body))
    client.force_login(coordinator)
    response = client.post(
        f"/trainings/{training.pk}/edit/",
        {
            "title": training.title, "kind": "academy", "summary": "S", "format": "on_site",
            "languages": ["en"], "capacity": "1", "audience": "members",
            "time_zone": "Europe/Paris", "visibility": "public",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "2 seats are taken" in response.content.decode()
