"""Who meets whom: a matrix of how often the busiest actors met each other, and the meetings of one pair."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote_plus

from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_safe

from tracker.dashboard import LaneActor, readable_date
from tracker.filters import Filters, latest_start_of, parse_filters
from tracker.models import Actor, Meeting
from tracker.pairs import busiest_actors, held_and_planned, pairs_among
from tracker.views.cards import actor_url, group_by_day
from tracker.views.http import HtmxHttpRequest, Panel, is_fragment, page_cache, query_string, respond
from tracker.views.queries import MATRIX_SIZE, matrix_with_others, pair_meetings
from tracker.views.timeline import FILTER_CHOICES

# The most meetings of one pair the page lists.
EVENT_CAP = 50
# How many counterparts outside the matrix each row names.
OTHERS = 3
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


def short_date(day: date | None, precision: str) -> str:
    """A matrix cell's date at its precision: "10 Feb 2022", "Feb 2022" or "2022"."""
    if day is None:
        return ""
    return date_format(day, {"year": "Y", "month": "M Y"}.get(precision, "j M Y"))


def pair_label(names: str, held: int, planned: int, last: date | None, precision: str, split: bool = True) -> str:
    """What a cell says to a screen reader: held meetings and the last, then those planned."""
    if not split:
        return f"{names}: {held} meeting{'' if held == 1 else 's'} of any status, last {readable_date(last, precision)}"
    if held:
        said = f"{names}: met {held} time{'' if held == 1 else 's'}, last {readable_date(last, precision)}"
    else:
        said = f"{names}: not met yet"
    return said + (f"; {planned} meeting{'' if planned == 1 else 's'} planned" if planned else "")


def matrix_rows(
    top: list[dict],
    pairs: dict[tuple[int, int], dict],
    state: QueryDict,
    pair: list[Actor],
    others: dict[int, dict],
    split: bool = True,
) -> list[dict]:
    """The matrix row by row, each cell's link, spoken label and short date made here: made in the template
    by {% querystring %} and date filters, 144 cells at a time, they took half the page's time."""
    base = query_string(state)
    prefix = f"{base}&" if len(base) > 1 else base
    quoted = {row["actor"]: quote_plus(row["slug"]) for row in top}
    chosen = (pair[0].pk, pair[1].pk) if pair else None
    short: dict[tuple[date | None, str], str] = {}
    rows = []
    for row in top:
        cells = []
        for other in top:
            same = row["actor"] == other["actor"]
            met = None if same else pairs.get((row["actor"], other["actor"]))
            cell: dict[str, Any] = {"self": same}
            if met and (met["held"] or met["planned"]):
                held, last, precision = met["held"], met["last_held"], met["last_precision"]
                if (last, precision) not in short:
                    short[(last, precision)] = short_date(last, precision)
                cell.update(
                    url=f"{prefix}a={quoted[row['actor']]}&b={quoted[other['actor']]}",
                    label=pair_label(
                        f"{row['name']} and {other['name']}", held, met["planned"], last, precision, split
                    ),
                    count=held,
                    planned=met["planned"],
                    last=short[(last, precision)] if held else "",
                    selected=chosen == (row["actor"], other["actor"]),
                )
            cells.append(cell)
        outside = others.get(row["actor"], {"rows": [], "more": 0})
        met_others = [
            {
                "name": o["name"],
                "held": o["held"],
                "planned": o["planned"],
                "url": f"{prefix}a={quoted[row['actor']]}&b={quote_plus(o['slug'])}",
                "selected": chosen == (row["actor"], o["other"]),
            }
            for o in outside["rows"]
        ]
        rows.append(
            {
                "actor": {**row, "url": actor_url(row["slug"])},
                "cells": cells,
                "others": met_others,
                "more": outside["more"],
            }
        )
    return rows


def _pair_only(request: HtmxHttpRequest) -> bool:
    return is_fragment(request) and request.htmx.target == "pair-meetings"


@page_cache(lambda request: "pair" if _pair_only(request) else "panel")
def matrix_panel(request: HtmxHttpRequest) -> Panel | HttpResponse:
    """The matrix panel (or only the pair's meetings) for the URL's filters, or a redirect to their canonical URL."""
    pair_only = _pair_only(request)
    filters = parse_filters(request.GET)
    first, last, window_note = matrix_window(filters)
    meetings = filters.meetings().between(first, last)
    state = filters.query(window=False)
    pair = _pair(request.GET, filters)
    pair_cards, pair_more = (
        pair_meetings(filters.meetings(in_window=False).between(first, last), pair, EVENT_CAP) if pair else ([], False)
    )
    if filters.rewritten and not filters.errors and not is_fragment(request):
        return HttpResponseRedirect(request.path + query_string(filters.query()))
    split = True
    if pair_only:
        top, pairs, others = [], {}, {}
    elif filters.active:
        top, pairs, others = matrix_with_others(meetings, MATRIX_SIZE, OTHERS)
    else:
        # The whole database: read from the tallies kept by every write (tracker.pairs).
        top = busiest_actors(MATRIX_SIZE)
        ids = [row["actor"] for row in top]
        pairs = pairs_among(ids) if len(top) > 1 else {}
        split, others = held_and_planned(top, pairs, OTHERS) if top else (True, {})
    widen = ""
    if window_note and first and last and (last - first).days < MATRIX_LONGEST - 1:
        widen = query_string(
            state, **{"from": (last - timedelta(days=MATRIX_LONGEST - 1)).isoformat(), "to": last.isoformat()}
        )
    context = {
        "page": "matrix",
        "filters": filters,
        "state": state,
        "top": top,
        "rows": matrix_rows(top, pairs, state, pair, others, split),
        "split": split,
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
    push = request.path + query_string(state, a=pair[0].slug if pair else None, b=pair[1].slug if pair else None)
    return Panel(render_to_string(f"tracker/who_meets_whom.html#{partial}", context, request), push=push)


@require_safe
def who_meets_whom(request: HtmxHttpRequest) -> HttpResponse:
    """The who-meets-whom page, or for htmx its panel or the meetings of the selected pair."""
    return respond(request, "tracker/who_meets_whom.html", matrix_panel(request))
