"""A coordinator drafts and submits a practice, a moderator publishes it, a visitor finds it by
search and filter, and an officer reads network-only material a visitor cannot."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from cities.models import Theme
from moderation.models import ModerationEvent, Status, Visibility
from practices.models import Practice
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.e2e.browser import audit, sign_in
from tests.practices.factories import PracticeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Carnival crowd corridors with exchange officers"


def test_coordinator_drafts_moderator_publishes_visitor_finds(new_page):
    coordinator = make_member(reference_body("nice"), role=Membership.Role.COORDINATOR)
    moderator = make_member(reference_body("paris"), mfa=True)

    # Nice's coordinator writes a draft and submits it.
    author = new_page()
    sign_in(author, coordinator)
    author.goto("/practices/new/")
    audit(author)
    author.get_by_label("Title").fill(TITLE)
    author.get_by_label("Summary").fill(
        "One-way pedestrian corridors and officers from partner cities keep carnival crowds moving."
    )
    author.get_by_label("Problem addressed").fill("Crowd crushes at the parade's narrow exits.")
    author.get_by_label("Major events").check()
    author.get_by_role("radio", name=re.compile(r"^Public")).check()
    author.get_by_role("button", name="Save the draft").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    audit(author)
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator(".messages")).to_contain_text("Submitted for review")
    audit(author)
    practice = Practice.objects.get(title=TITLE)
    assert practice.status == Status.SUBMITTED

    # Before moderation a visitor finds nothing.
    visitor = new_page()
    visitor.goto("/practices/?q=carnival+corridors")
    expect(visitor.get_by_role("link", name=TITLE)).to_have_count(0)
    audit(visitor)

    # An Efus moderator publishes it from the queue.
    staff = new_page()
    sign_in(staff, moderator)
    staff.goto("/moderation/")
    audit(staff)
    staff.get_by_role("link", name=TITLE).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(TITLE)
    audit(staff)
    staff.get_by_role("button", name="Publish", exact=True).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    audit(staff)
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED
    assert list(ModerationEvent.objects.for_object(practice).values_list("action", flat=True)) == [
        ModerationEvent.Action.PUBLISH,
        ModerationEvent.Action.SUBMIT,
    ]

    # A visitor finds it by search, then by a theme filter, and opens it.
    visitor.goto("/practices/")
    audit(visitor)
    visitor.get_by_role("searchbox", name="Search").fill("carnival corridors")
    visitor.get_by_role("button", name="Show practices").click()
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    expect(visitor).to_have_url(re.compile(r"q=carnival"))
    audit(visitor)
    visitor.goto("/practices/")
    audit(visitor)
    visitor.get_by_label("Major events").check()
    visitor.get_by_role("button", name="Show practices").click()
    expect(visitor).to_have_url(re.compile(r"theme=major-events"))
    audit(visitor)
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_text("Crowd crushes at the parade's narrow exits.")).to_be_visible()
    audit(visitor)


def test_officer_reads_network_material_a_visitor_cannot(new_page):
    officer = make_member(reference_body("madrid"))
    PracticeFactory(title="Station checkpoint rota", visibility=Visibility.NETWORK)

    visitor = new_page()
    visitor.goto("/practices/?q=checkpoint")
    expect(visitor.get_by_role("link", name="Station checkpoint rota")).to_have_count(0)
    audit(visitor)

    page = new_page()
    sign_in(page, officer)
    page.goto("/practices/?q=checkpoint")
    audit(page)
    page.get_by_role("link", name="Station checkpoint rota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Station checkpoint rota")
    audit(page)


def test_filters_update_the_list_in_place_with_htmx(new_page):
    """The form's ``data-hx-*`` attributes: choosing a filter replaces the results and the count
    in the same document, and the address follows (a shareable URL)."""
    PracticeFactory(title="Stadium walkways", themes=[Theme.objects.get(slug="major-events")])
    PracticeFactory(title="Night mediators", themes=[Theme.objects.get(slug="safe-nightlife")])
    page = new_page()
    page.goto("/practices/")
    audit(page)
    expect(page.locator("#result-count")).to_have_text("2 practices")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Major events").check()
    expect(page).to_have_url(re.compile(r"theme=major-events"))
    expect(page.locator("#result-count")).to_have_text("1 practice")
    expect(page.get_by_role("link", name="Night mediators")).to_have_count(0)
    expect(page.get_by_role("link", name="Stadium walkways")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    audit(page)


def test_an_edit_is_published_only_as_the_moderator_saw_it(new_page):
    """The coordinator proposes an edit of a published practice; the moderator sees the diff;
    the coordinator changes the proposal (making it public) while the moderator looks at the
    old one: Publish is refused with what changed; once reviewed again it is published, and only
    then do readers see the new text."""
    from moderation.services import revision_propose

    coordinator = make_member(reference_body("nice"), role=Membership.Role.COORDINATOR)
    moderator = make_member(reference_body("paris"), mfa=True)
    practice = PracticeFactory(
        title="Night buses", summary="Late buses with a patrol on board.",
        visibility=Visibility.NETWORK, created_by=coordinator,
    )  # fmt: skip

    author = new_page()
    sign_in(author, coordinator)
    author.goto(f"/practices/{practice.pk}/edit/")
    audit(author)
    author.get_by_label("Summary").fill("Late buses with two officers on board.")
    author.get_by_role("button", name="Send the edit for review").click()
    expect(author.locator(".messages")).to_contain_text("Your edit is sent")
    audit(author)

    staff = new_page()
    sign_in(staff, moderator)
    staff.goto(f"/moderation/practices.practice/{practice.pk}/")
    expect(staff.get_by_role("heading", name="What the edit changes")).to_be_visible()
    expect(staff.locator(".word-diff ins", has_text="officers")).to_be_visible()
    expect(staff.locator(".word-diff del", has_text="patrol")).to_be_visible()
    audit(staff)

    # Meanwhile the coordinator changes the proposal: it would now be public.
    practice.refresh_from_db()
    revision_propose(
        obj=practice, by=coordinator,
        data={"summary": "Late buses with two officers on board.", "visibility": "public"},
    )  # fmt: skip
    staff.get_by_role("button", name="Publish the edit").click()
    expect(staff.get_by_role("alert")).to_contain_text("Your decision was not applied")
    expect(staff.get_by_role("alert")).to_contain_text("In the proposed edit: who can read it")
    audit(staff)
    practice.refresh_from_db()
    assert practice.summary == "Late buses with a patrol on board."  # readers: the old text

    staff.get_by_role("button", name="Publish the edit").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    audit(staff)
    visitor = new_page()
    visitor.goto(practice.get_absolute_url())
    expect(visitor.get_by_text("Late buses with two officers on board.")).to_be_visible()
    audit(visitor)
