"""The timeline page: actor lanes over a window of time, or counts per day when it holds too many events, and the events as a list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache, partial
from typing import Any

from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from tracker.dashboard import (
    ZOOMS,
    Chart,
    DensityRow,
    LaneActor,
    Window,
    bucket_days,
    format_span,
    layout_density,
    layout_timeline,
)
from tracker.filters import KINDS, MATCHES, STATUSES, Filters, format_after, parse_filters
from tracker.limits import export_max_rows
from tracker.pairs import busiest_actors
from tracker.views.cards import EventCard, actor_url, group_by_day
from tracker.views.http import (
    HtmxHttpRequest,
    Panel,
    is_fragment,
    page_cache,
    query_string,
    respond,
    wants_more,
    without,
)
from tracker.views.queries import add_evidence, add_people, cards_for, density_counts, tallied_counts

# Events per page of the day list; a "More events" link reads the next page by keyset.
LIST_PAGE = 25
# Above this many events in the window, the chart counts them per stretch of days instead of drawing each.
MARK_CAP = 150
DENSITY_LANES = 12
# The most events the density view counts in one window; it says where it stopped.
DENSITY_SCAN = 5000
LANE_CAP = 30
FILTER_CHOICES = {"kinds": KINDS, "statuses": STATUSES, "matches": MATCHES}


@dataclass
class Density:
    rows: list[DensityRow]
    height: float
    counted: int
    counted_until: date | None
    meetings: int
    drills: int


def density_chart(filters: Filters, window: Window) -> Density:
    """Counts per bucket of days: all events, then the filtered actors and the busiest actors overall.

    Events count on the day they start. Without filters on status, text, actors or kinds of meeting the
    counts come whole from the tallies; with them, from the first DENSITY_SCAN matching events.
    """
    days = bucket_days(window)
    counted_until = None
    kinds = [("meeting", filters.meetings)] if filters.wants_meetings else []
    kinds += [("drill", filters.drills)] if filters.wants_drills else []
    if filters.tallied:
        busiest, totals, lanes, counts = tallied_counts(
            window.first, window.last, days, DENSITY_LANES, [kind for kind, _ in kinds]
        )
        lane_actors = [LaneActor(pk, slug, name, actor_url(slug)) for pk, slug, name in busiest]
    else:
        lane_actors = [LaneActor(a.pk, a.slug, a.name, actor_url(a.slug)) for a in filters.actors]
        if len(lane_actors) < DENSITY_LANES:
            taken = {a.id for a in lane_actors}
            for row in busiest_actors(DENSITY_LANES):
                if row["actor"] not in taken:
                    lane_actors.append(LaneActor(row["actor"], row["slug"], row["name"], actor_url(row["slug"])))
        lane_actors = lane_actors[:DENSITY_LANES]
        lane_ids = [a.id for a in lane_actors]
        totals, lanes, counts = Counter(), Counter(), Counter()
        for kind, events in kinds:
            in_window = events().between(window.first, window.last).filter(start__gte=window.first)
            kind_totals, kind_lanes, counted, last_start = density_counts(
                in_window, window.first, days, lane_ids, DENSITY_SCAN
            )
            totals.update(kind_totals)
            lanes.update(kind_lanes)
            counts[kind] = counted
            if counted >= DENSITY_SCAN and last_start is not None:
                counted_until = last_start if counted_until is None else min(counted_until, last_start)
    per_lane: dict[int, dict[int, int]] = {}
    for (actor_id, b), n in lanes.items():
        per_lane.setdefault(actor_id, {})[b] = n
    rows = [("All events", "", totals)]
    rows += [(actor.name, actor.href, per_lane[actor.id]) for actor in lane_actors if actor.id in per_lane]
    laid_out, height = layout_density(window, days, rows, counted_until=counted_until)
    return Density(
        laid_out, height, counts["meeting"] + counts["drill"], counted_until, counts["meeting"], counts["drill"]
    )


def _bucket_query(state: QueryDict, first: date, last: date) -> str:
    if first == last:
        return query_string(state, zoom="day", at=first.isoformat(), **{"from": None, "to": None})
    return query_string(state, zoom=None, at=None, **{"from": first.isoformat(), "to": last.isoformat()})


def bucket_links(state: QueryDict) -> Callable[[date, date], str]:
    """The zoom link of each bucket, made once per bucket: every lane's cell in a bucket shares it."""
    return lru_cache(maxsize=None)(partial(_bucket_query, state))


def shown_window(filters: Filters) -> Window:
    """The window asked for, or, when the URL names none, the one around the most recently added matching event."""
    return filters.window(None if filters.dated else filters.newest_start())


