"""The dashboard's reads that are more than one QuerySet call: events as cards, density counts, the live matrix.

Each function makes a fixed number of queries, whatever the number of events. The reads every timeline
page makes whatever its filters (cards, participants, sources, tallies) are SQL written once: building
them with the ORM cost more than running them (bench/run.py: about 4 ms of a 10 ms fragment). Only
table names, placeholders and constants are put into their text; every value is a parameter.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain, islice, repeat

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from tracker.filters import Key
from tracker.models import (
    Actor,
    ActorDayTally,
    Alias,
    DayTally,
    Drill,
    Evidence,
    Meeting,
    Participant,
    Source,
)
from tracker.pairs import busiest_sql, count_meeting, new_pair
from tracker.views.cards import EVENT_FIELDS, EXTRA_FIELDS, EventCard, EventRow, EvidenceRow, Person, SourceRow

MODELS = {"meeting": Meeting, "drill": Drill}
RANKS = ((0, "meeting"), (1, "drill"))
MATRIX_SIZE = 12


def _card(kind: str, row: dict) -> EventCard:
    return EventCard(EventRow(type=kind, **row))


def _quoted(model, name: str) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return connection.ops.quote_name(field.column)


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@lru_cache
def _event_select(vendor: str, kind: str) -> tuple[str, tuple[str, ...]]:
    model = MODELS[kind]
    names = (*EVENT_FIELDS, *EXTRA_FIELDS[kind])
    columns = ", ".join(_quoted(model, name) for name in names)
    return (
        f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {_quoted(model, 'pk')} IN",
        names,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back the naive UTC time the ORM would have made aware.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cards_for(keys: list[Key]) -> list[EventCard]:
    """The events at these keys, in the keys' order: one read by id per kind."""
    found: dict[tuple[int, int], EventCard] = {}
    for rank, kind in RANKS:
        ids = [pk for _, r, pk in keys if r == rank]
        if ids:
            select, names = _event_select(connection.vendor, kind)
            for values in _fetch(f"{select} ({_marks(ids)})", ids):
                row = dict(zip(names, values))
                row["updated_at"] = _aware(row["updated_at"])
                found[(rank, row["pk"])] = _card(kind, row)
    return [found[(rank, pk)] for _, rank, pk in keys if (rank, pk) in found]


def _of_cards(cards: Iterable[EventCard], alias: str) -> tuple[dict[tuple[str, int], EventCard], str, list[int]]:
    """The cards by (type, pk), and the SQL condition on `alias`'s meeting and drill columns that picks their
    participants or evidence, with its parameters: one query for both kinds."""
    by_key = {(card.type, card.event.pk): card for card in cards}
    conditions, params = [], []
    for kind in ("meeting", "drill"):
        if ids := [pk for type_, pk in by_key if type_ == kind]:
            conditions.append(f"{alias}.{kind}_id IN ({_marks(ids)})")
            params += ids
    return by_key, " OR ".join(conditions), params


@lru_cache
def _people_select(vendor: str) -> str:
    participant, actor, alias = (
        connection.ops.quote_name(model._meta.db_table) for model in (Participant, Actor, Alias)
    )
    position = "STRPOS" if vendor == "postgresql" else "INSTR"
    # The participant's shortest alias that is a word of its name ("Truss" for Liz Truss), for chart
    # labels: read in the participants' query, so a label costs no query of its own.
    short = (
        f"(SELECT s.name FROM {alias} s WHERE s.actor_id = p.actor_id"
        f" AND {position}(' ' || a.name || ' ', ' ' || s.name || ' ') > 0 ORDER BY LENGTH(s.name), s.name LIMIT 1)"
    )
    joined = f"INNER JOIN {actor} a ON a.id = p.actor_id"
    if vendor == "postgresql":
        # Each participant's actor by primary key: PostgreSQL would hash the whole actor table for a page's
        # few dozen participants (0.5 ms against 0.2 ms at a million events); OFFSET 0 keeps the lookup per row.
        joined = f"CROSS JOIN LATERAL (SELECT name, slug FROM {actor} WHERE id = p.actor_id OFFSET 0) a"
    return (
        f"SELECT p.meeting_id, p.drill_id, p.actor_id, a.name, a.slug, p.role, {short}"
        f" FROM {participant} p {joined} WHERE {{where}} ORDER BY p.id"
    )


