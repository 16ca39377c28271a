"""Events per day (DayTally) and per actor and day (ActorDayTally), kept by database triggers as the pair
tallies (0006) and the revision token (0004) are.

A dense window's chart counts events per day; at a million events that meant reading thousands of events
and their participants for every fresh page. Every write of an event, of its start or of a participant keeps
the tallies in the same statement, whoever writes (admin, services, loaddata, generate_timeline, raw SQL).
SQLite counts row by row, PostgreSQL per statement; both with upserts: +1 where a row arrives, -1 where it leaves.
An event deleted before its participants takes their counts with it; a participant deleted after its event
finds no event and counts nothing, so either order of a cascade leaves the same tallies.
"""

import django.db.models.deletion
from django.db import migrations, models

KINDS = ("meeting", "drill")


def _names(apps, schema_editor) -> dict[str, str]:
    quote = schema_editor.connection.ops.quote_name
    table = lambda name: quote(apps.get_model("tracker", name)._meta.db_table)  # noqa: E731
    return {
        "day": table("DayTally"),
        "actor_day": table("ActorDayTally"),
        "participant": table("Participant"),
        "meeting": table("Meeting"),
        "drill": table("Drill"),
    }


# A count only grows by an upsert; it shrinks by an update of the row that is there, which is deleted
# when it reaches 0. So the tallies hold no empty rows, and a delete that comes after they were
# emptied (a flush, generate_timeline --clear) leaves nothing behind.


def add_day(kind: str, start: str, n: int) -> str:
    """One more (n=1) or one fewer (n=-1) event of `kind` on the day `start` (an SQL expression; nothing when NULL)."""
    if n < 0:
        return f"""
        UPDATE {{day}} SET events = events - 1 WHERE type = '{kind}' AND day = {start};
        DELETE FROM {{day}} WHERE type = '{kind}' AND day = {start} AND events <= 0;"""
    return f"""
        INSERT INTO {{day}} (type, day, events) SELECT '{kind}', {start}, 1 WHERE {start} IS NOT NULL
        ON CONFLICT (day, type) DO UPDATE SET events = {{day}}.events + excluded.events;"""


def add_participants(kind: str, start: str, event: str, n: int) -> str:
    """One more or one fewer event on the day `start` for each participant of the event `event`."""
    if n < 0:
        return f"""
        UPDATE {{actor_day}} SET events = events - (
            SELECT COUNT(*) FROM {{participant}} p WHERE p.{kind}_id = {event} AND p.actor_id = {{actor_day}}.actor_id
        )
        WHERE type = '{kind}' AND day = {start}
          AND actor_id IN (SELECT actor_id FROM {{participant}} WHERE {kind}_id = {event});
        DELETE FROM {{actor_day}} WHERE type = '{kind}' AND day = {start} AND events <= 0
          AND actor_id IN (SELECT actor_id FROM {{participant}} WHERE {kind}_id = {event});"""
    return f"""
        INSERT INTO {{actor_day}} (actor_id, type, day, events)
        SELECT actor_id, '{kind}', {start}, COUNT(*) FROM {{participant}}
        WHERE {kind}_id = {event} AND {start} IS NOT NULL GROUP BY actor_id
        ON CONFLICT (actor_id, day, type) DO UPDATE SET events = {{actor_day}}.events + excluded.events;"""


def add_participant(row: str, n: int) -> str:
    """One more or one fewer event for the participant `row` (NEW or OLD) on its event's start, if the event exists."""
    if n < 0:
        return "".join(
            f"""
        UPDATE {{actor_day}} SET events = events - 1 WHERE actor_id = {row}.actor_id AND type = '{kind}'
          AND day = (SELECT start FROM {{{kind}}} WHERE id = {row}.{kind}_id);
        DELETE FROM {{actor_day}} WHERE actor_id = {row}.actor_id AND type = '{kind}' AND events <= 0
          AND day = (SELECT start FROM {{{kind}}} WHERE id = {row}.{kind}_id);"""
            for kind in KINDS
        )
    return "".join(
        f"""
        INSERT INTO {{actor_day}} (actor_id, type, day, events)
        SELECT {row}.actor_id, '{kind}', e.start, 1 FROM {{{kind}}} e
        WHERE e.id = {row}.{kind}_id AND e.start IS NOT NULL
        ON CONFLICT (actor_id, day, type) DO UPDATE SET events = {{actor_day}}.events + excluded.events;"""
        for kind in KINDS
    )


