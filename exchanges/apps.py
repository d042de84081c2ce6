from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    name = "exchanges"
    verbose_name = _("Officer exchanges")
    # What Efus staff with powers may do in the admin (accounts/backends.py).
    staff_permissions = (
        "view_offer",
        "change_offer",
        "delete_offer",  # through the moderation log (``moderation_delete``), as practices
        "view_window",
        "change_window",
        "view_application",
        "view_applicationevent",
        "view_evaluation",
        "view_fieldreport",
        "view_followup",
    )

    def ready(self) -> None:
        from cities import sections as city_sections

        from . import (
            notifications,  # noqa: F401  (registers the email hooks)
            permissions,  # noqa: F401  (registers the rules)
            sections,
            signals,
        )

        signals.connect()
        city_sections.register_city_section(sections.city_section)
