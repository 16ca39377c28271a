"""Events as the pages show them: plain values read with values(), no model instance per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from itertools import groupby

from django.urls import reverse

from tracker.dashboard import Item, format_span, readable_date
from tracker.extraction.headlines import drill_headline, join_names, meeting_headline
from tracker.models import Drill, Meeting, Participant


@lru_cache
def _url_prefix(name: str) -> str:
    # reverse() per row is the costliest part of a long list; the slug is the only part that varies.
    return reverse(name, args=["-"])[:-2]


def actor_url(slug: str) -> str:
    return f"{_url_prefix('actor_detail')}{slug}/"


ROLES = dict(Participant.Role.choices)
MEETING_KINDS = dict(Meeting.Kind.choices)
STATUSES = {"meeting": dict(Meeting.Status.choices), "drill": dict(Drill.Status.choices)}


@dataclass(frozen=True)
class Person:
    """An actor's part in one event."""

    actor_id: int
    name: str
    slug: str
    role: str
    short: str = ""  # the name a chart label uses, "Truss" for Liz Truss; "" when the actor has none

    @property
    def url(self) -> str:
        return actor_url(self.slug)

    @property
    def short_name(self) -> str:
        return self.short or self.name

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class SourceRow:
    title: str
    publisher: str
    url: str
    published: date


@dataclass(frozen=True)
class EvidenceRow:
    """A sentence of a source that reports the event."""

    sentence: str
    source: SourceRow


@dataclass
class EventRow:
    """The columns of a meeting or drill that the pages and downloads show."""

    type: str  # "meeting" | "drill"
    pk: int
    slug: str
    start: date | None
    precision: str
    end: date | None
    end_precision: str
    date_text: str
    location: str
    summary: str
    status: str
    updated_at: datetime
    kind: str = ""  # meetings only
    name: str = ""  # drills only
    troops: int | None = None  # drills only

    def get_status_display(self) -> str:
        return STATUSES[self.type].get(self.status, self.status)

    def get_kind_display(self) -> str:
        return MEETING_KINDS.get(self.kind, self.kind)


EVENT_FIELDS = [
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


@dataclass
class EventCard:
    """A meeting or drill with what every page says about it: its row, its participants and, where shown, its sources."""

    event: EventRow
    people: list[Person] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)
    autofocus: bool = False  # the first entry of a list page appended by "More events" takes the focus

    @property
    def type(self) -> str:
        return self.event.type

    @cached_property
    def url(self) -> str:
        return f"{_url_prefix(f'{self.type}_detail')}{self.event.slug}/"

    @property
    def key(self) -> str:
        return f"{self.type}-{self.event.slug}"

    @property
    def sort_key(self) -> tuple:
        return (self.event.start or date.max, self.type == "drill", self.event.pk)

    @property
    def kind_label(self) -> str:
        if self.type == "drill":
            return "Drill"
        return self.event.get_kind_display().capitalize()

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    @cached_property
    def title(self) -> str:
        if self.type == "drill":
            return self.event.name or self.event.summary or drill_headline("", self.names, location=self.event.location)
        return self.event.summary or meeting_headline(self.event.kind, self.names, location=self.event.location)

    @cached_property
    def when(self) -> str:
        e = self.event
        return format_span(e.start, e.precision, e.end, e.end_precision)

    @property
    def shows_when(self) -> bool:
        """Whether the list repeats the date under the day heading: for a range or an imprecise date."""
        return bool(self.event.end) or self.event.precision != "day"

    @property
    def status(self) -> str:
        return self.event.status

    @property
    def chart_text(self) -> str:
        """The short label beside the event's mark: "Talks · Truss", or a drill's name."""
        if self.type == "drill" and self.event.name:
            return self.event.name
        if not self.people:
            return self.kind_label
        others = f" +{len(self.people) - 2}" if len(self.people) > 2 else ""
        return f"{self.kind_label} · {self.people[0].short_name}{others}"

    @cached_property
    def accessible_name(self) -> str:
        e = self.event
        kind = f"Drill {e.name}" if self.type == "drill" and e.name else self.kind_label
        parts = [kind, self.when, join_names(self.names) or "participants unknown", e.get_status_display()]
        return ", ".join(parts)

    @property
    def fingerprint(self) -> tuple:
        """Everything the event's list entry shows: its fragment is cached under this, so an edit to the
        event, its participants, their names or its sources makes a new entry and nothing else does."""
        return (self.event, tuple(self.people), tuple(self.evidence), self.autofocus)

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
            actor_ids=tuple(p.actor_id for p in self.people),
            label=self.accessible_name,
            href=self.url,
            text=self.chart_text,
        )


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
