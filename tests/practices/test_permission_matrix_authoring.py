"""Permission matrix of the writing side of practices (see tests/matrix.py): create, my practices,
edit, submit, attachments (download and delete) and adoptions.

Objects belong to Nice: ``coordinator`` is "own city", ``other_coordinator`` (Madrid) "other city".
Drafts are the Nice ``member``'s. Outsiders get 404; a reader who can see a practice but may not
write it gets 403 (STYLE.md §6).
"""

from __future__ import annotations

from typing import Any

import pytest

from moderation.models import Revision, Status, Visibility
from practices.models import Adoption, Attachment, Practice
from practices.services import attachment_add
from tests.files import pdf
from tests.matrix import WITH_NETWORK, Case, everyone, expect, matrix_params, run_case
from tests.practices.factories import PRACTICE_FORM, PracticeFactory

ROLES = WITH_NETWORK


MEMBERS_ONLY = expect(200, ROLES, outsider=404, pending_member=404)


def nice_draft(request: Any) -> Any:
    return PracticeFactory(
        title="A draft", status=Status.DRAFT, published_at=None,
        created_by=request.getfixturevalue("member"),
    )  # fmt: skip


def draft(request: Any) -> dict[str, Any]:
    return {"pk": nice_draft(request).pk}


def published(request: Any) -> dict[str, Any]:
    return {"pk": PracticeFactory(title="Published").pk}


def _attachment(request: Any, practice: Any) -> dict[str, Any]:
    attachment = attachment_add(
        practice=practice, by=request.getfixturevalue("efus_staff"), upload=pdf()
    )
    return {"pk": practice.pk, "attachment_pk": attachment.pk}


def police_attachment(request: Any) -> dict[str, Any]:
    return _attachment(request, PracticeFactory(visibility=Visibility.POLICE))


def draft_attachment(request: Any) -> dict[str, Any]:
    return _attachment(request, nice_draft(request))


def published_attachment(request: Any) -> dict[str, Any]:
    return _attachment(request, PracticeFactory())


# What each POST changes (tests/matrix.py): read before and after the request.


def practices_titled_like_the_form(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Practice.objects.filter(title=PRACTICE_FORM["title"]).count()


def practice_row(request: Any, kwargs: dict[str, Any], user: Any) -> Any:
    """The practice's moderation state and text, and its open revision's proposal."""
    row = Practice.objects.filter(pk=kwargs["pk"]).values("status", "title", "summary").first()
    proposal = Revision.objects.open_for(Practice).filter(object_id=kwargs["pk"])
    return row, list(proposal.values_list("status", "data"))


def attachment_exists(request: Any, kwargs: dict[str, Any], user: Any) -> bool:
    return Attachment.objects.filter(pk=kwargs["attachment_pk"]).exists()


def adoptions(request: Any, kwargs: dict[str, Any], user: Any) -> int:
    return Adoption.objects.filter(practice_id=kwargs["pk"]).count()


# Who may see a Nice draft by the member: its author, the Nice coordinator, Efus staff.
DRAFT_READERS = ("member", "coordinator", "efus_staff")
NOT_DRAFT_READERS = {r: 404 for r in ROLES if r not in DRAFT_READERS and r != "anonymous"}

CASES = [
    Case("practices:create", MEMBERS_ONLY),
    Case(
        "practices:create",
        expect(302, ROLES, outsider=404, pending_member=404),
        method="post",
        data=PRACTICE_FORM,
        state=practices_titled_like_the_form,
    ),
    Case("practices:mine", MEMBERS_ONLY),
    Case("practices:edit", expect(200, ROLES, **NOT_DRAFT_READERS), kwargs=draft, id="edit-draft"),
    Case(
        "practices:edit",
        expect(302, ROLES, **NOT_DRAFT_READERS),
        method="post",
        kwargs=draft,
        data=PRACTICE_FORM,
        state=practice_row,
        id="post:edit-draft",
    ),
    # Everyone can read a public practice; only the city's coordinator and Efus staff edit it.
    Case(
        "practices:edit",
        expect(403, ROLES, coordinator=200, efus_staff=200),
        kwargs=published,
        id="edit-published",
    ),
    Case(
        "practices:edit",
        expect(403, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=published,
        data=PRACTICE_FORM,
        state=practice_row,
        id="post:edit-published",
    ),
    Case(
        "practices:submit",
        expect(302, ROLES, **NOT_DRAFT_READERS, member=403),
        method="post",
        kwargs=draft,
        state=practice_row,
    ),
    Case(
        "practices:submit",
        everyone(405, ROLES),
        kwargs=draft,
        id="get-is-not-allowed:practices:submit",
    ),
    # Police-only material: police members (of any city) and Efus staff.
    Case(
        "practices:attachment",
        {
            **everyone(404, ROLES),
            "member": 200,
            "coordinator": 200,
            "other_coordinator": 200,
            "efus_staff": 200,
        },
        kwargs=police_attachment,
        id="attachment-police-only",
    ),
    Case(
        "practices:attachment",
        {**everyone(404, ROLES), **dict.fromkeys(DRAFT_READERS, 200)},
        kwargs=draft_attachment,
        id="attachment-of-a-draft",
    ),
    Case(
        "practices:attachment",
        everyone(200, ROLES),
        kwargs=published_attachment,
        id="attachment-public",
    ),
    Case(
        "practices:attachment_delete",
        expect(302, ROLES, **NOT_DRAFT_READERS),
        method="post",
        kwargs=draft_attachment,
        state=attachment_exists,
        id="post:attachment_delete-draft",
    ),
    Case(
        "practices:attachment_delete",
        expect(403, ROLES, coordinator=302, efus_staff=302),
        method="post",
        kwargs=published_attachment,
        state=attachment_exists,
        # The coordinator is sent back to the page with an error: files of a published practice
        # are the moderators' to delete.
        changes=("efus_staff",),
        id="post:attachment_delete-published",
    ),
    Case(
        "practices:attachment_delete",
        everyone(405, ROLES),
        kwargs=draft_attachment,
        id="get-is-not-allowed:practices:attachment_delete",
    ),
    # Adoptions: a coordinator of another city, on a published practice.
    Case("practices:adopt", expect(404, ROLES, other_coordinator=200), kwargs=published),
    Case(
        "practices:adopt",
        expect(404, ROLES, other_coordinator=302),
        method="post",
        kwargs=published,
        data={"kind": "adapted", "outcome_note": "We adapted it."},
        state=adoptions,
    ),
    Case(
        "practices:adopt",
        expect(404, ROLES),
        kwargs=draft,
        id="adopt-a-draft",
    ),
]


@pytest.mark.django_db
@pytest.mark.usefixtures("celery_eager")
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)
