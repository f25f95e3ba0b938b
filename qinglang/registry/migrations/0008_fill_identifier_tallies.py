"""Count the occurrences recorded before the tallies existed (reversible: the rows go)."""

from django.db import migrations

FILL = (
    "INSERT INTO registry_identifiertally "
    "(identifier_id, source_type, office_key, region_code, total) "
    "SELECT identifier_id, source_type, COALESCE(office_id, 0), region_code, COUNT(*) "
    "FROM registry_identifieroccurrence "
    "GROUP BY identifier_id, source_type, COALESCE(office_id, 0), region_code"
)


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)


def empty(apps, schema_editor):
    apps.get_model("registry", "IdentifierTally").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_identifier_tally"),
    ]

    operations = [migrations.RunPython(fill, empty)]
