"""Practice services against the database: drafting, the moderation state machine, revisions of
published practices, the audit log, emails after commit, attachments and adoptions."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from cities.models import Theme
from moderation.fields import revision_changes
from moderation.models import ModerationEvent, Revision, Status, Visibility
from moderation.services import (
    moderation_delete,
    moderation_publish,
    moderation_reject,
    moderation_request_changes,
    moderation_restore,
    moderation_submit,
    moderation_unpublish,
)
from practices.models import Adoption, Practice
from practices.services import (
    adoption_create,
    attachment_add,
    attachment_delete,
    practice_create,
    practice_update,
)
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.files import HTML_BYTES, pdf, png, upload
from tests.practices.factories import PracticeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

DATA = {
    "title": "Night-time mediators in the Old Town",
    "summary": "Mediators patrol bar streets on weekend nights.",
    "problem": "Noise and fights when bars close.",
    "outcome": Practice.Outcome.PROMISING,
    "visibility": Visibility.PUBLIC,
    "links": ["https://example.org/report"],
}


def draft(by, **overrides):
    return practice_create(by=by, data={**DATA, **overrides})


def test_member_drafts_a_practice_of_their_own_city_and_body(member):
    practice = draft(member, themes=list(Theme.objects.filter(slug="safe-nightlife")))
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT
    assert practice.city == member.city and practice.body == member.body
    assert practice.created_by == member
    assert practice.links == ["https://example.org/report"]
    assert [t.slug for t in practice.themes.all()] == ["safe-nightlife"]
    # Only its author, their coordinator and Efus staff see a draft.
    assert (
        not Practice.objects.visible_to(make_member(reference_body("madrid")))
        .filter(pk=practice.pk)
        .exists()
    )


@pytest.mark.parametrize("role", ["outsider", "pending_member"])
def test_non_members_cannot_draft(role, request):
    with pytest.raises(PermissionDenied):
        draft(request.getfixturevalue(role))


def test_javascript_link_is_refused_by_the_service(member):
    with pytest.raises(ValidationError) as exc:
        draft(member, links=["javascript:alert(1)"])
    assert "http://" in exc.value.messages[0]
    assert not Practice.objects.exists()


def test_full_cycle_draft_submitted_changes_requested_resubmitted_published(
    member, coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        practice = draft(member)
    with pytest.raises(PermissionDenied):  # a plain member drafts; the coordinator submits
        moderation_submit(obj=practice, by=member)

    with django_capture_on_commit_callbacks(execute=True):
        moderation_submit(obj=practice, by=coordinator)
    assert practice.status == Status.SUBMITTED and practice.submitted_at
    # Efus moderators hear of the submission.
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]
    assert "To review" in mailoutbox[0].subject
    mailoutbox.clear()

    with pytest.raises(ValidationError):
        moderation_request_changes(obj=practice, by=efus_staff, message="  ")
    with django_capture_on_commit_callbacks(execute=True):
        moderation_request_changes(obj=practice, by=efus_staff, message="Add the costs, please.")
    practice.refresh_from_db()
    assert practice.status == Status.CHANGES_REQUESTED
    assert practice.moderation_message == "Add the costs, please."
    assert [m.to for m in mailoutbox] == [[member.email]]
    assert "Changes requested" in mailoutbox[0].subject
    assert "Add the costs, please." in mailoutbox[0].body
    assert practice.get_absolute_url() in mailoutbox[0].body
    mailoutbox.clear()

    practice_update(practice=practice, by=member, data={"resources": "Two mediators, 40k EUR."})
    moderation_submit(obj=practice, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_publish(obj=practice, by=efus_staff, message="Thank you.")
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED and practice.published_at
    assert practice.resources == "Two mediators, 40k EUR."
    assert (
        Practice.objects.visible_to(make_member(reference_body("madrid")))
        .filter(pk=practice.pk)
        .exists()
    )
    decided = [m for m in mailoutbox if "Published" in m.subject]
    assert [m.to for m in decided] == [[member.email]]
    assert "Thank you." in decided[0].body

    events = list(ModerationEvent.objects.for_object(practice).order_by("at", "pk"))
    assert [(e.action, e.from_status, e.to_status, e.by) for e in events] == [
        ("submit", "draft", "submitted", coordinator),
        ("request_changes", "submitted", "changes_requested", efus_staff),
        ("submit", "changes_requested", "submitted", coordinator),
        ("publish", "submitted", "published", efus_staff),
    ]
    assert events[1].message == "Add the costs, please."
    assert all(e.at for e in events)


def test_emails_wait_for_the_commit(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = draft(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation_submit(obj=practice, by=coordinator)
    assert mailoutbox == [] and callbacks
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_only_moderators_publish(coordinator):
    practice = draft(coordinator)
    moderation_submit(obj=practice, by=coordinator)
    with pytest.raises(PermissionDenied):
        moderation_publish(obj=practice, by=coordinator)


def test_a_draft_cannot_be_published_directly(coordinator, efus_staff):
    with pytest.raises(ValidationError):
        moderation_publish(obj=draft(coordinator), by=efus_staff)


def test_editing_a_published_practice_leaves_the_public_text_until_approved(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        practice_update(
            practice=practice, by=coordinator,
            data={**DATA, "title": "Modular barriers", "summary": "New summary."},
        )  # fmt: skip
    practice.refresh_from_db()
    assert practice.title == "Barriers"  # readers still see the published text
    assert practice.status == Status.PUBLISHED
    assert not Practice.objects.search("modular").filter(pk=practice.pk).exists()
    revision = Revision.objects.open_for(practice).first()
    assert revision.status == Revision.Status.SUBMITTED and revision.created_by == coordinator
    assert "Edit to review" in mailoutbox[-1].subject and mailoutbox[-1].to == [efus_staff.email]

    # The moderator sees what changed, field by field.
    changed = {row["name"]: row for row in revision_changes(practice, revision.data)}
    assert (
        changed["title"]["before"] == "Barriers" and changed["title"]["after"] == "Modular barriers"
    )
    assert "summary" in changed and "problem" in changed

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation_publish(obj=practice, by=efus_staff)
    practice.refresh_from_db()
    assert practice.title == "Modular barriers" and practice.summary == "New summary."
    assert Revision.objects.open_for(practice).first() is None
    assert Practice.objects.search("modular").filter(pk=practice.pk).exists()  # index kept current
    assert Revision.objects.get(pk=revision.pk).status == Revision.Status.PUBLISHED
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert "Your edit is published" in mailoutbox[0].subject
    actions = list(ModerationEvent.objects.for_object(practice).values_list("action", flat=True))
    assert actions == ["publish_revision", "revise"]


def test_changes_requested_on_an_edit_then_resubmitted(coordinator, efus_staff):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers v2"})
    moderation_request_changes(obj=practice, by=efus_staff, message="Keep the old title.")
    revision = Revision.objects.open_for(practice).first()
    assert revision.status == Revision.Status.CHANGES_REQUESTED
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers (2024)"})
    revision.refresh_from_db()
    assert (
        revision.status == Revision.Status.SUBMITTED and revision.data["title"] == "Barriers (2024)"
    )
    assert Revision.objects.count() == 1  # the same pending edit, updated
    moderation_publish(obj=practice, by=efus_staff)
    practice.refresh_from_db()
    assert practice.title == "Barriers (2024)"


def test_a_submitted_practice_waits_for_its_review(coordinator):
    practice = draft(coordinator)
    moderation_submit(obj=practice, by=coordinator)
    with pytest.raises(ValidationError) as exc:
        practice_update(practice=practice, by=coordinator, data={"title": "Changed"})
    assert exc.value.code == "state"


def test_other_city_coordinator_cannot_edit(other_coordinator):
    with pytest.raises(PermissionDenied):
        practice_update(practice=PracticeFactory(), by=other_coordinator, data={"title": "Mine"})


def test_author_cannot_edit_their_draft_once_published(member, efus_staff, coordinator):
    practice = draft(member)
    moderation_submit(obj=practice, by=coordinator)
    moderation_publish(obj=practice, by=efus_staff)
    with pytest.raises(PermissionDenied):
        practice_update(practice=practice, by=member, data={"title": "Changed"})


def test_unpublish_takes_it_down_with_a_message(coordinator, efus_staff):
    practice = PracticeFactory(created_by=coordinator)
    with pytest.raises(ValidationError):
        moderation_unpublish(obj=practice, by=efus_staff, message="")
    moderation_unpublish(obj=practice, by=efus_staff, message="Contains a name.")
    practice.refresh_from_db()
    assert practice.status == Status.UNPUBLISHED
    assert practice.moderation_message == "Contains a name."
    assert (
        not Practice.objects.visible_to(make_member(reference_body("madrid")))
        .filter(pk=practice.pk)
        .exists()
    )
    # Its coordinator may edit it in place and submit it again.
    practice_update(practice=practice, by=coordinator, data={"title": "Without the name"})
    practice.refresh_from_db()
    assert practice.title == "Without the name" and practice.status == Status.UNPUBLISHED
    moderation_submit(obj=practice, by=coordinator)
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED


def test_unpublish_closes_a_pending_edit_unapplied(coordinator, efus_staff):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers v2"})
    moderation_unpublish(obj=practice, by=efus_staff, message="Outdated.")
    practice.refresh_from_db()
    assert practice.title == "Barriers"
    assert Revision.objects.open_for(practice).first() is None
    assert Revision.objects.get().status == Revision.Status.REJECTED
    event = ModerationEvent.objects.for_object(practice).get(action="unpublish")
    assert event.revision is not None and event.message == "Outdated."


def test_restore_publishes_an_unpublished_practice_again_with_a_reason(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    first_published = practice.published_at
    moderation_unpublish(obj=practice, by=efus_staff, message="Checking a figure.")
    with pytest.raises(ValidationError) as exc:
        moderation_restore(obj=practice, by=efus_staff, message="  ")
    assert exc.value.code == "message"
    with django_capture_on_commit_callbacks(execute=True):
        moderation_restore(obj=practice, by=efus_staff, message="The figure is right.")
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED and practice.moderation_message == ""
    assert practice.published_at == first_published  # "first published" stays
    assert Practice.objects.visible_to(AnonymousUser()).filter(pk=practice.pk).exists()
    event = ModerationEvent.objects.for_object(practice).first()
    assert (event.action, event.from_status, event.to_status, event.message) == (
        "restore",
        "unpublished",
        "published",
        "The figure is right.",
    )
    # (the email of the unpublication, queued before, goes in the same sending)
    assert {tuple(m.to) for m in mailoutbox} == {(coordinator.email,)}
    assert mailoutbox[-1].subject == "[PACTESUR] Published again: Barriers"
    assert "The figure is right." in mailoutbox[-1].body
    with pytest.raises(ValidationError) as exc:  # published: nothing to restore
        moderation_restore(obj=practice, by=efus_staff, message="Again.")
    assert exc.value.code == "state"


def test_reject_sends_a_submission_back_to_draft_with_a_reason(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = draft(coordinator)
    moderation_submit(obj=practice, by=coordinator)
    with pytest.raises(ValidationError) as exc:
        moderation_reject(obj=practice, by=efus_staff, message="")
    assert exc.value.code == "message"
    with django_capture_on_commit_callbacks(execute=True):
        moderation_reject(obj=practice, by=efus_staff, message="Not a police practice.")
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT
    assert practice.moderation_message == "Not a police practice."
    event = ModerationEvent.objects.for_object(practice).first()
    assert (event.action, event.from_status, event.to_status) == ("reject", "submitted", "draft")
    decided = [m for m in mailoutbox if "Rejected" in m.subject]
    assert [m.to for m in decided] == [[coordinator.email]]
    with pytest.raises(ValidationError):  # a draft: nothing waits
        moderation_reject(obj=practice, by=efus_staff, message="Again.")


def test_reject_closes_a_proposed_edit_and_keeps_the_published_text(
    coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers v2"})
    with django_capture_on_commit_callbacks(execute=True):
        moderation_reject(obj=practice, by=efus_staff, message="The old title is clearer.")
    practice.refresh_from_db()
    assert practice.title == "Barriers" and practice.status == Status.PUBLISHED
    assert Revision.objects.get().status == Revision.Status.REJECTED
    assert Revision.objects.open_for(practice).first() is None
    assert mailoutbox[-1].subject == "[PACTESUR] Your edit is rejected: Barriers"
    # A new proposal starts a new revision.
    practice_update(practice=practice, by=coordinator, data={"title": "Barriers (2024)"})
    assert Revision.objects.count() == 2


def test_only_moderators_reject_and_restore(coordinator):
    practice = draft(coordinator)
    moderation_submit(obj=practice, by=coordinator)
    with pytest.raises(PermissionDenied):
        moderation_reject(obj=practice, by=coordinator, message="No.")
    published = PracticeFactory(status=Status.UNPUBLISHED, created_by=coordinator)
    with pytest.raises(PermissionDenied):
        moderation_restore(obj=published, by=coordinator, message="Yes.")


def test_publishing_an_edit_saves_the_row_once(coordinator, efus_staff):
    from django.db.models.signals import post_save

    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    practice_update(
        practice=practice, by=coordinator,
        data={"title": "Barriers v2", "themes": list(Theme.objects.all()[:2])},
    )  # fmt: skip
    saves = []

    def saved(sender, instance, update_fields, **kwargs):
        saves.append(update_fields)

    post_save.connect(saved, sender=Practice)
    try:
        moderation_publish(obj=practice, by=efus_staff)
    finally:
        post_save.disconnect(saved, sender=Practice)
    assert len(saves) == 1 and {"title", "updated_at"} <= set(saves[0])
    practice.refresh_from_db()
    assert practice.title == "Barriers v2" and practice.themes.count() == 2


def test_a_decision_on_a_version_the_moderator_did_not_see_is_refused(coordinator, efus_staff):
    """The issue's case: the coordinator makes a police-only practice public after the moderator
    opened the review page; the moderator's Publish must not apply it."""
    from moderation.services import StaleVersion
    from moderation.versions import version_token

    practice = PracticeFactory(title="Drone drills", visibility=Visibility.POLICE)
    practice_update(practice=practice, by=coordinator, data={"title": "Drone drills at night"})
    seen = version_token(practice, Revision.objects.open_for(practice).first())
    practice_update(
        practice=practice, by=coordinator,
        data={"title": "Drone drills at night", "visibility": Visibility.PUBLIC},
    )  # fmt: skip
    with pytest.raises(StaleVersion) as exc:
        moderation_publish(obj=practice, by=efus_staff, version=seen)
    assert exc.value.changes == ["In the proposed edit: who can read it"]
    practice.refresh_from_db()
    assert (practice.title, practice.visibility) == ("Drone drills", Visibility.POLICE)
    assert Revision.objects.open_for(practice).get().status == Revision.Status.SUBMITTED
    with pytest.raises(StaleVersion):  # a version the site did not make
        moderation_publish(obj=practice, by=efus_staff, version="made-up")
    fresh = version_token(practice, Revision.objects.open_for(practice).first())
    moderation_publish(obj=practice, by=efus_staff, version=fresh)
    practice.refresh_from_db()
    assert practice.visibility == Visibility.PUBLIC


