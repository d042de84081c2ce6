"""The moderation pages: the queue, the review page and its decisions, the audit log."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.diff import word_diff
from moderation.models import ModerationEvent, Revision, Status
from moderation.services import moderation_submit, revision_propose
from practices.models import Practice
from practices.services import practice_create
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db
LABEL = "practices.practice"


def review_url(practice, name="review"):
    return reverse(f"moderation:{name}", args=[LABEL, practice.pk])


def decide(client, practice, name, message="", **kwargs):
    """A decision from the review page, with the version of the item it showed."""
    version = client.get(review_url(practice)).context["form"].initial["version"]
    return client.post(
        review_url(practice, name), {"message": message, "version": version}, **kwargs
    )


def submitted_by(coordinator, title, **data):
    practice = practice_create(by=coordinator, data={"title": title, "summary": "S", **data})
    moderation_submit(obj=practice, by=coordinator)
    return practice


# --- Queue ------------------------------------------------------------------------------------


def test_queue_lists_new_items_and_edits_oldest_first(
    client, efus_staff, coordinator, other_coordinator
):
    with time_machine.travel(dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        old = submitted_by(other_coordinator, "Christmas-market perimeter")
    with time_machine.travel(dt.datetime(2025, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        published = PracticeFactory(title="Carnival exchange officers")
        revision_propose(obj=published, by=coordinator, data={"title": "Carnival exchanges"})
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        new = submitted_by(coordinator, "Beach patrols")
    practice_create(by=coordinator, data={"title": "Still a draft", "summary": "S"})
    PracticeFactory(title="Published, nothing pending")

    client.force_login(efus_staff)
    response = client.get(reverse("moderation:queue"))
    rows = response.context["rows"]
    assert [(r.obj.pk, r.kind) for r in rows] == [
        (old.pk, "new"),
        (published.pk, "edit"),
        (new.pk, "new"),
    ]
    assert [r.city.slug for r in rows] == ["madrid", "nice", "nice"]
    assert [r.author for r in rows] == [other_coordinator, coordinator, coordinator]
    html = response.content.decode()
    assert "Still a draft" not in html and "Published, nothing pending" not in html
    assert review_url(old) in html and "Proposed edit</span>" in html


MODERATOR = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
]
QUEUE_QUERIES = [
    *MODERATOR,
    "practices submitted or with an edit waiting, with their city, body and author, and the "
    "edit's date and author id",
    "the same for trainings",
    "the same for bulletins (the tests' second moderated model)",
    "the same for exchange offers",
    "the edits' authors",
    "the cities of the filter form",
]


def test_queue_costs_the_same_queries_at_1_and_100_rows(client, efus_staff, coordinator):
    client.force_login(efus_staff)
    client.get(reverse("moderation:queue"))  # warm up: the content types

    def count(rows):
        Practice.objects.all().delete()
        for i in range(rows):
            if i % 2:
                submitted_by(coordinator, f"New {i}")
            else:
                published = PracticeFactory(title=f"Published {i}", created_by=coordinator)
                revision_propose(obj=published, by=coordinator, data={"title": f"Edited {i}"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("moderation:queue"))
        assert len(response.context["rows"]) == rows
        return len(queries)

    assert count(1) == count(100) == len(QUEUE_QUERIES)


# --- Review -----------------------------------------------------------------------------------


def test_review_renders_the_item_as_readers_see_it_with_its_history(
    client, efus_staff, coordinator
):
    practice = submitted_by(
        coordinator,
        "Drone evacuation drill",
        problem="Wildfires **every** summer.<script>x</script>",
    )
    client.force_login(efus_staff)
    html = client.get(review_url(practice)).content.decode()
    assert "<strong>every</strong>" in html  # the safe Markdown filter
    assert "<script>x" not in html
    assert "Submitted" in html and str(coordinator) in html  # the history
    assert (
        review_url(practice, "publish") in html and review_url(practice, "request_changes") in html
    )
    assert review_url(practice, "unpublish") not in html  # not published


def test_review_of_an_edit_shows_a_word_diff_of_each_changed_field(client, efus_staff, coordinator):
    practice = PracticeFactory(
        title="Modular barriers", summary="Barriers protect the square.", created_by=coordinator
    )
    revision_propose(
        obj=practice, by=coordinator,
        data={"title": "Modular barriers", "summary": "Barriers protect the market square.",
              "outcome": "worked"},
    )  # fmt: skip
    client.force_login(efus_staff)
    response = client.get(review_url(practice))
    changes = {c["name"]: c for c in response.context["changes"]}
    assert set(changes) == {"summary", "outcome"}  # the title did not change
    assert (
        changes["outcome"]["before"] == "New / not yet tested"
        and changes["outcome"]["after"] == "Worked"
    )
    html = response.content.decode()
    assert "<ins>market </ins>" in html or "<ins>market</ins>" in html
    assert "Publish the edit" in html and review_url(practice, "unpublish") in html


def test_review_names_languages_as_the_detail_page_does(client, efus_staff, coordinator):
    practice = PracticeFactory(original_language="et", created_by=coordinator)
    revision_propose(obj=practice, by=coordinator, data={"original_language": "lv"})
    client.force_login(efus_staff)
    response = client.get(review_url(practice))
    [change] = response.context["changes"]
    assert (change["before"], change["after"]) == ("Estonian", "Latvian")
    assert "<dd>Estonian</dd>" in response.content.decode()
    assert "Estonian" in client.get(practice.get_absolute_url()).content.decode()
    client.cookies["django_language"] = "fr"
    assert "<dd>Estonien</dd>" in client.get(review_url(practice)).content.decode()


def test_word_diff_marks_removed_and_added_words():
    parts = word_diff("Patrols <b>at night</b>", "Patrols <i>every night</i>")
    assert parts[0] == {"op": "equal", "text": "Patrols "}
    assert {"op": "removed", "text": "<b>at"} in parts
    assert {"op": "added", "text": "<i>every"} in parts
    assert word_diff("same text", "same text") == [{"op": "equal", "text": "same text"}]


def test_review_escapes_the_words_of_a_diff(client, efus_staff, coordinator):
    practice = PracticeFactory(summary="Patrols at night.", created_by=coordinator)
    revision_propose(obj=practice, by=coordinator, data={"summary": "Patrols <i>every</i> night."})
    client.force_login(efus_staff)
    html = client.get(review_url(practice)).content.decode()
    assert "Patrols <del>at</del><ins>&lt;i&gt;every&lt;/i&gt;</ins> night." in html
    assert "<i>every" not in html


def test_unknown_label_is_404(client, efus_staff):
    client.force_login(efus_staff)
    assert (
        client.get(reverse("moderation:review", args=["practices.nothing", 1])).status_code == 404
    )
    assert client.get(reverse("moderation:review", args=[LABEL, 999])).status_code == 404


# --- Decisions --------------------------------------------------------------------------------


def test_publish_from_the_review_page(client, efus_staff, coordinator):
    practice = submitted_by(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    response = decide(client, practice, "publish", follow=True)
    assert response.redirect_chain[-1][0] == reverse("moderation:queue")
    assert "Published: “Beach patrols”" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED


def test_request_changes_needs_a_message_and_keeps_the_page(client, efus_staff, coordinator):
    practice = submitted_by(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    response = decide(client, practice, "request_changes", "   ")
    assert response.status_code == 400
    assert "the message is required" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED
    response = decide(client, practice, "request_changes", "Add the costs.")
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (
        practice.status == Status.CHANGES_REQUESTED
        and practice.moderation_message == "Add the costs."
    )


def test_publishing_a_draft_is_refused_with_a_message(client, efus_staff, coordinator):
    practice = practice_create(by=coordinator, data={"title": "Draft", "summary": "S"})
    client.force_login(efus_staff)
    response = decide(client, practice, "publish")
    assert response.status_code == 400
    assert "This decision does not apply to the item as it is" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT


def test_unpublish_with_a_reason(client, efus_staff):
    practice = PracticeFactory()
    client.force_login(efus_staff)
    assert decide(client, practice, "unpublish", "").status_code == 400
    assert decide(client, practice, "unpublish", "Personal data.").status_code == 302
    practice.refresh_from_db()
    assert practice.status == Status.UNPUBLISHED


def test_publishing_an_edit_from_the_review_page_applies_it(client, efus_staff, coordinator):
    practice = PracticeFactory(title="Old title", created_by=coordinator)
    revision = revision_propose(obj=practice, by=coordinator, data={"title": "New title"})
    client.force_login(efus_staff)
    decide(client, practice, "publish")
    practice.refresh_from_db()
    revision.refresh_from_db()
    assert practice.title == "New title" and revision.status == Revision.Status.PUBLISHED


# --- Emails -------------------------------------------------------------------------------------


def test_moderators_are_emailed_on_submission_and_authors_on_decision(
    client, efus_staff, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    without_mfa = make_member(efus_staff.membership.body, mfa=False)
    with django_capture_on_commit_callbacks(execute=True):
        practice = submitted_by(coordinator, "Beach patrols")
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]  # not the one without MFA
    assert without_mfa.email not in str([m.to for m in mailoutbox])
    message = mailoutbox[0]
    assert review_url(practice) in message.body
    assert review_url(practice) in message.alternatives[0][0]
    assert "Nice" in message.body and str(coordinator) in message.body
    mailoutbox.clear()

    client.force_login(efus_staff)
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, practice, "request_changes", "Add <the> costs.")
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert mailoutbox[0].subject == "[PACTESUR] Changes requested: Beach patrols"
    assert "Add <the> costs." in mailoutbox[0].body  # plain text, not escaped
    assert "Add &lt;the&gt; costs." in mailoutbox[0].alternatives[0][0]  # HTML, escaped
    assert practice.get_absolute_url() in mailoutbox[0].body


# --- Log ----------------------------------------------------------------------------------------


def test_log_lists_every_transition_and_filters(client, efus_staff, coordinator):
    practice = submitted_by(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    decide(client, practice, "request_changes", "Add the costs.")
    response = client.get(reverse("moderation:log"))
    assert [e.action for e in response.context["events"]] == ["request_changes", "submit"]
    html = response.content.decode()
    assert "Add the costs." in html and review_url(practice) in html
    response = client.get(reverse("moderation:log"), {"action": "submit"})
    assert [e.action for e in response.context["events"]] == ["submit"]
    response = client.get(reverse("moderation:log"), {"item": LABEL})
    assert len(response.context["events"]) == 2
    response = client.get(reverse("moderation:log"), {"item": "nothing.here"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


LOG_QUERIES = [
    *MODERATOR,
    "the count of the filtered events",
    "the page of events, with their author, content type and revision",
    "the cities of the filter form",
    "the moderators of the filter form",
]


def test_log_costs_the_same_queries_at_1_and_25_rows(client, efus_staff, coordinator):
    client.force_login(efus_staff)

    def count(rows):
        ModerationEvent._base_manager.all().delete()  # the log refuses it (immutable)
        Practice.objects.all().delete()
        for i in range(rows):
            submitted_by(coordinator, f"Item {i}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("moderation:log"))
        assert len(response.context["events"]) == rows
        return len(queries)

    assert count(1) == count(25) == len(LOG_QUERIES)


def test_log_is_paginated(client, efus_staff, coordinator, settings):
    import moderation.views

    client.force_login(efus_staff)
    for i in range(3):
        submitted_by(coordinator, f"Item {i}")
    moderation.views.LOG_PER_PAGE, saved = 2, moderation.views.LOG_PER_PAGE
    try:
        first = client.get(reverse("moderation:log"), {"action": "submit"})
        second = client.get(reverse("moderation:log"), {"action": "submit", "page": 2})
    finally:
        moderation.views.LOG_PER_PAGE = saved
    assert len(first.context["events"]) == 2 and len(second.context["events"]) == 1
    assert "action=submit&amp;page=2" in first.content.decode()


def test_reader_city_coordinator_cannot_reach_the_review_page(client, other_coordinator):
    practice = PracticeFactory(
        status=Status.SUBMITTED, published_at=None, city=reference_body("madrid").city
    )
    client.force_login(other_coordinator)
    assert client.get(review_url(practice)).status_code == 404


# --- Decisions on what the moderator saw ---------------------------------------------------------


def test_a_decision_on_an_edit_changed_since_the_page_was_shown_is_refused_and_shown_again(
    client, efus_staff, coordinator
):
    """The coordinator makes a police-only practice public after the moderator opened the page:
    Publish is refused, the page shows the new diff and says what changed, the message typed
    stays, and a second Publish (on the version now shown) applies what the moderator saw."""
    practice = PracticeFactory(title="Drone drills", visibility="police", created_by=coordinator)
    revision_propose(obj=practice, by=coordinator, data={"title": "Drone drills at night"})
    client.force_login(efus_staff)
    seen = client.get(review_url(practice)).context["form"].initial["version"]
    revision_propose(
        obj=practice,
        by=coordinator,
        data={"title": "Drone drills at night", "visibility": "public"},
    )
    response = client.post(review_url(practice, "publish"), {"message": "Fine.", "version": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Your decision was not applied: the item changed since you opened this page." in html
    assert "In the proposed edit: who can read it" in html
    assert {c["name"] for c in response.context["changes"]} == {"title", "visibility"}
    assert ">\nFine.</textarea>" in html  # the message typed is kept
    practice.refresh_from_db()
    assert practice.visibility == "police" and practice.title == "Drone drills"
    again = response.context["form"].initial["version"]
    assert again != seen
    client.post(review_url(practice, "publish"), {"message": "Fine.", "version": again})
    practice.refresh_from_db()
    assert (practice.title, practice.visibility) == ("Drone drills at night", "public")


def test_a_decision_without_a_version_is_refused(client, efus_staff, coordinator):
    practice = submitted_by(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    response = client.post(review_url(practice, "publish"), {"message": ""})
    assert response.status_code == 409
    assert "did not say which version" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED


def test_a_second_moderator_deciding_on_the_same_page_is_told_it_was_decided(
    client, efus_staff, coordinator
):
    practice = submitted_by(coordinator, "Beach patrols")
    client.force_login(efus_staff)
    seen = client.get(review_url(practice)).context["form"].initial["version"]
    assert client.post(review_url(practice, "publish"), {"version": seen}).status_code == 302
    response = client.post(review_url(practice, "reject"), {"message": "No.", "version": seen})
    assert response.status_code == 409
    assert "Its status is now “Published”" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED
    assert ModerationEvent.objects.for_object(practice).filter(action="reject").count() == 0


def test_the_review_page_offers_the_decisions_that_apply(client, efus_staff, coordinator):
    client.force_login(efus_staff)
    submitted = submitted_by(coordinator, "Beach patrols")
    published = PracticeFactory(created_by=coordinator)
    edited = PracticeFactory(created_by=coordinator)
    revision_propose(obj=edited, by=coordinator, data={"title": "New title"})
    unpublished = PracticeFactory(status=Status.UNPUBLISHED, created_by=coordinator)
    offered = {
        name: [d["name"] for d in client.get(review_url(p)).context["decisions"]]
        for name, p in (
            ("submitted", submitted), ("published", published), ("edited", edited),
            ("unpublished", unpublished),
        )
    }  # fmt: skip
    assert offered == {
        "submitted": ["publish", "request_changes", "reject"],
        "published": ["unpublish"],
        "edited": ["publish", "request_changes", "reject", "unpublish"],
        "unpublished": ["restore"],
    }
    html = client.get(review_url(edited)).content.decode()
    assert "Publish the edit" in html and "Reject the edit" in html
    html = client.get(review_url(unpublished)).content.decode()
    assert review_url(unpublished, "restore") in html and "Publish again" in html


def test_restoring_an_item_edited_since_it_was_taken_down_says_so(client, efus_staff, coordinator):
    from practices.services import practice_update

    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    client.force_login(efus_staff)
    decide(client, practice, "unpublish", "A name in the text.")
    note = "Its authors edited it since it was taken down"
    assert note not in client.get(review_url(practice)).content.decode()
    practice.refresh_from_db()
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers, no name"})
    assert note in client.get(review_url(practice)).content.decode()
    assert decide(client, practice, "restore", "The name is gone.").status_code == 302
    practice.refresh_from_db()
    assert (practice.status, practice.title) == (Status.PUBLISHED, "Barriers, no name")
