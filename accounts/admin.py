"""Admin for people and memberships (staff with powers only: see pactesur/admin.py).

Efus staff manage profiles and memberships. What could hand over the platform is the technical
operator's alone (a superuser): adding accounts, passwords, the superuser and staff flags, groups
and permissions, other people's email addresses; and staff never change a superuser's account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import Certificate, Membership, OutboundEmail, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("body", "role", "status", "created_at", "decided_at", "decided_by")
    readonly_fields = ("created_at", "decided_at", "decided_by")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("body__city", "decided_by")


def _current(user: User) -> Membership | None:
    """The current membership from the prefetched list (no query per row)."""
    current = getattr(user, "current_memberships", None)
    return current[0] if current else None


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = (
        "email",
        "full_name",
        "body",
        "city",
        "membership_status",
        "is_active",
        "date_joined",
    )
    list_filter = (
        "is_active",
        "is_staff",
        "memberships__status",
        "memberships__role",
        "memberships__body__city",
    )
    search_fields = ("email", "full_name")
    readonly_fields = ("date_joined", "last_login")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "position", "language", "languages", "gender")}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups", "user_permissions")
    # What Efus staff (not superusers) see of an account: no password, no access flags.
    staff_fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Profile"), {"fields": ("full_name", "position", "language", "languages", "gender")}),
        (_("Access"), {"fields": ("is_active",)}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and not request.user.is_superuser:
            return self.staff_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("email",)
        return readonly

    def get_list_filter(self, request: HttpRequest) -> Any:
        if request.user.is_superuser:
            return self.list_filter
        return tuple(f for f in self.list_filter if f != "is_staff")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and (obj.is_superuser or obj.is_staff) and not request.user.is_superuser:
            return False  # the operator's account: Efus staff may look, never change
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        current = Membership.objects.current().select_related("body__city").order_by("-created_at")
        prefetch = Prefetch("memberships", queryset=current, to_attr="current_memberships")
        return super().get_queryset(request).prefetch_related(prefetch)

    @admin.display(description=_("organisation"))
    def body(self, user: User) -> str:
        m = _current(user)
        return str(m.body) if m else "—"

    @admin.display(description=_("city"))
    def city(self, user: User) -> str:
        m = _current(user)
        return str(m.body.city) if m else "—"

    @admin.display(description=_("membership"))
    def membership_status(self, user: User) -> str:
        m = _current(user)
        if m is None:
            return str(_("none"))
        return f"{m.get_status_display()} ({m.get_role_display()})"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "body", "city", "role", "status", "created_at", "decided_at")
    list_filter = ("role", "status", "body__city")
    search_fields = ("user__email", "user__full_name", "body__official_name", "body__city__name")
    list_select_related = ("user", "body__city")
    autocomplete_fields = ("user", "decided_by")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"

    @admin.display(description=_("city"), ordering="body__city__name")
    def city(self, membership: Membership) -> str:
        return str(membership.body.city)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only, for the operator (not in ``staff_permissions``): what was sent,
    what waits and what failed, and why. The context of a waiting email (it may hold a link's
    token) is never shown."""

    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "message_id")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "about",
        "recipient",
        "occasion",
        "language",
        "template",
        "message_id",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "error",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates as issued, read-only: Efus staff look one up (``view_certificate``); a
    certificate is never edited (its PDF and hash would no longer match), and only the operator
    may delete one, which is how a certificate issued in error is withdrawn."""

    list_display = ("issued_at", "code", "holder_name", "kind", "title", "host", "start")
    list_filter = ("kind", "language")
    search_fields = ("code", "holder_name", "title", "host", "holder__email")
    date_hierarchy = "issued_at"
    fields = (
        "holder",
        "holder_name",
        "kind",
        "title",
        "host",
        "start",
        "end",
        "hours",
        "code",
        "language",
        "issued_at",
        "sha256",
        "source_type",
        "source_id",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