def test_period_end_before_start_is_refused(member):
    import datetime as dt

    with pytest.raises(ValidationError):
        draft(member, period_start=dt.date(2024, 5, 1), period_end=dt.date(2023, 1, 1))


# --- Attachments ------------------------------------------------------------------------------


def test_attachment_is_stored_under_a_generated_name_with_its_detected_type(member):
    practice = draft(member)
    attachment = attachment_add(practice=practice, by=member, upload=pdf("scan.png"))
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "scan.png"
    assert attachment.file.name.endswith(".pdf") and "scan" not in attachment.file.name
    practice.refresh_from_db()
    assert practice.attachment_count == 1
    attachment_add(practice=practice, by=member, upload=png())
    practice.refresh_from_db()
    assert practice.attachment_count == 2


def test_html_named_pdf_is_refused_and_nothing_is_stored(member):
    practice = draft(member)
    with pytest.raises(ValidationError):
        attachment_add(practice=practice, by=member, upload=upload("x.pdf", HTML_BYTES))
    assert practice.attachments.count() == 0


def test_attachment_delete_removes_the_file_after_commit(
    member, django_capture_on_commit_callbacks
):
    practice = draft(member)
    attachment = attachment_add(practice=practice, by=member, upload=pdf())
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment, by=member)
    assert not storage.exists(name)
    practice.refresh_from_db()
    assert practice.attachment_count == 0