def neighbour_links(filters: Filters, window: Window, state: QueryDict, found: bool) -> dict[str, Any]:
    """Ways out of the window: to the nearest events when it is empty, and, when the timeline opened on
    what is new, to the events dated after it (often planned ones). One query, and none on a dated, full window.
    """
    if found and filters.dated:
        return {}
    near = filters.neighbours(window.first, window.last, before=not found, latest=not filters.dated)

    def around(day: date | None) -> str:
        return query_string(state, **Window.around(day, window.zoom).params()) if day else ""

    links: dict[str, Any] = {"nearest_before": "", "nearest_after": "", "dated_after": None}
    if not found:
        links.update(nearest_before=around(near.before), nearest_after=around(near.after), nearest=near)
    if not filters.dated and near.later:
        links.update(dated_after=near, next_link=around(near.after), latest_link=around(near.latest))
    return links


def page_state(full: QueryDict, page: str) -> QueryDict:
    """The query that page links carry: on an actor's page the actor is in the path, not the query."""
    return without(full, "actor") if page == "actor" else full


def list_page(filters: Filters, window: Window, cards: list[EventCard], state: QueryDict) -> dict[str, Any]:
    """One page of the day list: the first LIST_PAGE events (or those after `filters.after`) and the link to more."""
    if filters.after is not None:
        cards = cards_for(filters.first_keys(window.first, window.last, LIST_PAGE + 1, filters.after))
        add_people(cards[:LIST_PAGE])
    shown = cards[:LIST_PAGE]
    add_evidence(shown)
    more = ""
    if len(cards) > LIST_PAGE:
        last = shown[-1]
        more = query_string(state, **window.params(), after=format_after(last.event.start, last.type, last.event.pk))
    return {
        "days": group_by_day(shown, continued=filters.after[0] if filters.after else None),
        "more": more,
        "first_page": query_string(state, **window.params()) if filters.after else "",
    }


def timeline_context(filters: Filters, *, page: str) -> dict[str, Any]:
    """Everything the timeline panel draws: the window, the chart, a page of the day list, links and messages."""
    window = shown_window(filters)
    # Downloads keep the actor even on an actor's page: the download URL has no path to carry it.
    full = filters.query()
    state = page_state(full, page)
    # One read of the window tells whether the chart can draw each event and which events open the list.
    keys = filters.first_keys(window.first, window.last, max(MARK_CAP, LIST_PAGE) + 1)
    dense = len(keys) > MARK_CAP
    cards = cards_for(keys[: LIST_PAGE + 1] if dense else keys)
    actors: dict[int, LaneActor] = {}
    density = None
    if dense:
        density = density_chart(filters, window)
        add_people(cards[:LIST_PAGE])
        chart = layout_timeline([], {}, window, today=timezone.localdate())
        chart.height = density.height
        meetings, drills = density.meetings, density.drills
    else:
        add_people(cards)
        for card in cards:
            for person in card.people:
                if person.actor_id not in actors:
                    actors[person.actor_id] = LaneActor(person.actor_id, person.slug, person.name, person.url)
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
    neighbours = neighbour_links(filters, window, state, bool(keys))
    window_state = {"zoom": None, "at": None, "from": window.first.isoformat(), "to": window.last.isoformat()}
    return {
        "page": page,
        "filters": filters,
        "state": state,
        "window": window,
        "earlier": query_string(state, **window.step(-1).params()),
        "later": query_string(state, **window.step(1).params()),
        "zooms": [
            (zoom, query_string(state, **window.zoomed(zoom).params()), zoom == window.zoom and not window.custom)
            for zoom in ZOOMS
        ],
        "chart": chart,
        "axis_key": axis_key(chart, window),
        "marks_key": None if density else marks_key(chart, filters),
        "density": density,
        "density_rows": density_rows(density, window, state) if density else [],
        "density_days": bucket_days(window),
        "meeting_count": meetings,
        "drill_count": drills,
        "mark_cap": MARK_CAP,
        "density_scan": DENSITY_SCAN,
        "download_cap": f"{export_max_rows():,}",
        "downloads": [
            ("CSV", reverse("export_csv") + query_string(full, **window_state)),
            ("iCalendar", reverse("export_ics") + query_string(full, **window_state)),
            ("Parley JSON", reverse("export_json") + query_string(full, **window_state)),
            ("TimelineJS", reverse("export_timelinejs") + query_string(full, **window_state)),
        ],
        "window_actors": list(actors.values())[:200],
        "title": window.label,
        **neighbours,
        **list_page(filters, window, cards, state),
    }


