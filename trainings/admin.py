"""Admin for trainings (Efus staff with MFA only: see pactesur/admin.py), as practices'.

Trainings are moderated on the review page (``moderation.admin.ModeratedAdmin``: the status and
the moderation dates are read only). Sessions, seats per city, materials and registrations move
only through ``trainings.services``, under the training's row lock (the seats taken, the waiting
list, the calendars' sequence, the certificates): the admin shows them, read only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from moderation.admin import (
    MODERATION_FIELDSET,
    MODERATION_READONLY,
    ModeratedAdmin,
    ReadOnlyAdmin,
)

from .models import Material, Registration, SeatAllocation, Session, Training


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as the site's forms
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ["title", "starts_at", "ends_at"]


class SeatAllocationInline(ReadOnlyInline):
    model = SeatAllocation
    fields = ["city", "seats"]


class MaterialInline(ReadOnlyInline):
    model = Material
    fields = ["title", "url", "content_type", "size", "created_by", "created_at"]


@admin.register(Training)
class TrainingAdmin(ModeratedAdmin):
    list_display = [
        "title", "city", "kind", "status", "visibility", "first_start", "seats_taken", "capacity",
        "is_demo",
    ]  # fmt: skip
    list_filter = ["status", "visibility", "kind", "format", "audience", "is_demo", "city"]
    list_select_related = ["city"]
    search_fields = ["title", "summary", "city__name"]
    autocomplete_fields = ["city", "body", "created_by"]
    filter_horizontal = ["themes"]
    readonly_fields = [*MODERATION_READONLY, "seats_taken", "first_start", "last_end"]
    inlines = [SessionInline, SeatAllocationInline, MaterialInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "city", "created_by", "is_demo"]}),
        MODERATION_FIELDSET,
        (
            _("Training"),
            {"fields": ["kind", "format", "summary", "programme", "themes", "languages",
                        "interpretation"]},
        ),
        (
            _("Venue and registration"),
            {"fields": ["venue_name", "venue_address", "online_link", "time_zone",
                        ("first_start", "last_end"), ("capacity", "seats_taken"),
                        ("registration_opens", "registration_deadline"), "audience",
                        "requires_approval"]},
        ),
    ]  # fmt: skip


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    """Read only: a registration changes through its services (seats, waiting list, emails)."""

    list_display = ["user", "training", "city", "status", "position", "created_at"]
    list_filter = ["status", "city"]
    list_select_related = ["user", "training", "city"]
    search_fields = ["user__email", "user__full_name", "training__title"]
