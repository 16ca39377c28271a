"""The dashboard's pure logic: time windows, timeline geometry and how dates read.

Nothing here touches the database; views hand in plain values and get plain values back.
"""

from __future__ import annotations

import calendar
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


# Timeline geometry, in SVG user units. The drawing scales to the page width.
LABEL_WIDTH = 200
PLOT_WIDTH = 960
RIGHT_PAD = 24
AXIS_HEIGHT = 46
LANE_HEIGHT = 28
BOTTOM_PAD = 16
NODE_RADIUS = 6
MAX_LANES = 30
LABEL_CHARS = 26


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

    The `limit` busiest actors get a lane (focused actors always do); they are ordered focused first, then by
    first appearance, so that actors who meet each other sit side by side and connectors stay short.
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
    return [(actors[a], counts[a]) for a in ordered], len(counts)


def _slots(spans: list[tuple[float, float]]) -> list[int]:
    """Give each vertical span (y1, y2) the lowest slot not taken by an overlapping span: interval colouring."""
    taken: list[list[tuple[float, float]]] = []
    result = []
    for y1, y2 in spans:
        for slot, used in enumerate(taken):
            if all(y2 + 4 < a or y1 - 4 > b for a, b in used):
                used.append((y1, y2))
                result.append(slot)
                break
        else:
            taken.append([(y1, y2)])
            result.append(len(taken) - 1)
    return result


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


def _spread(meetings: list[Mark], day_width: float) -> None:
    """Move meetings drawn at the same spot apart sideways, so overlapping connectors stay visible."""
    by_x: dict[float, list[Mark]] = {}
    for mark in meetings:
        by_x.setdefault(round(mark.x, 1), []).append(mark)
    for group in by_x.values():
        if len(group) < 2:
            continue
        slots = _slots([(m.y1, m.y2) for m in group])
        count = max(slots) + 1
        if count < 2:
            continue
        gap = min(3 * NODE_RADIUS, max(4.0, 0.9 * day_width / count))
        for mark, slot in zip(group, slots):
            mark.x += (slot - (count - 1) / 2) * gap


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
        band_x = left if (fuzzy or item.end) else right
        meetings.append(Mark(item, x, ys, right, band_x, fuzzy, clipped_left, clipped_right))
    _spread(meetings, day_width)
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