def add_people(cards: Iterable[EventCard]) -> None:
    """Each card's participants, in the order they were recorded, with their short names: one query."""
    by_key, condition, params = _of_cards(cards, "p")
    if not by_key:
        return
    rows = _fetch(_people_select(connection.vendor).format(where=condition), params)
    for meeting_id, drill_id, actor_id, name, slug, role, short in rows:
        key = ("meeting", meeting_id) if meeting_id is not None else ("drill", drill_id)
        by_key[key].people.append(Person(actor_id, name, slug, role, short or ""))


@lru_cache
def _evidence_select(vendor: str) -> str:
    evidence, source = (connection.ops.quote_name(model._meta.db_table) for model in (Evidence, Source))
    return (
        "SELECT e.meeting_id, e.drill_id, e.sentence, s.title, s.publisher, s.url, s.published"
        f" FROM {evidence} e INNER JOIN {source} s ON s.id = e.source_id WHERE {{where}} ORDER BY s.published, e.id"
    )


def add_evidence(cards: Iterable[EventCard]) -> None:
    """Each card's sources with the sentence that reports it, oldest source first: one query."""
    by_key, condition, params = _of_cards(cards, "e")
    if not by_key:
        return
    rows = _fetch(_evidence_select(connection.vendor).format(where=condition), params)
    for meeting_id, drill_id, sentence, title, publisher, url, published in rows:
        key = ("meeting", meeting_id) if meeting_id is not None else ("drill", drill_id)
        by_key[key].evidence.append(EvidenceRow(sentence, SourceRow(title, publisher, url, published)))


def event_card(kind: str, slug: str) -> EventCard | None:
    """One meeting or drill with its participants and sources, or None: three queries."""
    row = MODELS[kind].objects.filter(slug=slug).values(*EVENT_FIELDS, *EXTRA_FIELDS[kind]).first()
    if row is None:
        return None
    card = _card(kind, row)
    add_people([card])
    add_evidence([card])
    return card


def _days_from(column: str) -> str:
    """SQL for the whole days from a date parameter to `column`."""
    if connection.vendor == "postgresql":
        return f"({column} - CAST(%s AS date))"
    return f"CAST(julianday({column}) - julianday(%s) AS INTEGER)"


def density_counts(
    events: QuerySet, first: date, days: int, lane_ids: list[int], limit: int
) -> tuple[Counter, Counter, int, date | None]:
    """Events per bucket of `days` days from `first`, and per (actor, bucket) for `lane_ids`.

    Counts at most `limit` events, the earliest: returns how many it counted and the start of the
    last, so the caller can say where the counting stopped. One query, which reads the bounded index
    range once (a WITH that both counts use) and probes each of its events' participants.
    """
    totals: Counter = Counter()
    lanes: Counter = Counter()
    window = events.order_by("start", "pk").values("pk", "start")[:limit]
    try:
        sql, params = window.query.sql_with_params()
    except EmptyResultSet:
        return totals, lanes, 0, None
    start_field = events.model._meta.get_field("start")
    bucket = f"({_days_from('w.start')}) / %s"
    bucket_params = [first if connection.vendor == "postgresql" else first.isoformat(), days]
    statement = f"WITH w AS ({sql}) SELECT NULL, {bucket} AS b, COUNT(*), MAX(w.start) FROM w GROUP BY b"
    statement_params = [*params, *bucket_params]
    if lane_ids:
        participant = connection.ops.quote_name(Participant._meta.db_table)
        field = events.model._meta.model_name
        # CROSS JOIN keeps SQLite reading the window first and probing each event's participants,
        # instead of reading every participation of a busy actor.
        statement += (
            f" UNION ALL SELECT p.actor_id, {bucket} AS b, COUNT(*), NULL FROM w CROSS JOIN {participant} p"
            f" WHERE p.{field}_id = w.pk AND p.actor_id IN ({_marks(lane_ids)}) GROUP BY p.actor_id, b"
        )
        statement_params += [*bucket_params, *lane_ids]
    counted, last_start = 0, None
    for actor_id, b, count, latest in _fetch(statement, statement_params):
        if actor_id is not None:
            lanes[(actor_id, max(b, 0))] += count
            continue
        totals[max(b, 0)] += count
        counted += count
        latest = start_field.to_python(latest)
        last_start = latest if last_start is None else max(last_start, latest)
    return totals, lanes, counted, last_start


