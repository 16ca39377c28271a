"""The dashboard's pure logic: time windows, timeline geometry and how dates read.

Nothing here touches the database; views hand in plain values and get plain values back.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from tracker.limits import add_days, clamp

# Read once: each look-up in calendar's own lists formats a date, and a dense chart reads hundreds.
MONTH_NAMES = tuple(calendar.month_name)
MONTH_ABBRS = tuple(calendar.month_abbr)
DAY_NAMES = tuple(calendar.day_name)
DAY_ABBRS = tuple(calendar.day_abbr)

# The length of one period of each zoom, from the narrowest: a step moves the window by one.
ZOOM_SPAN = {
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}
ZOOMS = tuple(ZOOM_SPAN)
DEFAULT_ZOOM = "month"
# A custom range longer than this is cut short, so one request cannot ask for centuries.
LONGEST_RANGE = timedelta(days=366 * 20)


def period_end(start: date, precision: str) -> date:
    """The last day of the day, month or year that starts at `start`."""
    if precision == "year":
        return date(start.year, 12, 31)
    if precision == "month":
        return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def readable_date(day: date | None, precision: str = "day") -> str:
    """A date in prose, as precisely as it is known: "10 February 2022", "February 2022" or "2022"."""
    if day is None:
        return "date unknown"
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTH_NAMES[day.month]} {day.year}"
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def format_span(start: date | None, precision: str, end: date | None, end_precision: str) -> str:
    """A date or range as it reads in prose: "10–20 February 2022", "February–March 2022"."""
    if end is None or (end == start and end_precision == precision):
        return readable_date(start, precision)
    if start is None:
        return f"until {readable_date(end, end_precision)}"
    if precision == end_precision == "day" and start.year == end.year:
        if start.month == end.month:
            return f"{start.day}–{readable_date(end)}"
        return f"{start.day} {MONTH_NAMES[start.month]} – {readable_date(end)}"
    if precision == end_precision == "month" and start.year == end.year:
        return f"{MONTH_NAMES[start.month]}–{readable_date(end, 'month')}"
    return f"{readable_date(start, precision)} – {readable_date(end, end_precision)}"


@dataclass(frozen=True)
class Window:
    """The stretch of days the timeline shows, either one zoom period around `at` or a custom range."""

    zoom: str
    at: date
    first: date
    last: date
    custom: bool = False

    @classmethod
    def around(cls, at: date, zoom: str = DEFAULT_ZOOM) -> Window:
        # A date outside the accepted range (stored before the range existed) is drawn at its edge.
        at = clamp(at)
        if zoom == "day":
            first = last = at
        elif zoom == "week":
            first = at - timedelta(days=at.weekday())
            last = first + timedelta(days=6)
        elif zoom == "year":
            first, last = date(at.year, 1, 1), date(at.year, 12, 31)
        else:
            first = date(at.year, at.month, 1)
            last = period_end(first, "month")
        return cls(zoom=zoom, at=at, first=first, last=last)

    @classmethod
    def between(cls, first: date, last: date, zoom: str = DEFAULT_ZOOM) -> Window:
        first = clamp(first)
        last = clamp(min(max(last, first), first + LONGEST_RANGE))
        return cls(zoom=zoom, at=first, first=first, last=last, custom=True)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def step(self, direction: int) -> Window:
        """The window just before (-1) or after (+1) this one, of the same length."""
        if self.custom:
            shift = timedelta(days=self.days * direction)
            return Window.between(self.first + shift, self.last + shift, self.zoom)
        return Window.around(self.at + ZOOM_SPAN[self.zoom] * direction, self.zoom)

    def params(self) -> dict[str, str | None]:
        """The GET parameters that select this window (None removes a parameter)."""
        if self.custom:
            return {"zoom": None, "at": None, "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"zoom": self.zoom, "at": self.at.isoformat(), "from": None, "to": None}

    def zoomed(self, zoom: str) -> Window:
        at = self.at if not self.custom else self.first + timedelta(days=(self.days - 1) // 2)
        return Window.around(at, zoom)

    @property
    def label(self) -> str:
        if self.custom:
            return format_span(self.first, "day", self.last, "day")
        if self.zoom == "day":
            return f"{DAY_NAMES[self.first.weekday()]} {readable_date(self.first)}"
        if self.zoom == "week":
            return f"Week of {readable_date(self.first)}"
        if self.zoom == "year":
            return str(self.first.year)
        return readable_date(self.first, "month")


# Timeline geometry, in SVG user units. The drawing scales to the page width; its width is that of the
# chart's box at a 1280 px window, so one unit is about one pixel there and the text keeps its size.
LABEL_WIDTH = 150
PLOT_WIDTH = 730
RIGHT_PAD = 16
AXIS_HEIGHT = 46
LANE_HEIGHT = 28
BOTTOM_PAD = 16
NODE_RADIUS = 6
MAX_LANES = 30
LABEL_CHARS = 20
# Mark labels: their font size, and the advance of an average character of it, to tell whether one fits.
MARK_FONT = 11
CHAR_WIDTH = 6.2


def short_label(name: str) -> str:
    """`name` cut with an ellipsis to fit the lane labels' column."""
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Item:
    """One meeting or drill as the timeline needs it."""

    key: str  # "meeting-<slug>" or "drill-<slug>": unique across both kinds
    type: str  # "meeting" | "drill"
    status: str
    start: date
    precision: str
    end: date | None
    end_precision: str
    actor_ids: tuple[int, ...]
    label: str
    href: str
    text: str = ""  # the short label drawn beside the mark where there is room: "Talks · Truss"


