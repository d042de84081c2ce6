"""After the exchange: evaluations within 7 days, the field report within 30 days approved by the
officer's coordinator, the report that becomes a draft practice (and goes through moderation) or
is attached to one, the follow-up three months later; the reminders, each sent once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import OutboundEmail
from cities.models import Theme
from exchanges import services
from exchanges.models import ApplicationStatus, Evaluation, FieldReport, FollowUp
from exchanges.tasks import send_reminders
from moderation.models import Status
from moderation.services import moderation_publish, moderation_submit
from practices.models import Practice
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory

pytestmark = pytest.mark.django_db

S = ApplicationStatus
DONE = dt.datetime(2027, 3, 12, 17, 0, tzinfo=dt.UTC)
RATINGS = {"overall": 5, "usefulness": 4, "organisation": 4, "comments": "Very useful."}
REPORT = {
    "observed": "Tourist police desks at the station, in three languages.",
    "bring_home": "A seasonal tourist desk at Nice station.",
    "consent_practice": True,
}


@pytest.fixture
def exchange(member, coordinator, other_coordinator):
    """A scheduled exchange of a Nice officer in Madrid, completed at ``DONE``."""
    offer = OfferFactory(
        title="Tourism police week",
        themes=list(Theme.objects.filter(slug__in=["safety-and-tourism", "major-events"])),
    )
    window = WindowFactory(
        offer=offer, start=dt.date(2027, 3, 6), end=dt.date(2027, 3, 12), places=1
    )
    application = ApplicationFactory(
        applicant=member, offer=offer, preferred_window=window, window=window,
        status=S.SCHEDULED, start=dt.date(2027, 3, 6), end=dt.date(2027, 3, 12),
    )  # fmt: skip
    with time_machine.travel(DONE, tick=False):
        services.application_transition(
            application=application, by=other_coordinator, name="complete"
        )
    return application


def emails(kind: str) -> list[str]:
    return sorted(OutboundEmail.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_both_sides_evaluate_once_within_7_days(exchange, member, coordinator, other_coordinator):
    with time_machine.travel(DONE + dt.timedelta(days=6), tick=False):
        services.evaluation_create(application=exchange, by=member, data=RATINGS)
        services.evaluation_create(application=exchange, by=other_coordinator, data=RATINGS)
        with pytest.raises(ValidationError):
            services.evaluation_create(application=exchange, by=member, data=RATINGS)
        with pytest.raises(PermissionDenied):  # the sending coordinator is neither side
            services.evaluation_create(application=exchange, by=coordinator, data=RATINGS)
    assert set(Evaluation.objects.values_list("side", flat=True)) == {"visitor", "host"}
    Evaluation.objects.all().delete()
    with (
        time_machine.travel(DONE + dt.timedelta(days=8), tick=False),
        pytest.raises(PermissionDenied),
    ):
        services.evaluation_create(application=exchange, by=member, data=RATINGS)


def test_the_report_is_filed_within_30_days_and_approved_by_the_coordinator(
    exchange, member, coordinator, other_coordinator
):
    with (
        time_machine.travel(DONE + dt.timedelta(days=31), tick=False),
        pytest.raises(PermissionDenied),
    ):
        services.report_submit(application=exchange, by=member, data=REPORT)
    with time_machine.travel(DONE + dt.timedelta(days=20), tick=False):
        services.report_submit(application=exchange, by=member, data=REPORT)
        assert emails("exchange_report_submitted") == [coordinator.email]
        with pytest.raises(PermissionDenied):  # the host does not approve it
            services.application_transition(
                application=exchange, by=other_coordinator, name="approve_report"
            )
        services.application_transition(application=exchange, by=coordinator, name="approve_report")
    exchange.refresh_from_db()
    assert exchange.status == S.REPORTED
    report = FieldReport.objects.get()
    assert (report.status, report.approved_by) == (FieldReport.Status.APPROVED, coordinator)


def test_an_approved_report_becomes_a_draft_practice_that_a_moderator_publishes(
    exchange, member, coordinator, efus_staff
):
    with time_machine.travel(DONE + dt.timedelta(days=3), tick=False):
        services.report_submit(application=exchange, by=member, data=REPORT)
        with pytest.raises(ValidationError):  # not approved yet
            services.report_to_practice(report=FieldReport.objects.get(), by=coordinator)
        services.application_transition(application=exchange, by=coordinator, name="approve_report")
        practice = services.report_to_practice(report=FieldReport.objects.get(), by=coordinator)
    practice = Practice.objects.get(pk=practice.pk)
    assert practice.status == Status.DRAFT
    assert not Practice.objects.published().filter(pk=practice.pk).exists()
    assert practice.city == member.city
    assert practice.title == "From Madrid: Tourism police week"
    assert practice.summary == REPORT["bring_home"]
    assert practice.mechanism == REPORT["observed"]
    assert "officer exchange with Madrid" in practice.context  # credited to the exchange
    assert "2027-03-06" in practice.context
    assert set(practice.themes.values_list("slug", flat=True)) == {
        "safety-and-tourism",
        "major-events",
    }
    assert FieldReport.objects.get().practice == practice
    with pytest.raises(ValidationError):  # once
        services.report_to_practice(report=FieldReport.objects.get(), by=coordinator)
    # Normal moderation: the coordinator submits it, a moderator publishes it.
    moderation_submit(obj=practice, by=coordinator)
    moderation_publish(obj=practice, by=efus_staff)
    assert Practice.objects.published().filter(pk=practice.pk).exists()


def test_without_consent_a_report_stays_a_report(exchange, member, coordinator):
    with time_machine.travel(DONE + dt.timedelta(days=3), tick=False):
        services.report_submit(
            application=exchange, by=member, data={**REPORT, "consent_practice": False}
        )
        services.application_transition(application=exchange, by=coordinator, name="approve_report")
        with pytest.raises(ValidationError) as caught:
            services.report_to_practice(report=FieldReport.objects.get(), by=coordinator)
    assert caught.value.code == "consent"
    assert not Practice.objects.exists()


def test_a_report_is_attached_to_a_practice_of_the_officers_city(exchange, member, coordinator):
    from tests.practices.factories import PracticeFactory

    mine, theirs = PracticeFactory(), PracticeFactory(city=exchange.host_city)
    with time_machine.travel(DONE + dt.timedelta(days=3), tick=False):
        services.report_submit(application=exchange, by=member, data=REPORT)
        services.application_transition(application=exchange, by=coordinator, name="approve_report")
    report = FieldReport.objects.get()
    with pytest.raises(ValidationError):
        services.report_attach(report=report, by=coordinator, practice=theirs)
    services.report_attach(report=report, by=coordinator, practice=mine)
    assert FieldReport.objects.get().practice == mine


def test_reminders_and_the_follow_up_are_sent_once(
    exchange, member, coordinator, other_coordinator
):
    def run(days: float) -> int:
        with time_machine.travel(DONE + dt.timedelta(days=days), tick=False):
            return send_reminders.apply().get()

    assert run(1) == 0  # too early for anything
    assert run(3.5) == 2  # the evaluation: the officer and the host's coordinator
    assert emails("exchange_evaluation_due") == sorted([member.email, other_coordinator.email])
    assert run(4) == 0  # once
    assert run(8) == 1  # the report is due
    assert emails("exchange_report_due") == [member.email]
    assert run(9) == 0
    assert run(89) == 0  # the follow-up waits three months
    assert run(92) == 1
    assert emails("exchange_follow_up") == [member.email]
    assert run(93) == 0
    # The answer is stored and shown to both coordinators.
    with time_machine.travel(DONE + dt.timedelta(days=95), tick=False):
        services.follow_up_answer(
            application=exchange, by=member, answer="We opened a tourist desk at the station."
        )
    assert FollowUp.objects.get().answer == "We opened a tourist desk at the station."
    assert emails("exchange_follow_up_answered") == sorted(
        [coordinator.email, other_coordinator.email]
    )
    assert run(96) == 0


def test_an_evaluation_already_given_is_not_reminded(exchange, member, other_coordinator):
    with time_machine.travel(DONE + dt.timedelta(days=2), tick=False):
        services.evaluation_create(application=exchange, by=member, data=RATINGS)
    with time_machine.travel(DONE + dt.timedelta(days=4), tick=False):
        assert send_reminders.apply().get() == 1
    assert emails("exchange_evaluation_due") == [other_coordinator.email]


def test_the_reminders_are_in_the_one_beat_schedule():
    from pactesur.celery import app

    entries = [e["task"] for e in app.conf.beat_schedule.values()]
    assert "exchanges.tasks.send_reminders" in entries


def test_a_certificate_is_issued_once_the_evaluation_and_the_approved_report_are_in(
    client, exchange, member, coordinator
):
    from accounts.models import Certificate

    with time_machine.travel(DONE + dt.timedelta(days=2), tick=False):
        services.report_submit(application=exchange, by=member, data=REPORT)
        services.application_transition(application=exchange, by=coordinator, name="approve_report")
        assert not Certificate.objects.exists()  # the evaluation is missing
        services.evaluation_create(application=exchange, by=member, data=RATINGS)
    certificate = Certificate.objects.get()
    assert (certificate.holder, certificate.title) == (member, "Tourism police week")
    assert (certificate.start, certificate.end) == (dt.date(2027, 3, 6), dt.date(2027, 3, 12))
    assert bytes(certificate.pdf).startswith(b"%PDF")
    assert services.certificate_if_due(exchange) == certificate  # once
    client.force_login(member)
    page = client.get(exchange.get_absolute_url()).content.decode()
    assert certificate.get_absolute_url() in page
    verify = client.get(certificate.get_absolute_url())
    assert verify.status_code == 200 and "Tourism police week" in verify.content.decode()


def test_no_certificate_without_the_approved_report(exchange, member):
    from accounts.models import Certificate

    with time_machine.travel(DONE + dt.timedelta(days=2), tick=False):
        services.evaluation_create(application=exchange, by=member, data=RATINGS)
    assert not Certificate.objects.exists()
