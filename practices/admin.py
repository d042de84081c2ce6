"""Admin for practices (Efus staff with MFA only: see pactesur/admin.py).

Moderation happens on the review page, not here: the status and the moderation dates are read
only, so every transition goes through ``moderation.services`` and is logged. Attachments are
added on the site, where their content is checked; the admin lists them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from moderation.services import moderation_delete

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
class PracticeAdmin(admin.ModelAdmin):
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
    readonly_fields = [
        "status", "review_link", "submitted_at", "published_at", "moderation_message",
        "attachment_count", "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [AttachmentInline, AdoptionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "city", "body", "created_by", "is_demo"]}),
        (
            _("Moderation"),
            {"fields": ["status", "review_link", "visibility", "moderation_message",
                        "submitted_at", "published_at", "created_at", "updated_at"]},
        ),
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

    @admin.display(description=_("review"))
    def review_link(self, obj: Practice) -> str:
        if not obj.pk:
            return "-"
        url = reverse("moderation:review", args=[obj._meta.label_lower, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the review page"))

    def save_model(self, request: Any, obj: Practice, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        obj.on_content_changed()  # keep the search vector current

    def delete_model(self, request: Any, obj: Practice) -> None:
        moderation_delete(obj=obj, by=request.user)  # the audit log keeps a "deleted" event

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for practice in queryset:
            moderation_delete(obj=practice, by=request.user)


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ["practice", "city", "kind", "started", "created_at"]
    list_filter = ["kind", "city"]
    list_select_related = ["practice", "city"]
    search_fields = ["practice__title", "city__name", "outcome_note"]
    autocomplete_fields = ["practice", "city", "created_by"]
