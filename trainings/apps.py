from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings")
    # What Efus staff with powers may do in the admin (accounts/backends.py).
    staff_permissions = (
        "view_training",
        "change_training",
        "view_session",
        "view_seatallocation",
        "view_material",
        "view_registration",
        "view_attendance",
    )

    def ready(self) -> None:
        from accounts import dashboard
        from cities import sections as city_sections

        from . import (
            permissions,  # noqa: F401  (registers the rules)
            sections,
            signals,
        )

        signals.connect()
        city_sections.register_home_section(sections.home_section)
        city_sections.register_city_section(sections.city_section)
        dashboard.register_section(sections.dashboard_section)
