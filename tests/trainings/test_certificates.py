"""Certificates for attendees (issued through ``accounts.certificates``) and the participation
figures."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Certificate
from tests.accounts.factories import make_member
from trainings import services
from trainings.models import Registration

from .factories import TrainingFactory, in_days

pytestmark = pytest.mark.django_db


def past_training_with(member, *, present: bool):
    """A training with two 8-hour sessions; the member registered, then it took place."""
    training = TrainingFactory(
        sessions=[], registration_deadline=None, title="Academy on crowded squares"
    )
    registration = services.registration_create(training=training, by=member)
    host = make_member(training.body, role="coordinator")
    for day in (-3, -2):
        services.session_save(
            training=training, by=host, starts_at=in_days(day, 9), ends_at=in_days(day, 17)
        )
    first, second = training.sessions.order_by("starts_at")
    services.attendance_mark(
        session=first, by=host, present={registration.pk} if present else set()
    )
    services.attendance_mark(session=second, by=host, present=set())
    training.refresh_from_db()
    return training, registration


def test_an_attendee_gets_a_certificate_of_the_hours_attended(member):
    training, registration = past_training_with(member, present=True)
    certificate = services.certificate_issue(registration=registration, by=member)
    assert certificate.holder == member
    assert certificate.title == training.title
    assert float(certificate.hours) == 8.0  # one session of two
    # The dates of the sessions in the host's time zone (not the server's date: around midnight
    # the two differ).
    assert certificate.start == in_days(-3, 9).astimezone(training.tz).date()
    assert certificate.end == in_days(-2, 17).astimezone(training.tz).date()
    assert "Nice" in certificate.host
    # Once: the same certificate again.
    assert services.certificate_issue(registration=registration, by=member) == certificate
    assert Certificate.objects.count() == 1


def test_no_certificate_without_attendance_or_before_the_end_or_for_someone_else(member, nice_body):
    _training, absent = past_training_with(member, present=False)
    with pytest.raises(ValidationError, match="marked present"):
        services.certificate_issue(registration=absent, by=member)
    other = make_member(nice_body)
    upcoming = TrainingFactory()
    registration = services.registration_create(training=upcoming, by=other)
    with pytest.raises(ValidationError):
        services.certificate_issue(registration=registration, by=other)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(registration=registration, by=member)
    assert not Certificate.objects.exists()


def test_the_public_page_verifies_the_certificate_downloaded(client, member):
    training, registration = past_training_with(member, present=True)
    client.force_login(member)
    response = client.post(f"/registrations/{registration.pk}/certificate/")
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.logout()
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert training.title in page and member.full_name in page and certificate.sha256 in page


def test_participation_figures_and_csv(client, coordinator, member, nice_body):
    past_training_with(member, present=True)
    client.force_login(coordinator)
    page = client.get("/trainings/participation/").content.decode()
    assert "Attendees by city" in page and "<svg" in page
    response = client.get("/trainings/participation/", {"csv": "city"})
    assert response["Content-Type"].startswith("text/csv")
    assert "Nice,1" in response.content.decode()
    assert client.get("/trainings/participation/", {"csv": "nope"}).status_code == 404


def test_only_confirmed_attendees_are_counted(member, nice_body):
    from trainings.participation import attendees

    _training, registration = past_training_with(member, present=True)
    past_training_with(make_member(nice_body), present=False)
    assert list(attendees()) == [registration]
    assert Registration.objects.count() == 2
