"""The dashboard: timeline, who meets whom, actor and event pages, and the downloads of a filtered view."""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache, partial
from itertools import chain, groupby, islice, repeat
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from tracker import exports
from tracker.dashboard import (
    ZOOMS,
    DensityRow,
    Item,
    LaneActor,
    Window,
    bucket_days,
    format_span,
    join_names,
    layout_density,
    layout_timeline,
    readable_date,
)
from tracker.filters import KINDS, MATCHES, STATUSES, Filters, Key, format_after, latest_start_of, parse_filters
from tracker.models import Actor, Drill, Evidence, Meeting, Participant, Revision
from tracker.pairs import busiest_actors, counterparts, pairs_among
from tracker.parley_json import timeline_json

# Events per page of the day list; a "More events" link reads the next page by keyset.
LIST_PAGE = 25
# Above this many events in the window, the chart counts them per stretch of days instead of drawing each.
MARK_CAP = 150
DENSITY_LANES = 12
# The most events the density view counts in one window; it says where it stopped.
DENSITY_SCAN = 5000
# The most meetings of one pair the who-meets-whom page lists.
EVENT_CAP = 50
LANE_CAP = 30
MATRIX_SIZE = 12
COUNTERPART_CAP = 50
SUGGESTION_CAP = 10
FILTER_CHOICES = {"kinds": KINDS, "statuses": STATUSES, "matches": MATCHES}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _fragment(request: HtmxHttpRequest) -> bool:
    # A history restore asks for the whole page, because htmx swaps it in as the body.
    return bool(request.htmx) and not request.htmx.history_restore_request


# A page and its fragment share a URL, so caches must key on the headers htmx sends.
HTMX_VARY = ("HX-Request", "HX-History-Restore-Request")


def _render(
    request: HtmxHttpRequest, template: str, partial: str, context: dict[str, Any], *, canonical: str | None = None
) -> HttpResponse:
    name = f"{template}#{partial}" if _fragment(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, HTMX_VARY)
    if canonical is not None and _fragment(request):
        push_url(response, canonical)
    return response


def _query(params: QueryDict, **changes: Any) -> str:
    """`params` with some parameters changed (None removes one), as "?…", like {% querystring %}."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        elif isinstance(value, (list, tuple)):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _participants() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=Participant.objects.select_related("actor")
        .only("meeting_id", "drill_id", "role", "actor__name", "actor__slug")
        .order_by("pk"),
    )


def _evidence() -> Prefetch:
    return Prefetch(
        "evidence",
        queryset=Evidence.objects.select_related("source")
        .only(
            "meeting_id",
            "drill_id",
            "sentence",
            "source__title",
            "source__publisher",
            "source__url",
            "source__published",
        )
        .order_by("source__published", "pk"),
    )


def _related() -> list[Prefetch]:
    return [_participants(), _evidence()]


@lru_cache
def _url_prefix(name: str) -> str:
    # reverse() per row is the costliest part of a long list; the slug is the only part that varies.
    return reverse(name, args=["-"])[:-2]


def actor_url(slug: str) -> str:
    return f"{_url_prefix('actor_detail')}{slug}/"


@dataclass
class EventCard:
    """A meeting or drill with what every page says about it."""

    event: Meeting | Drill
    type: str

    @cached_property
    def url(self) -> str:
        return f"{_url_prefix(f'{self.type}_detail')}{self.event.slug}/"

    @property
    def key(self) -> str:
        return f"{self.type}-{self.event.slug}"

    @property
    def kind_label(self) -> str:
        if self.type == "drill":
            return "Drill"
        return self.event.get_kind_display().capitalize()

    @cached_property
    def participants(self) -> list[Participant]:
        return list(self.event.participants.all())

    @cached_property
    def people(self) -> list[tuple[str, str, str]]:
        """(name, page, role) of each participant."""
        return [(p.actor.name, actor_url(p.actor.slug), p.get_role_display()) for p in self.participants]

    @cached_property
    def names(self) -> list[str]:
        return [p.actor.name for p in self.participants]

    @cached_property
    def title(self) -> str:
        if self.type == "drill":
            return self.event.name or self.event.summary or f"Drill of {join_names(self.names) or 'unknown forces'}"
        return self.event.summary or f"{self.kind_label}: {join_names(self.names) or 'participants unknown'}"

    @cached_property
    def when(self) -> str:
        e = self.event
        return format_span(e.start, e.precision, e.end, e.end_precision)

    @property
    def status(self) -> str:
        return self.event.status

    @cached_property
    def evidence(self) -> list[Evidence]:
        return list(self.event.evidence.all())

    @cached_property
    def accessible_name(self) -> str:
        kind = f"Drill {self.event.name}" if self.type == "drill" and self.event.name else self.kind_label
        parts = [kind, self.when, join_names(self.names) or "participants unknown", self.event.get_status_display()]
        return ", ".join(parts)

    def item(self) -> Item:
        e = self.event
        return Item(
            key=self.key,
            type=self.type,
            status=e.status,
            start=e.start,
            precision=e.precision,
            end=e.end,
            end_precision=e.end_precision,
            actor_ids=tuple(p.actor_id for p in self.participants),
            label=self.accessible_name,
            href=self.url,
        )


def _sort_key(card: EventCard) -> tuple:
    return (card.event.start or date.max, card.type == "drill", card.event.pk)


def _prefetch(cards: list[EventCard], *lookups: Prefetch) -> None:
    """Participants or sources for these cards only: one query per kind of event, whatever the count."""
    for kind in ("meeting", "drill"):
        prefetch_related_objects([c.event for c in cards if c.type == kind], *lookups)


def cards_for(keys: list[Key]) -> list[EventCard]:
    """The events at these keys, in the keys' order: one look-up by id per kind."""
    found: dict[tuple[int, int], EventCard] = {}
    for rank, model, kind in ((0, Meeting, "meeting"), (1, Drill, "drill")):
        ids = [pk for _, r, pk in keys if r == rank]
        if ids:
            found.update(((rank, event.pk), EventCard(event, kind)) for event in model.objects.filter(pk__in=ids))
    return [found[(rank, pk)] for _, rank, pk in keys if (rank, pk) in found]


