"""``moderation.versions``: what a decision's version says changed since the review page."""

import pytest

from moderation.models import Revision, Status
from moderation.services import moderation_request_changes, revision_propose
from moderation.versions import changes_since, read_token, version_of, version_token
from practices.models import Practice
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db


def seen_and_now(practice):
    practice = Practice.objects.get(pk=practice.pk)
    return practice, Revision.objects.open_for(practice).first()


def test_nothing_changed_says_nothing(coordinator):
    practice = PracticeFactory()
    revision_propose(obj=practice, by=coordinator, data={"title": "New"})
    obj, revision = seen_and_now(practice)
    assert changes_since(version_of(obj, revision), obj, revision) == []
    assert read_token(version_token(obj, revision)) == version_of(obj, revision)


def test_a_proposal_that_leaves_a_field_out_keeps_the_item_s_value(coordinator):
    """Only the values the item would get count: a field the proposal leaves out keeps the
    published value, as if it were proposed unchanged."""
    practice = PracticeFactory(title="Old", summary="Same")
    revision_propose(obj=practice, by=coordinator, data={"title": "New", "summary": "Same"})
    seen = version_of(*seen_and_now(practice))
    revision_propose(obj=practice, by=coordinator, data={"title": "New"})
    assert changes_since(seen, *seen_and_now(practice)) == []
    revision_propose(obj=practice, by=coordinator, data={"title": "Newer", "outcome": "worked"})
    assert changes_since(seen, *seen_and_now(practice)) == ["In the proposed edit: title, outcome"]


def test_the_item_s_own_values_and_status(coordinator, efus_staff):
    practice = PracticeFactory(title="Old", status=Status.SUBMITTED, published_at=None)
    seen = version_of(*seen_and_now(practice))
    Practice.objects.filter(pk=practice.pk).update(title="Changed in the admin")
    assert changes_since(seen, *seen_and_now(practice)) == ["In the item: title"]
    moderation_request_changes(obj=practice, by=efus_staff, message="More.")
    assert changes_since(seen, *seen_and_now(practice)) == [
        "Its status is now “Changes requested”",
        "In the item: title",
    ]


def test_the_proposed_edit_itself(coordinator, efus_staff):
    practice = PracticeFactory()
    seen_without = version_of(*seen_and_now(practice))
    revision_propose(obj=practice, by=coordinator, data={"title": "New"})
    assert changes_since(seen_without, *seen_and_now(practice)) == ["A new edit was proposed"]
    seen = version_of(*seen_and_now(practice))
    moderation_request_changes(obj=practice, by=efus_staff, message="Shorter.")
    assert changes_since(seen, *seen_and_now(practice)) == [
        "The proposed edit is now “Changes requested”"
    ]
    Revision.objects.update(status=Revision.Status.REJECTED)
    assert changes_since(seen, *seen_and_now(practice)) == ["The proposed edit is no longer open"]


def test_a_token_not_made_by_the_site_is_not_read():
    assert read_token("") is None and read_token(None) is None
    assert read_token("eyJzdGF0dXMiOiJwdWJsaXNoZWQifQ:forged:signature") is None
