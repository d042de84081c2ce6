"""The moderators' desk in Chromium: three members of two cities report a practice; it leaves the
list (and the cached list) until the moderator dismisses the reports from the Reported tab.

The other journey of the desk (a coordinator edits a published practice, the moderator sees the
diff and approves it, the public page changes only then) is
``test_practice_journey.test_an_edit_is_published_only_as_the_moderator_saw_it``."""

import pytest
from playwright.sync_api import expect

from moderation.models import Report, Visibility
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.e2e.browser import audit, sign_in
from tests.practices.factories import PracticeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Tram stop lighting audits"


def test_three_members_of_two_cities_hide_a_practice_until_the_moderator_dismisses(new_page):
    practice = PracticeFactory(title=TITLE, visibility=Visibility.PUBLIC)
    reporters = [
        make_member(reference_body("madrid")),
        make_member(reference_body("madrid")),
        make_member(reference_body("turin")),
    ]
    moderator = make_member(reference_body("paris"), mfa=True)

    visitor = new_page()
    visitor.goto("/practices/")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()  # now in the list cache too
    audit(visitor)

    for reporter, reason in zip(reporters, ("Outdated", "Inaccurate", "Outdated"), strict=True):
        page = new_page()
        sign_in(page, reporter)
        page.goto(practice.get_absolute_url())
        page.get_by_text("Report this item").click()
        page.get_by_role("radio", name=reason).check()
        page.get_by_label("Comment").fill("The lighting was replaced in 2024.")
        audit(page)
        page.get_by_role("button", name="Send the report").click()
        expect(page.locator(".messages")).to_contain_text("your report was sent")
        audit(page)
        page.close()
    assert Report.objects.open().count() == 3

    # Hidden: the list no longer shows it, and its page is a 404 for readers.
    visitor.goto("/practices/")
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    expect(visitor.get_by_role("link", name=TITLE)).to_have_count(0)
    audit(visitor)

    staff = new_page()
    sign_in(staff, moderator)
    staff.goto("/moderation/")
    staff.get_by_role("link", name="Reported").click()
    audit(staff)
    row = staff.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("3 reports")
    expect(row).to_contain_text("Inaccurate, Outdated")
    row.get_by_role("link", name=TITLE).click()
    expect(staff.get_by_role("heading", name="Reports")).to_be_visible()
    audit(staff)
    staff.get_by_role("button", name="Dismiss the reports").click()
    expect(staff.locator(".messages")).to_contain_text("Reports dismissed")
    audit(staff)

    visitor.goto("/practices/")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    audit(visitor)