def load_events(
    filters: Filters, first: date | None, last: date | None, limit: int, after: Key | None = None
) -> list[EventCard]:
    """Up to `limit` events in the range (after the list position `after`), meetings and drills merged by date."""
    return cards_for(filters.first_keys(first, last, limit, after))


@dataclass
class Day:
    heading: str
    iso: str
    cards: list[EventCard]


def group_by_day(cards: list[EventCard], continued: date | None = None) -> list[Day]:
    """Cards grouped under the day they start; events known only to the month or year under that month or year.

    `continued`: the day the previous page of the list ended on, whose heading says so when it goes on here.
    """
    days = []
    for (start, precision), group in groupby(cards, key=lambda c: (c.event.start, c.event.precision)):
        if start is None:
            heading = "Date unknown"
        elif precision == "day":
            heading = f"{start:%A} {readable_date(start)}"
        else:
            heading = f"{readable_date(start, precision)} ({'day' if precision == 'month' else 'month'} not reported)"
        if not days and continued is not None and start == continued:
            heading += " (continued)"
        iso = "" if start is None else start.isoformat()[: {"year": 4, "month": 7}.get(precision, 10)]
        days.append(Day(heading, iso, list(group)))
    return days


def _days_from(column: str) -> str:
    """SQL for the whole days from a date parameter to `column`."""
    if connection.vendor == "postgresql":
        return f"({column} - CAST(%s AS date))"
    return f"CAST(julianday({column}) - julianday(%s) AS INTEGER)"


def density_counts(
    events: QuerySet, first: date, days: int, lane_ids: list[int]
) -> tuple[Counter, Counter, int, date | None]:
    """Events per bucket of `days` days from `first`, and per (actor, bucket) for `lane_ids`.

    Counts at most DENSITY_SCAN events, the earliest: returns how many it counted and the start of the
    last, so the caller can say where the counting stopped. Two queries over one bounded index range.
    """
    totals: Counter = Counter()
    lanes: Counter = Counter()
    window = events.order_by("start", "pk").values("pk", "start")[:DENSITY_SCAN]
    try:
        sql, params = window.query.sql_with_params()
    except EmptyResultSet:
        return totals, lanes, 0, None
    start_field = events.model._meta.get_field("start")
    bucket = f"({_days_from('w.start')}) / %s"
    bucket_params = [first if connection.vendor == "postgresql" else first.isoformat(), days]
    counted, last_start = 0, None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {bucket} AS b, COUNT(*), MAX(w.start) FROM ({sql}) w GROUP BY b", [*bucket_params, *params]
        )
        for b, count, latest in cursor.fetchall():
            totals[max(b, 0)] += count
            counted += count
            latest = start_field.to_python(latest)
            last_start = latest if last_start is None else max(last_start, latest)
        if lane_ids and counted:
            participant = connection.ops.quote_name(Participant._meta.db_table)
            field = events.model._meta.model_name
            marks = ", ".join(["%s"] * len(lane_ids))
            # CROSS JOIN keeps SQLite reading the window first and probing each event's participants,
            # instead of reading every participation of a busy actor.
            cursor.execute(
                f"SELECT p.actor_id, {bucket} AS b, COUNT(*) FROM ({sql}) w CROSS JOIN {participant} p"
                f" WHERE p.{field}_id = w.pk AND p.actor_id IN ({marks}) GROUP BY p.actor_id, b",
                [*bucket_params, *params, *lane_ids],
            )
            for actor_id, b, count in cursor.fetchall():
                lanes[(actor_id, max(b, 0))] += count
    return totals, lanes, counted, last_start