@dataclass(frozen=True)
class LaneActor:
    id: int
    slug: str
    name: str
    href: str = ""


@dataclass
class Lane:
    actor: LaneActor
    y: float
    count: int

    @property
    def short_name(self) -> str:
        return short_label(self.actor.name)

    @property
    def text_y(self) -> float:
        return self.y + 4


@dataclass
class Tick:
    x: float
    label: str
    major: bool


@dataclass
class Mark:
    item: Item
    x: float
    ys: list[float]
    x_end: float  # right edge of a drill bar, or of a multi-day or uncertain meeting span
    band_x: float  # left edge of the uncertain or multi-day span (== x_end when there is none)
    fuzzy: bool
    clipped_left: bool = False
    clipped_right: bool = False
    range_x: float | None = None  # left edge of the bar of a meeting over several exactly known days
    text: str = ""  # the label drawn beside the mark, "" where there was no room
    text_x: float = 0.0
    text_y: float = 0.0

    @property
    def y1(self) -> float:
        return min(self.ys)

    @property
    def y2(self) -> float:
        return max(self.ys)

    @property
    def band(self) -> bool:
        return self.x_end - self.band_x > 0.5

    @property
    def band_y(self) -> float:
        return self.y1 - LANE_HEIGHT / 2 + 3

    @property
    def band_height(self) -> float:
        return self.y2 - self.y1 + LANE_HEIGHT - 6

    @property
    def band_width(self) -> float:
        return self.x_end - self.band_x

    @property
    def bar_y(self) -> list[float]:
        return [y - 5 for y in self.ys]

    @property
    def bar_width(self) -> float:
        return max(self.x_end - self.x, 3.0)

    @property
    def range_y(self) -> list[float]:
        return [y - 4 for y in self.ys]

    @property
    def range_width(self) -> float:
        return self.x_end - (self.range_x or 0.0)

    @property
    def arrows(self) -> list[str]:
        """SVG polygon points of small arrowheads where a bar runs on past the window's edges."""
        points = []
        for y in self.ys:
            if self.clipped_right:
                points.append(f"{self.x_end:.1f},{y - 7:.1f} {self.x_end + 8:.1f},{y:.1f} {self.x_end:.1f},{y + 7:.1f}")
            if self.clipped_left:
                points.append(f"{self.x:.1f},{y - 7:.1f} {self.x - 8:.1f},{y:.1f} {self.x:.1f},{y + 7:.1f}")
        return points

    @property
    def diamond(self) -> list[str]:
        """SVG polygon points of a diamond node on each lane (the shape for postponed meetings)."""
        r = NODE_RADIUS + 1
        return [
            f"{self.x:.1f},{y - r:.1f} {self.x + r:.1f},{y:.1f} {self.x:.1f},{y + r:.1f} {self.x - r:.1f},{y:.1f}"
            for y in self.ys
        ]


