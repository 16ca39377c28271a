"""Indexes for the admin's search of meetings and drills, which otherwise reads every row.

PostgreSQL gets trigram GIN indexes on the exact expression Django's `icontains` emits,
UPPER("col"::text), so substring search keeps its meaning. SQLite gets an FTS5 table per event
model, kept by triggers, searched by word prefix (tracker.admin.EventAdmin.get_search_results).
"""

from django.db import migrations

COLUMNS = {"meeting": ["slug", "summary", "location", "date_text"], "drill": ["name", "slug", "summary", "location", "date_text"]}


def create(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model, columns in COLUMNS.items():
        table = apps.get_model("tracker", model)._meta.db_table
        if vendor == "postgresql":
            for column in columns:
                schema_editor.execute(
                    f"CREATE INDEX {table}_{column}_trgm ON {quote(table)} USING gin (UPPER({quote(column)}::text) gin_trgm_ops)"
                )
        elif vendor == "sqlite":
            fts = f"{table}_search"
            names = ", ".join(columns)
            new = ", ".join(f"new.{column}" for column in columns)
            old = ", ".join(f"old.{column}" for column in columns)
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id',"
                " tokenize='unicode61 remove_diacritics 2')"
            )
            delete = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
            insert = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
            schema_editor.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {quote(table)} BEGIN {insert} END")
            schema_editor.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {quote(table)} BEGIN {delete} END")
            schema_editor.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE ON {quote(table)} BEGIN {delete} {insert} END")
            schema_editor.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for model, columns in COLUMNS.items():
        table = apps.get_model("tracker", model)._meta.db_table
        if vendor == "postgresql":
            for column in columns:
                schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")
        elif vendor == "sqlite":
            for operation in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_{operation}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_search")


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0004_revision"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