@dataclass
class Density:
    rows: list[DensityRow]
    height: float
    counted: int
    counted_until: date | None
    meetings: int
    drills: int


def density_chart(filters: Filters, window: Window) -> Density:
    """Counts per bucket of days: all events, then the filtered actors and the busiest actors overall."""
    lane_actors = [LaneActor(a.pk, a.slug, a.name, actor_url(a.slug)) for a in filters.actors]
    if len(lane_actors) < DENSITY_LANES:
        taken = {a.id for a in lane_actors}
        for row in busiest_actors(DENSITY_LANES):
            if row["actor"] not in taken:
                lane_actors.append(LaneActor(row["actor"], row["slug"], row["name"], actor_url(row["slug"])))
    lane_actors = lane_actors[:DENSITY_LANES]
    days = bucket_days(window)
    totals: Counter = Counter()
    lanes: Counter = Counter()
    counted_until = None
    counts = {"meeting": 0, "drill": 0}
    kinds = [("meeting", filters.meetings)] if filters.wants_meetings else []
    kinds += [("drill", filters.drills)] if filters.wants_drills else []
    for kind, events in kinds:
        kind_totals, kind_lanes, counted, last_start = density_counts(
            events().between(window.first, window.last), window.first, days, [a.id for a in lane_actors]
        )
        totals.update(kind_totals)
        lanes.update(kind_lanes)
        counts[kind] = counted
        if counted >= DENSITY_SCAN and last_start is not None:
            counted_until = last_start if counted_until is None else min(counted_until, last_start)
    rows = [("All events", "", totals)]
    for actor in lane_actors:
        mine = {b: n for (actor_id, b), n in lanes.items() if actor_id == actor.id}
        if mine:
            rows.append((actor.name, actor.href, mine))
    laid_out, height = layout_density(window, days, rows, counted_until=counted_until)
    return Density(
        laid_out, height, counts["meeting"] + counts["drill"], counted_until, counts["meeting"], counts["drill"]
    )


def _bucket_query(state: QueryDict, first: date, last: date) -> str:
    if first == last:
        return _query(state, zoom="day", at=first.isoformat(), **{"from": None, "to": None})
    return _query(state, zoom=None, at=None, **{"from": first.isoformat(), "to": last.isoformat()})


def _bucket_links(state: QueryDict) -> Callable[[date, date], str]:
    """The zoom link of each bucket, made once per bucket: every lane's cell in a bucket shares it."""
    link = lru_cache(maxsize=None)(partial(_bucket_query, state))
    link.do_not_call_in_templates = True  # the density tag calls it, with a bucket's days
    return link


def list_page(filters: Filters, window: Window, cards: list[EventCard], state: QueryDict) -> dict[str, Any]:
    """One page of the day list: the first LIST_PAGE events (or those after `filters.after`) and the link to more."""
    if filters.after is not None:
        cards = load_events(filters, window.first, window.last, LIST_PAGE + 1, filters.after)
        _prefetch(cards[:LIST_PAGE], _participants())
    shown = cards[:LIST_PAGE]
    _prefetch(shown, _evidence())
    more = ""
    if len(cards) > LIST_PAGE:
        last = shown[-1]
        more = _query(state, **window.params(), after=format_after(last.event.start, last.type, last.event.pk))
    return {
        "days": group_by_day(shown, continued=filters.after[0] if filters.after else None),
        "more": more,
        "first_page": _query(state, **window.params()) if filters.after else "",
    }


def _shown_window(filters: Filters) -> Window:
    """The window asked for, or, when the URL names none, the one around the latest matching event."""
    explicit = filters.at or filters.first or filters.last
    return filters.window(None if explicit else filters.latest_start())


def _page_state(full: QueryDict, page: str) -> QueryDict:
    """The query that page links carry: on an actor's page the actor is in the path, not the query."""
    return _without(full, "actor") if page == "actor" else full


