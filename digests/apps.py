from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = _("Dissemination digest")
    # Efus staff run the dissemination: they see who subscribes (to help a reader, to find
    # suspended addresses); changing a subscription is its owner's, through their signed links.
    staff_permissions = ("view_subscriber",)

    def ready(self) -> None:
        from accounts import exports

        from . import permissions, signals, sources  # noqa: F401  (rules, receivers)
        from .exports import subscription_section

        exports.register("digest_subscription", subscription_section)
        sources.register("practices", sources.practice_items, title=_("New practices"))
