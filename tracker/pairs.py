"""Who met whom, read from PairTally: the whole-database matrix and an actor's counterparts.

The tallies are kept by database triggers (migration 0006) in the same statement as any write of
participants or of a meeting's start, so no write path (admin, services, loaddata, raw SQL) can forget them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Max, Q
from django.db.models.expressions import RawSQL

from tracker.models import Actor, Meeting, PairTally, Participant

# Meetings still to come: shown apart from those held, never counted as met.
AHEAD = ("planned", "postponed")
PRECISE = {"day": 2, "month": 1, "year": 0}


def new_pair(a: int, b: int) -> dict:
    """A pair's counts before any meeting: all statuses, held, planned, and the last of any and of those held."""
    return {
        "actor": a,
        "other": b,
        "count": 0,
        "last": None,
        "held": 0,
        "planned": 0,
        "last_held": None,
        "last_precision": "day",
    }


def note_held(row: dict, start, precision: str) -> None:
    """Keep `start` as the pair's last held meeting if it is later, or as late and more precisely known."""
    known = row["last_held"]
    if start is not None and (
        known is None or start > known or (start == known and PRECISE[precision] > PRECISE[row["last_precision"]])
    ):
        row["last_held"], row["last_precision"] = start, precision


def count_meeting(row: dict, start, precision: str, status: str) -> None:
    """Add one meeting to a pair's `row`: every status counts in `count`, held ones in `held`, coming ones in `planned`."""
    row["count"] += 1
    if start is not None and (row["last"] is None or start > row["last"]):
        row["last"] = start
    if status in AHEAD:
        row["planned"] += 1
    elif status == "held":
        row["held"] += 1
        note_held(row, start, precision)


# Reads for the dashboard: the whole-database matrix and an actor's counterparts, from the tallies.


def busiest_sql() -> str:
    """SELECT of the actors with most meetings (meetings, actor, slug, name), busiest first, up to a LIMIT
    parameter: the who-meets-whom matrix's ranking, which the dense chart's lanes read too."""
    tally, actor = (connection.ops.quote_name(model._meta.db_table) for model in (PairTally, Actor))
    return (
        f"SELECT t.meetings AS meetings, t.actor_a_id AS actor, a.slug AS slug, a.name AS name FROM {tally} t"
        f" INNER JOIN {actor} a ON a.id = t.actor_a_id WHERE t.actor_a_id = t.actor_b_id"
        " ORDER BY t.meetings DESC, a.name LIMIT %s"
    )