def tallied_counts(
    first: date, last: date, days: int, size: int, types: list[str]
) -> tuple[list[tuple[int, str, str]], Counter, Counter, Counter]:
    """Events of `types` per bucket of `days` days from `first`; the `size` actors with most meetings as
    (id, slug, name), busiest first, with their events per (actor, bucket); and the events per type.

    Read from the tallies the triggers keep (DayTally, ActorDayTally, PairTally): two indexed reads of at
    most a row per day and lane, however many events the window holds, summed per bucket by the database.
    """
    totals: Counter = Counter()
    lanes: Counter = Counter()
    per_type: Counter = Counter()
    if not types:
        return [], totals, lanes, per_type
    bucket = f"({_days_from('t.day')}) / %s"
    start = first if connection.vendor == "postgresql" else first.isoformat()
    where = f"t.day BETWEEN %s AND %s AND t.type IN ({_marks(types)}) AND t.events > 0"
    day_tally, actor_tally = (connection.ops.quote_name(model._meta.db_table) for model in (DayTally, ActorDayTally))
    rows = _fetch(
        f"SELECT t.type, {bucket} AS b, SUM(t.events) FROM {day_tally} t WHERE {where} GROUP BY t.type, b",
        [start, days, first, last, *types],
    )
    for kind, b, count in rows:
        totals[b] += count
        per_type[kind] += count
    if not totals:
        return [], totals, lanes, per_type
    # The busiest actors, as the who-meets-whom matrix ranks them, and their counts in one read.
    rows = _fetch(
        f"SELECT top.actor, top.slug, top.name, {bucket} AS b, SUM(t.events)"
        f" FROM ({busiest_sql()}) top INNER JOIN {actor_tally} t ON t.actor_id = top.actor"
        f" WHERE {where} GROUP BY top.meetings, top.actor, top.slug, top.name, b ORDER BY top.meetings DESC, top.name",
        [start, days, size, first, last, *types],
    )
    for actor_id, _, _, b, count in rows:
        lanes[(actor_id, b)] += count
    lane_actors = list(dict.fromkeys((actor_id, slug, name) for actor_id, slug, name, _, _ in rows))
    return lane_actors, totals, lanes, per_type


def meeting_matrix(
    meetings: QuerySet[Meeting], size: int = MATRIX_SIZE
) -> tuple[list[dict], dict[tuple[int, int], dict]]:
    """The `size` actors with most of `meetings`, and for each pair of them how often and when last they met."""
    top, pairs, _ = matrix_with_others(meetings, size)
    return top, pairs


def matrix_with_others(
    meetings: QuerySet[Meeting], size: int = MATRIX_SIZE, others: int = 0
) -> tuple[list[dict], dict[tuple[int, int], dict], dict[int, dict]]:
    """The `size` actors with most of `meetings`; for each pair of them how often (held, planned, any status) and
    when last they met; and for each of them the `others` counterparts outside the top they met most.

    One query reads who took part in each meeting and Python counts, so the meetings are found once:
    a GROUP BY for the ranking and a self-join for the pairs each searched them again (at 1M events a
    busy actor's 90 days are 3,400 meetings probed for the actor). A second query names the leaders,
    sorted by the database so that ties fall in the same order as the actor list, and a third the counterparts.
    """
    people: dict[int, list[int]] = defaultdict(list)
    facts: dict[int, tuple[date | None, str, str]] = {}
    counts: Counter = Counter()
    # `meeting IS NOT NULL` lets PostgreSQL read participants from the partial (meeting, actor) index alone.
    taking_part = (
        meetings.filter(participants__meeting__isnull=False)
        .order_by()
        .values_list("pk", "start", "precision", "status", "participants__actor")
    )
    for meeting, start, precision, status, actor in taking_part:
        people[meeting].append(actor)
        facts[meeting] = (start, precision, status)
        counts[actor] += 1
    if not counts:
        return [], {}, {}
    ranked = counts.most_common()
    # Every actor tied with the last place is named, so the name decides among them.
    floor = ranked[min(size, len(ranked)) - 1][1]
    named = Actor.objects.filter(pk__in=[actor for actor, count in ranked if count >= floor]).order_by("name")
    top = sorted(
        (
            {"actor": pk, "slug": slug, "name": name, "meetings": counts[pk]}
            for pk, slug, name in named.values_list("pk", "slug", "name")
        ),
        key=lambda row: -row["meetings"],
    )[:size]
    ids = {row["actor"] for row in top}
    pairs: dict[tuple[int, int], dict] = {}
    outside: dict[tuple[int, int], dict] = {}
    for meeting, actors in people.items():
        present = sorted(actor for actor in actors if actor in ids)
        start, precision, status = facts[meeting]
        for index, a in enumerate(present):
            for b in present[index + 1 :]:
                row = pairs.get((a, b))
                if row is None:
                    row = pairs[(a, b)] = pairs[(b, a)] = new_pair(a, b)
                count_meeting(row, start, precision, status)
            if others:
                for b in actors:
                    if b not in ids:
                        row = outside.get((a, b))
                        if row is None:
                            row = outside[(a, b)] = new_pair(a, b)
                        count_meeting(row, start, precision, status)
    return top, pairs, named_counterparts(outside, others)


