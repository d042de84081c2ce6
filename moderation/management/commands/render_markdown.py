"""Render again the stored HTML of every moderated item's Markdown fields (``Moderated.html``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from moderation import registry
from moderation.markdown import render_fields


class Command(BaseCommand):
    help = (
        "Render the Markdown fields of every moderated item (every state) to sanitised HTML and "
        "store it, as saving does. Run it after changing the renderer (moderation/markdown.py): "
        "pages show the stored HTML and never render Markdown on a read. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=500, help="Rows read and written at a time (500)."
        )

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        for model in registry.all_models():
            names = tuple(getattr(model, "MARKDOWN_FIELDS", ()))
            if not names:
                continue
            changed = total = 0
            rows = model._default_manager.only("pk", "html", *names).order_by("pk")
            pending: list[Any] = []
            for obj in rows.iterator(chunk_size=batch):
                total += 1
                html = render_fields(obj, names)
                if html != obj.html:  # type: ignore[attr-defined]
                    obj.html = html  # type: ignore[attr-defined]
                    pending.append(obj)
                if len(pending) >= batch:
                    changed += self._save(model, pending)
                    pending = []
            changed += self._save(model, pending)
            self.stdout.write(f"{model._meta.label}: {total} rendered, {changed} changed.")

    @staticmethod
    def _save(model: Any, objects: list[Any]) -> int:
        with transaction.atomic():
            model._default_manager.bulk_update(objects, ["html"])
        return len(objects)
