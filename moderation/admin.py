"""Admin for the audit log and pending revisions: read only (Efus staff with MFA only). Decisions
are taken on the review page, where the services log them.

``ModeratedAdmin`` is the one admin of a moderated model (practices, trainings, exchange offers):
the moderation state is read only (``MODERATION_READONLY``: every transition goes through
``moderation.services`` and is logged), the page links to the review page, a save renders the
stored text again, and a deletion goes through ``moderation_delete`` (the log keeps it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import Moderated, ModerationEvent, Revision
from .services import moderation_delete

# What the moderation mechanism alone changes: read only in every moderated model's admin.
MODERATION_READONLY = [
    "status", "review_link", "submitted_at", "published_at", "moderation_message", "hidden_at",
    "review_by", "reviewed_at", "created_at", "updated_at",
]  # fmt: skip
# The admin's "Moderation" fieldset, the same for every moderated model.
MODERATION_FIELDSET: Any = (
    _("Moderation"),
    {"fields": ["status", "review_link", "visibility", "moderation_message", "submitted_at",
                "published_at", "hidden_at", "review_by", "reviewed_at", "created_at",
                "updated_at"]},
)  # fmt: skip


def _review_link(content_type: Any, object_id: int) -> str:
    label = f"{content_type.app_label}.{content_type.model}"
    if registry.get(label) is None:
        return "-"
    try:
        url = reverse("moderation:review", args=[label, object_id])
    except NoReverseMatch:
        return "-"
    return format_html('<a href="{}">{}</a>', url, _("review"))


class ModeratedAdmin(admin.ModelAdmin):
    """The admin of a moderated model: subclasses add their fields to ``readonly_fields`` with
    ``[*MODERATION_READONLY, ...]`` and show ``MODERATION_FIELDSET``."""

    readonly_fields = MODERATION_READONLY
    # A web address typed without a scheme is https, as on the site's forms.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: Any) -> bool:
        """An item is created on the site, through ``moderated_create`` (its author, its city,
        its first event in the log): not here, not even by the operator."""
        return False

    @admin.display(description=_("review"))
    def review_link(self, obj: Moderated) -> str:
        if not obj.pk:
            return "-"
        url = reverse("moderation:review", args=[obj._meta.label_lower, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the review page"))

    def save_model(self, request: Any, obj: Moderated, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        obj.on_content_changed()  # the stored text (and a search vector) follow the content

    def delete_model(self, request: Any, obj: Moderated) -> None:
        moderation_delete(obj=obj, by=request.user)  # the audit log keeps a "deleted" event

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            moderation_delete(obj=obj, by=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "object_label", "content_type", "action", "from_status", "to_status",
                    "by", "link"]  # fmt: skip
    list_filter = ["action", "content_type", "at"]
    list_select_related = ["by", "content_type"]
    search_fields = ["object_label", "message", "by__email", "by__full_name"]
    date_hierarchy = "at"

    @admin.display(description=_("page"))
    def link(self, obj: ModerationEvent) -> str:
        return _review_link(obj.content_type, obj.object_id)


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "content_type", "object_id", "status", "created_by", "updated_at",
                    "link"]  # fmt: skip
    list_filter = ["status", "content_type"]
    list_select_related = ["created_by", "content_type"]
    search_fields = ["created_by__email", "created_by__full_name"]

    @admin.display(description=_("page"))
    def link(self, obj: Revision) -> str:
        return _review_link(obj.content_type, obj.object_id)
