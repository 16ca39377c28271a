"""The dashboard: timeline, who meets whom, actor and event pages, and the downloads of a filtered view."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from itertools import groupby
from typing import Any

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from tracker import exports
from tracker.dashboard import (
    ZOOMS,
    Item,
    LaneActor,
    Window,
    format_date,
    format_span,
    join_names,
    layout_timeline,
)
from tracker.filters import KINDS, MATCHES, STATUSES, Filters, parse_filters
from tracker.models import Actor, Drill, Evidence, Meeting, Participant
from tracker.parley_json import timeline_json

# The most events one timeline or list shows; the page says when there are more.
EVENT_CAP = 500
LANE_CAP = 30
MATRIX_SIZE = 12
COUNTERPART_CAP = 50
SUGGESTION_CAP = 10


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _fragment(request: HtmxHttpRequest) -> bool:
    # A history restore asks for the whole page, because htmx swaps it in as the body.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _render(request: HtmxHttpRequest, template: str, partial: str, context: dict[str, Any], *, canonical: str | None = None) -> HttpResponse:
    name = f"{template}#{partial}" if _fragment(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
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


def _related() -> list[Prefetch]:
    participants = (
        Participant.objects.select_related("actor")
        .only("meeting_id", "drill_id", "role", "actor__name", "actor__slug")
        .order_by("pk")
    )
    evidence = (
        Evidence.objects.select_related("source")
        .only(
            "meeting_id", "drill_id", "sentence",
            "source__title", "source__publisher", "source__url", "source__published",
        )
        .order_by("source__published", "pk")
    )
    return [Prefetch("participants", queryset=participants), Prefetch("evidence", queryset=evidence)]


def _prefetched(events: QuerySet) -> QuerySet:
    return events.prefetch_related(*_related())


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


def load_events(filters: Filters, first: date | None, last: date | None, cap: int | None = None) -> tuple[list[EventCard], bool]:
    """The first `cap` events in the range, meetings and drills merged by date, and whether there are more.

    Fetches cap + 1 of each kind instead of counting, so the cost follows the window, not the database.
    """
    cap = EVENT_CAP if cap is None else cap
    cards: list[EventCard] = []
    if filters.wants_meetings:
        meetings = filters.meetings().between(first, last).chronological()[: cap + 1]
        cards += [EventCard(m, "meeting") for m in meetings]
    if filters.wants_drills:
        drills = filters.drills().between(first, last).chronological()[: cap + 1]
        cards += [EventCard(d, "drill") for d in drills]
    cards.sort(key=_sort_key)
    shown = cards[:cap]
    # Participants and sources only for the events that are shown: two queries per kind, whatever the count.
    for kind in ("meeting", "drill"):
        prefetch_related_objects([c.event for c in shown if c.type == kind], *_related())
    return shown, len(cards) > cap


@dataclass
class Day:
    heading: str
    iso: str
    cards: list[EventCard]


def group_by_day(cards: list[EventCard]) -> list[Day]:
    """Cards grouped under the day they start; events known only to the month or year under that month or year."""
    days = []
    for (start, precision), group in groupby(cards, key=lambda c: (c.event.start, c.event.precision)):
        if start is None:
            heading = "Date unknown"
        elif precision == "day":
            heading = f"{start:%A} {format_date(start)}"
        else:
            heading = f"{format_date(start, precision)} ({'day' if precision == 'month' else 'month'} not reported)"
        iso = "" if start is None else start.isoformat()[: {"year": 4, "month": 7}.get(precision, 10)]
        days.append(Day(heading, iso, list(group)))
    return days


def timeline_context(request: HtmxHttpRequest, filters: Filters, *, page: str) -> dict[str, Any]:
    """Everything the timeline panel draws: the window, the chart, the day list, links and messages."""
    explicit = filters.at or filters.first or filters.last
    window = filters.window(None if explicit else filters.latest_start())
    cards, more = load_events(filters, window.first, window.last)
    actors: dict[int, LaneActor] = {}
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
    by_key = {card.key: card for card in cards}
    full = filters.query()
    # On an actor's page the actor is in the path, not the query; downloads still need it.
    state = _without(full, "actor") if page == "actor" else full
    window_state = {"zoom": None, "at": None, "from": window.first.isoformat(), "to": window.last.isoformat()}
    meetings = sum(card.type == "meeting" for card in cards)
    return {
        "page": page,
        "filters": filters,
        "state": state,
        "window": window,
        "earlier": _query(state, **window.step(-1).params()),
        "later": _query(state, **window.step(1).params()),
        "zooms": [(zoom, _query(state, **window.zoomed(zoom).params()), zoom == window.zoom and not window.custom) for zoom in ZOOMS],
        "chart": chart,
        "cards": {mark.item.key: by_key[mark.item.key] for mark in chart.meetings + chart.drills},
        "days": group_by_day(cards),
        "meeting_count": meetings,
        "drill_count": len(cards) - meetings,
        "more": more,
        "cap": EVENT_CAP,
        "downloads": [
            ("CSV", reverse("export_csv") + _query(full, **window_state)),
            ("iCalendar", reverse("export_ics") + _query(full, **window_state)),
            ("Parley JSON", reverse("export_json") + _query(full, **window_state)),
        ],
        "window_actors": [lane_actor for lane_actor in actors.values()][:200],
    }


def _filter_form_context(filters: Filters) -> dict[str, Any]:
    return {"kinds": KINDS, "statuses": STATUSES, "matches": MATCHES}


def _canonical(request: HttpRequest, filters: Filters) -> str:
    return request.path + _query(filters.query())


@require_GET
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    """The timeline page (or, for htmx, its panel): actor lanes over time and the same events as a list."""
    filters = parse_filters(request.GET)
    if filters.rewritten and not filters.errors and not _fragment(request):
        return HttpResponseRedirect(_canonical(request, filters))
    context = timeline_context(request, filters, page="timeline")
    context.update(_filter_form_context(filters))
    context["focus_search"] = bool(request.htmx) and (request.htmx.trigger or "").startswith("suggestion-")
    return _render(request, "tracker/timeline.html", "timeline-panel", context, canonical=_canonical(request, filters))


@require_GET
def actor_suggestions(request: HtmxHttpRequest) -> HttpResponse:
    """A short list of actors whose name or alias contains the typed text, each a link that adds it to the filter."""
    filters = parse_filters(request.GET.copy() if "add" not in request.GET else _without(request.GET, "add"))
    text = request.GET.get("add", "").strip()[:100]
    found = list(Actor.objects.search(text).exclude(pk__in=[a.pk for a in filters.actors])[:SUGGESTION_CAP]) if text else []
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


def meeting_matrix(meetings: QuerySet[Meeting], size: int = MATRIX_SIZE) -> tuple[list[dict], dict[tuple[int, int], dict]]:
    """The `size` actors with most of `meetings`, and for each pair of them how often and when last they met.

    Two aggregate queries: one ranks actors, one counts pairs over a self-join of participants.
    """
    top = list(
        Participant.objects.filter(meeting__in=meetings)
        .values("actor", slug=F("actor__slug"), name=F("actor__name"))
        .annotate(meetings=Count("pk"))
        .order_by("-meetings", "name")[:size]
    )
    ids = [row["actor"] for row in top]
    pairs: dict[tuple[int, int], dict] = {}
    if len(ids) > 1:
        rows = (
            Participant.objects.filter(
                meeting__in=meetings,
                actor__in=ids,
                meeting__participants__actor__in=ids,
                meeting__participants__actor__gt=F("actor"),
            )
            .values("actor", other=F("meeting__participants__actor"))
            .annotate(count=Count("meeting"), last=Max("meeting__start"))
            .order_by()
        )
        for row in rows:
            pairs[(row["actor"], row["other"])] = pairs[(row["other"], row["actor"])] = row
    return top, pairs


@require_GET
def who_meets_whom(request: HtmxHttpRequest) -> HttpResponse:
    """The who-meets-whom matrix of the busiest actors in the filtered meetings, and the meetings of one pair."""
    filters = parse_filters(request.GET)
    meetings = filters.meetings().between(filters.first, filters.last)
    state = filters.query(window=False)
    pair: list[Actor] = []
    pair_slugs = [request.GET.get("a", "").strip(), request.GET.get("b", "").strip()]
    pair_cards: list[EventCard] = []
    pair_more = False
    if any(pair_slugs):
        found = {a.slug: a for a in Actor.objects.filter(slug__in=[s for s in pair_slugs if s])}
        for slug in pair_slugs:
            if slug in found:
                pair.append(found[slug])
            else:
                filters.errors.append(f"There is no actor “{slug[:80]}” to pair; pick a cell of the matrix.")
        if len(pair) == 2 and pair[0] != pair[1]:
            pair_cards, pair_more = load_pair(meetings, pair)
        else:
            pair = []
    if filters.rewritten and not filters.errors and not _fragment(request):
        return HttpResponseRedirect(_canonical(request, filters))
    if request.htmx.target == "pair-meetings" and _fragment(request):
        top, pairs = [], {}
    else:
        top, pairs = meeting_matrix(meetings)
    rows = [
        {
            "actor": row,
            "cells": [
                {"actor": other, "pair": pairs.get((row["actor"], other["actor"])), "self": row["actor"] == other["actor"]}
                for other in top
            ],
        }
        for row in top
    ]
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
        "window_actors": [LaneActor(row["actor"], row["slug"], row["name"], actor_url(row["slug"])) for row in top],
        **_filter_form_context(filters),
    }
    partial = "pair-meetings" if request.htmx.target == "pair-meetings" else "matrix-panel"
    canonical = request.path + _query(state, a=pair[0].slug if pair else None, b=pair[1].slug if pair else None)
    return _render(request, "tracker/who_meets_whom.html", partial, context, canonical=canonical)


def load_pair(meetings: QuerySet[Meeting], pair: list[Actor]) -> tuple[list[EventCard], bool]:
    rows = list(_prefetched(meetings.involving(*pair).chronological())[: EVENT_CAP + 1])
    return [EventCard(m, "meeting") for m in rows[:EVENT_CAP]], len(rows) > EVENT_CAP


# Actor and event pages ------------------------------------------------------------------------


def counterparts(actor: Actor, cap: int = COUNTERPART_CAP) -> list[dict]:
    """The actors `actor` has met, most meetings first, with the date of the last one; one aggregate query."""
    return list(
        Participant.objects.filter(meeting__participants__actor=actor)
        .exclude(actor=actor)
        .values("actor", slug=F("actor__slug"), name=F("actor__name"), kind=F("actor__kind"))
        .annotate(meetings=Count("meeting"), last=Max("meeting__start"))
        .order_by("-meetings", "-last", "name")[: cap + 1]
    )


@require_GET
def actor_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An actor's page: who they are, whom they meet most, and their own timeline."""
    if _fragment(request):
        actor = get_object_or_404(Actor, slug=slug)
        context: dict[str, Any] = {"actor": actor}
    else:
        brief = Actor.objects.only("slug", "name")
        actor = get_object_or_404(
            Actor.objects.select_related("affiliation").prefetch_related(
                "aliases", Prefetch("members", queryset=brief), Prefetch("groups", queryset=brief)
            ),
            slug=slug,
        )
        met = counterparts(actor)
        context = {"actor": actor, "counterparts": met[:COUNTERPART_CAP], "more_counterparts": len(met) > COUNTERPART_CAP}
    filters = parse_filters(_without(request.GET, "actor"))
    filters.actors = [actor]
    filters.match = "any"
    context.update(timeline_context(request, filters, page="actor"))
    canonical = request.path + _query(_without(filters.query(), "actor"))
    return _render(request, "tracker/actor.html", "timeline-panel", context, canonical=canonical)


