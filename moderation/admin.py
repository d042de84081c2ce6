"""Admin for the audit log and pending revisions: read only (Efus staff with MFA only). Decisions
are taken on the review page, where the services log them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import ModerationEvent, Revision


def _review_link(content_type: Any, object_id: int) -> str:
    label = f"{content_type.app_label}.{content_type.model}"
    if registry.get(label) is None:
        return "-"
    try:
        url = reverse("moderation:review", args=[label, object_id])
    except NoReverseMatch:
        return "-"
    return format_html('<a href="{}">{}</a>', url, _("review"))


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