def timeline_context(request: HtmxHttpRequest, filters: Filters, *, page: str) -> dict[str, Any]:
    """Everything the timeline panel draws: the window, the chart, a page of the day list, links and messages."""
    window = _shown_window(filters)
    # Downloads keep the actor even on an actor's page: the download URL has no path to carry it.
    full = filters.query()
    state = _page_state(full, page)
    # One read of the window tells whether the chart can draw each event and which events open the list.
    keys = filters.first_keys(window.first, window.last, max(MARK_CAP, LIST_PAGE) + 1)
    dense = len(keys) > MARK_CAP
    cards = cards_for(keys[: LIST_PAGE + 1] if dense else keys)
    actors: dict[int, LaneActor] = {}
    density = None
    if dense:
        density = density_chart(filters, window)
        _prefetch(cards[:LIST_PAGE], _participants())
        chart = layout_timeline([], {}, window, today=timezone.localdate())
        chart.height = density.height
        meetings, drills = density.meetings, density.drills
    else:
        _prefetch(cards, _participants())
        for card in cards:
            for p in card.participants:
                if p.actor_id not in actors:
                    actors[p.actor_id] = LaneActor(p.actor_id, p.actor.slug, p.actor.name, actor_url(p.actor.slug))
        chart = layout_timeline(
            [card.item() for card in cards],
            actors,
            window,
            focus=[a.pk for a in filters.actors],
            max_lanes=LANE_CAP,
            today=timezone.localdate(),
        )
        meetings = sum(card.type == "meeting" for card in cards)
        drills = len(cards) - meetings
    window_state = {"zoom": None, "at": None, "from": window.first.isoformat(), "to": window.last.isoformat()}
    return {
        "page": page,
        "filters": filters,
        "state": state,
        "window": window,
        "earlier": _query(state, **window.step(-1).params()),
        "later": _query(state, **window.step(1).params()),
        "zooms": [
            (zoom, _query(state, **window.zoomed(zoom).params()), zoom == window.zoom and not window.custom)
            for zoom in ZOOMS
        ],
        "chart": chart,
        "density": density,
        "density_days": bucket_days(window),
        "bucket_link": _bucket_links(state),
        "meeting_count": meetings,
        "drill_count": drills,
        "mark_cap": MARK_CAP,
        "density_scan": DENSITY_SCAN,
        "downloads": [
            ("CSV", reverse("export_csv") + _query(full, **window_state)),
            ("iCalendar", reverse("export_ics") + _query(full, **window_state)),
            ("Parley JSON", reverse("export_json") + _query(full, **window_state)),
        ],
        "window_actors": list(actors.values())[:200],
        **list_page(filters, window, cards, state),
    }


def _canonical(request: HttpRequest, filters: Filters) -> str:
    return request.path + _query(filters.query())


# Page cache -------------------------------------------------------------------------------------

CACHE_SECONDS = 600


def _cached(request: HtmxHttpRequest, variant: str, build: Callable[[], HttpResponse | dict]) -> HttpResponse | dict:
    """What `build` makes for this URL, kept in the cache under the timeline's revision until the next write.

    `build` returns the rendered parts of a page (cached) or a response such as a redirect (not cached).
    Only markup shared by every reader is kept: the page around it (CSRF token, user menu) is made per request.
    """
    revision = Revision.objects.current()
    key = None
    if revision is not None:
        # Today's date is in the key because the chart marks today.
        raw = f"{revision}|{timezone.localdate()}|{variant}|{request.get_full_path()}"
        key = "parley:" + hashlib.sha256(raw.encode()).hexdigest()
        entry = cache.get(key)
        if entry is not None:
            return entry
    entry = build()
    if key is not None and not isinstance(entry, HttpResponse):
        cache.set(key, entry, CACHE_SECONDS)
    return entry


def _respond(request: HtmxHttpRequest, template: str, entry: dict, *, push: bool = True) -> HttpResponse:
    """The cached fragment for htmx, or the whole page around it."""
    if _fragment(request):
        response = HttpResponse(entry["html"])
        if push:
            push_url(response, entry["push"])
    else:
        response = render(
            request, template, {**entry.get("page", {}), "panel": mark_safe(entry["html"]), "title": entry["title"]}
        )
    patch_vary_headers(response, HTMX_VARY)
    return response


def _more_events(request: HtmxHttpRequest) -> bool:
    return _fragment(request) and bool(request.GET.get("after"))


def _list_page_only(request: HtmxHttpRequest, filters: Filters, *, page: str) -> dict:
    """The next page of the day list, for the "More events" link to append."""
    context = {
        "filters": filters,
        "focus_first": True,
        **list_page(filters, _shown_window(filters), [], _page_state(filters.query(), page)),
    }
    return {"html": render_to_string("tracker/_event_list.html#event-page", context, request), "title": "", "push": ""}


