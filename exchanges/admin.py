"""Admin for exchanges (Efus staff with MFA only: see pactesur/admin.py).

Offers are moderated on the review page: their status and moderation dates are read only here.
Applications move only through their workflow (``exchanges.services``): the admin shows them and
their log, read only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Application, ApplicationEvent, Offer, Window


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["title", "city", "kind", "status", "application_deadline"]
    list_filter = ["status", "kind", "city"]
    search_fields = ["title"]
    readonly_fields = ["status", "created_by", "created_at", "submitted_at", "published_at",
                       "moderation_message"]  # fmt: skip
    exclude = ["html"]
    inlines = [WindowInline]


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["by", "at", "from_status", "to_status", "message"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["applicant", "offer", "sending_city", "host_city", "status", "created_at"]
    list_filter = ["status", "host_city", "sending_city"]
    inlines = [EventInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
