"""The dashboard's filters: read from GET parameters, applied to meetings and drills, written back as a URL.

Bad values never raise: each becomes a message for the page and is left out of the filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import ClassVar

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from tracker.dashboard import DEFAULT_ZOOM, ZOOM_SPAN, ZOOMS, Window
from tracker.extraction.headlines import join_names
from tracker.limits import DATE_RANGE_TEXT, EARLIEST, LATEST, clamp
from tracker.models import Actor, Drill, Meeting, Participant

DRILL = "drill"
KINDS: list[tuple[str, str]] = [*Meeting.Kind.choices, (DRILL, "drill")]
STATUSES: list[tuple[str, str]] = [
    ("planned", "planned"),
    ("ongoing", "ongoing"),
    ("held", "held"),
    ("postponed", "postponed"),
    ("cancelled", "cancelled"),
]
MATCHES = [("any", "any of them"), ("all", "all of them together")]
MAX_ACTORS = 20
MAX_TEXT = 200


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _date(params: QueryDict, name: str, label: str, errors: list[str]) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        errors.append(f"The {label} date “{raw[:40]}” is not a date; write dates as YYYY-MM-DD, e.g. 2022-02-10.")
        return None
    if not EARLIEST <= day <= LATEST:
        errors.append(f"The {label} date “{raw}” is not a date Parley keeps: dates run from {DATE_RANGE_TEXT}.")
        return None
    return day


# A place in the list: (start, rank, pk), rank 0 for a meeting and 1 for a drill.
Key = tuple[date, int, int]


def _after(events, rank: int, after: Key | None):
    """Events that sort after the list position `after` in (start, meetings before drills, id) order."""
    if after is None:
        return events
    day, after_rank, pk = after
    if rank < after_rank:
        return events.filter(start__gt=day)
    if rank > after_rank:
        return events.filter(start__gte=day)
    return events.filter(start__gte=day).exclude(start=day, pk__lte=pk)


class AmongFew(Func):
    """`pk IN (ids)` for a subquery that yields few ids (a rare actor's events), which PostgreSQL reads
    once as an array and looks up by primary key. As an IN it may instead walk the whole table's index
    backwards, probing each row for the actor, when it expects the actor's events to come soon: 145 ms
    at a million events for an actor with no drill."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        column, ids = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"{column[0]} IN {ids[0]}", (*column[1], *ids[1])

    def as_postgresql(self, compiler, connection, **extra):
        column, ids = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"{column[0]} = ANY(ARRAY{ids[0]})", (*column[1], *ids[1])


# Events dated after the opening window are counted up to this many, then "more than".
LATER_CAP = 100


@dataclass
class Neighbours:
    """The nearest events outside a window: where to look when it is empty, and what lies after it."""

    before: date | None = None  # the start of the last event before the window
    after: date | None = None  # the start of the first event after it
    latest: date | None = None  # the latest start of all
    later: int = 0  # how many events start after the window, counted up to LATER_CAP + 1 per kind

    @property
    def later_text(self) -> str:
        if self.later > LATER_CAP:
            return f"More than {LATER_CAP} events are"
        return "1 event is" if self.later == 1 else f"{self.later} events are"


@dataclass
class Filters:
    actors: list[Actor] = field(default_factory=list)
    match: str = "any"
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    q: str = ""
    zoom: str = DEFAULT_ZOOM
    at: date | None = None
    # Where a page of the list starts: just after the Key of the last event already shown.
    after: Key | None = None
    errors: list[str] = field(default_factory=list)
    # True when the URL named an actor by a name or alias rather than by slug, so it should be rewritten.
    rewritten: bool = False
    _events: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # The date fields' min and max.
    earliest: ClassVar[str] = EARLIEST.isoformat()
    latest: ClassVar[str] = LATEST.isoformat()

    @property
    def actor_slugs(self) -> list[str]:
        return [actor.slug for actor in self.actors]

    @property
    def active(self) -> bool:
        return bool(self.actors or self.kinds or self.statuses or self.first or self.last or self.q)

    @property
    def wants_meetings(self) -> bool:
        return not self.kinds or any(kind != DRILL for kind in self.kinds)

    @property
    def wants_drills(self) -> bool:
        return not self.kinds or DRILL in self.kinds

    def _signature(self) -> tuple:
        """Everything the SQL of a read depends on besides its window: what passes, and how actors are read."""
        busy = tuple((a.pk, a.__dict__.get("busy_in_meeting"), a.__dict__.get("busy_in_drill")) for a in self.actors)
        return (busy, self.match, tuple(self.kinds), tuple(self.statuses), self.q)

    def _built(self, model, in_window: bool, build):
        # A page asks for the same filtered events for several reads; the filter tree (an actor's EXISTS,
        # a search) is built once per request and cloned by each read, not built again.
        key = (model, in_window, self._signature())
        if key not in self._events:
            self._events[key] = build(model.objects.all(), in_window=in_window)
        return self._events[key]

    def meetings(self, queryset=None, *, in_window: bool = True):
        """Meetings that pass every filter except the date range."""
        if queryset is None:
            return self._built(Meeting, in_window, self.meetings)
        qs = queryset
        if not self.wants_meetings:
            return qs.none()
        meeting_kinds = [kind for kind in self.kinds if kind != DRILL]
        if meeting_kinds:
            qs = qs.filter(kind__in=meeting_kinds)
        return self._common(qs, in_window=in_window)

    def drills(self, queryset=None, *, in_window: bool = True):
        """Drills that pass every filter except the date range."""
        if queryset is None:
            return self._built(Drill, in_window, self.drills)
        qs = queryset
        if not self.wants_drills:
            return qs.none()
        return self._common(qs, in_window=in_window)

    def _common(self, qs, *, in_window: bool = True):
        """`in_window`: the caller reads a bounded window of dates. There a busy actor is best tested per
        event of the window (EXISTS) and a rare one read from its own participations (IN), which costs
        its few events. Without a window every actor is read from its participations.

        Busy or rare comes from ActorQuerySet.with_busyness(); an actor loaded without it counts as busy,
        which is always correct and only slower for a rare actor.
        """
        if self.statuses:
            qs = qs.filter(status__in=self.statuses)
        if self.actors:
            field = qs.model._meta.model_name
            listed = [actor for actor in self.actors if not (in_window and getattr(actor, f"busy_in_{field}", True))]
            probed = [actor for actor in self.actors if actor not in listed]

            def taking_part(actors):
                # Only this kind of event: the other kind's participations would fill the list with NULLs.
                return Participant.objects.filter(actor__in=actors, **{f"{field}__isnull": False}).values(field)

            def among(actors):
                # In a window every listed actor is rare (FEW_EVENTS at most); outside one, any may be busy.
                return AmongFew(F("pk"), Subquery(taking_part(actors))) if in_window else Q(pk__in=taking_part(actors))

            if self.match == "all":
                for actor in listed:
                    qs = qs.filter(among([actor]))
                qs = qs.involving(*probed)
            elif probed:
                qs = qs.filter(Exists(Participant.objects.filter(actor__in=self.actors, **{field: OuterRef("pk")})))
            else:
                qs = qs.filter(among(self.actors))
        if self.q:
            qs = qs.mentioning(self.q)
        return qs

    def window(self, default_at: date | None = None) -> Window:
        """The window to draw: the from/to range when given, else the zoom period around `at`."""
        span = ZOOM_SPAN[self.zoom]
        if self.first and self.last:
            return Window.between(self.first, self.last, self.zoom)
        if self.first:
            return Window.between(self.first, self.first + span - timedelta(days=1), self.zoom)
        if self.last:
            return Window.between(self.last - span + timedelta(days=1), self.last, self.zoom)
        return Window.around(self.at or default_at or date.today(), self.zoom)

    @property
    def tallied(self) -> bool:
        """Whether the day tallies (tracker.models.DayTally) count what these filters let through: every
        event, or every drill. An actor's tallies count their events, not who else took part in them."""
        return not (self.statuses or self.q or self.actors or any(kind != DRILL for kind in self.kinds))

    def latest_start(self) -> date | None:
        """The start of the latest event that passes the filters: where the timeline opens without `at`."""
        latest = [
            latest_start_of(Meeting, self.meetings) if self.wants_meetings else None,
            latest_start_of(Drill, self.drills) if self.wants_drills else None,
        ]
        return max((day for day in latest if day), default=None)

    @property
    def dated(self) -> bool:
        """Whether the URL names the window (a date to show, or a range)."""
        return bool(self.at or self.first or self.last)

    def _kinds(self):
        if self.wants_meetings:
            yield self.meetings
        if self.wants_drills:
            yield self.drills

    def newest_start(self) -> date | None:
        """The start of the most recently added dated event that passes the filters: where the timeline opens
        without a date, so that what was just imported shows first, not a planned trip months ahead.

        Within a kind the newest row has the highest id, read from the end of the primary key's index
        (no index holds `created_at`); between the kinds their `created_at` decides. One query.
        """

        def parts():
            return [
                part
                for events in self._kinds()
                for part in _part(
                    "q.created_at, q.start",
                    events().filter(start__isnull=False).order_by("-pk").values("created_at", "start")[:1],
                )
            ]

        rows = _union_all(compiled(("newest", self._signature()), parts))
        if not rows:
            return None
        newest = max(rows, key=lambda row: row[0])[1]
        return clamp(Meeting._meta.get_field("start").to_python(newest))

    def neighbours(self, first: date, last: date, *, before: bool = False, latest: bool = False) -> Neighbours:
        """The events that pass the filters nearest outside the days `first` to `last`, in one query: the
        first after and how many follow (up to LATER_CAP + 1 per kind), and if asked the last before and the latest.

        The first after and the count come from one read of the start index, which stops after LATER_CAP + 1
        events; the latest is read (from the index's end) only for a kind that has any event after.
        """
        rows = compiled(
            ("neighbours", self._signature(), first, last, before, latest, LATER_CAP),
            lambda: self._neighbour_parts(first, last, before=before, latest=latest),
        )
        if not rows:
            return Neighbours()
        kinds = _union_all(rows)
        to_date = Meeting._meta.get_field("start").to_python
        return Neighbours(
            before=max((to_date(k[3]) for k in kinds if k[3]), default=None),
            after=min((to_date(k[1]) for k in kinds if k[1]), default=None),
            latest=max((to_date(k[2]) for k in kinds if k[2]), default=None),
            later=sum(k[0] for k in kinds),
        )

    def _neighbour_parts(self, first: date, last: date, *, before: bool, latest: bool) -> list[tuple[str, list]]:
        rows = []
        for events in self._kinds():
            try:
                after_sql, after_params = (
                    events().filter(start__gt=last).order_by("start").values("start")[: LATER_CAP + 1].query
                ).sql_with_params()
                latest_sql, latest_params = (
                    (events().filter(start__gt=last).order_by("-start").values("start")[:1].query).sql_with_params()
                    if latest
                    else ("", ())
                )
                before_sql, before_params = (
                    (events().filter(start__lt=first).order_by("-start").values("start")[:1].query).sql_with_params()
                    if before
                    else ("", ())
                )
            except EmptyResultSet:
                continue
            latest_column = (
                f"CASE WHEN COUNT(*) > 0 THEN (SELECT l.start FROM ({latest_sql}) l) END" if latest else "NULL"
            )
            before_column = f"(SELECT b.start FROM ({before_sql}) b)" if before else "NULL"
            sql = f"SELECT COUNT(*), MIN(a.start), {latest_column}, {before_column} FROM ({after_sql}) a"
            rows.append((sql, [*latest_params, *before_params, *after_params]))
        return rows

    def first_keys(self, first: date | None, last: date | None, count: int, after: Key | None = None) -> list[Key]:
        """The first `count` events from `first` to `last` (after the list position `after`) in list order,
        as (start, rank, pk) keys: rank 0 for a meeting, 1 for a drill, so a day's meetings come first.

        One query for both kinds, each part stopping at `count` entries of its own window, so the window
        is read once however costly its filters are.
        """

        def parts():
            found = []
            kinds = ((0, self.wants_meetings, self.meetings), (1, self.wants_drills, self.drills))
            for rank, wanted, events in kinds:
                if wanted:
                    rows = _after(events().between(first, last), rank, after).chronological().values("start", "pk")
                    found += _part(f"q.start, {rank}, q.pk", rows[:count])
            return found

        parts = compiled(("first_keys", self._signature(), first, last, count, after), parts)
        start = Meeting._meta.get_field("start")
        keys = [(start.to_python(day), rank, pk) for day, rank, pk in _union_all(parts)]
        return sorted(keys, key=lambda key: (key[0] or date.max, key[1], key[2]))[:count]

    def query(self, *, window: bool = True) -> QueryDict:
        """The canonical GET parameters for these filters (and, if `window`, the zoom and anchor)."""
        params = QueryDict(mutable=True)
        params.setlist("actor", self.actor_slugs)
        if self.match != "any" and len(self.actors) > 1:
            params["match"] = self.match
        params.setlist("kind", self.kinds)
        params.setlist("status", self.statuses)
        if self.q:
            params["q"] = self.q
        if self.first:
            params["from"] = self.first.isoformat()
        if self.last:
            params["to"] = self.last.isoformat()
        if window:
            if self.zoom != DEFAULT_ZOOM:
                params["zoom"] = self.zoom
            if self.at and not (self.first or self.last):
                params["at"] = self.at.isoformat()
        return params


# How many of the newest events to look through before asking the filtered actors' own events.
NEWEST = 200


def latest_start_of(model, events) -> date | None:
    """The latest start among `events(in_window=…)`, in one query that stays cheap for busy and rare filters alike.

    A busy actor has an event among the NEWEST events, found by probing those; a rare one
    has few events, found through its participations. COALESCE runs the second only when the
    first finds nothing, so the cost is the smaller of the two, never a scan of the whole table.
    """
    newest = model.objects.filter(start__isnull=False).order_by("-start").values("pk")[:NEWEST]
    parts, params = [], []
    for queryset in (events(in_window=True).filter(pk__in=newest), events(in_window=False)):
        try:
            sql, part_params = queryset.order_by().values("start").query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"(SELECT MAX(r.start) FROM ({sql}) r)")
        params += part_params
    if not parts:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE({', '.join(parts + ['NULL'])})", params)
        value = cursor.fetchone()[0]
    latest = model._meta.get_field("start").to_python(value)
    # A date stored before Parley bounded its dates must not carry window arithmetic past the calendar's edge.
    return clamp(latest) if latest else None


