from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and memberships")

    def ready(self) -> None:
        from . import exports, permissions  # noqa: F401  (permissions registers the rules)

        exports.register_account_sections()
