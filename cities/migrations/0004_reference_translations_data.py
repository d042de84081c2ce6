from django.db import migrations


def fill(apps, schema_editor):
    from cities.reference import fill_translations

    fill_translations(apps)


class Migration(migrations.Migration):
    dependencies = [("cities", "0003_reference_translations")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
