"""Reading at scale (bench/README.md).

- The listing indexes lead with the status and then the order (newest first, or title), and carry
  the visibility tier and the filters' columns: a list walks them in order for every reader,
  whatever their tiers (the old ones led with the tier, which only an anonymous reader's single
  tier could walk in order).
- ``html``: the sections' sanitised HTML, rendered once when the practice is saved; the rows that
  exist are rendered here (``manage.py render_markdown`` does it again after a renderer change).
"""

from django.db import migrations, models

MARKDOWN_FIELDS = (
    "summary",
    "problem",
    "mechanism",
    "context",
    "implementation",
    "resources",
    "evaluation",
    "transferability",
)
LISTING_COLUMNS = (
    "visibility",
    "city",
    "outcome",
    "evaluation_stage",
    "original_language",
    "attachment_count",
    "period_start",
    "period_end",
)


def render_existing(apps, schema_editor):
    from moderation.markdown import render_fields

    Practice = apps.get_model("practices", "Practice")
    batch = []
    for practice in Practice.objects.only("pk", *MARKDOWN_FIELDS).iterator(chunk_size=500):
        practice.html = render_fields(practice, MARKDOWN_FIELDS)
        batch.append(practice)
        if len(batch) == 500:
            Practice.objects.bulk_update(batch, ["html"])
            batch = []
    Practice.objects.bulk_update(batch, ["html"])


class Migration(migrations.Migration):
    dependencies = [("practices", "0007_status_unpublished_constraints_from_moderated")]

    operations = [
        migrations.RemoveIndex(model_name="practice", name="practice_title_idx"),
        migrations.RemoveIndex(model_name="practice", name="practice_listing_idx"),
        migrations.AddIndex(
            model_name="practice",
            index=models.Index(
                models.F("status"),
                models.OrderBy(models.F("published_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                include=LISTING_COLUMNS,
                name="practice_recent_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="practice",
            index=models.Index(
                fields=["status", "title", "id"],
                include=LISTING_COLUMNS,
                name="practice_by_title_idx",
            ),
        ),
        migrations.AddField(
            model_name="practice",
            name="html",
            field=models.JSONField(
                blank=True, default=dict, editable=False, verbose_name="rendered text"
            ),
        ),
        migrations.RunPython(render_existing, migrations.RunPython.noop, elidable=True),
    ]
