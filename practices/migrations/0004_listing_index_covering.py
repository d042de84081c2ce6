"""The listing index covers the list's filter columns, so counting a filtered list is an
index-only scan instead of one heap visit per matching practice (bench/README.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("practices", "0003_search_vector_storage_main")]

    operations = [
        migrations.RemoveIndex(model_name="practice", name="practice_listing_idx"),
        migrations.AddIndex(
            model_name="practice",
            index=models.Index(
                fields=["status", "visibility", "-published_at"],
                include=(
                    "id",
                    "outcome",
                    "evaluation_stage",
                    "original_language",
                    "attachment_count",
                    "city",
                    "period_start",
                    "period_end",
                ),
                name="practice_listing_idx",
            ),
        ),
    ]