def axis_key(chart: Chart, window: Window) -> tuple:
    """What the chart's axis shows: its ticks follow from the window, its lines reach the chart's height."""
    return (window.first, window.last, chart.height, chart.today_x)


def marks_key(chart: Chart, filters: Filters) -> tuple:
    """Everything the lanes and marks of a chart drawn event by event show: their fragment is cached under
    this, so a write re-renders them only when it changes an event, a lane or a place in this chart."""
    lanes = tuple((lane.actor, lane.y, lane.count) for lane in chart.lanes)
    marks = tuple(
        (m.item, m.x, tuple(m.ys), m.x_end, m.band_x, m.fuzzy, m.clipped_left, m.clipped_right)
        + (m.range_x, m.text, m.text_x, m.text_y)
        for m in (*chart.drills, *chart.meetings)
    )
    summaries = tuple((s.x, s.y, s.text) for s in chart.summaries)
    return (filters.active, chart.height, len(chart.drills), lanes, marks, summaries)


class DensityLane:
    """One density row as the chart draws it. Its cells (links, spoken spans, boxes) are made only when
    the row's fragment is rendered, not when it is read from the cache: `fingerprint` says all they show.

    A row is drawn at height 0 and moved to its place, so its fragment serves wherever the row stands.
    Rendered from nothing, a month's rows cost about 30 ms in the template language at a million events
    (docs/benchmarks.md); cached, they cost a look-up each.
    """

    def __init__(self, row: DensityRow, link: Callable[[date, date], str], state: str, window: Window):
        self.row = row
        self._link = link
        self.fingerprint = (
            row.name,
            row.href,
            row.total,
            state,
            window.first,
            window.last,
            tuple((c.first, c.last, c.count, c.level, c.counted) for c in row.cells),
        )

    @cached_property
    def cells(self) -> list[dict[str, Any]]:
        link = self._link
        return [
            {
                "cell": cell,
                "href": link(cell.first, cell.last),
                "span": format_span(cell.first, "day", cell.last, "day"),
                "noun": "event" if cell.count == 1 else "events",
                "box_x": cell.x + 0.5,
                "count_x": cell.x + cell.width / 2,
                "box_width": max(cell.width - 1, 1),
            }
            for cell in self.row.cells
        ]


def density_rows(density: Density, window: Window, state: QueryDict) -> list[DensityLane]:
    """Each density row, its cells' links made from the page's query once per bucket, and only if drawn."""
    link = bucket_links(state)
    shown = state.urlencode()
    return [DensityLane(row, link, shown, window) for row in density.rows]


def more_events(request: HtmxHttpRequest, filters: Filters, *, page: str) -> Panel:
    """The next page of the day list, for the "More events" link to append."""
    context = {"filters": filters, **list_page(filters, shown_window(filters), [], page_state(filters.query(), page))}
    if context["days"]:
        context["days"][0].cards[0].autofocus = True
    return Panel(render_to_string("tracker/_event_list.html#event-page", context, request))


def _variant(request: HtmxHttpRequest) -> str:
    if wants_more(request):
        return "more"
    variant = "panel-focus" if _focus_search(request) else "panel"
    # A fragment carries the page's <title> for htmx to put on the tab; the whole page has it in its head.
    return f"{variant}-fragment" if is_fragment(request) else variant


def _focus_search(request: HtmxHttpRequest) -> bool:
    # After picking a suggestion, the search field gets the focus back in the new panel.
    return is_fragment(request) and (request.htmx.trigger or "").startswith("suggestion-")


@page_cache(_variant)
def timeline_panel(request: HtmxHttpRequest) -> Panel | HttpResponse:
    """The timeline's panel (filters, chart and list) for the URL's filters, or a redirect to their canonical URL."""
    filters = parse_filters(request.GET)
    if filters.rewritten and not filters.errors and not is_fragment(request):
        return HttpResponseRedirect(request.path + query_string(filters.query()))
    if wants_more(request):
        return more_events(request, filters, page="timeline")
    context = timeline_context(filters, page="timeline")
    context.update(FILTER_CHOICES, focus_search=_focus_search(request), fragment=is_fragment(request))
    html = render_to_string("tracker/timeline.html#timeline-panel", context, request)
    return Panel(html, title=context["window"].label, push=request.path + query_string(filters.query()))


@require_safe
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    """The timeline page, or for htmx its panel or the next page of its list."""
    return respond(request, "tracker/timeline.html", timeline_panel(request), push=not wants_more(request))
