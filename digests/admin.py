from django.contrib import admin

from .models import Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organisation",
        "language",
        "frequency",
        "status",
        "hard_bounces",
        "created_at",
    ]
    list_filter = ["status", "frequency", "language"]
    search_fields = ["email", "organisation"]
    raw_id_fields = ["user", "city"]
    filter_horizontal = ["themes"]
    readonly_fields = [
        "created_at",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "updated_at",
        "last_digest_at",
        "hard_bounces",
        "suspended_at",
    ]
