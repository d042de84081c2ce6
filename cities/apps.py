from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "cities"
    verbose_name = _("Cities and bodies")
    # What Efus staff with powers may do in the admin (accounts/backends.py).
    staff_permissions = (
        "view_city",
        "add_city",
        "change_city",
        "view_body",
        "add_body",
        "change_body",
        "view_theme",
        "add_theme",
        "change_theme",
    )
