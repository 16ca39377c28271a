"""Template filters for the dashboard: dates as precisely as they are known, SVG numbers, safe links."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django import template

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