@dataclass
class Summary:
    """A note standing for the labels that found no room: "+3 more" beside a day's meetings."""

    x: float
    y: float
    text: str


@dataclass
class Chart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    axis_y: float
    lanes: list[Lane]
    ticks: list[Tick]
    meetings: list[Mark]
    drills: list[Mark]
    actors_in_window: int
    unplaced: list[Item] = field(default_factory=list)
    today_x: float | None = None
    summaries: list[Summary] = field(default_factory=list)

    @property
    def hidden_lanes(self) -> int:
        return self.actors_in_window - len(self.lanes)

    @property
    def lane_bottom(self) -> float:
        return self.height - BOTTOM_PAD


def _x(day: date, window: Window) -> float:
    return LABEL_WIDTH + (day - window.first).days / window.days * PLOT_WIDTH


def _clip(day: date, window: Window) -> date:
    return min(max(day, window.first), window.last + timedelta(days=1))


def lane_order(
    items: Iterable[Item], actors: dict[int, LaneActor], focus: Sequence[int] = (), limit: int = MAX_LANES
) -> tuple[list[tuple[LaneActor, int]], int]:
    """The actors to draw a lane for, with how many of `items` each takes part in, and how many actors there are.

    The `limit` busiest actors get a lane (focused actors always do); focused actors come first, the others
    in the order that makes meetings' connectors cross the fewest lanes of actors who are not in them.
    """
    items = list(items)
    counts = Counter(actor_id for item in items for actor_id in set(item.actor_ids) if actor_id in actors)
    rank = {actor_id: i for i, actor_id in enumerate(focus)}
    busiest = sorted(counts, key=lambda a: (a not in rank, -counts[a], actors[a].name.casefold(), a))[:limit]
    chosen = set(busiest)
    appearance: dict[int, int] = {}
    for item in items:
        for actor_id in item.actor_ids:
            if actor_id in chosen:
                appearance.setdefault(actor_id, len(appearance))
    ordered = sorted(chosen, key=lambda a: (rank.get(a, len(rank)), appearance[a]))
    fixed = sum(1 for a in ordered if a in rank)
    groups = Counter(frozenset(a for a in item.actor_ids if a in chosen) for item in items if item.type == "meeting")
    ordered = ordered[:fixed] + fewer_crossings(ordered[fixed:], groups, ordered[:fixed])
    return [(actors[a], counts[a]) for a in ordered], len(counts)


def crossings(order: Sequence[int], groups: Counter) -> int:
    """How many lanes of actors not in a meeting its connector passes, summed over meetings (`groups`
    counts the meetings of each set of participants)."""
    where = {a: i for i, a in enumerate(order)}
    total = 0
    for group, n in groups.items():
        places = [where[a] for a in group if a in where]
        if len(places) > 1:
            total += n * (max(places) - min(places) + 1 - len(places))
    return total


def _by_lane(groups: Counter) -> dict[int, list[frozenset[int]]]:
    lanes: dict[int, list[frozenset[int]]] = {}
    for group in groups:
        for actor in group:
            lanes.setdefault(actor, []).append(group)
    return lanes


