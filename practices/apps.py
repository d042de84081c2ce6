from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Promising practices")
    # What Efus staff with powers may do in the admin (accounts/backends.py).
    staff_permissions = (
        "view_practice",
        "change_practice",
        "delete_practice",
        "view_attachment",
        "change_attachment",
        "delete_attachment",
        "view_adoption",
        "change_adoption",
        "delete_adoption",
    )

    def ready(self) -> None:
        from accounts import exports as account_exports
        from cities import sections as city_sections

        from . import (
            exports,
            permissions,  # noqa: F401  (registers the rules)
            sections,
            signals,
        )

        signals.connect()

        city_sections.register_home_section(sections.home_section)
        city_sections.register_city_section(sections.city_section)
        account_exports.register("practices", exports.practices_section)
