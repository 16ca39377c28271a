"""The bounds Parley holds every input to: the dates it keeps, the characters text may carry, the links
a source may have, and how many events one download holds.

One definition each, used by the models, the forms, the dashboard's filters and its window arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils.deconstruct import deconstructible

# Dates Parley accepts. Far from any news at both ends, and twenty years or more inside the calendar's
# own edges (0001-01-01, 9999-12-31 in Python; SQLite's date functions stop there too), so every
# window, step and span the dashboard computes from an accepted date stays a valid date.
EARLIEST = date(1000, 1, 1)
LATEST = date(8999, 12, 31)
DATE_RANGE_TEXT = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


def out_of_range_message(day: date) -> str:
    return f"{day.isoformat()} is outside the dates Parley keeps ({DATE_RANGE_TEXT})."


def validate_date_in_range(day: date | None) -> None:
    """Refuse a date outside EARLIEST…LATEST (a model and form field validator)."""
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValidationError(out_of_range_message(day), code="date_out_of_range")


def date_in_range(field: str) -> Q:
    """The CHECK condition that keeps `field` (which may be empty) inside EARLIEST…LATEST."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": EARLIEST, f"{field}__lte": LATEST})


def clamp(day: date) -> date:
    """`day` moved inside EARLIEST…LATEST: where the dashboard draws a date it would not accept."""
    return min(max(day, EARLIEST), LATEST)


def add_days(day: date, days: int) -> date:
    """`day` plus `days` (either sign), stopping at the calendar's first or last day instead of overflowing."""
    if days >= 0:
        return day + timedelta(days=min(days, (date.max - day).days))
    return day - timedelta(days=min(-days, (day - date.min).days))


# Control characters other than tab, newline and carriage return. PostgreSQL refuses NUL in text
# outright; the rest are never typed, only forged, and break CSV, iCalendar and terminals downstream.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control character in `text`, written as U+XXXX, or None."""
    found = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


# Half of a UTF-16 pair on its own: JSON can spell one ("\\ud800"), but no database or file can store it.
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as it is (a control character or a lone surrogate), or None."""
    if found := control_character(text):
        return f"holds a control character ({found})"
    if found := LONE_SURROGATES.search(text):
        return f"holds half of a character (U+{ord(found[0]):04X}, a lone surrogate)"
    return None


# The largest whole number every database Parley runs on stores in an integer column (PostgreSQL's
# `integer`; SQLite would take up to 2**63 - 1), so a file SQLite accepts imports into PostgreSQL too.
MAX_INTEGER = 2**31 - 1


def validate_no_control_characters(text: str) -> None:
    if text and (found := control_character(text)):
        raise ValidationError(
            f"This text contains a control character ({found}); remove it and try again.",
            code="control_character",
        )


@deconstructible
class WebURLValidator(URLValidator):
    """Only http and https links: a source must be a page a reader can open, never `javascript:` or `data:`."""

    message = "Enter a web address that starts with http:// or https://."
    # Its own code: a form field replaces the message of an "invalid" error with its generic one.
    code = "not_a_web_address"

    def __init__(self, **kwargs):
        kwargs.setdefault("schemes", ["http", "https"])
        super().__init__(**kwargs)


validate_web_url = WebURLValidator()


def review_too_long(proposals: dict) -> str | None:
    """Why one review page cannot offer all these proposals, or None when it can (PARLEY_REVIEW_MAX_PROPOSALS)."""
    count = sum(len(proposals.get(key) or []) for key in ("actors", "meetings", "drills"))
    limit = settings.PARLEY_REVIEW_MAX_PROPOSALS
    if count <= limit:
        return None
    return (
        f"Parley proposes {count:,} actors, meetings and drills for this article; one review holds at most "
        f"{limit:,} (PARLEY_REVIEW_MAX_PROPOSALS). Split the article into parts and import each one."
    )


def human_size(size: int) -> str:
    """`1_200_000` → "1.2 MB", in the decimal units a browser's file dialog shows."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_big_message(size: int, limit: int) -> str:
    shown, shown_limit = human_size(size), human_size(limit)
    if shown == shown_limit:  # 1,000,001 bytes would read "1 MB; the limit is 1 MB"
        shown, shown_limit = f"{size:,} bytes", f"{limit:,} bytes"
    return f"The article is {shown}; the limit is {shown_limit}."


T = TypeVar("T")


def export_max_rows() -> int:
    """The most events one download holds (PARLEY_EXPORT_MAX_ROWS)."""
    return settings.PARLEY_EXPORT_MAX_ROWS


def export_cap_note(limit: int | None = None) -> str:
    """What a download cut at the cap says, in the file and on the page."""
    limit = export_max_rows() if limit is None else limit
    return (
        f"This download holds at most {limit:,} events (PARLEY_EXPORT_MAX_ROWS); "
        "narrow the filters or the date range to download the rest."
    )


class Capped:
    """The first `limit` items of `items` as a stream; `.cut` is True once an item past the limit was seen.

    Reads one item beyond the limit, so `.cut` says whether anything was left out, not merely whether the
    limit was reached. A download writes its note after the last row when `.cut` is set.
    """

    def __init__(self, items: Iterable[T], limit: int | None = None):
        self.items = items
        self.limit = export_max_rows() if limit is None else limit
        self.cut = False

    def __iter__(self) -> Iterator[T]:
        for count, item in enumerate(self.items):
            if count >= self.limit:
                self.cut = True
                return
            yield item
