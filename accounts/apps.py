from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and memberships")
    # What Efus staff with powers may do in the admin (accounts/backends.py). Adding users,
    # passwords, superuser and staff flags, groups and permissions are the operator's alone.
    staff_permissions = (
        "view_user",
        "change_user",
        "view_membership",
        "add_membership",
        "change_membership",
        "view_certificate",
    )

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import exports, permissions  # noqa: F401  (permissions registers the rules)

        exports.register_account_sections()
        # Every app's notifications.py, where kinds of email register their send-time hooks
        # (accounts/emails.py): a worker must know them before it sends anything.
        autodiscover_modules("notifications")