def busiest_actors(size: int) -> list[dict]:
    """The `size` actors with most meetings, as the who-meets-whom matrix ranks them."""
    # Every dense chart reads this: written once as SQL, since building it with the ORM cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(busiest_sql(), [size])
        return [{"meetings": n, "actor": pk, "slug": slug, "name": name} for n, pk, slug, name in cursor.fetchall()]


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
    tally, actor = (connection.ops.quote_name(model._meta.db_table) for model in (PairTally, Actor))
    # Pairs whose meetings are all undated come after the dated ones, on PostgreSQL as on SQLite.
    order = "ORDER BY meetings DESC, last DESC NULLS LAST, name LIMIT %s"

    def side(mine: str, other: str) -> str:
        # Each side stops at `cap` rows read in its index's order: the busiest actor has met thousands.
        return (
            f"SELECT * FROM (SELECT t.meetings AS meetings, t.{other}_id AS actor, a.slug AS slug, a.name AS name,"
            f" a.kind AS kind, t.last_met AS last FROM {tally} t INNER JOIN {actor} a ON a.id = t.{other}_id"
            f" WHERE t.{mine}_id = %s AND t.{other}_id <> %s {order}) s_{mine}"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({side('actor_a', 'actor_b')} UNION ALL {side('actor_b', 'actor_a')}) u {order}",
            [actor_id, actor_id, cap, actor_id, actor_id, cap, cap],
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    to_date = PairTally._meta.get_field("last_met").to_python
    for row in rows:
        row["last"] = to_date(row["last"])
    return rows


# The most meetings (all the matrix's actors together, as the tallies count them) over which the whole-database
# matrix splits its tallies by status, reading who took part in the meetings not held: the split is exact
# on a small or middling database, and past it the counts say "of any status" rather than slow the page.
SPLIT_CAP = 5_000


def held_and_planned(top: list[dict], pairs: dict[tuple[int, int], dict], others: int) -> tuple[bool, dict[int, dict]]:
    """Split the tallies of the pairs among the `top` actors into held and planned meetings, with the last
    held one's precision, in place, and say whether it did; and for each actor its `others` counterparts
    outside `top` met most.

    The tallies count every status (a split kept by the triggers would need a migration). Up to SPLIT_CAP
    meetings, one query reads who took part in the meetings of `top` not held and in those on each pair's
    last date, and a second, only when a pair's latest shared meeting was not held, the last one held.
    The counterparts are read from the tallies, one indexed query per actor.
    """
    ids = [row["actor"] for row in top]
    split = sum(row["meetings"] for row in top) <= SPLIT_CAP
    unheld: dict[tuple[int, int], dict] = {}
    for key, row in list(pairs.items()):
        pairs[key] = {**row, "held": row["count"], "planned": 0, "last_held": row["last"], "last_precision": "day"}
    if split:
        dates = {row["last"] for row in pairs.values() if row["last"]}
        chosen = Meeting.objects.filter(participants__actor__in=ids).filter(
            ~Q(status=Meeting.Status.HELD) | Q(start__in=dates)
        )
        rows = Participant.objects.filter(meeting__in=chosen.values("pk")).values_list(
            "meeting", "actor", "meeting__start", "meeting__precision", "meeting__status"
        )
        _split(list(rows), ids, pairs, unheld)
    outside = {}
    if others:
        met = _most_met(ids, others + 3)
        for actor in ids:
            found = []
            for row in met.get(actor, []):
                if row["actor"] in ids:
                    continue
                missing = unheld.get((actor, row["actor"]))
                held = row["meetings"] - (missing["count"] if missing else 0)
                planned = missing["planned"] if missing else 0
                if held or planned:
                    found.append({**row, "other": row["actor"], "held": held, "planned": planned})
            found.sort(key=lambda row: (-row["held"], -row["planned"], row["name"]))
            outside[actor] = {"rows": found[:others], "more": max(0, len(found) - others)}
    return split, outside


def _most_met(ids: list[int], cap: int) -> dict[int, list[dict]]:
    """For each of `ids`, the `cap` actors outside `ids` it met most, from both sides of the tallies: one query
    whose parts are indexed reads of a few rows each (one actor's two sides sorted together read them all)."""
    members = set(ids)
    table = PairTally._meta.db_table
    # Each part in its own sub-select, so that its LIMIT reads the (actor, -meetings) index; an OR of
    # IN (subquery) scanned the whole table instead.
    part = f"SELECT * FROM (SELECT id FROM {table} WHERE {{mine}}_id = %s AND {{other}}_id <> %s ORDER BY meetings DESC LIMIT %s) AS p{{n}}"
    parts, params = [], []
    for actor in ids:
        for mine, other in (("actor_a", "actor_b"), ("actor_b", "actor_a")):
            parts.append(part.format(mine=mine, other=other, n=len(parts)))
            params += [actor, actor, cap + len(ids)]
    rows = PairTally.objects.filter(pk__in=RawSQL(" UNION ALL ".join(parts), params)).values(
        "actor_a", "actor_b", "meetings", "actor_a__slug", "actor_a__name", "actor_b__slug", "actor_b__name"
    )
    found: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        for mine, other in (("actor_a", "actor_b"), ("actor_b", "actor_a")):
            if row[mine] in members and row[other] not in members:
                found[row[mine]].append(
                    {
                        "actor": row[other],
                        "slug": row[f"{other}__slug"],
                        "name": row[f"{other}__name"],
                        "meetings": row["meetings"],
                    }
                )
    return found


def _split(rows: list[tuple], ids: list[int], pairs: dict[tuple[int, int], dict], unheld: dict) -> None:
    people: dict[int, list[int]] = defaultdict(list)
    facts: dict[int, tuple] = {}
    for meeting, actor, start, precision, status in rows:
        people[meeting].append(actor)
        facts[meeting] = (start, precision, status)
    members = set(ids)
    for row in pairs.values():
        row["last_held"] = None
    for meeting, actors in people.items():
        start, precision, status = facts[meeting]
        for a in actors:
            if a not in members:
                continue
            for b in actors:
                if a == b:
                    continue
                if status != Meeting.Status.HELD:
                    count_meeting(unheld.setdefault((a, b), new_pair(a, b)), start, precision, status)
                elif (a, b) in pairs and start == pairs[(a, b)]["last"]:
                    note_held(pairs[(a, b)], start, precision)
    for key, row in pairs.items():
        missing = unheld.get(key, new_pair(*key))
        row["held"] = row["count"] - missing["count"]
        row["planned"] = missing["planned"]
    later = {key for key, row in pairs.items() if row["held"] and row["last_held"] is None}
    if later:
        found = (
            Participant.objects.filter(
                actor__in={a for a, b in later},
                meeting__status=Meeting.Status.HELD,
                meeting__participants__actor__in={b for a, b in later},
            )
            .values("actor", other=F("meeting__participants__actor"), precision=F("meeting__precision"))
            .annotate(start=Max("meeting__start"))
            .order_by()
        )
        for row in found:
            key = (row["actor"], row["other"])
            if key in later:
                note_held(pairs[key], row["start"], row["precision"])