def _event_detail(request: HtmxHttpRequest, model: type[Meeting] | type[Drill], slug: str) -> HttpResponse:
    event = get_object_or_404(_prefetched(model.objects.all()), slug=slug)
    card = EventCard(event, model._meta.model_name)
    return _render(request, "tracker/event.html", "event-detail", {"card": card, "fragment": _fragment(request)})


@require_GET
def meeting_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A meeting's permalink: when and where, who took part in what role, and every source with its evidence."""
    return _event_detail(request, Meeting, slug)


@require_GET
def drill_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A drill's permalink: when and where, who took part, troops, and every source with its evidence."""
    return _event_detail(request, Drill, slug)


# Downloads ------------------------------------------------------------------------------------


def _export_events(filters: Filters) -> Iterator[EventCard]:
    """Every event that passes the filters in the from/to range (open when absent), streamed in date order."""
    streams = []
    if filters.wants_meetings:
        qs = _prefetched(filters.meetings().between(filters.first, filters.last).chronological())
        streams.append(EventCard(m, "meeting") for m in qs.iterator(chunk_size=1000))
    if filters.wants_drills:
        qs = _prefetched(filters.drills().between(filters.first, filters.last).chronological())
        streams.append(EventCard(d, "drill") for d in qs.iterator(chunk_size=1000))
    return heapq.merge(*streams, key=_sort_key)


def _filename(filters: Filters, extension: str) -> str:
    parts = ["parley"]
    if filters.first:
        parts.append(filters.first.isoformat())
    if filters.last:
        parts.append(filters.last.isoformat())
    return "-".join(parts) + "." + extension


def _bad_request(filters: Filters) -> HttpResponse:
    return HttpResponse(
        "This download cannot be made:\n" + "\n".join(filters.errors) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV, one row per event, with formulas neutralised for spreadsheets."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    base = request.build_absolute_uri("/")[:-1]
    rows = (exports.csv_row(card, base) for card in _export_events(filters))
    response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "csv")}"'
    return response


@require_GET
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
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "ics")}"'
    return response


@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    """The filtered events, and the actors they involve, as Parley JSON (the format import_timeline reads)."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return _bad_request(filters)
    meetings = filters.meetings().between(filters.first, filters.last) if filters.wants_meetings else Meeting.objects.none()
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
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "json")}"'
    return response
