"""Who met whom (tracker.models.PairTally), kept by database triggers as the revision token is.

Every write of participants or of a meeting's start keeps the tallies in the same statement,
whoever writes (admin, services, loaddata, generate_timeline, raw SQL), so no write path can
forget them. SQLite counts row by row: an added participant adds one shared meeting to each pair
it forms in its meeting, a removed one takes it away. PostgreSQL counts per statement from the
rows the statement touched, so a bulk insert of thousands of participants pays once.
"""

from django.db import migrations

# PostgreSQL advisory lock key ("pairs" in ASCII): two transactions counting the same pairs queue.
REFRESH_LOCK = 0x7061697273


def _names(apps, schema_editor) -> dict[str, str]:
    quote = schema_editor.connection.ops.quote_name
    return {
        "tally": quote(apps.get_model("tracker", "PairTally")._meta.db_table),
        "participant": quote(apps.get_model("tracker", "Participant")._meta.db_table),
        "meeting": quote(apps.get_model("tracker", "Meeting")._meta.db_table),
    }


# The latest meeting the pair of the tally row being updated share, as it stands now.
SQLITE_LAST_MET = """(
    SELECT MAX(m.start) FROM {participant} p1
    JOIN {participant} p2 ON p2.meeting_id = p1.meeting_id AND p2.actor_id = {tally}.actor_b_id
    JOIN {meeting} m ON m.id = p1.meeting_id
    WHERE p1.actor_id = {tally}.actor_a_id
)"""


def sqlite_added(row: str) -> str:
    """`row` (NEW) joined its meeting: one more shared meeting for each pair it forms there, itself included."""
    return f"""
        INSERT INTO {{tally}} (actor_a_id, actor_b_id, meetings, last_met)
        SELECT MIN({row}.actor_id, o.actor_id), MAX({row}.actor_id, o.actor_id), 1,
               (SELECT start FROM {{meeting}} WHERE id = {row}.meeting_id)
        FROM {{participant}} o WHERE o.meeting_id = {row}.meeting_id
        ON CONFLICT (actor_a_id, actor_b_id) DO UPDATE SET
            meetings = {{tally}}.meetings + 1,
            last_met = CASE WHEN excluded.last_met IS NOT NULL
                             AND ({{tally}}.last_met IS NULL OR excluded.last_met > {{tally}}.last_met)
                            THEN excluded.last_met ELSE {{tally}}.last_met END;
    """


def sqlite_removed(row: str, current: str) -> str:
    """`row` (OLD) left its meeting; `current` is the id the row has now (none after a delete)."""
    return f"""
        UPDATE {{tally}} SET
            meetings = meetings - 1,
            last_met = CASE
                WHEN (SELECT start FROM {{meeting}} WHERE id = {row}.meeting_id) IS NULL
                  OR last_met > (SELECT start FROM {{meeting}} WHERE id = {row}.meeting_id) THEN last_met
                ELSE {SQLITE_LAST_MET} END
        WHERE {row}.meeting_id IS NOT NULL AND (actor_a_id, actor_b_id) IN (
            SELECT MIN({row}.actor_id, o.actor_id), MAX({row}.actor_id, o.actor_id)
            FROM {{participant}} o WHERE o.meeting_id = {row}.meeting_id AND o.id IS NOT {current}
            UNION SELECT {row}.actor_id, {row}.actor_id
        );
        DELETE FROM {{tally}} WHERE meetings <= 0 AND (actor_a_id = {row}.actor_id OR actor_b_id = {row}.actor_id);
    """


SQLITE_TRIGGERS = {
    "parley_pairs_participant_insert": (
        "AFTER INSERT ON {participant} WHEN NEW.meeting_id IS NOT NULL",
        sqlite_added("NEW"),
    ),
    "parley_pairs_participant_delete": (
        "AFTER DELETE ON {participant} WHEN OLD.meeting_id IS NOT NULL",
        sqlite_removed("OLD", "NULL"),
    ),
    "parley_pairs_participant_update": (
        "AFTER UPDATE OF actor_id, meeting_id ON {participant}"
        " WHEN OLD.actor_id IS NOT NEW.actor_id OR OLD.meeting_id IS NOT NEW.meeting_id",
        sqlite_removed("OLD", "NEW.id") + sqlite_added("NEW"),
    ),
    # A later start may be the pair's latest meeting; an earlier one may leave another meeting the latest.
    "parley_pairs_meeting_start": (
        "AFTER UPDATE OF start ON {meeting} WHEN OLD.start IS NOT NEW.start",
        f"""
        UPDATE {{tally}} SET last_met = CASE
            WHEN NEW.start IS NOT NULL AND (last_met IS NULL OR NEW.start >= last_met) THEN NEW.start
            WHEN OLD.start IS NULL OR last_met > OLD.start THEN last_met
            ELSE {SQLITE_LAST_MET} END
        WHERE actor_a_id IN (SELECT actor_id FROM {{participant}} WHERE meeting_id = NEW.id)
          AND actor_b_id IN (SELECT actor_id FROM {{participant}} WHERE meeting_id = NEW.id);
        """,
    ),
}