def test_authors_cannot_add_files_to_a_published_practice_but_moderators_can(
    coordinator, efus_staff
):
    practice = PracticeFactory(created_by=coordinator)
    with pytest.raises(ValidationError) as exc:
        attachment_add(practice=practice, by=coordinator, upload=pdf())
    assert exc.value.code == "state"
    attachment_add(practice=practice, by=efus_staff, upload=pdf())
    assert practice.attachments.count() == 1


def test_readers_cannot_attach_files(other_coordinator):
    with pytest.raises(PermissionDenied):
        attachment_add(
            practice=PracticeFactory(status=Status.DRAFT), by=other_coordinator, upload=pdf()
        )


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.SUBMITTED])
def test_authors_cannot_delete_files_of_a_published_or_submitted_practice_but_moderators_can(
    coordinator, efus_staff, status
):
    practice = PracticeFactory(created_by=coordinator, status=status)
    attachment = attachment_add(practice=practice, by=efus_staff, upload=pdf())
    with pytest.raises(ValidationError) as exc:
        attachment_delete(attachment=attachment, by=coordinator)
    assert exc.value.code == "state"
    assert practice.attachments.count() == 1
    attachment_delete(attachment=attachment, by=efus_staff)
    assert practice.attachments.count() == 0


def test_adding_and_deleting_files_is_in_the_audit_log(member, efus_staff):
    practice = draft(member)
    attachment = attachment_add(practice=practice, by=member, upload=pdf("plan.pdf"))
    attachment_delete(attachment=attachment, by=member)
    published = PracticeFactory()
    attachment_add(practice=published, by=efus_staff, upload=png("photo.png"))
    events = ModerationEvent.objects.order_by("pk")
    assert [(e.object_id, e.action, e.by, e.message) for e in events] == [
        (practice.pk, ModerationEvent.Action.ATTACHMENT_ADD, member, "plan.pdf"),
        (practice.pk, ModerationEvent.Action.ATTACHMENT_DELETE, member, "plan.pdf"),
        (published.pk, ModerationEvent.Action.ATTACHMENT_ADD, efus_staff, "photo.png"),
    ]