def event_left(kind: str) -> str:
    return add_day(kind, "OLD.start", -1) + add_participants(kind, "OLD.start", "OLD.id", -1)


def event_arrived(kind: str) -> str:
    return add_day(kind, "NEW.start", 1) + add_participants(kind, "NEW.start", "NEW.id", 1)


SQLITE_TRIGGERS = {
    **{
        f"parley_days_{kind}_{name}": (f"{when} ON {{{kind}}}{condition}", body)
        for kind in KINDS
        for name, when, condition, body in (
            ("insert", "AFTER INSERT", "", event_arrived(kind)),
            ("delete", "AFTER DELETE", "", event_left(kind)),
            (
                "start",
                "AFTER UPDATE OF start",
                " WHEN OLD.start IS NOT NEW.start",
                event_left(kind) + event_arrived(kind),
            ),
        )
    },
    "parley_days_participant_insert": ("AFTER INSERT ON {participant}", add_participant("NEW", 1)),
    "parley_days_participant_delete": ("AFTER DELETE ON {participant}", add_participant("OLD", -1)),
    "parley_days_participant_update": (
        "AFTER UPDATE OF actor_id, meeting_id, drill_id ON {participant} WHEN OLD.actor_id IS NOT NEW.actor_id"
        " OR OLD.meeting_id IS NOT NEW.meeting_id OR OLD.drill_id IS NOT NEW.drill_id",
        add_participant("OLD", -1) + add_participant("NEW", 1),
    ),
}

# PostgreSQL counts per statement from the rows it touched (transition tables), so a bulk insert of
# thousands of events or participants pays once, as 0006 does for the pairs. Each change is a row of
# (event or participant, +1 or -1); the upserts add them up per day, so no key is updated twice.
EVENT_CHANGES = {
    "added": "SELECT id, start, 1 AS n FROM added",
    "removed": "SELECT id, start, -1 AS n FROM removed",
    "moved": (
        "SELECT o.id, o.start, -1 AS n FROM removed o JOIN added a ON a.id = o.id"
        " WHERE o.start IS DISTINCT FROM a.start"
        " UNION ALL SELECT a.id, a.start, 1 FROM added a JOIN removed o ON o.id = a.id"
        " WHERE o.start IS DISTINCT FROM a.start"
    ),
}
MOVED_PARTICIPANT = (
    "o.actor_id IS DISTINCT FROM a.actor_id OR o.meeting_id IS DISTINCT FROM a.meeting_id"
    " OR o.drill_id IS DISTINCT FROM a.drill_id"
)
PARTICIPANT_CHANGES = {
    "added": "SELECT actor_id, meeting_id, drill_id, 1 AS n FROM added",
    "removed": "SELECT actor_id, meeting_id, drill_id, -1 AS n FROM removed",
    "moved": (
        f"SELECT o.actor_id, o.meeting_id, o.drill_id, -1 AS n FROM removed o JOIN added a ON a.id = o.id"
        f" WHERE {MOVED_PARTICIPANT}"
        f" UNION ALL SELECT a.actor_id, a.meeting_id, a.drill_id, 1 FROM added a JOIN removed o ON o.id = a.id"
        f" WHERE {MOVED_PARTICIPANT}"
    ),
}
TRANSITIONS = {
    "added": ("INSERT", "REFERENCING NEW TABLE AS added"),
    "removed": ("DELETE", "REFERENCING OLD TABLE AS removed"),
    "moved": ("UPDATE", "REFERENCING OLD TABLE AS removed NEW TABLE AS added"),
}


def apply(target: str, columns: str, rows: str) -> str:
    """Add `rows` (the `columns` of a tally and `n`, the change) to `target`: shrink the rows that are
    there, insert or grow the others."""
    match = " AND ".join(f"t.{column} = c.{column}" for column in columns.split(", "))
    return f"""
        UPDATE {target} AS t SET events = t.events + c.n FROM ({rows}) c WHERE {match} AND c.n < 0;
        DELETE FROM {target} AS t USING ({rows}) c WHERE {match} AND c.n < 0 AND t.events <= 0;
        INSERT INTO {target} ({columns}, events) SELECT {columns}, n FROM ({rows}) c WHERE c.n > 0
        ON CONFLICT ({columns}) DO UPDATE SET events = {target}.events + excluded.events;"""


