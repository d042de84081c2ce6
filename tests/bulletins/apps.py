from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "tests.bulletins"
    label = "bulletins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the rules)
