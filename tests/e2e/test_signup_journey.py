"""A visitor joins Nice's police, confirms their address, and Nice's coordinator approves them."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, User
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.e2e.browser import audit, totp_code

# serialized_rollback: the live server needs committed rows (a transactional test), and the
# reference data (cities, bodies, themes) the flush removes is put back for the tests after.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-passphrase-2024"
CONFIRM_PATH = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


def test_signup_confirmation_and_approval_by_the_city_coordinator(new_page, mailoutbox):
    coordinator = make_member(
        reference_body("nice"), role=Membership.Role.COORDINATOR, full_name="Camille Laurent"
    )

    # A visitor signs up from the home page, choosing Nice's municipal police.
    visitor = new_page()
    visitor.goto("/")
    audit(visitor)
    visitor.get_by_role("link", name="Join the network").click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Join")
    audit(visitor)
    visitor.get_by_label("Full name").fill("Marie Agent")
    visitor.get_by_label("Email").fill("marie.agent@example.org")
    visitor.get_by_label("Position").fill("Brigadier")
    visitor.get_by_label("Your city and organisation").select_option(
        label="Nice - Police municipale de Nice"
    )
    visitor.locator("#id_password1").fill(PASSWORD)
    visitor.locator("#id_password2").fill(PASSWORD)
    visitor.get_by_role("button", name="Create my account").click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Check your email")
    audit(visitor)

    # The confirmation email's link confirms the address and signs the visitor in.
    confirmation = [m for m in mailoutbox if m.to == ["marie.agent@example.org"]]
    assert len(confirmation) == 1
    link = CONFIRM_PATH.search(confirmation[0].body)
    assert link, confirmation[0].body
    visitor.goto(link[1])
    audit(visitor)
    visitor.get_by_role("button", name="Confirm my email address").click()
    expect(visitor).to_have_url(re.compile(r"/me/$"))
    audit(visitor)
    membership_card = visitor.locator(
        "section", has=visitor.get_by_role("heading", name="Membership")
    )
    expect(membership_card).to_contain_text("Pending")
    expect(membership_card).to_contain_text("waiting for your coordinator's approval")
    user = User.objects.get(email="marie.agent@example.org")
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING

    # Nice's coordinator signs in with password and TOTP code, and approves the request.
    staff = new_page()
    staff.goto("/accounts/login/")
    audit(staff)
    staff.get_by_label("Email").fill(coordinator.email)
    staff.get_by_label("Password").fill("correct-horse-battery")
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_label("Code")).to_be_visible()
    audit(staff)
    staff.get_by_label("Code").fill(totp_code(coordinator))
    staff.get_by_role("button", name=re.compile(r"^Sign in$", re.IGNORECASE)).click()
    expect(staff).to_have_url(re.compile(r"/me/$"))
    audit(staff)
    staff.goto("/members/")
    audit(staff)
    request_row = staff.get_by_role("row", name=re.compile("Marie Agent"))
    expect(request_row).to_contain_text("Brigadier")
    request_row.get_by_role("button", name=re.compile("^Approve")).click()
    pending = staff.locator("section", has=staff.get_by_role("heading", name=re.compile("waiting")))
    expect(pending).to_contain_text("No request is waiting.")
    approved = staff.locator("section", has=staff.get_by_role("heading", name="Approved members"))
    expect(approved).to_contain_text("Marie Agent")
    audit(staff)

    # The member reloads their page: approved, told by email too.
    visitor.reload()
    expect(membership_card).to_contain_text("Approved")
    expect(membership_card).to_contain_text("You are a member of Police municipale de Nice (Nice).")
    audit(visitor)
    user.refresh_from_db()
    assert Membership.objects.get(user=user).status == Membership.Status.APPROVED
    assert [m.subject for m in mailoutbox if m.to == ["marie.agent@example.org"]][-1] == (
        "[PACTESUR] Welcome to the PACTESUR network"
    )
