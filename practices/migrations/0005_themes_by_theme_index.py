"""An index on the practice-theme links by theme, then practice: filtering the list by theme
reads the practice ids of a theme from the index alone (the capped count of a theme went from
~24 ms to ~10 ms at 100,000 practices, bench/README.md). The links table is Django's own
many-to-many table, hence plain SQL (the same on PostgreSQL and SQLite)."""

from django.db import migrations

INDEX = "practice_themes_theme_practice_idx"


class Migration(migrations.Migration):
    dependencies = [("practices", "0004_listing_index_covering")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON practices_practice_themes (theme_id, practice_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
