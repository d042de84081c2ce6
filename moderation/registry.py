"""The moderated models, by "app_label.model_name": the queue and review pages serve only these."""

from __future__ import annotations

from django.db import models

_models: dict[str, type[models.Model]] = {}


def register(model: type[models.Model]) -> type[models.Model]:
    """Class decorator: ``@moderation.registry.register`` on a ``Moderated`` model."""
    _models[model._meta.label_lower] = model
    return model


def get(label: str) -> type[models.Model] | None:
    return _models.get(label)


def all_models() -> list[type[models.Model]]:
    return list(_models.values())