def _chain(order: Sequence[int], groups: Counter, above: Sequence[int]) -> list[int]:
    """A first order that lays meetings' participants next to each other: each next lane is an actor who
    met the latest-placed lanes, those of a meeting half drawn first; `order` breaks ties and starts anew."""
    placed = {a: i for i, a in enumerate(above)}
    of_lane = _by_lane(groups)
    result: list[int] = []
    remaining = list(order)

    def pull(actor: int) -> tuple[int, float]:
        best = (-1, 0.0)
        for group in of_lane.get(actor, ()):
            at = [placed[a] for a in group if a in placed]
            if at:
                best = max(best, (max(at), len(at) / len(group) + groups[group] / 1000))
        return best

    score = {a: pull(a) for a in remaining}
    while remaining:
        chosen = max(remaining, key=lambda a: (score[a], -remaining.index(a)))
        remaining.remove(chosen)
        placed[chosen] = len(placed)
        result.append(chosen)
        # Only the actors who met the one just placed are pulled differently now.
        for group in of_lane.get(chosen, ()):
            for actor in group:
                if actor in score and actor not in placed:
                    score[actor] = pull(actor)
    return result


# Swapping neighbouring lanes stops after this many passes over the lanes, however much is left to gain.
ORDER_PASSES = 40
# Moving single lanes anywhere scores every meeting per try: it stops after this many meetings scored
# (a few milliseconds), which covers every try on a quiet window and the first lanes on a busy one.
MOVE_BUDGET = 3_000


def _moved(order: list[int], groups: Counter, above: Sequence[int]) -> list[int]:
    """`order` with single lanes moved wherever that makes connectors cross fewer lanes, within MOVE_BUDGET."""
    members = [(tuple(g), n) for g, n in groups.items()]

    def total(trial: list[int]) -> int:
        where = {a: i for i, a in enumerate([*above, *trial])}
        cost = 0
        for group, n in members:
            places = [where[a] for a in group]
            cost += n * (max(places) - min(places) + 1 - len(places))
        return cost

    best, best_cost = list(order), total(order)
    budget = MOVE_BUDGET
    improved = True
    while improved and best_cost and budget > 0:
        improved = False
        for lane in list(best):
            rest = [a for a in best if a != lane]
            for place in range(len(rest) + 1):
                trial = [*rest[:place], lane, *rest[place:]]
                cost = total(trial)
                budget -= len(members)
                if cost < best_cost:
                    best, best_cost, improved = trial, cost, True
            if budget <= 0:
                break
    return best


def fewer_crossings(order: list[int], groups: Counter, above: Sequence[int] = ()) -> list[int]:
    """`order` rearranged so that connectors cross fewer lanes of outsiders: a greedy first order, then
    neighbouring lanes swapped while that helps. Lanes in `above` stay first, and are counted."""
    groups = Counter({g: n for g, n in groups.items() if len(g) > 1})
    if len(order) < 2 or not groups:
        return list(order)
    above = list(above)
    best = _moved(_chain(order, groups, above), groups, above)
    members = list(groups)
    weight = [groups[g] for g in members]
    where = {a: i for i, a in enumerate(above + best)}
    low = [min(where[a] for a in g) for g in members]
    high = [max(where[a] for a in g) for g in members]
    of_lane: dict[int, list[int]] = {}
    for n, group in enumerate(members):
        for actor in group:
            of_lane.setdefault(actor, []).append(n)
    offset = len(above)
    for _ in range(ORDER_PASSES):
        improved = False
        for i in range(len(best) - 1):
            a, b = best[i], best[i + 1]
            at = offset + i
            # Swapping neighbours only moves the ends of meetings that hold one of the two, by one lane.
            only_a = [n for n in of_lane.get(a, ()) if b not in members[n]]
            only_b = [n for n in of_lane.get(b, ()) if a not in members[n]]
            gain = sum(weight[n] * ((high[n] == at) - (low[n] == at)) for n in only_a)
            gain += sum(weight[n] * ((low[n] == at + 1) - (high[n] == at + 1)) for n in only_b)
            if gain >= 0:
                continue
            best[i], best[i + 1] = b, a
            improved = True
            for n in only_a:
                high[n] = at + 1 if high[n] == at else high[n]
                low[n] = at + 1 if low[n] == at else low[n]
            for n in only_b:
                low[n] = at if low[n] == at + 1 else low[n]
                high[n] = at if high[n] == at + 1 else high[n]
        if not improved:
            break
    return best