def test_attachment_names_lose_control_characters(member):
    practice = draft(member)
    attachment = attachment_add(
        practice=practice, by=member, upload=pdf("plan\x0b2024.pdf"), title="Map\x1b of the area"
    )
    assert (attachment.original_name, attachment.title) == ("plan2024.pdf", "Map of the area")


# --- The audit log outlives what it describes ---------------------------------------------------


def test_deleting_a_practice_keeps_its_audit_log(coordinator, efus_staff):
    practice = draft(coordinator)
    moderation_submit(obj=practice, by=coordinator)
    moderation_publish(obj=practice, by=efus_staff)
    pk, label = practice.pk, str(practice)
    practice.delete()
    events = ModerationEvent.objects.order_by("pk")
    assert [e.action for e in events] == ["submit", "publish"]
    assert {(e.object_id, e.object_label, e.content_type.model) for e in events} == {
        (pk, label, "practice")
    }


def test_a_moderator_deleting_a_practice_logs_it_last(coordinator, efus_staff):
    practice = PracticeFactory(title="Barriers")
    pk = practice.pk
    with pytest.raises(PermissionDenied):
        moderation_delete(obj=practice, by=coordinator)
    moderation_delete(obj=practice, by=efus_staff)
    assert not Practice.objects.filter(pk=pk).exists()
    event = ModerationEvent.objects.get()
    assert (event.action, event.object_id, event.object_label, event.by) == (
        "delete",
        pk,
        "Barriers",
        efus_staff,
    )
    assert event.from_status == Status.PUBLISHED


