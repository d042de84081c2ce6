"""Reports (``moderation.reports``): the threshold that hides an item, through the one visibility
rule, until a moderator dismisses the reports or unpublishes it; who is told what."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import OutboundEmail
from moderation import reports as reports_module
from moderation.models import ModerationEvent, Report, Status
from moderation.reports import report_create, reports_dismiss
from moderation.services import moderation_unpublish
from practices.models import Practice
from tests.accounts.factories import make_member
from tests.bulletins.models import Bulletin
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db
Reason = Report.Reason


@pytest.fixture
def members():
    """Two members of Nice, two of Madrid."""
    nice, madrid = reference_body("nice"), reference_body("madrid")
    return [make_member(nice), make_member(nice), make_member(madrid), make_member(madrid)]


@pytest.fixture
def practice(coordinator):
    return PracticeFactory(
        title="Carnival barriers",
        created_by=coordinator,
        city=coordinator.city,
        visibility="public",
    )


def hidden(obj):
    obj.refresh_from_db()
    return obj.hidden_at is not None


def test_three_reports_from_one_city_do_not_hide_the_item(practice, members):
    nice1, nice2, *_ = members
    third = make_member(reference_body("nice"))
    for member in (nice1, nice2, third):
        report_create(obj=practice, by=member, reason=Reason.INACCURATE)
    assert not hidden(practice)


def test_three_reports_from_two_cities_hide_the_item(practice, members):
    nice1, nice2, madrid1, _ = members
    report_create(obj=practice, by=nice1, reason=Reason.INACCURATE)
    report_create(obj=practice, by=madrid1, reason=Reason.OUTDATED)
    assert not hidden(practice)
    report_create(obj=practice, by=nice2, reason=Reason.OTHER, comment="Old figures")
    assert hidden(practice)
    event = ModerationEvent.objects.for_object(practice).get()
    assert (event.action, event.by) == (ModerationEvent.Action.HIDE, None)


def test_the_same_member_cannot_report_twice_while_the_report_is_open(practice, members):
    report_create(obj=practice, by=members[0], reason=Reason.INACCURATE)
    with pytest.raises(ValidationError) as error:
        report_create(obj=practice, by=members[0], reason=Reason.OUTDATED)
    assert error.value.code == "duplicate"
    # The database keeps it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            content_type=Report.objects.get().content_type,
            object_id=practice.pk,
            reason=Reason.OTHER,
            by=members[0],
        )
    assert Report.objects.count() == 1


def test_one_personal_data_report_hides_the_item_at_once(practice, members):
    report_create(obj=practice, by=members[0], reason=Reason.PERSONAL_DATA)
    assert hidden(practice)


def test_reporting_is_rate_limited_per_member(members, monkeypatch):
    monkeypatch.setattr(reports_module, "RATE_LIMIT", 2)
    items = [PracticeFactory() for _ in range(3)]
    report_create(obj=items[0], by=members[0], reason=Reason.OTHER)
    report_create(obj=items[1], by=members[0], reason=Reason.OTHER)
    with pytest.raises(ValidationError) as error:
        report_create(obj=items[2], by=members[0], reason=Reason.OTHER)
    assert error.value.code == "rate"
    report_create(obj=items[2], by=members[1], reason=Reason.OTHER)  # another member may


def test_authors_cannot_report_their_own_item_nor_an_unpublished_one(practice, coordinator, member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        report_create(obj=practice, by=coordinator, reason=Reason.OTHER)
    draft = PracticeFactory(status=Status.DRAFT, published_at=None)
    with pytest.raises(PermissionDenied):
        report_create(obj=draft, by=member, reason=Reason.OTHER)


def test_authors_and_coordinator_are_told_without_learning_who_reported(
    practice, members, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    author = make_member(reference_body("nice"))
    Practice.objects.filter(pk=practice.pk).update(created_by=author)
    practice.refresh_from_db()
    reporter = members[2]
    with django_capture_on_commit_callbacks(execute=True):
        report_create(obj=practice, by=reporter, reason=Reason.PERSONAL_DATA, comment="A name")
    told = sorted(m.to[0] for m in mailoutbox)
    assert told == sorted([author.email, coordinator.email])
    for message in mailoutbox:
        body = message.body + message.alternatives[0][0]
        assert reporter.email not in body and str(reporter) not in body and "A name" not in body
        assert "Carnival barriers" in message.subject


def test_dismissal_restores_the_item_and_tells_the_reporters(
    practice, members, efus_staff, django_capture_on_commit_callbacks, mailoutbox
):
    for member in members[:3]:
        report_create(obj=practice, by=member, reason=Reason.INACCURATE)
    assert hidden(practice)
    with django_capture_on_commit_callbacks(execute=True):
        reports_dismiss(obj=practice, by=efus_staff, message="The figures are right.")
    assert not hidden(practice)
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.DISMISSED}
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED
    told = OutboundEmail.objects.filter(kind="moderation_report_decided")
    assert sorted(e.recipient for e in told) == sorted(m.email for m in members[:3])
    reporters = {m.email for m in members[:3]}
    to_reporters = [m for m in mailoutbox if m.to[0] in reporters]
    assert len(to_reporters) == 3 and all("dismissed" in m.body for m in to_reporters)
    # A member may report it again later.
    report_create(obj=practice, by=members[0], reason=Reason.OUTDATED)


def test_unpublishing_upholds_the_reports_and_tells_the_reporters(
    practice, members, efus_staff, django_capture_on_commit_callbacks
):
    report_create(obj=practice, by=members[0], reason=Reason.PERSONAL_DATA)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_unpublish(obj=practice, by=efus_staff, message="A name is in the text.")
    practice.refresh_from_db()
    assert (practice.status, practice.hidden_at) == (Status.UNPUBLISHED, None)
    assert Report.objects.get().status == Report.Status.UPHELD
    email = OutboundEmail.objects.get(kind="moderation_report_decided")
    assert email.recipient == members[0].email


def test_dismissing_without_open_reports_is_refused(practice, efus_staff):
    with pytest.raises(ValidationError):
        reports_dismiss(obj=practice, by=efus_staff)


# --- A hidden item never reaches readers -------------------------------------------------------


@pytest.fixture
def hidden_practice(practice, members):
    report_create(obj=practice, by=members[0], reason=Reason.PERSONAL_DATA)
    practice.refresh_from_db()
    return practice


READERS = ["anonymous", "member", "other_coordinator", "network_member"]


@pytest.mark.parametrize("role", READERS)
def test_a_hidden_item_reaches_no_reader_anywhere(client, request, practice, members, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    pages = [
        reverse("practices:list"),
        reverse("practices:list") + "?q=Carnival",
        reverse("practices:export_csv"),
        reverse("practices:export_json"),
        reverse("practices:feed_rss"),
        reverse("cities:detail", args=["nice"]),
        reverse("cities:home"),
    ]
    # Rendered once while the item is shown: each page (and the list cache) has it...
    for url in pages[:2] + pages[5:]:
        assert "Carnival barriers" in client.get(url).content.decode(), url
    report_create(obj=practice, by=members[0], reason=Reason.PERSONAL_DATA)
    # ...then not any more: the list cache forgot it.
    for url in pages:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "Carnival barriers" not in body.decode(), url
    assert client.get(practice.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "efus_staff"])
def test_its_coordinator_and_staff_still_open_a_hidden_item(client, request, hidden_practice, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(hidden_practice.get_absolute_url())
    assert response.status_code == 200
    assert "hidden from readers" in response.content.decode()


def test_a_hidden_item_is_in_no_digest(hidden_practice, member):
    import datetime as dt

    from digests.sources import practice_items

    now = hidden_practice.published_at
    items = practice_items(
        reader=member, since=now - dt.timedelta(days=1), until=now + dt.timedelta(days=1),
        theme_ids=[],
    )  # fmt: skip
    assert items == []


# --- Through the pages -------------------------------------------------------------------------


def test_a_member_reports_from_the_items_page(client, practice, member):
    client.force_login(member)
    page = client.get(practice.get_absolute_url()).content.decode()
    report_url = reverse("moderation:report", args=["practices.practice", practice.pk])
    assert report_url in page and "Report this item" in page
    response = client.post(report_url, {"reason": "outdated", "comment": "Ended in 2023"})
    assert response.status_code == 302 and response["Location"] == practice.get_absolute_url()
    report = Report.objects.get()
    assert (report.by, report.reason, report.comment, report.city) == (
        member,
        "outdated",
        "Ended in 2023",
        member.city,
    )
    again = client.post(report_url, {"reason": "other"})
    assert again.status_code == 400 and "already reported" in again.content.decode()


def test_the_moderator_sees_reports_in_the_queue_and_dismisses_them(
    client, practice, members, efus_staff
):
    for member in members[:3]:
        report_create(obj=practice, by=member, reason=Reason.INACCURATE if member != members[2]
                      else Reason.OUTDATED)  # fmt: skip
    client.force_login(efus_staff)
    rows = client.get(reverse("moderation:queue"), {"tab": "reported"}).context["rows"]
    assert [(r.obj.pk, r.report_count, r.reasons) for r in rows] == [
        (practice.pk, 3, ["Inaccurate", "Outdated"])
    ]
    review = client.get(reverse("moderation:review", args=["practices.practice", practice.pk]))
    assert "Dismiss the reports" in review.content.decode()
    version = review.context["form"].initial["version"]
    url = reverse("moderation:dismiss_reports", args=["practices.practice", practice.pk])
    assert client.post(url, {"message": "", "version": version}).status_code == 302
    assert not hidden(practice)
    assert client.get(reverse("moderation:queue"), {"tab": "reported"}).context["rows"] == []


def test_the_second_moderated_model_is_reported_and_hidden_the_same_way(members, efus_staff):
    bulletin = Bulletin.objects.create(
        title="Road closures", city=reference_body("nice").city, status=Status.PUBLISHED,
        visibility="public",
    )  # fmt: skip
    for member in members[:3]:
        report_create(obj=bulletin, by=member, reason=Reason.INAPPROPRIATE)
    assert hidden(bulletin)
    assert not Bulletin.objects.listed_to(members[3]).filter(pk=bulletin.pk).exists()
    assert not Bulletin.objects.visible_to(members[3]).filter(pk=bulletin.pk).exists()
    assert not Bulletin.objects.published().filter(pk=bulletin.pk).exists()
    reports_dismiss(obj=bulletin, by=efus_staff)
    assert Bulletin.objects.listed_to(members[3]).filter(pk=bulletin.pk).exists()


def test_a_decision_taken_on_a_page_shown_before_reports_hid_the_item_is_refused(
    client, practice, members, efus_staff
):
    client.force_login(efus_staff)
    review = reverse("moderation:review", args=["practices.practice", practice.pk])
    version = client.get(review).context["form"].initial["version"]
    report_create(obj=practice, by=members[0], reason=Reason.PERSONAL_DATA)
    url = reverse("moderation:unpublish", args=["practices.practice", practice.pk])
    response = client.post(url, {"message": "Old news.", "version": version})
    assert response.status_code == 409
    assert "It is now hidden after members" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED
