"""Downloads of the filtered view: CSV, iCalendar and Parley JSON, streamed in date order where they can be."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import date

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from tracker import exports
from tracker.filters import Filters, parse_filters
from tracker.limits import Capped, export_cap_note, export_max_rows
from tracker.models import Actor, Drill, Meeting
from tracker.parley_json import timeline_stream
from tracker.views.cards import EventCard
from tracker.views.queries import export_cards, one_snapshot


def export_events(filters: Filters) -> Iterator[EventCard]:
    """Every event that passes the filters in the from/to range (open when absent), streamed in date order."""
    streams = []
    kinds = (
        ("meeting", Meeting, filters.wants_meetings, filters.meetings),
        ("drill", Drill, filters.wants_drills, filters.drills),
    )
    for kind, model, wanted, events in kinds:
        if wanted:
            longest = model.objects.longest_span() if filters.first else None
            streams.append(export_cards(events().between(filters.first, filters.last, longest=longest), kind))
    return one_snapshot(heapq.merge(*streams, key=lambda card: card.sort_key))


def _kinds(filters: Filters) -> list[QuerySet]:
    """The meetings and the drills that pass the filters in the from/to range (none of a kind filtered out)."""
    return [
        filters.meetings().between(filters.first, filters.last) if filters.wants_meetings else Meeting.objects.none(),
        filters.drills().between(filters.first, filters.last) if filters.wants_drills else Drill.objects.none(),
    ]


def _over_cap(querysets: list, limit: int) -> bool:
    """Whether these querysets hold more than `limit` rows together, counting no further than one past it."""
    total = 0
    for queryset in querysets:
        total += queryset[: limit + 1 - total].count()
        if total > limit:
            return True
    return False


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
    cards = Capped(export_events(filters))
    rows = (exports.csv_row(card, base) for card in cards)
    # The cap's note is a last row: a CSV has nowhere else to say it, and it is known only at the end.
    lines = exports.csv_lines(rows, note=lambda: export_cap_note(cards.limit) if cards.cut else "")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, filters, "csv")


@require_safe
def export_ics(request: HttpRequest) -> HttpResponse:
    """The filtered events as an iCalendar file of all-day events with stable UIDs, for a calendar to subscribe to."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    base = request.build_absolute_uri("/")[:-1]
    limit = export_max_rows()
    # iCalendar puts the calendar's own lines before its events, so whether the cap cuts is counted first.
    cut = _over_cap(_kinds(filters), limit)
    response = StreamingHttpResponse(
        exports.ics_lines(
            Capped(export_events(filters), limit),
            base,
            stamp=timezone.now(),
            note=export_cap_note(limit) if cut else "",
        ),
        content_type="text/calendar; charset=utf-8",
    )
    return _attachment(response, filters, "ics")


@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    """The filtered events, and the actors they involve, as Parley JSON (the format import_timeline reads)."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    meetings, drills, cut = _first_events(filters, export_max_rows())
    taking_part = Actor.objects.filter(
        Q(participations__meeting__in=meetings.values("pk")) | Q(participations__drill__in=drills.values("pk"))
    ).values("pk")
    # Affiliations and group members come along, so the file imports on its own.
    actors = Actor.objects.filter(
        Q(pk__in=taking_part) | Q(affiliates__in=taking_part) | Q(groups__in=taking_part)
    ).distinct()
    stream = timeline_stream(actors=actors, meetings=meetings, drills=drills, note=export_cap_note() if cut else "")
    response = StreamingHttpResponse(one_snapshot(stream), content_type="application/json; charset=utf-8")
    return _attachment(response, filters, "json")


def _first_events(filters: Filters, limit: int) -> tuple[QuerySet[Meeting], QuerySet[Drill], bool]:
    """The meetings and drills of the download, each cut to its share of the first `limit` events in date
    order, and whether any event was left out. Reads at most limit + 1 dates of each kind."""
    kinds = [events.order_by(F("start").asc(nulls_last=True), "pk") for events in _kinds(filters)]
    starts = [
        [(day is None, day or date.min, index) for day in events.values_list("start", flat=True)[: limit + 1]]
        for index, events in enumerate(kinds)
    ]
    if len(starts[0]) + len(starts[1]) <= limit:
        return kinds[0], kinds[1], False
    shares = [0, 0]
    for _, _, index in itertools.islice(heapq.merge(*starts), limit):
        shares[index] += 1
    return kinds[0][: shares[0]], kinds[1][: shares[1]], True
