"""The bulletins table, built from the model as it is now.

The app exists for the tests only, so it has no history to keep: this one migration follows the
model (and so ``Moderated``) wherever they go. It is a migration rather than no migrations at
all because Django creates the tables of unmigrated apps *before* migrating the others, and on
PostgreSQL the foreign keys to cities and users would then point at tables that do not exist yet.
"""

from django.apps import apps
from django.conf import settings
from django.db import migrations
from django.db.migrations.state import ModelState


def _create(label: str) -> migrations.CreateModel:
    state = ModelState.from_model(apps.get_model(label))
    return migrations.CreateModel(
        name=state.name,
        fields=list(state.fields.items()),
        options=state.options,
        bases=state.bases,
        managers=state.managers,
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cities", "__latest__"),
        ("contenttypes", "__latest__"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [_create("bulletins.Bulletin")]
