from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "lists"
    verbose_name = _("Lists")

    def ready(self) -> None:
        from pactesur.cache import cache_recovered

        from . import cache

        # The shared cache may come back holding versions from before writes it missed.
        cache_recovered.connect(cache.drop_versions, dispatch_uid="lists-drop-versions")
