"""Full-text index over SearchDocument: FTS5 on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations

FTS_TABLE = "registry_searchdocument_fts"


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "title, body, doc_id UNINDEXED, tokenize = 'unicode61')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS registry_searchdoc_body_gin ON registry_searchdocument "
            "USING gin (to_tsvector('simple', body_segmented))"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_searchdoc_body_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_entities_violations_correlation_search"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
