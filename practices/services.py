"""Writes on practices, attachments and adoptions. Moderation transitions (submit, publish, ...)
are ``moderation.services``; this module calls them where a practice edit needs one.

What readers see never changes here without a moderator: a draft (or a practice sent back for
changes) is edited in place, a published practice gets a pending revision.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.permissions import allowed
from moderation.models import ModerationEvent
from moderation.services import event_record, moderated_create, moderated_update
from pactesur.text import strip_control_characters
from pactesur.uploads import check_upload

from .models import Adoption, Attachment, Practice
from .validators import clean_links

MAX_ATTACHMENTS = 20


def _cleaned(data: dict[str, Any]) -> dict[str, Any]:
    """The form's values as a practice keeps them: links checked and normalised."""
    if "links" in data:
        return {**data, "links": clean_links(data["links"])}
    return data


def practice_create(*, by: Any, data: dict[str, Any], is_demo: bool = False) -> Practice:
    """A draft practice of the author's city and body; nobody but its author, their coordinator
    and Efus staff sees it until a moderator publishes it. ``is_demo`` marks demo content."""
    if getattr(by, "city", None) is None:  # a member of a body with a city (the rule says more)
        raise PermissionDenied
    practice = moderated_create(
        model=Practice, by=by, data=_cleaned(data), city=by.city, body=by.body, is_demo=is_demo
    )
    return cast(Practice, practice)


def practice_update(*, practice: Practice, by: Any, data: dict[str, Any]) -> Practice:
    """Edit a draft (or a practice sent back for changes, or unpublished) in place; for a
    published practice, propose a revision that a moderator must approve
    (``moderation.services.moderated_update``). A submitted practice waits for its review."""
    return cast(Practice, moderated_update(obj=practice, by=by, data=_cleaned(data)))


def _may_change_attachments(by: Any, practice: Practice) -> bool:
    """Attachments are not carried by revisions, so adding or deleting one on a published (or
    submitted) practice would bypass moderation: only then do Efus moderators alone add or
    delete files. Either way, the audit log records it."""
    if not allowed("practices.change_practice", by, practice):
        return False
    return practice.is_editable_in_place or allowed("moderation.moderate", by)


def _recount(practice: Practice) -> None:
    practice.attachment_count = practice.attachments.count()
    practice.save(update_fields=["attachment_count"])


@transaction.atomic
def attachment_add(
    *, practice: Practice, by: Any, upload: UploadedFile, title: str = ""
) -> Attachment:
    """Attach a PDF or image, checked by its content (``pactesur.uploads``)."""
    if not allowed("practices.change_practice", by, practice):
        raise PermissionDenied
    if not _may_change_attachments(by, practice):
        raise ValidationError(
            _(
                "Files can be added while the practice is a draft or sent back for changes. "
                "To add one to a published practice, send it to the Efus moderators."
            ),
            code="state",
        )
    if practice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            _("A practice has at most %(max)s attachments: delete one first."),
            code="too_many",
            params={"max": MAX_ATTACHMENTS},
        )
    content_type = check_upload(upload)
    # The name is shown on pages: no control characters (``pactesur.text``), whatever the client.
    name = strip_control_characters(upload.name or "", long_text=False)
    original = os.path.basename(name.replace("\\", "/"))[:200] or "file"
    title = strip_control_characters(title or "", long_text=False)
    attachment = Attachment(
        practice=practice, original_name=original, title=title.strip()[:200],
        content_type=content_type, size=upload.size or 0, created_by=by,
    )  # fmt: skip
    # The stored name comes from ``attachment_path`` (the practice id and the detected type).
    attachment.file.save(original, upload, save=False)
    attachment.save()
    _recount(practice)
    event_record(
        practice, action=ModerationEvent.Action.ATTACHMENT_ADD, by=by, message=str(attachment)
    )
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: Any) -> None:
    """Delete an attachment, under the same rule as adding one (``_may_change_attachments``)."""
    practice = attachment.practice
    if not allowed("practices.change_practice", by, practice):
        raise PermissionDenied
    if not _may_change_attachments(by, practice):
        raise ValidationError(
            _(
                "Files can be deleted while the practice is a draft or sent back for changes. "
                "To delete one from a published practice, ask the Efus moderators."
            ),
            code="state",
        )
    storage, name = attachment.file.storage, attachment.file.name
    label = str(attachment)
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
    _recount(practice)
    event_record(practice, action=ModerationEvent.Action.ATTACHMENT_DELETE, by=by, message=label)


@transaction.atomic
def adoption_create(
    *, practice: Practice, by: Any, kind: str, outcome_note: str, started: dt.date | None = None
) -> Adoption:
    """Record that the coordinator's city adopted or adapted another city's practice."""
    if not allowed("practices.add_adoption", by, practice):
        raise PermissionDenied
    duplicate = ValidationError(
        _("%(city)s has already recorded that it adopted this practice."),
        code="duplicate",
        params={"city": by.city.name},
    )
    if Adoption.objects.filter(practice=practice, city=by.city).exists():
        raise duplicate
    adoption = Adoption(
        practice=practice, city=by.city, kind=kind, outcome_note=(outcome_note or "").strip(),
        started=started, created_by=by,
    )  # fmt: skip
    adoption.full_clean(exclude=["practice", "city", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            adoption.save()
    except IntegrityError:  # a second request at the same moment
        raise duplicate from None
    return adoption
