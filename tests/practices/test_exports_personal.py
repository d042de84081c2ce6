"""A person's data export includes what they authored on the practices side."""

import json

import pytest
from django.urls import reverse

from moderation.models import Status
from tests.practices.factories import AdoptionFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_personal_export_lists_authored_practices_and_adoptions(client, coordinator, member):
    mine = PracticeFactory(title="My draft", status=Status.DRAFT, created_by=coordinator)
    PracticeFactory(title="Someone else's", created_by=member)
    AdoptionFactory(practice=PracticeFactory(), created_by=coordinator, outcome_note="Adapted it.")
    client.force_login(coordinator)
    data = json.loads(client.get(reverse("accounts:export")).content)
    section = data["practices"]
    assert [p["title"] for p in section["authored"]] == ["My draft"]
    assert section["authored"][0]["id"] == mine.pk
    assert [a["outcome_note"] for a in section["adoptions_recorded"]] == ["Adapted it."]
    assert section["attachments_uploaded"] == []
