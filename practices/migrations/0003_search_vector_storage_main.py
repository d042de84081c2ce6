"""Keep the search vector in the table row (compressed), and let the long sections go to TOAST.

A practice row is wider than PostgreSQL's 2 kB TOAST threshold; by default the largest value, the
search vector, is moved out of line, so ranking N matches costs N extra TOAST look-ups. With
``STORAGE MAIN`` the vector stays in the row (compressed) and the long text sections move out
instead: ranking reads only the heap, and the heap holds more rows per page (bench/README.md:
ranking a third of 100,000 practices went from ~500 ms to ~110 ms). Existing rows change layout
when they are next written. PostgreSQL only.
"""

from django.db import migrations


def main(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE practices_practice ALTER COLUMN search_vector SET STORAGE MAIN"
        )


def extended(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE practices_practice ALTER COLUMN search_vector SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [("practices", "0002_search_gin_index")]

    operations = [migrations.RunPython(main, extended)]