def ticks_for(window: Window) -> list[Tick]:
    """Axis ticks: days for short windows, weeks or months for longer ones, years for the longest."""
    ticks: list[Tick] = []
    days = window.days
    if days <= 16:
        for n in range(days):
            day = window.first + timedelta(days=n)
            label = f"{DAY_ABBRS[day.weekday()]} {day.day}" if days > 1 else readable_date(day)
            ticks.append(Tick(_x(day, window), label, major=True))
        return ticks
    if days <= 93:
        for n in range(days):
            day = window.first + timedelta(days=n)
            monday = day.weekday() == 0
            label = f"{day.day} {MONTH_ABBRS[day.month]}" if monday or n == 0 else ""
            ticks.append(Tick(_x(day, window), label, major=monday))
        return ticks
    if days <= 800:
        month = date(window.first.year, window.first.month, 1)
        while month <= window.last:
            if month >= window.first:
                label = MONTH_ABBRS[month.month]
                if month.month == 1 or not ticks:
                    label = f"{label} {month.year}"
                ticks.append(Tick(_x(month, window), label, major=month.month == 1))
            month += relativedelta(months=1)
        return ticks
    step = max(1, days // 366 // 12)
    for year in range(window.first.year, window.last.year + 1):
        start = date(year, 1, 1)
        if start >= window.first and (year % step == 0):
            ticks.append(Tick(_x(start, window), str(year), major=True))
    return ticks


def _spread(meetings: list[Mark], day_width: float) -> list[list[Mark]]:
    """Set meetings drawn on the same day side by side, so that unrelated meetings do not read as one.

    Returns the groups of meetings that shared a spot, left to right, for the labels to summarise.
    """
    by_x: dict[float, list[Mark]] = {}
    for mark in meetings:
        by_x.setdefault(round(mark.x, 1), []).append(mark)
    groups = []
    for group in by_x.values():
        group.sort(key=lambda m: (m.y1, m.y2))
        count = len(group)
        if count > 1:
            gap = min(3 * NODE_RADIUS, max(4.0, 0.9 * day_width / count))
            for slot, mark in enumerate(group):
                mark.x += (slot - (count - 1) / 2) * gap
        groups.append(group)
    return groups


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH + 4


class _Labels:
    """Where labels went: each one sits just above its mark's top lane, clear of other labels and connectors."""

    def __init__(self, meetings: list[Mark], lane_ys: Sequence[float], right: float) -> None:
        self.right = right
        self.taken: dict[float, list[tuple[float, float]]] = {}
        # Per lane, the connectors that come down from a lane above to it or past it, by x: they cross the
        # space above the lane where its labels go.
        crossing: dict[float, list[tuple[float, int]]] = {}
        lane_ys = sorted(lane_ys)
        for mark in meetings:
            top, bottom = mark.y1, mark.y2
            for lane_y in lane_ys[bisect_right(lane_ys, top) : bisect_right(lane_ys, bottom)]:
                crossing.setdefault(lane_y, []).append((mark.x, id(mark)))
        self.crossing = {y: sorted(found) for y, found in crossing.items()}

    def free(self, x1: float, x2: float, lane_y: float, own: Mark | None = None) -> bool:
        if x2 > self.right:
            return False
        if any(x1 < b + 4 and a - 4 < x2 for a, b in self.taken.get(lane_y, ())):
            return False
        found = self.crossing.get(lane_y, [])
        i = bisect_left(found, (x1 - 3, -1))
        while i < len(found) and found[i][0] <= x2 + 3:
            if found[i][1] != id(own):
                return False
            i += 1
        return True

    def take(self, x1: float, x2: float, lane_y: float) -> None:
        self.taken.setdefault(lane_y, []).append((x1, x2))

    def place(self, mark: Mark, starts: Iterable[float], rows: Iterable[float]) -> bool:
        """Label `mark` at the first free spot of `starts` × `rows` (lane ys); False when none is free."""
        text = mark.item.text
        if not text:
            return False
        width = text_width(text)
        for lane_y in rows:
            for x1 in starts:
                if self.free(x1, x1 + width, lane_y, mark):
                    self.take(x1, x1 + width, lane_y)
                    mark.text, mark.text_x, mark.text_y = text, x1, lane_y - 9
                    return True
        return False


def _label(
    meetings: list[Mark], drills: list[Mark], groups: list[list[Mark]], lane_ys: Sequence[float], right: float
) -> list[Summary]:
    """Give marks their short labels where there is room, and a day's meetings whose labels do not fit a
    summary ("+2 more"); a drill's label goes anywhere along its bar."""
    labels = _Labels(meetings, lane_ys, right)
    summaries = []
    for group in sorted(groups, key=lambda g: g[0].x):
        left_out = [m for m in group if not labels.place(m, [m.x + NODE_RADIUS], [m.y1])]
        if not left_out:
            continue
        n = len(left_out)
        text = f"+{n} more" if n < len(group) else f"{n} meetings"
        x1 = max(m.x for m in group) + NODE_RADIUS
        x2 = x1 + text_width(text)
        for lane_y in sorted({y for m in left_out for y in m.ys}):
            if labels.free(x1, x2, lane_y):
                labels.take(x1, x2, lane_y)
                summaries.append(Summary(x1, lane_y - 9, text))
                break
    for mark in sorted(drills, key=lambda m: m.x):
        # Past each connector that crosses the bar's start, while the label still begins on the bar.
        starts = [mark.x + 2] + sorted(m.x + NODE_RADIUS for m in meetings if mark.x < m.x < mark.x_end - 20)
        labels.place(mark, starts, mark.ys)
    return summaries


def layout_timeline(
    items: Sequence[Item],
    actors: dict[int, LaneActor],
    window: Window,
    *,
    focus: Sequence[int] = (),
    max_lanes: int = MAX_LANES,
    today: date | None = None,
) -> Chart:
    """Place each actor on a lane and each event as one mark: a connector for a meeting, bars for a drill."""
    ordered, actors_in_window = lane_order(items, actors, focus, max_lanes)
    lanes = [
        Lane(actor=actor, y=AXIS_HEIGHT + LANE_HEIGHT * (i + 0.5), count=count)
        for i, (actor, count) in enumerate(ordered)
    ]
    lane_y = {lane.actor.id: lane.y for lane in lanes}
    day_width = PLOT_WIDTH / window.days
    meetings: list[Mark] = []
    drills: list[Mark] = []
    unplaced: list[Item] = []
    for item in items:
        ys = sorted({lane_y[a] for a in item.actor_ids if a in lane_y})
        if not ys:
            unplaced.append(item)
            continue
        fuzzy = item.precision != "day" or (item.end is not None and item.end_precision != "day")
        first_day = item.start
        last_day = period_end(item.end, item.end_precision) if item.end else period_end(item.start, item.precision)
        left = _x(_clip(first_day, window), window)
        right = _x(_clip(add_days(last_day, 1), window), window)
        clipped_left = first_day < window.first
        clipped_right = last_day > window.last
        if item.type == "drill":
            drills.append(Mark(item, left, ys, right, right, fuzzy, clipped_left, clipped_right))
            continue
        if fuzzy:
            # Only the month or year is known: draw the connector in the middle of that span.
            x = (left + right) / 2
        elif clipped_left:
            x = left
        else:
            x = left + day_width / 2
        # Days known exactly make a range bar; a month or year known only makes the faint band.
        ranged = not fuzzy and last_day > first_day
        band_x = left if fuzzy else right
        meetings.append(
            Mark(item, x, ys, right, band_x, fuzzy, clipped_left, clipped_right, range_x=left if ranged else None)
        )
    groups = _spread(meetings, day_width)
    summaries = _label(meetings, drills, groups, list(lane_y.values()), LABEL_WIDTH + PLOT_WIDTH + RIGHT_PAD)
    height = AXIS_HEIGHT + LANE_HEIGHT * max(len(lanes), 1) + BOTTOM_PAD
    today_x = None
    if today is not None and window.first <= today <= window.last:
        today_x = _x(today, window) + day_width / 2
    return Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + RIGHT_PAD,
        height=height,
        plot_left=LABEL_WIDTH,
        plot_right=LABEL_WIDTH + PLOT_WIDTH,
        axis_y=AXIS_HEIGHT - 8,
        lanes=lanes,
        ticks=ticks_for(window),
        meetings=meetings,
        drills=drills,
        actors_in_window=actors_in_window,
        unplaced=unplaced,
        today_x=today_x,
        summaries=summaries,
    )


