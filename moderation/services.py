"""Every write of moderated content, for every moderated model: creating and editing it (in place,
or as a proposed revision of a published item) and every moderation transition. Views and other
apps' services call these; nothing else changes a moderated item's state.

Each write checks its rule and locks the item's row (``_lock``: ``SELECT ... FOR UPDATE``, the
instance read again), then checks the state under the lock, so that two requests at once never
both succeed. A moderator's decision also checks that the item and its open revision are still
what the review page showed (``version``, see ``moderation.versions``): if not, it is refused and
says what changed. A transition saves the row once, writes a ``ModerationEvent`` and queues its
emails in the same transaction (``notifications``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import allowed

from . import notifications
from .fields import serialize_fields, set_many_to_many, set_plain_fields, split_fields
from .freshness import default_review_by
from .models import EDITABLE_IN_PLACE, Moderated, ModerationEvent, Report, Revision, Status
from .permissions import rule_name
from .queue import waiting_count_changed
from .versions import changes_since, read_token

Action = ModerationEvent.Action


class StaleVersion(ValidationError):
    """The item or its open revision changed since the moderator's page was shown: ``changes``
    says what, in words."""

    def __init__(self, changes: list[str]) -> None:
        self.changes = changes
        super().__init__(
            _(
                "The item changed since you opened this page, so your decision was not applied. "
                "Review it as it is now and decide again."
            ),
            code="stale",
        )


# --- The audit log ----------------------------------------------------------------------------


def event_record(
    obj: models.Model,
    *,
    action: str,
    by: Any,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    revision: Revision | None = None,
) -> ModerationEvent:
    """Write one event of the audit log about ``obj`` (no email): for the changes that are not
    transitions, such as attachments added or deleted. Transitions use ``_log``."""
    return ModerationEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_label=str(obj)[:300],
        action=action,
        from_status=from_status,
        to_status=to_status,
        revision=revision,
        by=by if getattr(by, "pk", None) else None,
        message=message,
    )


def _log(
    obj: Moderated,
    *,
    action: str,
    by: Any,
    from_status: str,
    to_status: str,
    message: str = "",
    revision: Revision | None = None,
) -> ModerationEvent:
    """Log a transition and queue its emails (``notifications``), in the transaction that makes
    it: both happen, or neither."""
    event = event_record(
        obj,
        action=action,
        by=by,
        from_status=from_status,
        to_status=to_status,
        message=message,
        revision=revision,
    )
    notifications.moderation_event(event, obj)
    waiting_count_changed()
    return event


# --- Locks and states -------------------------------------------------------------------------


def _lock(obj: Moderated) -> None:
    """Lock the item's row until the transaction ends and read it again into ``obj``: what is
    checked next is the row as it is, and nobody else changes it meanwhile."""
    obj.refresh_from_db(from_queryset=type(obj)._default_manager.select_for_update())


def _open_revision(obj: Moderated) -> Revision | None:
    return Revision.objects.open_for(obj).select_related("created_by").first()


def _set_status(obj: Moderated, to: str, *, message: str | None = None, **extra: Any) -> str:
    """Change the status (and the moderator's message, and ``extra`` columns) with one save;
    returns the status it had."""
    old = obj.status
    obj.status = to
    fields = ["status", *extra]
    for name, value in extra.items():
        setattr(obj, name, value)
    if message is not None:
        obj.moderation_message = message
        fields.append("moderation_message")
    obj.save(update_fields=fields)
    return old


def awaits_decision(obj: Moderated, revision: Revision | None) -> bool:
    """A new item, or a proposed edit, is waiting for a moderator."""
    return obj.status == Status.SUBMITTED or (
        revision is not None and revision.status == Revision.Status.SUBMITTED
    )


def is_published(obj: Moderated, revision: Revision | None) -> bool:
    return obj.status == Status.PUBLISHED


def is_unpublished(obj: Moderated, revision: Revision | None) -> bool:
    return obj.status == Status.UNPUBLISHED


def _validate(obj: Moderated) -> None:
    """Validate the item as its model does (``full_clean``: fields, ``clean``, constraints) for
    its moderated fields: the others are set by the services, not by people."""
    names = set(obj.MODERATED_FIELDS)
    exclude = [f.name for f in obj._meta.concrete_fields if f.name not in names]
    obj.full_clean(exclude=exclude, validate_unique=False)


# --- Authors ----------------------------------------------------------------------------------


@transaction.atomic
def moderated_create(
    *, model: type[Moderated], by: Any, data: dict[str, Any], **fields: Any
) -> Moderated:
    """A draft of ``model`` by ``by``: the moderated values of ``data`` (validated as the model
    validates them) and ``fields`` set by the caller (e.g. the author's city). Nobody but its
    authors, their coordinator and Efus staff sees it until a moderator publishes it. Needs the
    rule ``<app_label>.add_<model>``."""
    if not allowed(rule_name(model, "add"), by):
        raise PermissionDenied
    now = timezone.now()
    obj = model(created_by=by, created_at=now, updated_at=now, **fields)
    plain, m2m = split_fields(obj, data)
    plain.pop("status", None)
    set_plain_fields(obj, plain)
    obj.status = Status.DRAFT
    _validate(obj)
    obj.save()
    set_many_to_many(obj, m2m)
    obj.on_content_changed()
    return obj


@transaction.atomic
def moderated_update(*, obj: Moderated, by: Any, data: dict[str, Any]) -> Moderated:
    """Edit an item with the moderated values of ``data`` (as a form's ``cleaned_data`` has them;
    other keys are ignored), validated as the model validates them.

    A draft, an item sent back for changes or an unpublished item is edited in place. A
    published item is not: the edit becomes a proposed revision that a moderator must publish,
    and readers keep the published text meanwhile. A submitted item waits for its review."""
    _lock(obj)
    if not allowed(rule_name(obj, "change"), by, obj):
        raise PermissionDenied
    plain, m2m = split_fields(obj, data)
    plain.pop("status", None)
    if obj.status == Status.SUBMITTED:
        raise ValidationError(
            _("This item is being reviewed: you can edit it again once the moderator has decided."),
            code="state",
        )
    if obj.status == Status.PUBLISHED:
        # Validate the proposal as the item would be, without touching the published row.
        proposed = type(obj)(
            **{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        )
        set_plain_fields(proposed, plain)
        _validate(proposed)
        revision_propose(obj=obj, by=by, data={**plain, **m2m})
        return obj
    names = set_plain_fields(obj, plain)
    obj.updated_at = timezone.now()
    _validate(obj)
    obj.save(update_fields=[*names, "updated_at"])
    set_many_to_many(obj, m2m)
    obj.on_content_changed()
    return obj


@transaction.atomic
def moderation_submit(*, obj: Moderated, by: Any, message: str = "") -> Moderated:
    """Send a draft (or an item sent back for changes, or unpublished) to the moderators."""
    _lock(obj)
    if not allowed(rule_name(obj, "submit"), by, obj):
        raise PermissionDenied
    if obj.status not in EDITABLE_IN_PLACE:
        raise ValidationError(
            _("Only a draft, an item sent back or an unpublished item can be submitted."),
            code="state",
        )
    old = _set_status(obj, Status.SUBMITTED, submitted_at=timezone.now())
    _log(obj, action=Action.SUBMIT, by=by, from_status=old, to_status=Status.SUBMITTED,
         message=message)  # fmt: skip
    return obj


@transaction.atomic
def revision_propose(*, obj: Moderated, by: Any, data: dict[str, Any]) -> Revision:
    """Propose an edit of a published item (``moderated_update`` validates it first); it replaces
    the pending proposal if there is one. Readers keep seeing the published text meanwhile."""
    _lock(obj)
    if not allowed(rule_name(obj, "change"), by, obj):
        raise PermissionDenied
    if obj.status != Status.PUBLISHED:
        raise ValidationError(
            _("Only a published item takes a revision; edit the draft instead."), code="state"
        )
    revision = _open_revision(obj)
    old = revision.status if revision else ""
    if revision is None:
        revision = Revision(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    revision.data = serialize_fields(obj, data)
    revision.status = Revision.Status.SUBMITTED
    revision.created_by = by
    revision.updated_at = timezone.now()
    revision.save()
    _log(obj, action=Action.REVISE, by=by, from_status=old, to_status=Revision.Status.SUBMITTED,
         revision=revision)  # fmt: skip
    return revision


# --- Moderators -------------------------------------------------------------------------------


def _decide(
    obj: Moderated,
    by: Any,
    version: str | None,
    applies: Callable[[Moderated, Revision | None], bool],
    *,
    message: str | None = None,
    required: str = "",
) -> Revision | None:
    """What every decision does first: the moderator's rule; the row locked and read again; the
    version the moderator reviewed checked against it (``version``: the review form's token;
    ``None`` when code, not a person, decides); the state; the message when it is required.
    Returns the open revision (read under the lock)."""
    if not allowed("moderation.moderate", by):
        raise PermissionDenied
    if required and not (message or "").strip():
        raise ValidationError(required, code="message")
    _lock(obj)
    revision = _open_revision(obj)
    if version is not None:
        seen = read_token(version)
        if seen is None:
            raise StaleVersion([_("Your page did not say which version of the item you saw")])
        changes = changes_since(seen, obj, revision)
        if changes:
            raise StaleVersion(changes)
    if not applies(obj, revision):
        raise ValidationError(_("This decision does not apply to the item as it is."), code="state")
    return revision


@transaction.atomic
def moderation_publish(
    *, obj: Moderated, by: Any, message: str = "", version: str | None = None
) -> Moderated:
    """Publish a submitted item, or apply its submitted revision (one save of the row)."""
    revision = _decide(obj, by, version, awaits_decision)
    now = timezone.now()
    if obj.status == Status.SUBMITTED:
        old = _set_status(
            obj, Status.PUBLISHED, message="", published_at=obj.published_at or now,
            updated_at=now, review_by=obj.review_by or default_review_by(),
        )  # fmt: skip
        obj.on_content_changed()
        _log(obj, action=Action.PUBLISH, by=by, from_status=old, to_status=Status.PUBLISHED,
             message=message)  # fmt: skip
        return obj
    assert revision is not None
    names = set_plain_fields(obj, revision.data)
    obj.updated_at = now
    obj.moderation_message = ""
    obj.save(update_fields=[*names, "updated_at", "moderation_message"])
    set_many_to_many(obj, revision.data)
    obj.on_content_changed()
    revision.status = Revision.Status.PUBLISHED
    revision.updated_at = now
    revision.save(update_fields=["status", "updated_at"])
    _log(obj, action=Action.PUBLISH_REVISION, by=by, from_status=Revision.Status.SUBMITTED,
         to_status=Revision.Status.PUBLISHED, message=message, revision=revision)  # fmt: skip
    return obj


def _close_revision(obj: Moderated, revision: Revision, to: str, message: str) -> None:
    revision.status = to
    revision.updated_at = timezone.now()
    revision.save(update_fields=["status", "updated_at"])
    obj.moderation_message = message
    obj.save(update_fields=["moderation_message"])


@transaction.atomic
def moderation_request_changes(
    *, obj: Moderated, by: Any, message: str, version: str | None = None
) -> Moderated:
    """Send a submitted item (or its submitted revision) back to its author with a message."""
    message = (message or "").strip()
    revision = _decide(
        obj, by, version, awaits_decision, message=message,
        required=_("Tell the author what to change: the message is required."),
    )  # fmt: skip
    if obj.status == Status.SUBMITTED:
        old = _set_status(obj, Status.CHANGES_REQUESTED, message=message)
        _log(obj, action=Action.REQUEST_CHANGES, by=by, from_status=old, to_status=obj.status,
             message=message)  # fmt: skip
        return obj
    assert revision is not None
    _close_revision(obj, revision, Revision.Status.CHANGES_REQUESTED, message)
    _log(obj, action=Action.REQUEST_REVISION_CHANGES, by=by,
         from_status=Revision.Status.SUBMITTED, to_status=Revision.Status.CHANGES_REQUESTED,
         message=message, revision=revision)  # fmt: skip
    return obj


@transaction.atomic
def moderation_reject(
    *, obj: Moderated, by: Any, message: str, version: str | None = None
) -> Moderated:
    """Refuse what waits, with a reason: a submitted item goes back to its author as a draft; a
    submitted revision is closed unapplied (the published text stays)."""
    message = (message or "").strip()
    revision = _decide(
        obj, by, version, awaits_decision, message=message,
        required=_("Say why it is rejected: the message is required."),
    )  # fmt: skip
    if obj.status == Status.SUBMITTED:
        old = _set_status(obj, Status.DRAFT, message=message)
        _log(obj, action=Action.REJECT, by=by, from_status=old, to_status=obj.status,
             message=message)  # fmt: skip
        return obj
    assert revision is not None
    _close_revision(obj, revision, Revision.Status.REJECTED, message)
    _log(obj, action=Action.REJECT_REVISION, by=by, from_status=Revision.Status.SUBMITTED,
         to_status=Revision.Status.REJECTED, message=message, revision=revision)  # fmt: skip
    return obj


@transaction.atomic
def moderation_unpublish(
    *, obj: Moderated, by: Any, message: str, version: str | None = None
) -> Moderated:
    """Take a published item down (e.g. after a report), with a reason: readers no longer see it;
    its authors may edit and submit it again, or a moderator restore it. A pending edit is
    closed unapplied."""
    message = (message or "").strip()
    revision = _decide(
        obj, by, version, is_published, message=message,
        required=_("Say why the item is taken down: the message is required."),
    )  # fmt: skip
    old = _set_status(obj, Status.UNPUBLISHED, message=message)
    obj.on_content_changed()
    if revision is not None:
        revision.status = Revision.Status.REJECTED
        revision.updated_at = timezone.now()
        revision.save(update_fields=["status", "updated_at"])
    event = _log(obj, action=Action.UNPUBLISH, by=by, from_status=old, to_status=obj.status,
                 message=message, revision=revision)  # fmt: skip
    from .reports import close_reports

    close_reports(obj, to=Report.Status.UPHELD, event=event)
    return obj


@transaction.atomic
def moderation_restore(
    *, obj: Moderated, by: Any, message: str, version: str | None = None
) -> Moderated:
    """Publish an unpublished item again, as it is now, with a reason."""
    message = (message or "").strip()
    _decide(
        obj, by, version, is_unpublished, message=message,
        required=_("Say why the item is published again: the message is required."),
    )  # fmt: skip
    old = _set_status(
        obj, Status.PUBLISHED, message="", updated_at=timezone.now(),
        review_by=obj.review_by or default_review_by(),
    )  # fmt: skip
    obj.on_content_changed()
    _log(obj, action=Action.RESTORE, by=by, from_status=old, to_status=obj.status,
         message=message)  # fmt: skip
    return obj


@transaction.atomic
def moderation_delete(*, obj: Moderated, by: Any) -> None:
    """Delete a moderated item (from the admin). Its audit log stays, with a last event saying
    who deleted it and in what state it was; its pending edits go with it."""
    if not allowed("moderation.moderate", by):
        raise PermissionDenied
    _lock(obj)
    event_record(obj, action=Action.DELETE, by=by, from_status=obj.status)
    obj.delete()
    waiting_count_changed()