def parse_filters(params: QueryDict) -> Filters:
    """Read the filters from GET parameters; unknown or malformed values become messages in `.errors`."""
    errors: list[str] = []
    filters = Filters(errors=errors)

    slugs = _unique(params.getlist("actor"))
    if len(slugs) > MAX_ACTORS:
        errors.append(f"Filter by at most {MAX_ACTORS} actors at once; the rest are left out.")
        slugs = slugs[:MAX_ACTORS]
    by_slug = {actor.slug: actor for actor in Actor.objects.with_busyness().filter(slug__in=slugs)} if slugs else {}
    for slug in slugs:
        if slug in by_slug:
            filters.actors.append(by_slug[slug])
        else:
            errors.append(f"There is no actor “{slug[:80]}”; it is left out of the filter.")
    for name in _unique(params.getlist("add"))[:1]:
        found = list(Actor.objects.search(name).with_busyness()[:3])
        filters.rewritten = True
        # The single best match is taken ("kish" for Kishida); a tie at the best rank is for the user to settle.
        if len(found) == 1 or (len(found) > 1 and found[0].rank < found[1].rank):
            if found[0].slug not in by_slug:
                filters.actors.append(found[0])
        elif not found:
            errors.append(f"No actor is called “{name[:80]}”.")
        else:
            tied = [a.name for a in found if a.rank == found[0].rank]
            errors.append(f"“{name[:80]}” could be {join_names(tied)}; pick one from the suggestions.")

    match = params.get("match", "any")
    if match in dict(MATCHES):
        filters.match = match
    else:
        errors.append(f"Unknown match “{match[:40]}”; use “any” or “all”.")

    known_kinds = dict(KINDS)
    for kind in _unique(params.getlist("kind")):
        if kind in known_kinds:
            filters.kinds.append(kind)
        else:
            errors.append(f"Unknown kind “{kind[:40]}”; the kinds are {join_names(list(known_kinds))}.")
    known_statuses = dict(STATUSES)
    for status in _unique(params.getlist("status")):
        if status in known_statuses:
            filters.statuses.append(status)
        else:
            errors.append(f"Unknown status “{status[:40]}”; the statuses are {join_names(list(known_statuses))}.")

    filters.first = _date(params, "from", "‘from’", errors)
    filters.last = _date(params, "to", "‘to’", errors)
    if filters.first and filters.last and filters.first > filters.last:
        errors.append(
            f"The range starts ({filters.first.isoformat()}) after it ends ({filters.last.isoformat()}); "
            "the end date is left out."
        )
        filters.last = None

    q = params.get("q", "").strip()
    if len(q) > MAX_TEXT:
        errors.append(f"The search text is cut to its first {MAX_TEXT} characters.")
        q = q[:MAX_TEXT]
    filters.q = q

    zoom = params.get("zoom", "").strip() or DEFAULT_ZOOM
    if zoom in ZOOMS:
        filters.zoom = zoom
    else:
        errors.append(f"Unknown zoom “{zoom[:40]}”; choose day, week, month or year.")
    filters.at = _date(params, "at", "‘at’", errors)
    filters.after = parse_after(params.get("after", ""), errors)
    return filters


