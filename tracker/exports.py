"""Downloads of a filtered view as CSV and iCalendar (RFC 5545), written line by line so they can stream.

The functions take "cards" (see tracker.views.EventCard): an event with its type, title, names, url and evidence.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import icalendar

from tracker.dashboard import format_span, period_end
from tracker.extraction.headlines import join_names
from tracker.parley_json import format_date

CSV_COLUMNS = [
    "type",
    "kind",
    "name",
    "status",
    "start",
    "end",
    "date_text",
    "participants",
    "location",
    "summary",
    "troops",
    "sources",
    "source_urls",
    "evidence",
    "url",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ICS_STATUS = {
    "held": "CONFIRMED",
    "ongoing": "CONFIRMED",
    "planned": "TENTATIVE",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
# Characters iCalendar TEXT cannot hold: controls other than tab and newline (which the library escapes).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Card(Protocol):
    event: Any
    type: str

    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def names(self) -> list[str]: ...
    @property
    def kind_label(self) -> str: ...
    @property
    def evidence(self) -> list[Any]: ...


def neutralise(value: Any) -> str:
    """A cell value that a spreadsheet shows as text, never runs: formulas get a leading apostrophe.

    Spreadsheets skip leading spaces and line breaks, and read full-width and small signs ("＝", "﹢")
    as their plain forms, so a formula behind either is caught too.
    """
    text = "" if value is None else str(value)
    head = unicodedata.normalize("NFKC", text[:100]).lstrip()
    return "'" + text if text.startswith(FORMULA_PREFIXES) or head.startswith(FORMULA_PREFIXES) else text


def csv_row(card: Card, base_url: str) -> list[str]:
    e = card.event
    row = [
        card.type,
        "drill" if card.type == "drill" else e.kind,
        getattr(e, "name", ""),
        e.status,
        format_date(e.start, e.precision),
        format_date(e.end, e.end_precision),
        e.date_text,
        "; ".join(card.names),
        e.location,
        e.summary,
        "" if getattr(e, "troops", None) is None else e.troops,
        "; ".join(ev.source.title for ev in card.evidence),
        " ".join(ev.source.url for ev in card.evidence if ev.source.url),
        " | ".join(ev.sentence for ev in card.evidence if ev.sentence),
        base_url + card.url,
    ]
    return [neutralise(value) for value in row]


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]], *, note: Callable[[], str] = str) -> Iterator[str]:
    """A header and the rows, as CSV text lines (RFC 4180 quoting, CRLF); then a last row of one cell
    holding note() when it says anything (asked once the rows are written: a cap knows only then)."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow(row)
    if text := note():
        yield writer.writerow([neutralise(text)])


def ics_text(text: str) -> str:
    """Text iCalendar can hold: control characters other than tab and newline dropped (the library escapes the rest)."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def ics_event(card: Card, base_url: str, stamp: datetime) -> icalendar.Event:
    """One VEVENT: an all-day event, spanning its days when both ends are exact."""
    e = card.event
    exact = e.precision == "day"
    first = e.start
    if exact:
        last = period_end(e.end, e.end_precision) if e.end else first
    else:
        # Known only to the month or year: one all-day entry on its first day, saying so, not a month-long block.
        last = first
    summary = card.title
    if e.status != "held":
        summary += f" ({e.get_status_display()})"
    if not exact or (e.end and e.end_precision != "day"):
        summary += f" [{format_span(e.start, e.precision, e.end, e.end_precision)}, exact day not reported]"
    description = [
        f"{card.kind_label}, {e.get_status_display()}",
        f"Who: {join_names(card.names) or 'not reported'}",
        f"When: {format_span(e.start, e.precision, e.end, e.end_precision)}"
        + (f" (reported as “{e.date_text}”)" if e.date_text else ""),
    ]
    for evidence in card.evidence:
        source = evidence.source
        line = f"Source: {source.title}"
        if source.publisher:
            line += f", {source.publisher}"
        line += f", {source.published.isoformat()}"
        if source.url:
            line += f" <{source.url}>"
        description.append(line)
        if evidence.sentence:
            description.append(f"“{evidence.sentence}”")
    event = icalendar.Event()
    event.add("uid", f"{card.type}-{e.slug}@parley")
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", e.updated_at.astimezone(UTC))
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(days=1))
    event.add("summary", ics_text(summary))
    event.add("status", ICS_STATUS.get(e.status, "CONFIRMED"))
    event.add("categories", [ics_text(card.kind_label)])
    event.add("transp", "TRANSPARENT")
    event.add("url", f"{base_url}{card.url}")
    if e.location:
        event.add("location", ics_text(e.location))
    event.add("description", ics_text("\n".join(description)))
    return event


def ics_lines(cards: Iterable[Card], base_url: str, *, stamp: datetime, note: str = "") -> Iterator[str]:
    """A whole VCALENDAR, folded and CRLF-terminated by the icalendar library, one event at a time so it can stream.

    Events without a known start are left out. A `note` is the calendar's description.
    """
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Parley//Diplomatic timeline//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Parley")
    if note:
        calendar.add("x-wr-caldesc", ics_text(note))
    # The calendar's own lines, without its END line, which follows the events.
    yield calendar.to_ical().decode("utf-8").removesuffix("END:VCALENDAR\r\n")
    for card in cards:
        if card.event.start is not None:
            yield ics_event(card, base_url, stamp).to_ical().decode("utf-8")
    yield "END:VCALENDAR\r\n"