# Density: when a window holds more events than the chart can draw one by one, it counts them per
# stretch of days ("bucket") on each lane instead.
DENSITY_LEVELS = 5


def bucket_days(window: Window) -> int:
    """Days per density bucket: one for a day, week or month; about sixty buckets for longer windows."""
    return 1 if window.days <= 93 else -(-window.days // 60)


@dataclass
class DensityCell:
    first: date
    last: date
    x: float
    width: float
    count: int
    level: int  # 1 (few) to DENSITY_LEVELS (the most in this window); 0 when not counted
    counted: bool


@dataclass
class DensityRow:
    name: str
    href: str
    y: float
    cells: list[DensityCell]
    total: bool = False

    @property
    def short_name(self) -> str:
        return short_label(self.name)


def layout_density(
    window: Window,
    days: int,
    rows: Sequence[tuple[str, str, dict[int, int]]],
    *,
    counted_until: date | None = None,
) -> tuple[list[DensityRow], float]:
    """One row per (name, href, counts by bucket), the first the total; cells with no events are left out.

    Buckets that start after `counted_until` were not counted: they get a cell that says so.
    Returns the rows and the drawing's height.
    """
    top = max((n for _, _, counts in rows for n in counts.values()), default=0) or 1
    # Each bucket's days and place, worked out once for every row.
    buckets = []
    for b in range(-(-window.days // days)):
        first = window.first + timedelta(days=b * days)
        last = min(first + timedelta(days=days - 1), window.last)
        x = _x(first, window)
        buckets.append((first, last, x, _x(last + timedelta(days=1), window) - x))
    uncounted = [b for b, (first, *_) in enumerate(buckets) if counted_until is not None and first > counted_until]
    result = []
    for i, (name, href, counts) in enumerate(rows):
        y = AXIS_HEIGHT + LANE_HEIGHT * (i + 0.5)
        shown = sorted({*(b for b, n in counts.items() if n and 0 <= b < len(buckets)), *uncounted})
        cells = []
        for b in shown:
            first, last, x, width = buckets[b]
            counted = counted_until is None or first <= counted_until
            count = counts.get(b, 0)
            level = -(-count * DENSITY_LEVELS // top) if counted else 0
            cells.append(DensityCell(first, last, x, width, count, level, counted))
        result.append(DensityRow(name, href, y, cells, total=i == 0))
    return result, AXIS_HEIGHT + LANE_HEIGHT * max(len(rows), 1) + BOTTOM_PAD
