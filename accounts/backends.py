"""The authentication backends: sign-in and the signed-in user (``AuthenticationBackend``), and
the model permissions of staff with powers (``StaffPowersBackend``).

Staff with powers (``accounts.roles.has_staff_powers``: Efus staff with MFA) get exactly the
model permissions their work needs, and nothing else: each app lists them in its ``AppConfig``
as ``staff_permissions`` (codenames of its own models). They never get the permissions of
``auth`` (groups, permissions), of allauth (email addresses, authenticators) or what only the
technical operator (a superuser) may do: add users, set passwords, grant superuser or staff.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.apps import apps

from pactesur.prepared import PreparedQuery

from .roles import has_staff_powers


@cache
def staff_permissions() -> frozenset[str]:
    """Every ``"app_label.codename"`` that staff with powers hold."""
    return frozenset(
        f"{config.label}.{codename}"
        for config in apps.get_app_configs()
        for codename in getattr(config, "staff_permissions", ())
    )


class StaffPowersBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> frozenset[str]:
        if obj is not None or not has_staff_powers(user_obj):
            return frozenset()
        return staff_permissions()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))


def _user_with_roles(pk: Any) -> Any:
    from .models import User

    return User.objects.with_roles().filter(pk=pk)


# The signed-in user's query (``User.objects.with_roles``), compiled once per thread.
signed_in_user = PreparedQuery(_user_with_roles, size=1)


class AuthenticationBackend(allauth_backends.AuthenticationBackend):
    """allauth's sign-in (by email and password), whose ``get_user``, the signed-in user of every
    request, reads the user, their membership (with its body and city) and whether they have
    two-factor authentication in one query (``User.objects.with_roles``, compiled once:
    ``pactesur.prepared``): a member's page pays the session and this query, nothing more,
    whatever roles it asks about."""

    def get_user(self, user_id: Any) -> Any:
        from .models import User

        user = signed_in_user.get(None, user_id)
        if not isinstance(user, User) or not self.user_can_authenticate(user):
            return None
        return user.roles_loaded()
