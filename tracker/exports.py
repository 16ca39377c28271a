"""Downloads of a filtered view as CSV and iCalendar (RFC 5545), written line by line so they can stream.

The functions take "cards" (see tracker.views.EventCard): an event with its type, title, names, url and evidence.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tracker.dashboard import format_span, join_names, period_end
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
# Characters iCalendar TEXT cannot hold (controls other than tab); newlines are escaped before this runs.
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


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """A header and the rows, as CSV text lines (RFC 4180 quoting, CRLF)."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow(row)


def ics_escape(text: str) -> str:
    """TEXT as RFC 5545 wants it: backslash, semicolon, comma and newlines escaped, control characters dropped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return CONTROL.sub("", text)


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space), ending in CRLF.

    Folds fall between characters, never inside a multi-byte UTF-8 sequence.
    """
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # a continuation's leading space takes one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_event(card: Card, base_url: str, stamp: datetime) -> list[str]:
    """The content lines of one VEVENT: an all-day event, spanning its days when both ends are exact."""
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
    lines = [
        "BEGIN:VEVENT",
        f"UID:{card.type}-{e.slug}@parley",
        f"DTSTAMP:{_stamp(stamp)}",
        f"LAST-MODIFIED:{_stamp(e.updated_at)}",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{ics_escape(summary)}",
        f"STATUS:{ICS_STATUS.get(e.status, 'CONFIRMED')}",
        f"CATEGORIES:{ics_escape(card.kind_label)}",
        "TRANSP:TRANSPARENT",
        f"URL:{base_url}{card.url}",
    ]
    if e.location:
        lines.append(f"LOCATION:{ics_escape(e.location)}")
    lines.append(f"DESCRIPTION:{ics_escape(chr(10).join(description))}")
    lines.append("END:VEVENT")
    return lines


def ics_lines(cards: Iterable[Card], base_url: str, *, stamp: datetime) -> Iterator[str]:
    """A whole VCALENDAR, folded, CRLF-terminated; events without a known start are left out."""
    for line in (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Parley//Diplomatic timeline//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Parley",
    ):
        yield fold(line)
    for card in cards:
        if card.event.start is None:
            continue
        for line in ics_event(card, base_url, stamp):
            yield fold(line)
    yield fold("END:VCALENDAR")
