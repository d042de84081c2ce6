"""Demo exchanges: offers from Riga, Madrid and Xàbia published through moderation, applications
in every state (each taken there through the services), a report that became a draft practice;
safe to re-run."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from accounts.models import Certificate
from exchanges.models import Application, ApplicationEvent, ApplicationStatus, Offer
from moderation.models import Status
from practices.models import Practice

pytestmark = pytest.mark.django_db


def test_demo_exchanges_in_every_state_and_safe_to_rerun():
    call_command("seed_demo", stdout=io.StringIO())
    offers = Offer.objects.all()
    assert sorted(o.city.slug for o in offers) == ["madrid", "riga", "xabia"]
    assert all(o.status == Status.PUBLISHED and o.is_demo for o in offers)
    assert set(Application.objects.values_list("status", flat=True)) == set(
        ApplicationStatus.values
    )
    reported = Application.objects.get(status=ApplicationStatus.REPORTED)
    practice = reported.report.practice
    assert practice.status == Status.DRAFT and practice.city == reported.sending_city
    exchange_certificates = Certificate.objects.filter(
        source_type=ContentType.objects.get_for_model(Application)
    )  # the trainings' demo issues its own
    assert exchange_certificates.get().holder == reported.applicant

    def counts():
        return [m.objects.count() for m in (Offer, Application, ApplicationEvent, Practice)]

    snapshot = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == snapshot
