"""Staff with powers (``accounts.roles.has_staff_powers``: Efus staff with MFA) get exactly the
model permissions their work needs, and nothing else: each app lists them in its ``AppConfig``
as ``staff_permissions`` (codenames of its own models). They never get the permissions of
``auth`` (groups, permissions), of allauth (email addresses, authenticators) or what only the
technical operator (a superuser) may do: add users, set passwords, grant superuser or staff.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps

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
