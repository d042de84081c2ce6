"""The moderation section of a person's data export (see ``accounts.exports``)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat

from .models import ModerationEvent, Report, Revision


def _item() -> dict[str, Any]:
    """The item an event or an edit is about: its type ("practices.practice") and id."""
    return {
        "item_type": Concat(
            "content_type__app_label",
            Value("."),
            "content_type__model",
            output_field=CharField(),
        ),
        "item_id": F("object_id"),
    }


def moderation_section(user: Any) -> dict[str, list[Any]]:
    """What the audit log records the person doing (their events, with the messages they wrote;
    ``item`` is the item's label when the event was written) and the edits they proposed, with
    the proposed values, and the reports they made. Three queries, whatever their number."""
    events = (
        ModerationEvent.objects.filter(by=user)
        .order_by("at", "pk")
        .values(
            "id",
            "at",
            "action",
            "from_status",
            "to_status",
            "message",
            **_item(),
            item=F("object_label"),
        )
    )
    revisions = (
        Revision.objects.filter(created_by=user)
        .order_by("created_at", "pk")
        .values("id", "status", "created_at", "updated_at", **_item(), proposed_values=F("data"))
    )
    reports = (
        Report.objects.filter(by=user)
        .order_by("created_at", "pk")
        .values("id", "reason", "comment", "status", "created_at", "decided_at", **_item())
    )
    return {"events": list(events), "proposed_edits": list(revisions), "reports": list(reports)}