# --- Adoptions --------------------------------------------------------------------------------


def test_other_city_coordinator_records_an_adoption_once(other_coordinator):
    practice = PracticeFactory()
    adoption = adoption_create(
        practice=practice, by=other_coordinator, kind=Adoption.Kind.ADAPTED,
        outcome_note="Used for the Christmas market.",
    )  # fmt: skip
    assert adoption.city.slug == "madrid" and adoption.created_by == other_coordinator
    with pytest.raises(ValidationError) as exc:
        adoption_create(
            practice=practice,
            by=other_coordinator,
            kind=Adoption.Kind.ADOPTED,
            outcome_note="Again",
        )
    assert exc.value.code == "duplicate"
    assert "Madrid has already recorded" in exc.value.messages[0]
    assert Adoption.objects.count() == 1


@pytest.mark.parametrize("role", ["coordinator", "member", "efus_staff"])
def test_only_another_citys_coordinator_may_adopt(role, request):
    with pytest.raises(PermissionDenied):
        adoption_create(
            practice=PracticeFactory(), by=request.getfixturevalue(role), kind="adopted",
            outcome_note="x",
        )  # fmt: skip


def test_unpublished_practice_cannot_be_adopted(other_coordinator):
    practice = PracticeFactory(status=Status.DRAFT, published_at=None)
    with pytest.raises(PermissionDenied):
        adoption_create(practice=practice, by=other_coordinator, kind="adopted", outcome_note="x")
