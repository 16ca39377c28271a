"""Who met whom, read from PairTally: the whole-database matrix and an actor's counterparts.

The tallies are kept by database triggers (migration 0006) in the same statement as any write of
participants or of a meeting's start, so no write path (admin, services, loaddata, raw SQL) can forget them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from tracker.models import PairTally

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
