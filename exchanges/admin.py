"""Admin for exchanges (Efus staff with MFA only: see pactesur/admin.py), as practices'.

Offers are moderated on the review page (``moderation.admin.ModeratedAdmin``: the status and the
moderation dates are read only). Applications move only through their workflow
(``exchanges.services.application_transition``, which logs every step and sends its emails):
the admin shows them and their log, read only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.admin import (
    MODERATION_FIELDSET,
    MODERATION_READONLY,
    ModeratedAdmin,
    ReadOnlyAdmin,
)

from .models import Application, ApplicationEvent, Offer, Window


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Offer)
class OfferAdmin(ModeratedAdmin):
    list_display = [
        "title", "city", "kind", "status", "visibility", "application_deadline", "is_demo",
    ]  # fmt: skip
    list_filter = ["status", "visibility", "kind", "police_only", "is_demo", "city"]
    list_select_related = ["city"]
    search_fields = ["title", "description", "event_name", "city__name"]
    autocomplete_fields = ["city", "body", "created_by"]
    filter_horizontal = ["themes"]
    readonly_fields = MODERATION_READONLY
    inlines = [WindowInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "city", "body", "created_by", "is_demo"]}),
        MODERATION_FIELDSET,
        (
            _("Offer"),
            {"fields": ["kind", "event_name", "description", "themes", "host_languages",
                        "required_languages", "required_rank", "police_only",
                        "application_deadline"]},
        ),
    ]  # fmt: skip


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["by", "at", "from_status", "to_status", "message"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read only: an application changes through its workflow."""

    list_display = ["applicant", "offer", "sending_city", "host_city", "status", "created_at"]
    list_filter = ["status", "host_city", "sending_city"]
    list_select_related = ["applicant", "offer", "sending_city", "host_city"]
    search_fields = ["applicant__email", "applicant__full_name", "offer__title"]
    inlines = [EventInline]
