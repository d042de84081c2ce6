from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")
    # What Efus staff with powers may do in the admin (accounts/backends.py): read the log.
    staff_permissions = ("view_moderationevent", "view_revision")

    def ready(self) -> None:
        from accounts import exports as account_exports

        from . import checks, permissions  # noqa: F401  (registers the checks and rules)
        from .exports import moderation_section

        account_exports.register("moderation", moderation_section)
