from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Promising practices")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
