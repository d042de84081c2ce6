"""Admin for themes, cities and their bodies (Efus staff with MFA only: see pactesur/admin.py)."""

from __future__ import annotations

from django.contrib import admin

from .models import Body, City, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_fr", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_fr", "slug"]
    fields = ["name", "name_fr", "slug", "description", "description_fr", "position"]


class BodyInline(admin.StackedInline):
    model = Body
    extra = 0
    fields = [
        "official_name",
        "english_name",
        "name_fr",
        "type",
        "website",
        "contact_email",
        "headcount",
        "share_of_women",
        "email_domains",
    ]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "project_role", "kind", "population"]
    list_filter = ["project_role", "country", "kind"]
    search_fields = ["name", "local_name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["challenges"]
    inlines = [BodyInline]
    fieldsets = [
        (None, {"fields": ["name", "local_name", "slug", "country", "kind", "project_role"]}),
        (
            None,
            {
                "fields": [
                    "population",
                    "population_note",
                    "languages",
                    ("latitude", "longitude"),
                    "challenges",
                    "description",
                    "description_fr",
                ]
            },
        ),
    ]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["official_name", "english_name", "name_fr", "city", "type", "headcount"]
    list_filter = ["type", "city__project_role"]
    list_select_related = ["city"]
    search_fields = ["official_name", "english_name", "name_fr", "city__name", "city__local_name"]
    autocomplete_fields = ["city"]
