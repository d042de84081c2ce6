from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings")
    # What Efus staff with powers may do in the admin (accounts/backends.py), as for practices:
    # the sessions, seats, materials and registrations are shown there, read only.
    staff_permissions = (
        "view_training",
        "change_training",
        "delete_training",
        "view_session",
        "view_seatallocation",
        "view_material",
        "view_registration",
    )

    def ready(self) -> None:
        from accounts import dashboard
        from accounts import exports as account_exports
        from accounts import services as account_services
        from cities import sections as city_sections

        from . import (
            exports,
            permissions,  # noqa: F401  (registers the rules)
            sections,
            services,
            signals,
        )

        signals.connect()
        city_sections.register_home_section(sections.home_section)
        city_sections.register_city_section(sections.city_section)
        dashboard.register_section(sections.dashboard_section)
        account_exports.register("trainings", exports.trainings_section)
        account_services.register_before_delete(services.registrations_release)
