"""Admin for practices (Efus staff with MFA only: see pactesur/admin.py).

Moderation happens on the review page, not here (``moderation.admin.ModeratedAdmin``: the status
and the moderation dates are read only, so every transition goes through ``moderation.services``
and is logged). Attachments are added on the site, where their content is checked; the admin
lists them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.admin import MODERATION_FIELDSET, MODERATION_READONLY, ModeratedAdmin

from .models import Adoption, Attachment, Practice


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "title", "content_type", "size", "created_by", "created_at"]
    readonly_fields = ["original_name", "content_type", "size", "created_by", "created_at"]
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AdoptionInline(admin.TabularInline):
    model = Adoption
    extra = 0
    fields = ["city", "kind", "outcome_note", "started", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["city"]


@admin.register(Practice)
class PracticeAdmin(ModeratedAdmin):
    list_display = [
        "title", "city", "status", "visibility", "outcome", "evaluation_stage", "published_at",
        "is_demo",
    ]  # fmt: skip
    list_filter = [
        "status", "visibility", "outcome", "evaluation_stage", "is_demo", "themes",
        "city__country", "city",
    ]  # fmt: skip
    list_select_related = ["city"]
    search_fields = ["title", "summary", "city__name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["city", "body", "created_by"]
    filter_horizontal = ["themes"]
    readonly_fields = [*MODERATION_READONLY, "attachment_count"]
    inlines = [AttachmentInline, AdoptionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "city", "body", "created_by", "is_demo"]}),
        MODERATION_FIELDSET,
        (
            _("Case study"),
            {"fields": ["summary", "problem", "mechanism", "context", "implementation",
                        "resources", "evaluation", "transferability"]},
        ),
        (
            _("Labels and details"),
            {"fields": ["outcome", "evaluation_stage", "themes", ("period_start", "period_end"),
                        "original_language", "contact_role", "contact_email", "links",
                        "attachment_count"]},
        ),
    ]  # fmt: skip


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ["practice", "city", "kind", "started", "created_at"]
    list_filter = ["kind", "city"]
    list_select_related = ["practice", "city"]
    search_fields = ["practice__title", "city__name", "outcome_note"]
    autocomplete_fields = ["practice", "city", "created_by"]
