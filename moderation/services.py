"""Every moderation transition, for every moderated model. Views and other services call these.

Each transition checks its rule, changes the state, writes a ``ModerationEvent`` and queues its
emails in the same transaction (``notifications``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import allowed

from . import notifications
from .models import Moderated, ModerationEvent, Revision, Status

Action = ModerationEvent.Action


def _rule(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.app_label}.{verb}_{obj._meta.model_name}"


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
    """Write one event of the audit log about ``obj`` (no notification): for the changes that
    are not transitions, such as attachments added or deleted. Transitions use ``_log``."""
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
    return event


def _set_status(obj: Moderated, to: str, *, message: str | None = None, **extra: Any) -> str:
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


def open_revision(obj: Moderated) -> Revision | None:
    return (
        Revision.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            status__in=[Revision.Status.SUBMITTED, Revision.Status.CHANGES_REQUESTED],
        )
        .select_related("created_by")
        .first()
    )


# --- Authors ----------------------------------------------------------------------------------


@transaction.atomic
def moderation_submit(*, obj: Moderated, by: Any, message: str = "") -> Moderated:
    """Send a draft (or an item sent back for changes) to the moderators."""
    if not allowed(_rule(obj, "submit"), by, obj):
        raise PermissionDenied
    if obj.status not in (Status.DRAFT, Status.CHANGES_REQUESTED):
        raise ValidationError(
            _("Only a draft or an item sent back for changes can be submitted."), code="state"
        )
    old = _set_status(obj, Status.SUBMITTED, submitted_at=timezone.now())
    _log(
        obj,
        action=Action.SUBMIT,
        by=by,
        from_status=old,
        to_status=Status.SUBMITTED,
        message=message,
    )
    return obj


@transaction.atomic
def revision_propose(*, obj: Moderated, by: Any, data: dict[str, Any]) -> Revision:
    """Propose an edit of a published item; readers keep seeing the published text meanwhile."""
    if not allowed(_rule(obj, "change"), by, obj):
        raise PermissionDenied
    if obj.status != Status.PUBLISHED:
        raise ValidationError(
            _("Only a published item takes a revision; edit the draft instead."), code="state"
        )
    payload = serialize_fields(obj, data)
    revision = open_revision(obj)
    old = revision.status if revision else ""
    if revision is None:
        revision = Revision(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    revision.data = payload
    revision.status = Revision.Status.SUBMITTED
    revision.created_by = by
    revision.updated_at = timezone.now()
    revision.save()
    _log(
        obj,
        action=Action.REVISE,
        by=by,
        from_status=old,
        to_status=Revision.Status.SUBMITTED,
        revision=revision,
    )
    return revision


# --- Moderators -------------------------------------------------------------------------------


def _check_moderator(by: Any) -> None:
    if not allowed("moderation.moderate", by):
        raise PermissionDenied


@transaction.atomic
def moderation_publish(*, obj: Moderated, by: Any, message: str = "") -> Moderated:
    """Publish a submitted item, or apply its submitted revision."""
    _check_moderator(by)
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if obj.status == Status.SUBMITTED:
        now = timezone.now()
        old = _set_status(
            obj, Status.PUBLISHED, message="", published_at=obj.published_at or now, updated_at=now
        )
        obj.on_content_changed()
        _log(
            obj,
            action=Action.PUBLISH,
            by=by,
            from_status=old,
            to_status=Status.PUBLISHED,
            message=message,
        )
        return obj
    revision = open_revision(obj)
    if revision is not None and revision.status == Revision.Status.SUBMITTED:
        apply_fields(obj, revision.data)
        obj.updated_at = timezone.now()
        obj.save()
        obj.on_content_changed()
        revision.status = Revision.Status.PUBLISHED
        revision.updated_at = timezone.now()
        revision.save(update_fields=["status", "updated_at"])
        _log(
            obj,
            action=Action.PUBLISH_REVISION,
            by=by,
            from_status=Revision.Status.SUBMITTED,
            to_status=Revision.Status.PUBLISHED,
            message=message,
            revision=revision,
        )
        return obj
    raise ValidationError(_("Nothing is waiting for review on this item."), code="state")


@transaction.atomic
def moderation_request_changes(*, obj: Moderated, by: Any, message: str) -> Moderated:
    """Send a submitted item (or its submitted revision) back to its author with a message."""
    _check_moderator(by)
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            _("Tell the author what to change: the message is required."), code="message"
        )
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if obj.status == Status.SUBMITTED:
        old = _set_status(obj, Status.CHANGES_REQUESTED, message=message)
        _log(
            obj,
            action=Action.REQUEST_CHANGES,
            by=by,
            from_status=old,
            to_status=obj.status,
            message=message,
        )
        return obj
    revision = open_revision(obj)
    if revision is not None and revision.status == Revision.Status.SUBMITTED:
        revision.status = Revision.Status.CHANGES_REQUESTED
        revision.updated_at = timezone.now()
        revision.save(update_fields=["status", "updated_at"])
        obj.moderation_message = message
        obj.save(update_fields=["moderation_message"])
        _log(
            obj,
            action=Action.REQUEST_REVISION_CHANGES,
            by=by,
            from_status=Revision.Status.SUBMITTED,
            to_status=Revision.Status.CHANGES_REQUESTED,
            message=message,
            revision=revision,
        )
        return obj
    raise ValidationError(_("Nothing is waiting for review on this item."), code="state")


@transaction.atomic
def moderation_unpublish(*, obj: Moderated, by: Any, message: str) -> Moderated:
    """Take a published item down (e.g. after a report); it goes back to its author as a draft."""
    _check_moderator(by)
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            _("Say why the item is taken down: the message is required."), code="message"
        )
    if obj.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published item can be unpublished."), code="state")
    old = _set_status(obj, Status.CHANGES_REQUESTED, message=message)
    obj.on_content_changed()
    _log(
        obj, action=Action.UNPUBLISH, by=by, from_status=old, to_status=obj.status, message=message
    )
    return obj


@transaction.atomic
def moderation_delete(*, obj: Moderated, by: Any) -> None:
    """Delete a moderated item (from the admin). Its audit log stays, with a last event saying
    who deleted it and in what state it was; its pending edits go with it."""
    _check_moderator(by)
    event_record(obj, action=Action.DELETE, by=by, from_status=obj.status)
    obj.delete()


# --- Field values carried by revisions --------------------------------------------------------


def serialize_fields(obj: Moderated, values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values of the model's ``MODERATED_FIELDS`` (FKs and M2Ms as primary keys)."""
    out: dict[str, Any] = {}
    for name in obj.MODERATED_FIELDS:
        if name not in values:
            continue
        field = obj._meta.get_field(name)
        value = values[name]
        if field.many_to_many:
            out[name] = sorted(v.pk if hasattr(v, "pk") else int(v) for v in value)
        elif field.is_relation:
            out[name] = value.pk if hasattr(value, "pk") else value
        elif isinstance(value, dt.date | dt.datetime):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def apply_fields(obj: Moderated, data: dict[str, Any]) -> None:
    """Set the values of a revision on the object (M2Ms are set after the caller saves)."""
    m2m: dict[str, list[int]] = {}
    for name, value in data.items():
        if name not in obj.MODERATED_FIELDS:
            continue
        field: Any = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        elif field.is_relation:
            setattr(obj, field.attname, value)
        else:
            setattr(obj, name, field.to_python(value))
    obj.save()
    for name, pks in m2m.items():
        getattr(obj, name).set(pks)


def revision_changes(obj: Moderated, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What a revision changes: one row per changed field, with the label, before and after."""
    current = serialize_fields(
        obj,
        {
            name: (
                getattr(obj, name).all()
                if obj._meta.get_field(name).many_to_many
                else getattr(obj, name)
            )
            for name in obj.MODERATED_FIELDS
        },
    )
    rows = []
    for name in obj.MODERATED_FIELDS:
        if name in data and data[name] != current.get(name):
            field: Any = obj._meta.get_field(name)
            rows.append(
                {
                    "name": name,
                    "label": field.verbose_name,
                    "before": current.get(name),
                    "after": data[name],
                }
            )
    return rows
