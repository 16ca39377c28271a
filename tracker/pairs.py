"""Keep PairTally in step with meetings: who met whom, how often, and when last.

Call refresh_pair_tallies after any write that adds, removes or moves participants of meetings,
or changes a meeting's date, in the same transaction:

    refresh_pair_tallies(meeting_ids=[meeting.pk], actor_ids=actors_before_the_edit)

Actors that left a meeting are no longer found through it, so the caller passes them in
`actor_ids`. rebuild_pair_tallies() recomputes the whole table (after loaddata, generate_timeline).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q

from tracker.models import Meeting, PairTally, Participant

# PostgreSQL advisory lock key ("pairs" in ASCII): two refreshes of the same pairs would both
# delete, then both insert, and the second insert would break the unique constraint.
REFRESH_LOCK = 0x7061697273


def _lock() -> None:
    # SQLite needs nothing: its IMMEDIATE transactions already let one writer in at a time.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])


# Pairs of two actors (a < b) and each actor with itself (a = b), counted over shared meetings.
PAIRS_SQL = """
    SELECT p1.actor_id, p2.actor_id, COUNT(*), MAX(m.start)
    FROM {participant} p1
    JOIN {participant} p2 ON p2.meeting_id = p1.meeting_id AND p2.actor_id >= p1.actor_id
    JOIN {meeting} m ON m.id = p1.meeting_id
    WHERE p1.meeting_id IS NOT NULL {where}
    GROUP BY p1.actor_id, p2.actor_id
"""


def _sql(where: str = "") -> str:
    quote = connection.ops.quote_name
    return PAIRS_SQL.format(
        participant=quote(Participant._meta.db_table), meeting=quote(Meeting._meta.db_table), where=where
    )


def _insert(where: str, params: list) -> None:
    table = connection.ops.quote_name(PairTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (actor_a_id, actor_b_id, meetings, last_met) {_sql(where)}", params)


@transaction.atomic
def refresh_pair_tallies(*, meeting_ids: Iterable[int] = (), actor_ids: Iterable[int] = ()) -> None:
    """Recount every pair among the actors of `meeting_ids` and the actors in `actor_ids`."""
    actors = set(actor_ids)
    meeting_ids = list(meeting_ids)
    if meeting_ids:
        actors |= set(Participant.objects.filter(meeting__in=meeting_ids).values_list("actor_id", flat=True))
    if not actors:
        return
    ids = sorted(actors)
    _lock()
    PairTally.objects.filter(actor_a__in=ids, actor_b__in=ids).delete()
    marks = ", ".join(["%s"] * len(ids))
    _insert(f"AND p1.actor_id IN ({marks}) AND p2.actor_id IN ({marks})", [*ids, *ids])


@transaction.atomic
def refresh_actor_tallies(actor_id: int) -> None:
    """Recount every pair that includes one actor, e.g. after other actors were merged into it."""
    _lock()
    PairTally.objects.filter(Q(actor_a=actor_id) | Q(actor_b=actor_id)).delete()
    table = connection.ops.quote_name(PairTally._meta.db_table)
    participant = connection.ops.quote_name(Participant._meta.db_table)
    meeting = connection.ops.quote_name(Meeting._meta.db_table)
    with connection.cursor() as cursor:
        # The actor's meetings, and each actor met there, ordered so that actor_a <= actor_b.
        cursor.execute(
            f"""
            INSERT INTO {table} (actor_a_id, actor_b_id, meetings, last_met)
            SELECT CASE WHEN other.actor_id < %s THEN other.actor_id ELSE %s END,
                   CASE WHEN other.actor_id < %s THEN %s ELSE other.actor_id END,
                   COUNT(*), MAX(m.start)
            FROM {participant} mine
            JOIN {participant} other ON other.meeting_id = mine.meeting_id
            JOIN {meeting} m ON m.id = mine.meeting_id
            WHERE mine.actor_id = %s AND mine.meeting_id IS NOT NULL
            GROUP BY other.actor_id
            """,
            [actor_id, actor_id, actor_id, actor_id, actor_id],
        )


@transaction.atomic
def rebuild_pair_tallies() -> None:
    """Recount the whole table from the participants."""
    _lock()
    PairTally.objects.all().delete()
    _insert("", [])


# Reads for the dashboard: the whole-database matrix and an actor's counterparts, from the tallies.


def busiest_actors(size: int) -> list[dict]:
    """The `size` actors with most meetings, as the who-meets-whom matrix ranks them."""
    return list(
        PairTally.objects.filter(actor_a=F("actor_b"))
        .order_by("-meetings", "actor_a__name")
        .values("meetings", actor=F("actor_a"), slug=F("actor_a__slug"), name=F("actor_a__name"))[:size]
    )


def pairs_among(actor_ids: Iterable[int]) -> dict[tuple[int, int], dict]:
    """How often and when last each two of `actor_ids` met, under both orders of the pair."""
    ids = list(actor_ids)
    pairs: dict[tuple[int, int], dict] = {}
    rows = (
        PairTally.objects.filter(actor_a__in=ids, actor_b__in=ids)
        .exclude(actor_a=F("actor_b"))
        .values("actor_a", "actor_b", count=F("meetings"), last=F("last_met"))
    )
    for row in rows:
        pairs[(row["actor_a"], row["actor_b"])] = pairs[(row["actor_b"], row["actor_a"])] = row
    return pairs


def counterparts(actor_id: int, cap: int) -> list[dict]:
    """The actors `actor_id` has met, most meetings first, then the latest, then by name."""

    def side(mine: str, other: str):
        return (
            PairTally.objects.filter(**{mine: actor_id})
            .exclude(**{other: actor_id})
            .values(
                "meetings",
                actor=F(other),
                slug=F(f"{other}__slug"),
                name=F(f"{other}__name"),
                kind=F(f"{other}__kind"),
                last=F("last_met"),
            )
        )

    return list(
        side("actor_a", "actor_b")
        .union(side("actor_b", "actor_a"), all=True)
        .order_by("-meetings", "-last", "name")[:cap]
    )
