"""Efus staff run the network: every model permission, once they have set up MFA."""

from typing import Any


class EfusStaffBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return bool(
            obj is None
            and user_obj.is_active
            and getattr(user_obj, "is_efus_staff", False)
            and user_obj.can_use_powers
        )

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self.has_perm(user_obj, f"{app_label}.*")