POSTGRESQL_FUNCTIONS = """
CREATE FUNCTION parley_recount_pairs(actors bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF actors IS NULL OR cardinality(actors) = 0 THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock({lock});
    DELETE FROM {tally} WHERE actor_a_id = ANY(actors) AND actor_b_id = ANY(actors);
    INSERT INTO {tally} (actor_a_id, actor_b_id, meetings, last_met)
    SELECT p1.actor_id, p2.actor_id, COUNT(*), MAX(m.start)
    FROM {participant} p1
    JOIN {participant} p2 ON p2.meeting_id = p1.meeting_id AND p2.actor_id >= p1.actor_id
    JOIN {meeting} m ON m.id = p1.meeting_id
    WHERE p1.actor_id = ANY(actors) AND p2.actor_id = ANY(actors)
    GROUP BY p1.actor_id, p2.actor_id;
END $$;

CREATE FUNCTION parley_pairs_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM added WHERE meeting_id IS NOT NULL) THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock({lock});
    INSERT INTO {tally} AS t (actor_a_id, actor_b_id, meetings, last_met)
    SELECT p1.actor_id, p2.actor_id, COUNT(*), MAX(m.start)
    FROM {participant} p1
    JOIN {participant} p2 ON p2.meeting_id = p1.meeting_id AND p2.actor_id >= p1.actor_id
    JOIN {meeting} m ON m.id = p1.meeting_id
    WHERE p1.meeting_id IN (SELECT meeting_id FROM added)
      AND (p1.id IN (SELECT id FROM added) OR p2.id IN (SELECT id FROM added))
    GROUP BY p1.actor_id, p2.actor_id
    ON CONFLICT (actor_a_id, actor_b_id) DO UPDATE SET
        meetings = t.meetings + excluded.meetings, last_met = GREATEST(t.last_met, excluded.last_met);
    RETURN NULL;
END $$;

CREATE FUNCTION parley_pairs_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM parley_recount_pairs(ARRAY(
        SELECT actor_id FROM removed WHERE meeting_id IS NOT NULL
        UNION SELECT actor_id FROM {participant} WHERE meeting_id IN (SELECT meeting_id FROM removed)
    ));
    RETURN NULL;
END $$;

CREATE FUNCTION parley_pairs_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM parley_recount_pairs(ARRAY(
        WITH moved AS (
            SELECT o.actor_id AS old_actor, o.meeting_id AS old_meeting, n.actor_id AS new_actor, n.meeting_id AS new_meeting
            FROM removed o JOIN added n ON n.id = o.id
            WHERE o.actor_id IS DISTINCT FROM n.actor_id OR o.meeting_id IS DISTINCT FROM n.meeting_id
        )
        SELECT old_actor FROM moved WHERE old_meeting IS NOT NULL
        UNION SELECT new_actor FROM moved WHERE new_meeting IS NOT NULL
        UNION SELECT actor_id FROM {participant}
              WHERE meeting_id IN (SELECT old_meeting FROM moved UNION SELECT new_meeting FROM moved)
    ));
    RETURN NULL;
END $$;

CREATE FUNCTION parley_pairs_rescheduled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM parley_recount_pairs(ARRAY(
        SELECT actor_id FROM {participant} WHERE meeting_id IN (
            SELECT n.id FROM added n JOIN removed o ON o.id = n.id WHERE o.start IS DISTINCT FROM n.start
        )
    ));
    RETURN NULL;
END $$;
"""

POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER parley_pairs_insert AFTER INSERT ON {participant}"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION parley_pairs_added()",
    "CREATE TRIGGER parley_pairs_delete AFTER DELETE ON {participant}"
    " REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION parley_pairs_removed()",
    "CREATE TRIGGER parley_pairs_update AFTER UPDATE ON {participant}"
    " REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION parley_pairs_moved()",
    "CREATE TRIGGER parley_pairs_reschedule AFTER UPDATE ON {meeting}"
    " REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION parley_pairs_rescheduled()",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS parley_pairs_insert ON {participant}",
    "DROP TRIGGER IF EXISTS parley_pairs_delete ON {participant}",
    "DROP TRIGGER IF EXISTS parley_pairs_update ON {participant}",
    "DROP TRIGGER IF EXISTS parley_pairs_reschedule ON {meeting}",
    "DROP FUNCTION IF EXISTS parley_pairs_added(), parley_pairs_removed(), parley_pairs_moved(),"
    " parley_pairs_rescheduled(), parley_recount_pairs(bigint[])",
]


def create_triggers(apps, schema_editor):
    names = _names(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTIONS.format(lock=REFRESH_LOCK, **names), params=None)
        for statement in POSTGRESQL_TRIGGERS:
            schema_editor.execute(statement.format(**names))
    elif vendor == "sqlite":
        for name, (when, body) in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"CREATE TRIGGER {name} {when.format(**names)} BEGIN {body.format(**names)} END")
    else:
        raise NotImplementedError(f"Parley's tally triggers exist for SQLite and PostgreSQL, not {vendor}.")
    # Start from a true count, whatever earlier code left in the table.
    schema_editor.execute(f"DELETE FROM {names['tally']}")
    schema_editor.execute(
        f"""
        INSERT INTO {names["tally"]} (actor_a_id, actor_b_id, meetings, last_met)
        SELECT p1.actor_id, p2.actor_id, COUNT(*), MAX(m.start)
        FROM {names["participant"]} p1
        JOIN {names["participant"]} p2 ON p2.meeting_id = p1.meeting_id AND p2.actor_id >= p1.actor_id
        JOIN {names["meeting"]} m ON m.id = p1.meeting_id
        WHERE p1.meeting_id IS NOT NULL
        GROUP BY p1.actor_id, p2.actor_id
        """
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
        ("tracker", "0005_event_search"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
