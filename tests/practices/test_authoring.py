"""The writing pages: create, edit (a revision once published), submit, attachments (upload in the
form, download, delete), adoptions, and "my practices"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import Theme
from moderation.models import Revision, Status, Visibility
from moderation.services import moderation_submit, revision_propose
from practices.models import Adoption, Attachment, Practice
from practices.services import attachment_add, practice_create
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.files import HTML_BYTES, pdf, png, upload
from tests.practices.factories import PRACTICE_FORM, PracticeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

FORM = PRACTICE_FORM


def post_form(client, url, **changes):
    return client.post(url, {**FORM, **changes})


# --- Create -----------------------------------------------------------------------------------


def test_member_drafts_a_practice(client, member):
    client.force_login(member)
    assert client.get(reverse("practices:create")).status_code == 200
    response = post_form(
        client, reverse("practices:create"), themes=[Theme.objects.get(slug="safe-nightlife").pk]
    )
    practice = Practice.objects.get()
    assert response.status_code == 302 and response["Location"] == practice.get_absolute_url()
    assert practice.status == Status.DRAFT and practice.city.slug == "nice"
    assert practice.links == ["https://example.org/report", "https://example.org/video"]
    assert practice.original_language == "fr" and str(practice.period_start) == "2023-06-01"
    page = client.get(practice.get_absolute_url())
    # The member is told that their coordinator submits it, and gets no submit button.
    assert "ask your coordinator to submit it" in page.content.decode()
    assert reverse("practices:submit", args=[practice.pk]) not in page.content.decode()


def test_the_form_marks_its_required_fields(client, member):
    from html.parser import HTMLParser

    client.force_login(member)
    html = client.get(reverse("practices:create")).content.decode()
    labels: dict[str, str] = {}
    attributes: dict[str, dict] = {}

    class Parser(HTMLParser):
        current: str | None = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "label" and attrs.get("for"):
                self.current = attrs["for"].removeprefix("id_")
                labels[self.current] = ""
            if tag in ("input", "select", "textarea") and attrs.get("name"):
                attributes.setdefault(attrs["name"], attrs)

        def handle_data(self, data):
            if self.current:
                labels[self.current] += data

        def handle_endtag(self, tag):
            if tag == "label":
                self.current = None

    Parser().feed(html)
    for name in ("title", "summary", "original_language"):
        assert labels[name].endswith("(required)"), labels[name]
    for name in ("problem", "period_start", "contact_role", "links"):
        assert "(required)" not in labels[name], labels[name]
    assert "required" in attributes["title"] and "required" in attributes["summary"]
    assert "required" in attributes["outcome"]  # radios: each is required
    assert attributes["original_language"].get("aria-required") == "true"
    assert "required" not in attributes["problem"]
    assert 'Outcome <span class="required-mark">(required)</span></legend>' in html


def test_an_impossible_date_comes_back_as_typed_with_its_error(client, member):
    client.force_login(member)
    response = post_form(client, reverse("practices:create"), period_start="2026-02-30")
    assert response.status_code == 200
    html = response.content.decode()
    # A date input would drop the value: a text input keeps it, next to its error.
    assert 'type="text" name="period_start" value="2026-02-30"' in html
    assert 'type="date" name="period_end"' in html  # untouched: still a date picker
    assert not Practice.objects.exists()


def test_form_shows_the_label_definitions(client, member):
    client.force_login(member)
    html = client.get(reverse("practices:create")).content.decode()
    assert "Null results are useful" in html
    assert "Evaluated by an independent body" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and "multiple" in html


def test_a_100_kb_title_gets_a_form_error_not_a_500(client, member):
    client.force_login(member)
    response = post_form(client, reverse("practices:create"), title="A" * 100_000)
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert not Practice.objects.exists()


def test_a_javascript_link_gets_a_clear_error(client, member):
    client.force_login(member)
    response = post_form(
        client, reverse("practices:create"), links="https://ok.example\njavascript:alert(1)"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: only web addresses starting with http:// or https:// are accepted" in html
    assert not Practice.objects.exists()


def test_a_failed_upload_keeps_the_typed_text(client, member):
    client.force_login(member)
    typed = "Our own words about the mechanism, typed for an hour."
    response = post_form(
        client, reverse("practices:create"), mechanism=typed,
        new_files=[upload("plan.pdf", HTML_BYTES, "application/pdf"), pdf("good.pdf")],
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert typed in html and FORM["title"] in html  # the text is back in the fields
    assert "plan.pdf is not a PDF, PNG, JPEG or WebP file" in html
    assert "choose your attachments again" in html
    assert not Practice.objects.exists() and not Attachment.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(client, member, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    client.force_login(member)
    response = post_form(client, reverse("practices:create"), new_files=[pdf("big.pdf")])
    assert "the limit is 50\xa0bytes per file" in response.content.decode()
    assert not Practice.objects.exists()


def test_a_pdf_named_png_is_accepted_as_a_pdf_and_served_as_one(client, member):
    client.force_login(member)
    response = post_form(
        client, reverse("practices:create"), new_files=[pdf("scan.png"), png("photo.png")]
    )
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert practice.attachment_count == 2
    scan, photo = practice.attachments.order_by("pk")
    assert scan.content_type == "application/pdf" and photo.content_type == "image/png"

    download = client.get(scan.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    shown = client.get(photo.get_absolute_url())
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["outsider", "pending_member"])
def test_non_members_cannot_draft(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("practices:create")).status_code == 404
    assert post_form(client, reverse("practices:create")).status_code == 404
    assert not Practice.objects.exists()


# --- Attachments: who may download --------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("anonymous", 404), ("network_member", 404), ("outsider", 404),
        ("member", 200), ("other_coordinator", 200), ("efus_staff", 200),
    ],
)  # fmt: skip
def test_police_only_attachment_reaches_police_and_efus_only(
    client, role, status, request, efus_staff
):
    practice = PracticeFactory(visibility=Visibility.POLICE)
    attachment = attachment_add(practice=practice, by=efus_staff, upload=pdf())
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert client.get(attachment.get_absolute_url()).status_code == status


def test_attachment_of_another_practice_is_404(client, efus_staff):
    first, second = PracticeFactory(), PracticeFactory()
    attachment = attachment_add(practice=first, by=efus_staff, upload=pdf())
    url = reverse("practices:attachment", args=[second.pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_draft_attachment_is_hidden_from_readers(client, member):
    practice = practice_create(by=member, data={"title": "Draft", "summary": "S"})
    attachment = attachment_add(practice=practice, by=member, upload=png())
    reader = make_member(reference_body("madrid"))
    client.force_login(reader)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(attachment.get_absolute_url()).status_code == 200


def test_attachment_delete(client, member):
    practice = practice_create(by=member, data={"title": "Draft", "summary": "S"})
    attachment = attachment_add(practice=practice, by=member, upload=png())
    client.force_login(member)
    url = reverse("practices:attachment_delete", args=[practice.pk, attachment.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    practice.refresh_from_db()
    assert practice.attachment_count == 0


def test_authors_cannot_delete_a_file_of_a_published_practice(client, coordinator, efus_staff):
    practice = PracticeFactory(created_by=coordinator)
    attachment = attachment_add(practice=practice, by=efus_staff, upload=pdf())
    client.force_login(coordinator)
    edit = client.get(reverse("practices:edit", args=[practice.pk])).content.decode()
    url = reverse("practices:attachment_delete", args=[practice.pk, attachment.pk])
    assert url not in edit  # no delete button
    response = client.post(url, follow=True)
    assert "ask the Efus moderators" in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    client.force_login(efus_staff)
    assert url in client.get(reverse("practices:edit", args=[practice.pk])).content.decode()
    assert client.post(url).status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


# --- Edit ------------------------------------------------------------------------------------


def test_editing_a_draft_saves_in_place(client, member):
    practice = practice_create(by=member, data={"title": "Draft", "summary": "S"})
    client.force_login(member)
    page = client.get(reverse("practices:edit", args=[practice.pk]))
    assert page.status_code == 200 and "Edit the practice" in page.content.decode()
    response = post_form(
        client, reverse("practices:edit", args=[practice.pk]), title="Better title"
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title == "Better title" and practice.status == Status.DRAFT
    assert not Revision.objects.exists()


def test_editing_a_published_practice_proposes_a_revision(client, coordinator):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    client.force_login(coordinator)
    url = reverse("practices:edit", args=[practice.pk])
    page = client.get(url).content.decode()
    assert "readers keep seeing the published text" in page
    response = post_form(client, url, title="Modular barriers", summary="Edited summary.")
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title == "Barriers"  # unchanged for readers
    revision = Revision.objects.open_for(practice).first()
    assert revision.data["title"] == "Modular barriers"
    # The next edit starts from the pending one, and the page says so.
    page = client.get(url).content.decode()
    assert 'value="Modular barriers"' in page and "Edited summary." in page
    assert "The form starts from the edit already waiting" in page
    detail = client.get(practice.get_absolute_url()).content.decode()
    assert "An edit of this practice is waiting for review" in detail


def test_a_failed_revision_does_not_touch_the_published_practice(client, coordinator):
    practice = PracticeFactory(title="Barriers", created_by=coordinator)
    client.force_login(coordinator)
    response = post_form(
        client, reverse("practices:edit", args=[practice.pk]), title="", summary="Changed"
    )
    assert response.status_code == 200
    practice.refresh_from_db()
    assert practice.title == "Barriers" and practice.summary != "Changed"
    assert not Revision.objects.exists()


def test_a_submitted_practice_cannot_be_edited_while_reviewed(client, coordinator):
    practice = practice_create(by=coordinator, data={"title": "Draft", "summary": "S"})
    moderation_submit(obj=practice, by=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("practices:edit", args=[practice.pk]), follow=True)
    assert "being reviewed" in response.content.decode()


def test_other_city_coordinator_may_read_but_not_edit(client, other_coordinator):
    practice = PracticeFactory()
    client.force_login(other_coordinator)
    assert client.get(reverse("practices:edit", args=[practice.pk])).status_code == 403


# --- Submit ----------------------------------------------------------------------------------


def test_coordinator_submits_their_citys_draft(
    client, member, coordinator, efus_staff, mailoutbox, django_capture_on_commit_callbacks
):
    practice = practice_create(by=member, data={"title": "Draft", "summary": "S"})
    url = reverse("practices:submit", args=[practice.pk])
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(coordinator)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    practice.refresh_from_db()
    assert practice.status == Status.SUBMITTED
    assert "Submitted for review" in response.content.decode()
    assert [m.to for m in mailoutbox] == [[efus_staff.email]]
    # Submitting twice is refused with a message, not an error page.
    response = client.post(url, follow=True)
    assert (
        "Only a draft, an item sent back or an unpublished item can be submitted"
        in response.content.decode()
    )


# --- Adoptions -------------------------------------------------------------------------------


def test_other_city_coordinator_records_an_adoption(client, other_coordinator):
    practice = PracticeFactory(title="Modular anti-ramming barriers")
    url = reverse("practices:adopt", args=[practice.pk])
    client.force_login(other_coordinator)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "adapted", "outcome_note": "Used at the Christmas market."}
    )
    assert response.status_code == 302
    adoption = Adoption.objects.get()
    assert adoption.city.slug == "madrid" and adoption.kind == "adapted"
    detail = client.get(practice.get_absolute_url()).content.decode()
    assert "Used at the Christmas market." in detail and "Adopted by other cities" in detail
    again = client.post(url, {"kind": "adopted", "outcome_note": "Twice"})
    assert again.status_code == 200
    assert "Madrid has already recorded that it adopted this practice." in again.content.decode()
    assert Adoption.objects.count() == 1


def test_adoption_note_is_required(client, other_coordinator):
    practice = PracticeFactory()
    client.force_login(other_coordinator)
    response = client.post(reverse("practices:adopt", args=[practice.pk]), {"kind": "adapted"})
    assert response.status_code == 200 and not Adoption.objects.exists()
    assert "This field is required." in response.content.decode()


# --- My practices ----------------------------------------------------------------------------


def test_member_sees_their_own_drafts_only(client, member):
    mine = practice_create(by=member, data={"title": "My draft", "summary": "S"})
    other = practice_create(
        by=make_member(reference_body("nice")), data={"title": "Colleague", "summary": "S"}
    )
    client.force_login(member)
    html = client.get(reverse("practices:mine")).content.decode()
    assert mine.title in html and other.title not in html
    assert "Ask your coordinator to submit it." in html


def test_coordinator_sees_every_practice_of_their_city_with_pending_edits(
    client, coordinator, member
):
    draft = practice_create(by=member, data={"title": "Colleague draft", "summary": "S"})
    published = PracticeFactory(title="Published one")
    revision_propose(obj=published, by=coordinator, data={"title": "Published one, edited"})
    madrid = PracticeFactory(title="Madrid's", city=reference_body("madrid").city)
    client.force_login(coordinator)
    html = client.get(reverse("practices:mine")).content.decode()
    assert draft.title in html and published.title in html and madrid.title not in html
    assert "Waiting for review" in html


def test_efus_staff_get_a_link_to_the_queue(client, efus_staff):
    client.force_login(efus_staff)
    html = client.get(reverse("practices:mine")).content.decode()
    assert reverse("moderation:queue") in html


MINE_QUERIES = {
    "member": [
        "the session",
        "the user with their membership, body and city",
        "the count of their practices",
        "the page of practices, each with its open revision's status (a subquery)",
    ],
    "coordinator": [
        "the session",
        "the user with their membership, body and city",
        "the count of their city's practices and their own",
        "the page of practices, each with its open revision's status (a subquery)",
    ],
}


@pytest.mark.parametrize("role", list(MINE_QUERIES))
def test_mine_costs_the_same_queries_at_1_and_25_rows(client, role, request, member):
    user = request.getfixturevalue(role)
    client.force_login(user)
    url = reverse("practices:mine")

    def count(rows):
        Practice.objects.all().delete()
        for i in range(rows):
            practice = PracticeFactory(title=f"P{i}", created_by=user)
            if i % 2:
                revision_propose(
                    obj=practice, by=request.getfixturevalue("coordinator"), data={"title": f"Q{i}"}
                )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("<tr>") == rows + 1
        return len(queries)

    client.get(url)  # warm up: the practice content type
    assert count(1) == count(25) == len(MINE_QUERIES[role])


def test_a_practice_titled_edit_keeps_a_detail_url_apart_from_the_edit_page(client, member):
    practice = practice_create(by=member, data={"title": "Edit", "summary": "S"})
    assert practice.get_absolute_url() != reverse("practices:edit", args=[practice.pk])
    client.force_login(member)
    response = client.get(practice.get_absolute_url())
    assert response.status_code == 200
    assert "practices/practice_detail.html" in [t.name for t in response.templates]