AFTER = re.compile(r"(\d{4}-\d{2}-\d{2})~([md])(\d{1,18})")
RANKS = {"m": 0, "d": 1}


def format_after(day: date, event_type: str, pk: int) -> str:
    """The `after` parameter for the list page that follows an event: "2022-02-10~m123"."""
    return f"{day.isoformat()}~{event_type[0]}{pk}"


def parse_after(raw: str, errors: list[str]) -> Key | None:
    raw = raw.strip()
    if not raw:
        return None
    found = AFTER.fullmatch(raw)
    try:
        if not found:
            raise ValueError(raw)
        return date.fromisoformat(found[1]), RANKS[found[2]], int(found[3])
    except ValueError:
        errors.append(f"The list position “{raw[:40]}” is not one Parley made; the list starts at the first event.")
        return None


# The SQL of a read depends only on the filters and its window, never on the data, so each is compiled once
# per process, as a prepared statement would be: building and compiling the ORM's queries cost more than
# running them (bench/run.py: about 1.5 ms of a fresh timeline fragment). Oldest entries make room first.
_COMPILED: dict[tuple, tuple[tuple[str, tuple], ...]] = {}
COMPILED_MAX = 4096


def compiled(key: tuple, parts: Callable[[], list[tuple[str, list]]]) -> tuple[tuple[str, tuple], ...]:
    """`parts()`, the SELECTs of one read, made once for `key` (everything they depend on); kept immutable,
    since every request of the process shares them. A repeated URL reuses them, as after every write."""
    found = _COMPILED.get(key)
    if found is None:
        found = tuple((sql, tuple(params)) for sql, params in parts())
        if len(_COMPILED) >= COMPILED_MAX:
            # Threads may evict at once: popping a key already gone is harmless.
            _COMPILED.pop(next(iter(_COMPILED), None), None)
        _COMPILED[key] = found
    return found


def _part(columns: str, rows: QuerySet) -> list[tuple[str, list]]:
    """`SELECT columns FROM (rows) q` as a part for _union_all, or no part when the filters can match no row."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return []
    return [(f"SELECT {columns} FROM ({sql}) q", list(params))]


def _union_all(parts: Sequence[tuple[str, Sequence]]) -> list[tuple]:
    """The rows of several SELECTs in one query; Django's union() cannot limit its parts on SQLite."""
    if not parts:
        return []
    with connections[Meeting.objects.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql for sql, _ in parts), [p for _, params in parts for p in params])
        return cursor.fetchall()
