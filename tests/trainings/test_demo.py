"""Demo trainings: built through the services by ``seed_demo``, safe to re-run."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from accounts.models import Certificate
from moderation.models import Status
from trainings import demo
from trainings.models import Attendance, Registration, Training

pytestmark = pytest.mark.django_db
S = Registration.Status


def test_seed_demo_builds_the_academies_and_is_safe_to_rerun():
    out = io.StringIO()
    call_command("seed_demo", "--members", "3", stdout=out)
    assert f"trainings: {len(demo.TRAININGS)} created" in out.getvalue()
    trainings = {t.title: t for t in Training.objects.all()}
    assert all(t.status == Status.PUBLISHED and t.is_demo for t in trainings.values())
    nice = trainings["PACTESUR police academy, Nice 2024"]
    assert nice.is_past
    assert Attendance.objects.filter(session__training=nice, present=True).exists()
    assert Attendance.objects.filter(session__training=nice, present=False).exists()
    attendees = nice.registrations.filter(status=S.CONFIRMED)
    assert Certificate.objects.count() >= attendees.count() > 0
    upcoming = trainings["PACTESUR police academy, Liège: policing major events"]
    assert not upcoming.is_past and upcoming.seat_allocations.exists()
    statuses = Counter(upcoming.registrations.values_list("status", flat=True))
    assert statuses[S.CONFIRMED] == upcoming.seat_allocations.count()
    assert statuses[S.WAITLISTED] == upcoming.seat_allocations.count()
    webinar = trainings["Webinar: EU funding for the security of public spaces"]
    assert webinar.audience == Training.Audience.PUBLIC and webinar.body.is_efus
    assert Training.Kind.E_LEARNING in {t.kind for t in trainings.values()}
    again = io.StringIO()
    call_command("seed_demo", "--members", "3", stdout=again)
    assert "trainings: 0 created" in again.getvalue()
    assert Training.objects.count() == len(demo.TRAININGS)
