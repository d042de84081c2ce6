"""The two membership emails: subject, text and HTML for every event."""

import pytest

from accounts.emails import render_email
from accounts.models import Membership
from accounts.notifications import DECISION_EVENTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "event,subject",
    [
        ("membership_approved", "Welcome to the PACTESUR network"),
        ("membership_declined", "Your membership request was declined"),
        ("membership_removed", "Your PACTESUR membership has ended"),
        ("coordinator_appointed", "You are now a city coordinator for Nice"),
        ("coordinator_removed", "You are no longer a city coordinator for Nice"),
    ],
)
def test_membership_decided_has_a_subject_text_and_html_for_each_event(member, event, subject):
    membership = Membership.objects.get(user=member)
    rendered_subject, text, html = render_email(
        "membership_decided", {"membership": membership, "event": event, "recipient": member}
    )
    assert rendered_subject == subject
    assert f"Hello {member.full_name}," in text
    assert "http://testserver/me/" in text
    assert 'href="http://testserver/me/"' in html
    assert "{%" not in text + html
    assert event in DECISION_EVENTS


def test_membership_requested_names_the_person_and_links_to_the_members_page(
    pending_member, coordinator
):
    membership = Membership.objects.get(user=pending_member)
    subject, text, html = render_email(
        "membership_requested", {"membership": membership, "recipient": coordinator}
    )
    assert subject == f"{pending_member.full_name} asks to join the network for Nice"
    assert pending_member.email in text
    assert "Police municipale de Nice (Nice)" in text
    assert "http://testserver/members/" in text
    assert "Position:" not in text  # no empty line for a missing position
    assert 'href="http://testserver/members/"' in html
    assert f"Hello {coordinator.full_name}," in html


def test_text_emails_are_not_html_escaped(pending_member, coordinator):
    pending_member.full_name = "Ana O'Neil & Co"
    membership = Membership.objects.get(user=pending_member)
    membership.user = pending_member
    subject, text, html = render_email(
        "membership_requested", {"membership": membership, "recipient": coordinator}
    )
    assert "Ana O'Neil & Co" in subject
    assert "Ana O'Neil & Co" in text
    assert "Ana O&#x27;Neil &amp; Co" in html
