"""Who met whom, read from PairTally: the whole-database matrix and an actor's counterparts.

The tallies are kept by database triggers (migration 0006) in the same statement as any write of
participants or of a meeting's start, so no write path (admin, services, loaddata, raw SQL) can forget them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, Count, F, Max, Q, When, Window
from django.db.models.functions import RowNumber

from tracker.models import Meeting, PairTally, Participant

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


def held_and_planned(ids: list[int], pairs: dict[tuple[int, int], dict], others: int) -> dict[int, dict]:
    """Split the tallies of the pairs among `ids` into held and planned meetings, with the last held one's
    precision, in place; and return, for each of `ids`, its `others` counterparts outside `ids` met most.

    The tallies count every status. Meetings not held are few (planned, postponed, cancelled), so one query
    reads who took part in them and in the meetings on each pair's last date; a second, only when a pair's
    latest shared meeting was not held, finds the one before it that was.
    """
    dates = {row["last"] for row in pairs.values() if row["last"]}
    chosen = Meeting.objects.filter(participants__actor__in=ids).filter(
        ~Q(status=Meeting.Status.HELD) | Q(start__in=dates)
    )
    rows = Participant.objects.filter(meeting__in=chosen.values("pk")).values_list(
        "meeting", "actor", "meeting__start", "meeting__precision", "meeting__status"
    )
    people: dict[int, list[int]] = defaultdict(list)
    facts: dict[int, tuple] = {}
    for meeting, actor, start, precision, status in rows:
        people[meeting].append(actor)
        facts[meeting] = (start, precision, status)
    members = set(ids)
    unheld: dict[tuple[int, int], dict] = {}
    split = {
        key: {**row, "held": 0, "planned": 0, "last_held": None, "last_precision": "day"} for key, row in pairs.items()
    }
    for meeting, actors in people.items():
        start, precision, status = facts[meeting]
        for a in actors:
            if a not in members:
                continue
            for b in actors:
                if a == b:
                    continue
                if status != Meeting.Status.HELD:
                    row = unheld.setdefault((a, b), new_pair(a, b))
                    count_meeting(row, start, precision, status)
                elif (a, b) in split and start == split[(a, b)]["last"]:
                    note_held(split[(a, b)], start, precision)
    for key, row in split.items():
        missing = unheld.get(key, new_pair(*key))
        row["held"] = row["count"] - missing["count"]
        row["planned"] = missing["planned"]
    later = {key for key, row in split.items() if row["held"] and row["last_held"] is None}
    if later:
        firsts = {a for a, b in later}
        found = (
            Participant.objects.filter(
                actor__in=firsts,
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
                note_held(split[key], row["start"], row["precision"])
    for key, row in split.items():
        pairs[key] = row
    return _counterparts_outside(ids, unheld, others) if others else {}


def _counterparts_outside(ids: list[int], unheld: dict[tuple[int, int], dict], cap: int) -> dict[int, dict]:
    """For each of `ids`, the `cap` actors outside `ids` it met most (held meetings), and how many more it met."""
    first_in = Q(actor_a__in=ids)
    side = Case(When(first_in, then=F("actor_a")), default=F("actor_b"))
    rows = (
        PairTally.objects.filter(first_in ^ Q(actor_b__in=ids))
        .annotate(
            top=side,
            other=Case(When(first_in, then=F("actor_b")), default=F("actor_a")),
            slug=Case(When(first_in, then=F("actor_b__slug")), default=F("actor_a__slug")),
            name=Case(When(first_in, then=F("actor_b__name")), default=F("actor_a__name")),
            rank=Window(RowNumber(), partition_by=[side], order_by=[F("meetings").desc(), F("pk").asc()]),
            total=Window(Count("pk"), partition_by=[side]),
        )
        # A few spare rows: some of the most met may have been planned only.
        .filter(rank__lte=cap + 3)
        .values("top", "other", "slug", "name", "meetings", "total")
    )
    listed: dict[int, list[dict]] = defaultdict(list)
    totals: dict[int, int] = {}
    for row in rows:
        missing = unheld.get((row["top"], row["other"]))
        held = row["meetings"] - (missing["count"] if missing else 0)
        planned = missing["planned"] if missing else 0
        totals[row["top"]] = row["total"]
        if held or planned:
            listed[row["top"]].append({**row, "held": held, "planned": planned})
    result = {}
    for actor, found in listed.items():
        found.sort(key=lambda row: (-row["held"], -row["planned"], row["name"]))
        result[actor] = {"rows": found[:cap], "more": max(0, totals[actor] - min(cap, len(found)))}
    return result
