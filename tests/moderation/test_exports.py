"""A person's data export includes what the audit log records them doing and the edits they
proposed (moderation/exports.py)."""

import json

import pytest
from django.urls import reverse

from moderation.services import moderation_request_changes, moderation_submit, revision_propose
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db


def test_personal_export_lists_my_moderation_events_and_proposed_edits(
    client, coordinator, efus_staff
):
    draft = PracticeFactory(title="My draft", status="draft", published_at=None)
    moderation_submit(obj=draft, by=coordinator, message="Ready for review.")
    moderation_request_changes(obj=draft, by=efus_staff, message="Add figures.")
    published = PracticeFactory(title="Published")
    revision = revision_propose(obj=published, by=coordinator, data={"title": "Published, v2"})
    client.force_login(coordinator)
    section = json.loads(client.get(reverse("accounts:export")).content)["moderation"]
    # Mine: the submission and the proposed edit; the moderator's decision is theirs.
    submitted, revised = section["events"]
    assert (submitted["action"], submitted["message"]) == ("submit", "Ready for review.")
    assert (submitted["item_type"], submitted["item_id"], submitted["item"]) == (
        "practices.practice",
        draft.pk,
        "My draft",
    )
    assert (revised["action"], revised["item_id"]) == ("revise", published.pk)
    [edit] = section["proposed_edits"]
    assert (edit["id"], edit["item_id"], edit["status"]) == (revision.pk, published.pk, "submitted")
    assert edit["proposed_values"]["title"] == "Published, v2"
    client.force_login(efus_staff)
    section = json.loads(client.get(reverse("accounts:export")).content)["moderation"]
    assert [e["message"] for e in section["events"]] == ["Add figures."]
    assert section["proposed_edits"] == []


def test_personal_export_lists_my_reports(client, member):
    from moderation.reports import report_create

    practice = PracticeFactory(title="Reported")
    report_create(obj=practice, by=member, reason="outdated", comment="Ended in 2023.")
    client.force_login(member)
    [report] = json.loads(client.get(reverse("accounts:export")).content)["moderation"]["reports"]
    assert (report["item_type"], report["item_id"], report["reason"], report["comment"]) == (
        "practices.practice", practice.pk, "outdated", "Ended in 2023."
    )  # fmt: skip


def test_moderation_section_costs_three_queries(django_assert_num_queries, coordinator):
    from moderation.exports import moderation_section
    from moderation.reports import report_create

    published = PracticeFactory()
    for _ in range(3):
        revision_propose(obj=published, by=coordinator, data={"title": "Again"})
    for _ in range(2):
        report_create(obj=PracticeFactory(), by=coordinator, reason="other")
    # the events, the proposed edits, the reports
    with django_assert_num_queries(3):
        moderation_section(coordinator)
