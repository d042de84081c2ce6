"""practice_flags: what the detail page offers each role."""

import pytest

from moderation.models import Revision, Status
from moderation.services import revision_propose
from practices.permissions import practice_flags
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.practices.factories import AdoptionFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_member_author_of_a_draft_may_edit_but_is_asked_to_get_the_coordinator_to_submit(member):
    practice = PracticeFactory(status=Status.DRAFT, published_at=None, created_by=member)
    flags = practice_flags(member, practice)
    assert flags["can_edit"] and flags["show_status"] and flags["ask_coordinator"]
    assert not flags["can_submit"] and not flags["can_moderate"] and not flags["can_adopt"]


def test_coordinator_may_submit_their_citys_draft(coordinator, member):
    practice = PracticeFactory(status=Status.DRAFT, published_at=None, created_by=member)
    flags = practice_flags(coordinator, practice)
    assert flags["can_edit"] and flags["can_submit"] and not flags["ask_coordinator"]


def test_submitted_practice_cannot_be_submitted_again(coordinator):
    practice = PracticeFactory(status=Status.SUBMITTED, published_at=None)
    assert not practice_flags(coordinator, practice)["can_submit"]


def test_other_city_coordinator_may_adopt_once(other_coordinator):
    practice = PracticeFactory()
    flags = practice_flags(other_coordinator, practice)
    assert flags["can_adopt"] and not flags["can_edit"] and not flags["show_status"]
    AdoptionFactory(practice=practice, city=reference_body("madrid").city)
    flags = practice_flags(other_coordinator, practice)
    assert not flags["can_adopt"] and flags["has_adopted"]


def test_own_city_coordinator_may_not_adopt(coordinator):
    assert not practice_flags(coordinator, PracticeFactory())["can_adopt"]


def test_anonymous_reader_gets_no_action(client):
    from django.contrib.auth.models import AnonymousUser

    flags = practice_flags(AnonymousUser(), PracticeFactory())
    assert not any(v for k, v in flags.items())


def test_moderator_sees_status_and_open_revision(efus_staff, coordinator):
    practice = PracticeFactory(created_by=coordinator)
    revision = revision_propose(obj=practice, by=coordinator, data={"title": "New title"})
    flags = practice_flags(efus_staff, practice)
    assert flags["can_moderate"] and flags["show_status"]
    assert flags["open_revision"] == revision and revision.status == Revision.Status.SUBMITTED
    # A plain reader of the published practice never learns about the pending edit.
    reader = make_member(reference_body("madrid"))
    assert practice_flags(reader, practice)["open_revision"] is None