def named_counterparts(outside: dict[tuple[int, int], dict], cap: int) -> dict[int, dict]:
    """For each top actor, its `cap` counterparts met most (held) and how many more it met: one query names them."""
    chosen: dict[int, list[dict]] = defaultdict(list)
    more: Counter = Counter()
    for row in sorted(outside.values(), key=lambda row: (-row["held"], -row["planned"])):
        if row["held"] == 0 and row["planned"] == 0:
            continue
        if len(chosen[row["actor"]]) < cap:
            chosen[row["actor"]].append(row)
        else:
            more[row["actor"]] += 1
    if not chosen:
        return {}
    names = {
        pk: (slug, name)
        for pk, slug, name in Actor.objects.filter(
            pk__in={row["other"] for rows in chosen.values() for row in rows}
        ).values_list("pk", "slug", "name")
    }
    result = {}
    for actor, rows in chosen.items():
        listed = [{**row, "slug": names[row["other"]][0], "name": names[row["other"]][1]} for row in rows]
        listed.sort(key=lambda row: (-row["held"], -row["planned"], row["name"]))
        result[actor] = {"rows": listed, "more": more[actor]}
    return result


def pair_meetings(meetings: QuerySet[Meeting], pair: list[Actor], cap: int) -> tuple[list[EventCard], bool]:
    """The latest `cap` meetings of the pair, oldest first, with participants and sources; and whether there are more.

    Found from the first actor's participations.
    """
    rows = list(
        meetings.involving(pair[1])
        .filter(pk__in=pair[0].participations.filter(meeting__isnull=False).values("meeting"))
        .order_by("-start", "-pk")
        .values(*EVENT_FIELDS, *EXTRA_FIELDS["meeting"])[: cap + 1]
    )
    cards = [_card("meeting", row) for row in reversed(rows[:cap])]
    add_people(cards)
    add_evidence(cards)
    return cards, len(rows) > cap


EXPORT_BATCH = 500
EXPORT_FIRST_BATCH = 50


def _export_rows(events: QuerySet, kind: str) -> Iterator[list[dict]]:
    """The events' rows in date order, in batches; the first is small, so the download starts at once."""
    rows = events.chronological().values(*EVENT_FIELDS, *EXTRA_FIELDS[kind]).iterator(chunk_size=EXPORT_FIRST_BATCH)
    for size in chain([EXPORT_FIRST_BATCH], repeat(EXPORT_BATCH)):
        if not (batch := list(islice(rows, size))):
            return
        yield batch


def export_cards(events: QuerySet, kind: str) -> Iterator[EventCard]:
    """Cards for every event of `events` in date order, each batch followed by its participants and its
    sources, one query each."""
    for batch in _export_rows(events, kind):
        cards = [_card(kind, row) for row in batch]
        add_people(cards)
        add_evidence(cards)
        yield from cards


def one_snapshot(cards: Iterator[EventCard]) -> Iterator[EventCard]:
    """On PostgreSQL, the whole download in one read-only transaction: one consistent snapshot, and a
    server-side cursor that streams (outside a transaction PostgreSQL reads the whole result before
    the first row). SQLite streams as it is, and a transaction there would take the write lock."""
    if connection.vendor != "postgresql":
        yield from cards
        return
    with transaction.atomic():
        yield from cards
