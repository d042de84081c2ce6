"""What a pending revision changes, shown to the moderator: readable values and a word diff."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.db import models

from .fields import revision_changes

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> list[dict[str, str]]:
    """``after`` against ``before``, word by word, as parts for a template to mark up:
    ``{"op": "equal" | "removed" | "added", "text": ...}`` (the template escapes the text)."""
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    parts: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        removed, added = "".join(old[a1:a2]), "".join(new[b1:b2])
        if op == "equal":
            parts.append({"op": "equal", "text": added})
            continue
        if removed:
            parts.append({"op": "removed", "text": removed})
        if added:
            parts.append({"op": "added", "text": added})
    return parts


def display_value(obj: models.Model, name: str, value: Any) -> str:
    """A revision value as a reader would name it: choice labels, related objects' names."""
    field: Any = obj._meta.get_field(name)
    if value in (None, "", []):
        return ""
    if field.many_to_many or field.is_relation:
        pks = value if isinstance(value, list) else [value]
        related = field.related_model._default_manager.in_bulk(pks)
        return ", ".join(str(related[pk]) for pk in pks if pk in related)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def describe_changes(obj: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """``revision_changes`` with readable ``before``/``after`` and, for text, a word ``diff``."""
    rows = []
    for row in revision_changes(obj, data):
        field: Any = obj._meta.get_field(row["name"])
        before = display_value(obj, row["name"], row["before"])
        after = display_value(obj, row["name"], row["after"])
        is_text = isinstance(field, models.CharField | models.TextField) and not field.choices
        rows.append(
            {
                **row,
                "before": before,
                "after": after,
                "diff": word_diff(before, after) if is_text else None,
            }
        )
    return rows
