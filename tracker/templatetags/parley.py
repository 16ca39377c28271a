"""Template filters for the dashboard: dates as precisely as they are known, SVG numbers, safe links."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tracker import dashboard

register = template.Library()


@register.filter
def precise_date(value: date | None, precision: str = "day") -> str:
    """{{ event.start|precise_date:event.precision }} → "10 February 2022", "February 2022" or "2022"."""
    return dashboard.readable_date(value, precision or "day")


@register.filter
def svg(value: float) -> str:
    """A coordinate for an SVG attribute: one decimal, a dot, no grouping, whatever the locale."""
    return f"{float(value):.1f}"


@register.filter
def web_url(value: str) -> str:
    """`value` if it is an http(s) address, else "": data can hold javascript: or other schemes that must not be links."""
    try:
        scheme = urlsplit(value or "").scheme.lower()
    except ValueError:
        return ""
    return value if scheme in {"http", "https"} else ""


@register.filter
def shift(value: float, delta: float) -> float:
    """`value` + `delta` without rounding to whole numbers as the built-in `add` does."""
    return float(value) + float(delta)


# Markup repeated once per event or density cell, built in Python: at hundreds of rows the
# template engine's per-node cost dominated the page (about 0.4 ms an event card).


def _e(value) -> str:
    return escape("" if value is None else value)


def _source(evidence) -> str:
    source = evidence.source
    url = web_url(source.url)
    title = f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(source.title)}</a>' if url else _e(source.title)
    publisher = f", {_e(source.publisher)}" if source.publisher else ""
    return f"{title}{publisher}, {_e(precise_date(source.published))}"


def _event_row(card, autofocus: bool) -> str:
    event = card.event
    status = _e(event.status)
    people = (
        ", ".join(
            f'<a href="{_e(url)}">{_e(name)}</a>' + (f" ({_e(role)})" if role else "")
            for name, url, role in card.people
        )
        or "not reported"
    )
    where = f"<div><dt>Where</dt><dd>{_e(event.location)}</dd></div>" if event.location else ""
    when = f"<div><dt>When</dt><dd>{_e(card.when)}</dd></div>" if event.end or event.precision != "day" else ""
    sources = "; ".join(_source(evidence) for evidence in card.evidence) or "none recorded"
    url = _e(card.url)
    focus = " autofocus" if autofocus else ""
    return (
        f'<li class="event status-{status}">\n<p class="event-head"><span class="badge kind">{_e(card.kind_label)}</span> '
        f'<a class="event-title" href="{url}" hx-get="{url}" hx-target="#event-details" hx-swap="innerHTML" hx-push-url="false"{focus}>{_e(card.title)}</a> '
        f'<span class="badge status status-{status}">{_e(event.get_status_display())}</span></p>\n'
        f'<dl class="event-meta"><div><dt>Who</dt><dd>{people}</dd></div>{where}{when}'
        f"<div><dt>Source</dt><dd>{sources}</dd></div></dl>\n</li>\n"
    )


@register.simple_tag
def event_days(days, focus_first: bool = False) -> str:
    """The day sections of the event list (see tracker.views.group_by_day), one <li> per event."""
    parts = []
    for day in days:
        iso = f' datetime="{_e(day.iso)}"' if day.iso else ""
        rows = "".join(_event_row(card, focus_first and not parts and i == 0) for i, card in enumerate(day.cards))
        parts.append(
            f'<section class="day">\n<h3 class="day-heading"><time{iso}>{_e(day.heading)}</time></h3>\n'
            f'<ul class="events">\n{rows}</ul>\n</section>\n'
        )
    return mark_safe("".join(parts))


def _n(value: float) -> str:
    return f"{value:.1f}"


def _mark_link(mark, kind: str) -> str:
    item = mark.item
    label = _e(item.label)
    href = _e(item.href)
    fuzzy = " fuzzy" if mark.fuzzy else ""
    return (
        f'<a class="mark {kind} status-{_e(item.status)}{fuzzy}" href="{href}" hx-get="{href}" hx-target="#event-details"'
        f' hx-swap="innerHTML" hx-push-url="false" aria-label="{label}"><title>{label}</title>'
    )


def _drill(mark) -> str:
    parts = [_mark_link(mark, "drill")]
    x, width, x_end = _n(mark.x), _n(mark.bar_width), _n(mark.x_end)
    for y in mark.bar_y:
        parts.append(f'<rect x="{x}" y="{_n(y)}" width="{width}" height="10" rx="2"/>')
        if mark.item.status == "cancelled":
            parts.append(f'<line class="strike" x1="{x}" y1="{_n(y + 5)}" x2="{x_end}" y2="{_n(y + 5)}"/>')
    parts += [f'<polygon class="arrow" points="{points}"/>' for points in mark.arrows]
    parts.append("</a>\n")
    return "".join(parts)


def _meeting(mark) -> str:
    parts = [_mark_link(mark, "meeting")]
    x, y1, y2 = _n(mark.x), _n(mark.y1), _n(mark.y2)
    if mark.band:
        parts.append(
            f'<rect class="band" x="{_n(mark.band_x)}" y="{_n(mark.band_y)}" width="{_n(mark.band_width)}"'
            f' height="{_n(mark.band_height)}" rx="4"/>'
        )
    parts.append(
        f'<line class="connector" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/><line class="hit" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/>'
    )
    if mark.item.status == "postponed":
        parts += [f'<polygon class="node" points="{points}"/>' for points in mark.diamond]
    else:
        for y in mark.ys:
            parts.append(f'<circle class="node" cx="{x}" cy="{_n(y)}" r="6"/>')
            if mark.item.status == "cancelled":
                parts.append(
                    f'<line class="strike" x1="{_n(mark.x - 8)}" y1="{_n(y + 8)}" x2="{_n(mark.x + 8)}" y2="{_n(y - 8)}"/>'
                )
    parts.append("</a>\n")
    return "".join(parts)


@register.simple_tag
def chart_marks(chart) -> str:
    """The drills (bars) and meetings (connectors) of a chart, each a link to the event."""
    drills = "".join(_drill(mark) for mark in chart.drills)
    meetings = "".join(_meeting(mark) for mark in chart.meetings)
    return mark_safe(f'<g class="drills">\n{drills}</g>\n<g class="meetings">\n{meetings}</g>')


@register.simple_tag
def density_rows(density, chart, link) -> str:
    """Lanes of counts per stretch of days; each count links to that stretch, zoomed in.

    Only the top row's counts are in the tab order: a keyboard user zooms from there, and the
    actors' rows (also links, for pointer and screen-reader users) would add hundreds of stops.
    """
    parts = []
    left, right = _n(chart.plot_left), _n(chart.plot_right)
    for row in density.rows:
        y = row.y
        name = _e(row.name)
        parts.append(f'<g class="density-row{" density-total" if row.total else ""}">')
        parts.append(f'<line class="lane" x1="{left}" y1="{_n(y)}" x2="{right}" y2="{_n(y)}" aria-hidden="true"/>')
        text = f'<text x="{_n(chart.plot_left - 10)}" y="{_n(y + 4)}" text-anchor="end">{_e(row.short_name)}</text>'
        parts.append(
            f'<a class="lane-label" href="{_e(row.href)}" aria-label="{name}">{text}</a>' if row.href else text
        )
        tab = "" if row.total else ' tabindex="-1"'
        for cell in row.cells:
            span = dashboard.format_span(cell.first, "day", cell.last, "day")
            href = _e(link(cell.first, cell.last))
            box = f'x="{_n(cell.x + 0.5)}" y="{_n(y - 11)}" width="{_n(max(cell.width - 1, 1))}" height="22" rx="2"'
            if not cell.counted:
                parts.append(
                    f'<a class="density-cell uncounted" href="{href}"{tab} aria-label="{name}, {span}: not counted; zoom in"><rect {box}/></a>'
                )
                continue
            count = (
                f'<text class="density-count" x="{_n(cell.x + cell.width / 2)}" y="{_n(y + 4)}" text-anchor="middle">{cell.count}</text>'
                if cell.width >= 14
                else ""
            )
            noun = "event" if cell.count == 1 else "events"
            parts.append(
                f'<a class="density-cell density-{cell.level}" href="{href}"{tab} aria-label="{name}, {span}: {cell.count} {noun}; zoom in">'
                f"<title>{name}, {span}: {cell.count} {noun}</title><rect {box}/>{count}</a>"
            )
        parts.append("</g>\n")
    return mark_safe("".join(parts))
