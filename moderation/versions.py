"""The version a moderator decides on: what the review page showed, carried by the decision.

The review page puts a token (``version_token``) in its decision form: for the item's status,
whether reports hide it, each of its moderated values, and for its open revision (which one,
its status, and each proposed value), a short digest. A decision recomputes them, with the
item's row locked, and is refused if anything differs (``changes_since``): a coordinator who
changed the proposed edit after the page was shown, another moderator who decided first, an
edit of the item in the admin, reports that hid it. The refusal says what changed, and the page
shows the item as it is now.

Digests rather than counters: nothing has to remember to count (the admin, a shell, a future
service), and the refusal can name the fields that changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core import signing
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .fields import current_values, serialize_fields
from .models import Moderated, Revision, Status

SALT = "moderation.version"
STATUS, EDIT, HIDDEN = "status", "edit", "hidden"


def _digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.blake2b(encoded, digest_size=6).hexdigest()


def _names(obj: Moderated) -> list[str]:
    """The moderated fields, in the model's order (the visibility tier always among them)."""
    names = list(obj.MODERATED_FIELDS)
    return names if "visibility" in names else [*names, "visibility"]


def version_of(obj: Moderated, revision: Revision | None) -> dict[str, str]:
    """What the moderator sees of the item and its open revision, as short digests: the item's
    values, and the values the item would have once the revision is published (a field the
    revision leaves out keeps the item's value)."""
    version = {STATUS: obj.status, HIDDEN: "hidden" if obj.hidden_at else ""}
    values = serialize_fields(obj, current_values(obj))
    values["visibility"] = obj.visibility
    for name in _names(obj):
        version[f"item.{name}"] = _digest(values.get(name))
    if revision is not None:
        version[EDIT] = f"{revision.pk}:{revision.status}"
        for name in _names(obj):
            version[f"edit.{name}"] = _digest(revision.data.get(name, values.get(name)))
    return version


def version_token(obj: Moderated, revision: Revision | None) -> str:
    """The token of the decision form (signed, so that a stale or made-up one is told apart)."""
    return signing.dumps(version_of(obj, revision), salt=SALT, compress=True)


def read_token(token: str | None) -> dict[str, str] | None:
    """The version a token carries, or ``None`` if it is missing or not one of ours."""
    try:
        version = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        return None
    return version if isinstance(version, dict) else None


def _labels(obj: Moderated, names: list[str]) -> str:
    fields: list[Any] = [obj._meta.get_field(name) for name in names]
    return ", ".join(str(field.verbose_name) for field in fields)


def changes_since(seen: dict[str, str], obj: Moderated, revision: Revision | None) -> list[str]:
    """What changed since ``seen``, in words for the moderator; empty if nothing did."""
    now = version_of(obj, revision)
    if seen == now:
        return []
    changes: list[str] = []
    if seen.get(STATUS) != now[STATUS]:
        changes.append(_("its status is now “%(status)s”") % {"status": Status(obj.status).label})
    if seen.get(HIDDEN, "") != now[HIDDEN]:
        changes.append(
            _("it is now hidden after members' reports")
            if now[HIDDEN]
            else _("its reports were decided: it is no longer hidden")
        )
    item = [name for name in _names(obj) if seen.get(f"item.{name}") != now[f"item.{name}"]]
    if item:
        changes.append(_("in the item: %(fields)s") % {"fields": _labels(obj, item)})
    seen_edit, now_edit = seen.get(EDIT), now.get(EDIT)
    if seen_edit != now_edit:
        seen_id, now_id = (seen_edit or ":").split(":")[0], (now_edit or ":").split(":")[0]
        if now_edit is None:
            changes.append(_("the proposed edit is no longer open"))
        elif seen_edit is None or seen_id != now_id:
            changes.append(_("a new edit was proposed"))
        else:
            assert revision is not None
            changes.append(
                _("the proposed edit is now “%(status)s”")
                % {"status": Revision.Status(revision.status).label}
            )
    if seen_edit is not None and now_edit is not None:
        edit = [name for name in _names(obj) if seen.get(f"edit.{name}") != now[f"edit.{name}"]]
        if edit:
            changes.append(_("in the proposed edit: %(fields)s") % {"fields": _labels(obj, edit)})
    return [capfirst(change) for change in changes] or [_("the item")]
