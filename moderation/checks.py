"""System checks of the moderated models: what ``Moderated`` gives must not be lost."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import registry
from .models import Moderated


@checks.register(checks.Tags.models)
def check_moderated_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every registered model is ``Moderated``, keeps the status and visibility constraints of
    ``Moderated.Meta`` (a ``Meta.constraints`` of its own replaces them unless it lists
    ``*Moderated.Meta.constraints``), and its ``MODERATED_FIELDS`` are fields of it."""
    errors: list[checks.CheckMessage] = []
    for model in registry.all_models():
        if not issubclass(model, Moderated):
            errors.append(
                checks.Error(
                    f"{model._meta.label} is registered but not Moderated.",
                    obj=model,
                    id="moderation.E001",
                )
            )
            continue
        names = {constraint.name for constraint in model._meta.constraints}
        for suffix in ("status_valid", "visibility_valid"):
            if f"{model._meta.model_name}_{suffix}" not in names:
                errors.append(
                    checks.Error(
                        f"{model._meta.label} lost the constraint "
                        f"{model._meta.model_name}_{suffix} of Moderated.Meta.",
                        hint="List *Moderated.Meta.constraints in its Meta.constraints.",
                        obj=model,
                        id="moderation.E002",
                    )
                )
        fields = {field.name for field in model._meta.get_fields()}
        for name in model.MODERATED_FIELDS:
            if name not in fields:
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.MODERATED_FIELDS names {name!r}, not a field.",
                        obj=model,
                        id="moderation.E003",
                    )
                )
    return errors
