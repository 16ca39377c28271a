"""The filtered view as a TimelineJS timeline (Knight Lab's JSON format), written event by event so it can stream.

A newsroom publishes the file with the TimelineJS embed it already uses. Dates keep their precision (a
month-only meeting has no day), each event is grouped by its kind or by its first actor, and its first
source is the slide's credit. Text fields are HTML in TimelineJS, so everything from the data is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date

from django.utils.html import escape

from tracker.dashboard import format_span, readable_date
from tracker.exports import Card
from tracker.extraction.headlines import join_names
from tracker.limits import Capped, export_cap_note

GROUPINGS = ("kind", "actor")


def timeline_date(value: date, precision: str) -> dict[str, int]:
    """A TimelineJS date object cut to `precision`: {"year": 2022, "month": 2} for a month-only date."""
    found = {"year": value.year}
    if precision in ("month", "day"):
        found["month"] = value.month
    if precision == "day":
        found["day"] = value.day
    return found


def event_text(card: Card, base_url: str) -> str:
    """The slide's body: summary, who, where, status and sources, as escaped HTML."""
    e = card.event
    lines = []
    if e.summary and e.summary != card.title:
        lines.append(f"<p>{escape(e.summary)}</p>")
    facts = [f"Who: {escape(join_names(card.names) or 'not reported')}"]
    if e.location:
        facts.append(f"Where: {escape(e.location)}")
    facts.append(f"Status: {escape(e.get_status_display())}")
    lines.append(f"<p>{'<br>'.join(facts)}</p>")
    for evidence in card.evidence:
        if evidence.sentence:
            lines.append(f"<blockquote>{escape(evidence.sentence)}</blockquote>")
    lines.append(f'<p><a href="{escape(base_url + card.url)}">In Parley</a></p>')
    return "".join(lines)


def credit(card: Card) -> str:
    """Who reported the event: the first source's title, publisher and date."""
    if not card.evidence:
        return ""
    source = card.evidence[0].source
    parts = [source.title, source.publisher, readable_date(source.published)]
    return ", ".join(part for part in parts if part)


def timeline_event(card: Card, base_url: str, group: str) -> dict:
    """One TimelineJS slide for an event with a known start."""
    e = card.event
    slide: dict = {
        "unique_id": f"{card.type}-{e.slug}",
        "start_date": timeline_date(e.start, e.precision),
        "display_date": format_span(e.start, e.precision, e.end, e.end_precision),
        "text": {"headline": escape(card.title), "text": event_text(card, base_url)},
        "group": (card.names[0] if card.names else "Participants not reported")
        if group == "actor"
        else card.kind_label,
    }
    if e.end and (e.end != e.start or e.end_precision != e.precision):
        slide["end_date"] = timeline_date(e.end, e.end_precision)
    source_url = card.evidence[0].source.url if card.evidence else ""
    if source_url.startswith(("https://", "http://")):
        # TimelineJS keeps a credit only with media; the report itself is the slide's media, shown as a link.
        slide["media"] = {
            "url": source_url,
            "caption": escape(card.evidence[0].source.title),
            "credit": escape(credit(card)),
        }
    elif card.evidence:
        slide["text"]["text"] += f"<p>Source: {escape(credit(card))}</p>"
    return slide


def timeline_chunks(
    cards: Iterable[Card], base_url: str, *, headline: str, summary: str, group: str, limit: int
) -> Iterator[str]:
    """A whole TimelineJS document, one event at a time, the title slide last so it can say whether the
    download stopped at `limit` events; events without a known start are left out."""
    capped = Capped(cards, limit)
    yield '{"scale": "human", "events": ['
    first = True
    for card in capped:
        if card.event.start is None:
            continue
        yield ("\n" if first else ",\n") + json.dumps(timeline_event(card, base_url, group), ensure_ascii=False)
        first = False
    text = f"<p>{escape(summary)}</p>"
    if capped.cut:
        text += f"<p>{escape(export_cap_note(limit))}</p>"
    title = {"text": {"headline": escape(headline), "text": text}}
    yield '\n], "title": ' + json.dumps(title, ensure_ascii=False) + "}\n"
