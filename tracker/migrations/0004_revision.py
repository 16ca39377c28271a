"""The timeline's revision token, replaced by database triggers on every write (see tracker.models.Revision)."""

import secrets

from django.db import migrations, models

WATCHED = ["actor", "alias", "meeting", "drill", "participant", "source", "evidence"]


def _tables(apps) -> list[str]:
    actor = apps.get_model("tracker", "Actor")
    members = actor._meta.get_field("members").remote_field.through._meta.db_table
    return [apps.get_model("tracker", name)._meta.db_table for name in WATCHED] + [members]


def create_triggers(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    revision = quote(apps.get_model("tracker", "Revision")._meta.db_table)
    vendor = schema_editor.connection.vendor
    # A first token, so pages can be cached before the first write.
    schema_editor.execute(f"INSERT INTO {revision} (id, token) VALUES (1, %s)", [secrets.randbits(62)])
    if vendor == "postgresql":
        # One bump per statement, so bulk inserts pay once; the row lock it takes is held to commit,
        # which queues writers on it (writes of the timeline are already serialised by the tally lock).
        schema_editor.execute(
            f"""
            CREATE FUNCTION parley_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {revision} (id, token) VALUES (1, floor(random() * 9e18)::bigint)
                ON CONFLICT (id) DO UPDATE SET token = excluded.token;
                RETURN NULL;
            END $$
            """
        )
        for table in _tables(apps):
            schema_editor.execute(
                f"CREATE TRIGGER parley_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)}"
                " FOR EACH STATEMENT EXECUTE FUNCTION parley_bump_revision()"
            )
    elif vendor == "sqlite":
        for table in _tables(apps):
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER parley_revision_{table}_{operation.lower()} AFTER {operation} ON {quote(table)} BEGIN"
                    f" INSERT INTO {revision} (id, token) VALUES (1, random())"
                    f" ON CONFLICT (id) DO UPDATE SET token = excluded.token; END"
                )
    else:
        raise NotImplementedError(f"Parley's revision triggers exist for SQLite and PostgreSQL, not {vendor}.")


def drop_triggers(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    if schema_editor.connection.vendor == "postgresql":
        for table in _tables(apps):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS parley_revision ON {quote(table)}")
        schema_editor.execute("DROP FUNCTION IF EXISTS parley_bump_revision()")
    else:
        for table in _tables(apps):
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS parley_revision_{table}_{operation}")


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0003_window_index_and_pair_tallies"),
    ]

    operations = [
        migrations.CreateModel(
            name="Revision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
