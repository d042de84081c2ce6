"""The practices' section of a person's data export (see ``accounts.exports``)."""

from __future__ import annotations

from typing import Any

from .models import Adoption, Attachment, Practice


def practices_section(user: Any) -> dict[str, list[Any]]:
    """What the person authored: practices (any state), attachments they uploaded, adoptions."""
    return {
        "authored": list(
            Practice.objects.filter(created_by=user)
            .order_by("pk")
            .values("id", "title", "status", "visibility", "created_at", "published_at")
        ),
        "attachments_uploaded": list(
            Attachment.objects.filter(created_by=user)
            .order_by("pk")
            .values("id", "practice_id", "original_name", "content_type", "size", "created_at")
        ),
        "adoptions_recorded": list(
            Adoption.objects.filter(created_by=user)
            .order_by("pk")
            .values("id", "practice_id", "city__name", "kind", "outcome_note", "created_at")
        ),
    }