@require_safe
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    """The timeline page (or, for htmx, its panel or the next page of its list): actor lanes over time and the events as a list."""
    focus = _fragment(request) and (request.htmx.trigger or "").startswith("suggestion-")
    more = _more_events(request)

    def build() -> HttpResponse | dict:
        filters = parse_filters(request.GET)
        if filters.rewritten and not filters.errors and not _fragment(request):
            return HttpResponseRedirect(_canonical(request, filters))
        if more:
            return _list_page_only(request, filters, page="timeline")
        context = timeline_context(request, filters, page="timeline")
        context.update(FILTER_CHOICES)
        context["focus_search"] = focus
        html = render_to_string("tracker/timeline.html#timeline-panel", context, request)
        return {"html": html, "title": context["window"].label, "push": _canonical(request, filters)}

    entry = _cached(request, "more" if more else ("panel-focus" if focus else "panel"), build)
    if isinstance(entry, HttpResponse):
        return entry
    return _respond(request, "tracker/timeline.html", entry, push=not more)


@require_safe
def actor_suggestions(request: HtmxHttpRequest) -> HttpResponse:
    """A short list of actors whose name or alias contains the typed text, each a link that adds it to the filter."""
    filters = parse_filters(request.GET.copy() if "add" not in request.GET else _without(request.GET, "add"))
    text = request.GET.get("add", "").strip()[:100]
    found = (
        list(Actor.objects.search(text).exclude(pk__in=[a.pk for a in filters.actors])[:SUGGESTION_CAP]) if text else []
    )
    state = filters.query()
    suggestions = [(actor, _query(state, actor=[*filters.actor_slugs, actor.slug])) for actor in found]
    response = render(
        request,
        "tracker/_filters.html#actor-suggestions",
        {"suggestions": suggestions, "text": text},
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


def _without(params: QueryDict, key: str) -> QueryDict:
    params = params.copy()
    params.pop(key, None)
    return params


# Who meets whom -------------------------------------------------------------------------------


def meeting_matrix(
    meetings: QuerySet[Meeting], size: int = MATRIX_SIZE
) -> tuple[list[dict], dict[tuple[int, int], dict]]:
    """The `size` actors with most of `meetings`, and for each pair of them how often and when last they met.

    One query reads who took part in each meeting and Python counts, so the meetings are found once:
    a GROUP BY for the ranking and a self-join for the pairs each searched them again (at 1M events a
    busy actor's 90 days are 3,400 meetings probed for the actor). A second query names the leaders,
    sorted by the database so that ties fall in the same order as the actor list.
    """
    people: dict[int, list[int]] = defaultdict(list)
    starts: dict[int, date | None] = {}
    counts: Counter = Counter()
    # `meeting IS NOT NULL` lets PostgreSQL read participants from the partial (meeting, actor) index alone.
    taking_part = (
        meetings.filter(participants__meeting__isnull=False)
        .order_by()
        .values_list("pk", "start", "participants__actor")
    )
    for meeting, start, actor in taking_part:
        people[meeting].append(actor)
        starts[meeting] = start
        counts[actor] += 1
    if not counts:
        return [], {}
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
    for meeting, actors in people.items():
        present = sorted(actor for actor in actors if actor in ids)
        start = starts[meeting]
        for index, a in enumerate(present):
            for b in present[index + 1 :]:
                row = pairs.get((a, b))
                if row is None:
                    row = pairs[(a, b)] = pairs[(b, a)] = {"actor": a, "other": b, "count": 0, "last": None}
                row["count"] += 1
                if start is not None and (row["last"] is None or start > row["last"]):
                    row["last"] = start
    return top, pairs


# A filtered matrix counts live, over this many days up to the latest matching meeting unless a range is given,
# and over at most a year when one is.
MATRIX_DAYS = 90
MATRIX_LONGEST = 366


def matrix_window(filters: Filters) -> tuple[date | None, date | None, str]:
    """The days a filtered matrix counts, and a note saying how they were chosen ("" when as asked)."""
    first, last = filters.first, filters.last
    if not filters.active:
        return None, None, ""
    if first and last and (last - first).days < MATRIX_LONGEST:
        return first, last, ""
    if first and last:
        return (
            first,
            first + timedelta(days=MATRIX_LONGEST - 1),
            "A filtered matrix counts at most a year: this one stops a year after its start.",
        )
    if first:
        return first, first + timedelta(days=MATRIX_DAYS - 1), f"Counting the {MATRIX_DAYS} days from the start date."
    # The matrix counts meetings only: a later drill would end the window where no meeting is.
    if last:
        end, until = last, "the end date"
    elif latest := latest_start_of(Meeting, filters.meetings):
        end, until = latest, "the latest matching meeting"
    else:
        end, until = timezone.localdate(), "today: no meeting matches"
    return end - timedelta(days=MATRIX_DAYS - 1), end, f"Counting the {MATRIX_DAYS} days up to {until}."


def _pair(params: QueryDict, filters: Filters) -> list[Actor]:
    """The two different actors named by the `a` and `b` parameters, or [] (an unknown slug adds an error)."""
    slugs = [params.get("a", "").strip(), params.get("b", "").strip()]
    if not any(slugs):
        return []
    found = {a.slug: a for a in Actor.objects.filter(slug__in=[s for s in slugs if s])}
    pair = []
    for slug in slugs:
        if slug in found:
            pair.append(found[slug])
        else:
            filters.errors.append(f"There is no actor “{slug[:80]}” to pair; pick a cell of the matrix.")
    return pair if len(pair) == 2 and pair[0] != pair[1] else []


def _matrix_rows(
    top: list[dict], pairs: dict[tuple[int, int], dict], state: QueryDict, pair: list[Actor]
) -> list[dict]:
    """The matrix row by row, each cell's link, spoken label and short date made here: made in the template
    by {% querystring %} and date filters, 144 cells at a time, they took half the page's time."""
    base = _query(state)
    prefix = f"{base}&" if len(base) > 1 else base
    quoted = {row["actor"]: quote_plus(row["slug"]) for row in top}
    chosen = (pair[0].pk, pair[1].pk) if pair else None
    short: dict[date | None, str] = {}
    rows = []
    for row in top:
        cells = []
        for other in top:
            same = row["actor"] == other["actor"]
            met = None if same else pairs.get((row["actor"], other["actor"]))
            cell: dict[str, Any] = {"self": same}
            if met:
                count, last = met["count"], met["last"]
                if last not in short:
                    short[last] = date_format(last, "j M Y") if last else ""
                cell.update(
                    url=f"{prefix}a={quoted[row['actor']]}&b={quoted[other['actor']]}",
                    label=f"{row['name']} and {other['name']}: {count} meeting{'' if count == 1 else 's'}, last {readable_date(last)}",
                    count=count,
                    last=short[last],
                    selected=chosen == (row["actor"], other["actor"]),
                )
            cells.append(cell)
        rows.append({"actor": {**row, "url": actor_url(row["slug"])}, "cells": cells})
    return rows


@require_safe
def who_meets_whom(request: HtmxHttpRequest) -> HttpResponse:
    """The who-meets-whom matrix of the busiest actors in the filtered meetings, and the meetings of one pair."""
    pair_only = _fragment(request) and request.htmx.target == "pair-meetings"

    def build() -> HttpResponse | dict:
        filters = parse_filters(request.GET)
        first, last, window_note = matrix_window(filters)
        meetings = filters.meetings().between(first, last)
        state = filters.query(window=False)
        pair = _pair(request.GET, filters)
        pair_cards, pair_more = (
            load_pair(filters.meetings(in_window=False).between(first, last), pair) if pair else ([], False)
        )
        if filters.rewritten and not filters.errors and not _fragment(request):
            return HttpResponseRedirect(_canonical(request, filters))
        if pair_only:
            top, pairs = [], {}
        elif filters.active:
            top, pairs = meeting_matrix(meetings)
        else:
            # The whole database: read from the tallies kept by every write (tracker.pairs).
            top = busiest_actors(MATRIX_SIZE)
            pairs = pairs_among([row["actor"] for row in top]) if len(top) > 1 else {}
        rows = _matrix_rows(top, pairs, state, pair)
        widen = ""
        if window_note and first and last and (last - first).days < MATRIX_LONGEST - 1:
            widen = _query(
                state, **{"from": (last - timedelta(days=MATRIX_LONGEST - 1)).isoformat(), "to": last.isoformat()}
            )
        context = {
            "page": "matrix",
            "filters": filters,
            "state": state,
            "top": top,
            "rows": rows,
            "pair": pair,
            "pair_cards": pair_cards,
            "pair_days": group_by_day(pair_cards),
            "pair_more": pair_more,
            "cap": EVENT_CAP,
            "matrix_first": first,
            "matrix_last": last,
            "window_note": window_note,
            "widen": widen,
            "window_actors": [LaneActor(row["actor"], row["slug"], row["name"], actor_url(row["slug"])) for row in top],
            **FILTER_CHOICES,
        }
        partial = "pair-meetings" if pair_only else "matrix-panel"
        canonical = request.path + _query(state, a=pair[0].slug if pair else None, b=pair[1].slug if pair else None)
        html = render_to_string(f"tracker/who_meets_whom.html#{partial}", context, request)
        return {"html": html, "title": "", "push": canonical}

    entry = _cached(request, "pair" if pair_only else "panel", build)
    if isinstance(entry, HttpResponse):
        return entry
    return _respond(request, "tracker/who_meets_whom.html", entry)


def load_pair(meetings: QuerySet[Meeting], pair: list[Actor]) -> tuple[list[EventCard], bool]:
    """The latest EVENT_CAP meetings of the pair, oldest first; found from the first actor's participations."""
    rows = list(
        meetings.involving(pair[1])
        .filter(pk__in=pair[0].participations.filter(meeting__isnull=False).values("meeting"))
        .order_by("-start", "-pk")[: EVENT_CAP + 1]
    )
    cards = [EventCard(m, "meeting") for m in reversed(rows[:EVENT_CAP])]
    _prefetch(cards, *_related())
    return cards, len(rows) > EVENT_CAP


# Actor and event pages ------------------------------------------------------------------------


@require_safe
def actor_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An actor's page (or, for htmx, its timeline panel or the next page of its list): who they are, whom they meet most, and their own timeline."""
    more = _more_events(request)
    fragment = _fragment(request)

    def build() -> dict:
        page: dict[str, Any] = {}
        if fragment:
            actor = get_object_or_404(Actor.objects.with_busyness(), slug=slug)
            context: dict[str, Any] = {"actor": actor}
        else:
            brief = Actor.objects.only("slug", "name")
            actor = get_object_or_404(
                Actor.objects.with_busyness()
                .select_related("affiliation")
                .prefetch_related("aliases", Prefetch("members", queryset=brief), Prefetch("groups", queryset=brief)),
                slug=slug,
            )
            # From the tallies that every write keeps (tracker.pairs): one indexed read, not a count of participants.
            met = counterparts(actor.pk, COUNTERPART_CAP + 1)
            context = {
                "actor": actor,
                "counterparts": met[:COUNTERPART_CAP],
                "more_counterparts": len(met) > COUNTERPART_CAP,
            }
            page = {"header": mark_safe(render_to_string("tracker/actor.html#actor-header", context, request))}
        filters = parse_filters(_without(request.GET, "actor"))
        filters.actors = [actor]
        filters.match = "any"
        if more:
            return _list_page_only(request, filters, page="actor")
        context.update(timeline_context(request, filters, page="actor"))
        canonical = request.path + _query(_without(filters.query(), "actor"))
        html = render_to_string("tracker/actor.html#timeline-panel", context, request)
        return {"html": html, "title": actor.name, "push": canonical, "page": page}

    entry = _cached(request, "more" if more else ("fragment" if fragment else "page"), build)
    return _respond(request, "tracker/actor.html", entry, push=not more)


def _event_detail(request: HtmxHttpRequest, model: type[Meeting] | type[Drill], slug: str) -> HttpResponse:
    event = get_object_or_404(model.objects.prefetch_related(*_related()), slug=slug)
    card = EventCard(event, model._meta.model_name)
    return _render(request, "tracker/event.html", "event-detail", {"card": card, "fragment": _fragment(request)})


@require_safe
def meeting_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A meeting's permalink: when and where, who took part in what role, and every source with its evidence."""
    return _event_detail(request, Meeting, slug)


@require_safe
def drill_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A drill's permalink: when and where, who took part, troops, and every source with its evidence."""
    return _event_detail(request, Drill, slug)


# Downloads ------------------------------------------------------------------------------------


EXPORT_BATCH = 500
EXPORT_FIRST_BATCH = 50
EXPORT_FIELDS = [
    "pk",
    "slug",
    "start",
    "precision",
    "end",
    "end_precision",
    "date_text",
    "location",
    "summary",
    "status",
    "updated_at",
]
EXTRA_FIELDS = {"meeting": ["kind"], "drill": ["name", "troops"]}


class _Values:
    """An event read as plain values, answering what the downloads ask of a model instance."""

    def __init__(self, row: dict[str, Any], model: type[Meeting] | type[Drill]) -> None:
        self.__dict__.update(row)
        self._model = model

    def get_status_display(self) -> str:
        return self._model.Status(self.status).label

    def get_kind_display(self) -> str:
        return Meeting.Kind(self.kind).label


def _export_rows(events: QuerySet, kind: str) -> Iterator[list[dict]]:
    """The events' rows in date order, in batches; the first is small, so the download starts at once."""
    rows = events.chronological().values(*EXPORT_FIELDS, *EXTRA_FIELDS[kind]).iterator(chunk_size=EXPORT_FIRST_BATCH)
    for size in chain([EXPORT_FIRST_BATCH], repeat(EXPORT_BATCH)):
        if not (batch := list(islice(rows, size))):
            return
        yield batch


def _one_snapshot(cards: Iterator[EventCard]) -> Iterator[EventCard]:
    """On PostgreSQL, the whole download in one read-only transaction: one consistent snapshot, and a
    server-side cursor that streams (outside a transaction PostgreSQL reads the whole result before
    the first row). SQLite streams as it is, and a transaction there would take the write lock."""
    if connection.vendor != "postgresql":
        yield from cards
        return
    with transaction.atomic():
        yield from cards


def _export_cards(events: QuerySet, kind: str) -> Iterator[EventCard]:
    """Cards for every event of `events` in date order, from plain rows: no model instance per row or relation.

    Each batch of rows is followed by its participants' names and its sources, one query each.
    """
    for batch in _export_rows(events, kind):
        ids = [row["pk"] for row in batch]
        names: dict[int, list[str]] = defaultdict(list)
        for event_id, name in (
            Participant.objects.filter(**{f"{kind}__in": ids}).order_by("pk").values_list(kind, "actor__name")
        ):
            names[event_id].append(name)
        evidence: dict[int, list[SimpleNamespace]] = defaultdict(list)
        sources = (
            Evidence.objects.filter(**{f"{kind}__in": ids})
            .order_by("source__published", "pk")
            .values_list(kind, "sentence", "source__title", "source__publisher", "source__url", "source__published")
        )
        for event_id, sentence, title, publisher, url, published in sources:
            source = SimpleNamespace(title=title, publisher=publisher, url=url, published=published)
            evidence[event_id].append(SimpleNamespace(sentence=sentence, source=source))
        for row in batch:
            card = EventCard(_Values(row, Meeting if kind == "meeting" else Drill), kind)
            card.__dict__.update(names=names[row["pk"]], evidence=evidence[row["pk"]])
            yield card


def _export_events(filters: Filters) -> Iterator[EventCard]:
    """Every event that passes the filters in the from/to range (open when absent), streamed in date order."""
    streams = []
    kinds = (
        ("meeting", Meeting, filters.wants_meetings, filters.meetings),
        ("drill", Drill, filters.wants_drills, filters.drills),
    )
    for kind, model, wanted, events in kinds:
        if wanted:
            longest = model.objects.longest_span() if filters.first else None
            streams.append(_export_cards(events().between(filters.first, filters.last, longest=longest), kind))
    return _one_snapshot(heapq.merge(*streams, key=_sort_key))


def _attachment(response: HttpResponse, filters: Filters, extension: str) -> HttpResponse:
    """`response` as a download named after the range it covers: parley[-from][-to].extension."""
    parts = ["parley"]
    if filters.first:
        parts.append(filters.first.isoformat())
    if filters.last:
        parts.append(filters.last.isoformat())
    response["Content-Disposition"] = f'attachment; filename="{"-".join(parts)}.{extension}"'
    return response


def _bad_request(filters: Filters) -> HttpResponse:
    return HttpResponse(
        "This download cannot be made:\n" + "\n".join(filters.errors) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV, one row per event, with formulas neutralised for spreadsheets."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    base = request.build_absolute_uri("/")[:-1]
    rows = (exports.csv_row(card, base) for card in _export_events(filters))
    response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filters, "csv")


@require_safe
def export_ics(request: HttpRequest) -> HttpResponse:
    """The filtered events as an iCalendar file of all-day events with stable UIDs, for a calendar to subscribe to."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    base = request.build_absolute_uri("/")[:-1]
    response = StreamingHttpResponse(
        exports.ics_lines(_export_events(filters), base, stamp=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    return _attachment(response, filters, "ics")


@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    """The filtered events, and the actors they involve, as Parley JSON (the format import_timeline reads)."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    meetings = (
        filters.meetings().between(filters.first, filters.last) if filters.wants_meetings else Meeting.objects.none()
    )
    drills = filters.drills().between(filters.first, filters.last) if filters.wants_drills else Drill.objects.none()
    taking_part = Actor.objects.filter(
        Q(participations__meeting__in=meetings) | Q(participations__drill__in=drills)
    ).values("pk")
    # Affiliations and group members come along, so the file imports on its own.
    actors = Actor.objects.filter(
        Q(pk__in=taking_part) | Q(affiliates__in=taking_part) | Q(groups__in=taking_part)
    ).distinct()
    data = timeline_json(actors=actors, meetings=meetings, drills=drills)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", content_type="application/json; charset=utf-8"
    )
    return _attachment(response, filters, "json")