def events_changed(kind: str, changes: str) -> str:
    days = (
        f"SELECT start AS day, '{kind}' AS type, SUM(n) AS n FROM ({changes}) x WHERE start IS NOT NULL GROUP BY start"
    )
    actors = (
        f"SELECT p.actor_id, x.start AS day, '{kind}' AS type, SUM(x.n) AS n FROM ({changes}) x"
        f" JOIN {{participant}} p ON p.{kind}_id = x.id WHERE x.start IS NOT NULL GROUP BY p.actor_id, x.start"
    )
    return apply("{day}", "day, type", days) + apply("{actor_day}", "actor_id, day, type", actors)


def participants_changed(changes: str) -> str:
    return "".join(
        apply(
            "{actor_day}",
            "actor_id, day, type",
            f"SELECT x.actor_id, e.start AS day, '{kind}' AS type, SUM(x.n) AS n FROM ({changes}) x"
            f" JOIN {{{kind}}} e ON e.id = x.{kind}_id WHERE e.start IS NOT NULL GROUP BY x.actor_id, e.start",
        )
        for kind in KINDS
    )


def postgresql_statements(names: dict[str, str]) -> list[str]:
    statements = []
    for table, bodies in [
        *((kind, {change: events_changed(kind, sql) for change, sql in EVENT_CHANGES.items()}) for kind in KINDS),
        ("participant", {change: participants_changed(sql) for change, sql in PARTICIPANT_CHANGES.items()}),
    ]:
        for change, body in bodies.items():
            name = f"parley_days_{table}_{change}"
            operation, referencing = TRANSITIONS[change]
            statements += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {operation} ON {{{table}}} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    # Braces of the SQL bodies were doubled for str.format: fill in the table names.
    return [statement.format(**names) for statement in statements]


POSTGRESQL_DROP = [
    statement
    for table in (*KINDS, "participant")
    for change in TRANSITIONS
    for statement in (
        f"DROP TRIGGER IF EXISTS parley_days_{table}_{change} ON {{{table}}}",
        f"DROP FUNCTION IF EXISTS parley_days_{table}_{change}()",
    )
]


def create_triggers(apps, schema_editor):
    names = _names(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in postgresql_statements(names):
            schema_editor.execute(statement, params=None)
    elif vendor == "sqlite":
        for name, (when, body) in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"CREATE TRIGGER {name} {when.format(**names)} BEGIN {body.format(**names)} END")
    else:
        raise NotImplementedError(f"Parley's tally triggers exist for SQLite and PostgreSQL, not {vendor}.")
    for kind in KINDS:
        schema_editor.execute(
            f"INSERT INTO {names['day']} (type, day, events) SELECT '{kind}', start, COUNT(*)"
            f" FROM {names[kind]} WHERE start IS NOT NULL GROUP BY start"
        )
        schema_editor.execute(
            f"INSERT INTO {names['actor_day']} (actor_id, type, day, events) SELECT p.actor_id, '{kind}', e.start, COUNT(*)"
            f" FROM {names['participant']} p JOIN {names[kind]} e ON e.id = p.{kind}_id"
            f" WHERE e.start IS NOT NULL GROUP BY p.actor_id, e.start"
        )


def drop_triggers(apps, schema_editor):
    names = _names(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_DROP:
            schema_editor.execute(statement.format(**names))
    else:
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0009_feeds_and_inbox"),
    ]

    operations = [
        migrations.CreateModel(
            name="DayTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("type", models.CharField(choices=[("meeting", "Meeting"), ("drill", "Drill")], max_length=7)),
                ("day", models.DateField()),
                ("events", models.IntegerField()),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("day", "type"), name="day_tally_once_per_day")],
            },
        ),
        migrations.CreateModel(
            name="ActorDayTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("type", models.CharField(choices=[("meeting", "Meeting"), ("drill", "Drill")], max_length=7)),
                ("day", models.DateField()),
                ("events", models.IntegerField()),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.actor"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("actor", "day", "type"), name="actor_day_tally_once_per_day")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
