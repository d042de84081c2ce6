"""The values of a moderated item's ``MODERATED_FIELDS``: what a revision carries, how it is set on
the item, and what it changes. Plain functions of a model instance; no writes here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Moderated


def current_values(obj: Moderated) -> dict[str, Any]:
    """The item's values of its ``MODERATED_FIELDS`` (many-to-many fields as querysets: one query
    each, none when prefetched)."""
    values: dict[str, Any] = {}
    for name in obj.MODERATED_FIELDS:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, name).all() if field.many_to_many else getattr(obj, name)
    return values


def serialize_fields(obj: Moderated, values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values of the model's ``MODERATED_FIELDS`` found in ``values`` (foreign keys and
    many-to-many fields as primary keys, M2M sorted; dates in ISO format)."""
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


def split_fields(obj: Moderated, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The moderated values in ``data``, as (plain fields, many-to-many fields); other keys are
    left out."""
    plain: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    for name in obj.MODERATED_FIELDS:
        if name in data:
            target = m2m if obj._meta.get_field(name).many_to_many else plain
            target[name] = data[name]
    return plain, m2m


def set_plain_fields(obj: Moderated, data: dict[str, Any]) -> list[str]:
    """Set the plain (not many-to-many) moderated values of ``data`` on the instance, converted
    from their JSON form (a revision's) or as given (a form's); returns the names of the columns
    set, for ``save(update_fields=...)``. Nothing is saved."""
    names: list[str] = []
    for name, value in data.items():
        if name not in obj.MODERATED_FIELDS:
            continue
        field: Any = obj._meta.get_field(name)
        if field.many_to_many:
            continue
        if field.is_relation:
            setattr(obj, field.attname, value.pk if hasattr(value, "pk") else value)
        else:
            setattr(obj, name, field.to_python(value))
        names.append(field.attname)
    return names


def set_many_to_many(obj: Moderated, data: dict[str, Any]) -> None:
    """Set the many-to-many moderated values of ``data`` (the instance must be saved)."""
    for name, value in data.items():
        if name in obj.MODERATED_FIELDS and obj._meta.get_field(name).many_to_many:
            getattr(obj, name).set(value)


def revision_changes(obj: Moderated, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What a revision changes: one row per changed field, with the label, before and after."""
    current = serialize_fields(obj, current_values(obj))
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
