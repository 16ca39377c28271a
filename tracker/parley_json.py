"""Parley JSON: the one plain format for a timeline, written by export and read by import.

    {"version": 2,
     "actors":   [{"name", "slug", "kind", "title", "affiliation", "aliases", "members", "description"}],
     "meetings": [{"kind", "status", "start", "end", "date_text", "participants", "location", "summary", "sources"}],
     "drills":   [{"name", "status", "start", "end", "date_text", "participants", "location", "troops", "summary",
                   "sources"}]}

with each source {"title", "publisher", "url", "published", "evidence", "evidence_start", "evidence_end"}.
Dates are ISO strings cut to their precision ("2022-02-10", "2022-02", "2022") or null.

Version 1, the files written before meetings and drills shared one vocabulary, has no "version"
and gives a meeting's days as "date" and "end_date"; import reads it as it always did.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet

from tracker.limits import DATE_RANGE_TEXT, EARLIEST, LATEST, MAX_INTEGER, WebURLValidator, text_problem
from tracker.models import Actor, Drill, Evidence, Meeting, Participant, Precision

DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
DATE_HINT = "use YYYY-MM-DD, YYYY-MM or YYYY"
VERSION = 2
# Where each version keeps a meeting's first and last day.
MEETING_DAYS = {1: ("date", "end_date"), 2: ("start", "end")}


def format_date(value: date | None, precision: str) -> str | None:
    """`value` as an ISO string cut to `precision`: "2022-02-10", "2022-02" or "2022"."""
    if value is None:
        return None
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def parse_date(text: str) -> tuple[date, str]:
    """The first day `text` covers and its precision; ValueError when it is no such date."""
    match = DATE_PATTERN.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day = match.groups()
    precision = Precision.DAY if day else Precision.MONTH if month else Precision.YEAR
    return date(int(year), int(month or 1), int(day or 1)), precision


def _name_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _sources(event: Meeting | Drill) -> list[dict[str, Any]]:
    sources = [
        {
            "title": evidence.source.title,
            "publisher": evidence.source.publisher,
            "url": evidence.source.url,
            "published": evidence.source.published.isoformat(),
            "evidence": evidence.sentence,
            "evidence_start": evidence.start_offset,
            "evidence_end": evidence.end_offset,
        }
        for evidence in event.evidence.all()
    ]
    return sorted(sources, key=lambda source: (source["published"], source["publisher"], source["title"]))


def _participants(event: Meeting | Drill) -> list[str]:
    return sorted((participant.actor.name for participant in event.participants.all()), key=_name_key)


def _chronological(records: list[tuple[date | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    # Ties are broken by content rather than by slug: slugs are not part of the format, so an
    # export, an import into an empty database and a second export must order events alike.
    return [
        record
        for _, record in sorted(
            records,
            key=lambda item: (
                item[0] is None,
                item[0] or date.min,
                json.dumps(item[1], sort_keys=True, ensure_ascii=False),
            ),
        )
    ]


def _event_queryset(events: QuerySet) -> QuerySet:
    return events.prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("actor").only("actor__name", "meeting_id", "drill_id"),
        ),
        Prefetch("evidence", queryset=Evidence.objects.select_related("source").defer("source__text")),
    )


def _actor_record(actor: Actor) -> dict[str, Any]:
    return {
        "name": actor.name,
        "slug": actor.slug,
        "kind": actor.kind,
        "title": actor.title,
        "affiliation": actor.affiliation.name if actor.affiliation else "",
        "aliases": sorted((alias.name for alias in actor.aliases.all()), key=_name_key),
        "members": sorted((member.name for member in actor.members.all()), key=_name_key),
        "description": actor.description,
    }


def _meeting_record(meeting: Meeting) -> dict[str, Any]:
    return {
        "kind": meeting.kind,
        "status": meeting.status,
        "start": format_date(meeting.start, meeting.precision),
        "end": format_date(meeting.end, meeting.end_precision),
        "date_text": meeting.date_text,
        "participants": _participants(meeting),
        "location": meeting.location,
        "summary": meeting.summary,
        "sources": _sources(meeting),
    }


def _drill_record(drill: Drill) -> dict[str, Any]:
    return {
        "name": drill.name,
        "status": drill.status,
        "start": format_date(drill.start, drill.precision),
        "end": format_date(drill.end, drill.end_precision),
        "date_text": drill.date_text,
        "participants": _participants(drill),
        "location": drill.location,
        "troops": drill.troops,
        "summary": drill.summary,
        "sources": _sources(drill),
    }


def _actor_records(actors: QuerySet[Actor]) -> list[dict[str, Any]]:
    rows = actors.select_related("affiliation").prefetch_related(
        "aliases", Prefetch("members", queryset=Actor.objects.only("name"))
    )
    records = [_actor_record(actor) for actor in rows]
    records.sort(key=lambda record: (*_name_key(record["name"]), record["slug"]))
    return records


def timeline_json(*, actors: QuerySet[Actor], meetings: QuerySet[Meeting], drills: QuerySet[Drill]) -> dict:
    """The given actors, meetings and drills as Parley JSON, in a stable order, in nine queries."""
    return {
        "version": VERSION,
        "actors": _actor_records(actors),
        "meetings": _chronological(
            [(meeting.start, _meeting_record(meeting)) for meeting in _event_queryset(meetings)]
        ),
        "drills": _chronological([(drill.start, _drill_record(drill)) for drill in _event_queryset(drills)]),
    }


# Events read and written per batch by timeline_stream: each batch is three queries.
STREAM_BATCH = 1000


def _streamed_records(events: QuerySet, record: Callable[[Any], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`events` as records in the order of _chronological, read in batches; only one day's events are held at once."""
    if not events.query.is_sliced:  # a capped download comes already ordered and cut
        events = events.order_by(F("start").asc(nulls_last=True), "pk")
    rows = _event_queryset(events).iterator(chunk_size=STREAM_BATCH)
    for day, group in itertools.groupby(rows, key=lambda event: event.start):
        yield from _chronological([(day, record(event)) for event in group])


def _json_list(key: str, records: Iterable[dict[str, Any]], last: bool = False) -> Iterator[str]:
    """`"key": [...]` as dumps would indent it inside the top-level object, one record per chunk."""
    opened = False
    for record in records:
        text = json.dumps(record, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        yield (",\n    " if opened else f'  "{key}": [\n    ') + text
        opened = True
    ending = "" if last else ","
    yield f"\n  ]{ending}\n" if opened else f'  "{key}": []{ending}\n'


def timeline_stream(
    *, actors: QuerySet[Actor], meetings: QuerySet[Meeting], drills: QuerySet[Drill], note: str = ""
) -> Iterator[str]:
    """The text dumps(timeline_json(...)) writes, with `note` after the version when given, as a stream.

    Events are read and written a batch at a time, so a download of any size holds one batch in memory
    (and the actors, which are few beside the events they take part in).
    """
    yield f'{{\n  "version": {VERSION},\n'
    if note:
        yield f'  "note": {json.dumps(note, ensure_ascii=False)},\n'
    yield from _json_list("actors", _actor_records(actors))
    yield from _json_list("meetings", _streamed_records(meetings, _meeting_record))
    yield from _json_list("drills", _streamed_records(drills, _drill_record), last=True)
    yield "}\n"


def too_deep(needs: str) -> str:
    """What is wrong with JSON nested deeper than Python's parser reads, and how deep a good file (`needs`) goes."""
    return f"its lists or objects are nested thousands of levels deep; {needs}"


def loads(text: str) -> Any:
    """The JSON value `text` holds; json.JSONDecodeError when it is not JSON, ValueError when it nests too deep to read."""
    try:
        return json.loads(text)
    except RecursionError:
        # A timeline nests four levels deep; only a forged file nests thousands, and Python's parser gives up.
        raise ValueError(too_deep("a timeline needs four")) from None


def dumps(data: dict) -> str:
    """Parley JSON as text: indented, UTF-8 as is, ending in a newline, so exports diff cleanly."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Validation -----------------------------------------------------------------------------------

MAX_LENGTHS = {
    "name": 200,
    "slug": 200,
    "title": 200,
    "date_text": 200,
    "location": 200,
    "summary": 300,
    "publisher": 200,
    "url": 500,
}
SOURCE_TITLE_MAX_LENGTH = 300
# Only the form of the address: whether it is a page is not for a file's import to find out.
WEB_ADDRESS = WebURLValidator()


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _quote(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Checker:
    """Collects the errors of one file; each check names the record and field it is about."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def string(
        self, record: dict, where: str, field: str, *, required: bool = False, max_length: int | None = None
    ) -> str | None:
        if field not in record:
            if required:
                self.error(f"{where}.{field}", "required field is missing")
            return None
        value = record[field]
        if not isinstance(value, str):
            self.error(f"{where}.{field}", f"expected a string, got {_describe(value)}")
            return None
        if required and not value.strip():
            self.error(f"{where}.{field}", "must not be blank")
            return None
        max_length = max_length or MAX_LENGTHS.get(field)
        if max_length and len(value) > max_length:
            self.error(f"{where}.{field}", f"is {len(value)} characters long (at most {max_length})")
            return None
        if problem := text_problem(value):
            self.error(f"{where}.{field}", problem)
            return None
        return value

    def web_address(self, record: dict, where: str, field: str) -> None:
        value = self.string(record, where, field)
        if value:
            try:
                WEB_ADDRESS(value)
            except ValidationError:
                self.error(f"{where}.{field}", f"{_quote(value)} is not a web address (use http:// or https://)")

    def choice(self, record: dict, where: str, field: str, choices: type, what: str) -> str | None:
        value = self.string(record, where, field, required=True)
        if value is not None and value not in choices.values:
            allowed = ", ".join(choices.values)
            self.error(f"{where}.{field}", f"{_quote(value)} is not a {what} (use one of {allowed})")
            return None
        return value

    def names(self, record: dict, where: str, field: str) -> list[tuple[str, str]]:
        """The strings of a list field, each with where it stands."""
        if field not in record or record[field] is None:
            return []
        value = record[field]
        if not isinstance(value, list):
            self.error(f"{where}.{field}", f"expected a list of names, got {_describe(value)}")
            return []
        names = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.error(
                    f"{where}.{field}[{index}]",
                    f"expected a name, got {_describe(item) if not isinstance(item, str) else 'a blank string'}",
                )
            elif len(item) > MAX_LENGTHS["name"]:
                self.error(
                    f"{where}.{field}[{index}]", f"is {len(item)} characters long (at most {MAX_LENGTHS['name']})"
                )
            elif problem := text_problem(item):
                self.error(f"{where}.{field}[{index}]", problem)
            else:
                names.append((f"{where}.{field}[{index}]", item))
        return names

    def day(
        self, record: dict, where: str, field: str, *, required: bool = False, day_only: bool = False
    ) -> tuple[date, str] | None:
        if record.get(field) is None:
            if required:
                self.error(
                    f"{where}.{field}",
                    "required field is missing" if field not in record else "must be a date, not null",
                )
            return None
        value = record[field]
        if not isinstance(value, str):
            self.error(f"{where}.{field}", f"expected a date string, got {_describe(value)}")
            return None
        try:
            parsed = parse_date(value)
        except ValueError:
            hint = "use YYYY-MM-DD" if day_only else DATE_HINT
            self.error(f"{where}.{field}", f"{_quote(value)} is not a valid date ({hint})")
            return None
        if day_only and parsed[1] != Precision.DAY:
            self.error(f"{where}.{field}", f"{_quote(value)} must be a full date (use YYYY-MM-DD)")
            return None
        if not EARLIEST <= parsed[0] <= LATEST:
            self.error(f"{where}.{field}", f"{_quote(value)} is outside the dates Parley keeps ({DATE_RANGE_TEXT})")
            return None
        return parsed

    def whole_number(self, record: dict, where: str, field: str, what: str = "") -> int | None:
        """A whole number from 0 to MAX_INTEGER, or None (and an error unless the field is absent or null)."""
        value = record.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"{where}.{field}", f"expected a whole number or null, got {_describe(value)}")
        elif value < 0:
            self.error(f"{where}.{field}", f"{value} is negative" + (f" ({what} cannot be negative)" if what else ""))
        elif value > MAX_INTEGER:
            self.error(f"{where}.{field}", f"{value} is larger than Parley stores (at most {MAX_INTEGER:,})")
        else:
            return value
        return None

    def span(self, record: dict, where: str, start_field: str, end_field: str) -> None:
        start = self.day(record, where, start_field)
        end = self.day(record, where, end_field)
        if end is None:
            return
        if start is None and record.get(start_field) is None:
            self.error(f"{where}.{end_field}", f"an end date needs a start date in {start_field}")
        elif start is not None and end[0] < start[0]:
            self.error(
                f"{where}.{end_field}",
                f"{_quote(record[end_field])} is before the start date {_quote(record[start_field])}",
            )

    def sources(self, record: dict, where: str) -> None:
        sources = record.get("sources")
        if sources is None:
            return
        if not isinstance(sources, list):
            self.error(f"{where}.sources", f"expected a list of sources, got {_describe(sources)}")
            return
        for index, source in enumerate(sources):
            at = f"{where}.sources[{index}]"
            if not isinstance(source, dict):
                self.error(at, f"expected an object, got {_describe(source)}")
                continue
            self.string(source, at, "title", required=True, max_length=SOURCE_TITLE_MAX_LENGTH)
            self.string(source, at, "publisher")
            self.web_address(source, at, "url")
            self.string(source, at, "evidence", max_length=10**6)
            self.day(source, at, "published", required=True, day_only=True)
            first = self.whole_number(source, at, "evidence_start")
            last = self.whole_number(source, at, "evidence_end")
            if last is not None and first is None and source.get("evidence_start") is None:
                self.error(f"{at}.evidence_end", "an end offset needs evidence_start")
            elif first is not None and last is not None and last < first:
                self.error(f"{at}.evidence_end", f"{last} is before evidence_start {first}")


def _records(data: dict, key: str, checker: _Checker) -> list[tuple[str, dict]]:
    records = data.get(key, [])
    if records is None:
        return []
    if not isinstance(records, list):
        checker.error(key, f"expected a list, got {_describe(records)}")
        return []
    valid = []
    for index, record in enumerate(records):
        if isinstance(record, dict):
            valid.append((f"{key}[{index}]", record))
        else:
            checker.error(f"{key}[{index}]", f"expected an object, got {_describe(record)}")
    return valid


def known_actor_names(names: Iterable[str]) -> set[str]:
    """Those of `names` (lower-cased) that an actor in the database has as name, slug or alias."""
    return set(Actor.objects.by_names(names))


def version_of(data: dict) -> int | None:
    """The format version of a timeline: 1 when it has none (the files written before versions), None when unknown."""
    version = data.get("version", 1)
    return version if version in MEETING_DAYS and not isinstance(version, bool) else None


def current_version(data: dict) -> dict:
    """A valid timeline of any version in the words of this one: meetings' days as "start" and "end"."""
    start, end = MEETING_DAYS[version_of(data)]
    if (start, end) == MEETING_DAYS[VERSION]:
        return data
    meetings = [
        {
            **{k: v for k, v in record.items() if k not in (start, end)},
            "start": record.get(start),
            "end": record.get(end),
        }
        for record in data.get("meetings") or []
    ]
    return {**data, "version": VERSION, "meetings": meetings}


def validate_timeline(data: Any) -> list[str]:
    """Every reason `data` is not a Parley JSON timeline that can be imported; empty when it is fine."""
    checker = _Checker()
    if not isinstance(data, dict):
        return [f'file: expected an object with "actors", "meetings" and "drills" lists, got {_describe(data)}']
    version = version_of(data)
    if version is None:
        known = ", ".join(str(number) for number in MEETING_DAYS)
        return [f"version: {_quote(data.get('version'))} is not a version of Parley JSON this Parley reads ({known})"]

    file_names: dict[str, str] = {}  # lower-cased name, slug or alias -> where it is declared
    references: list[tuple[str, str]] = []  # (where, name) of every actor a record points to

    for where, record in _records(data, "actors", checker):
        name = checker.string(record, where, "name", required=True)
        kind = checker.choice(record, where, "kind", Actor.Kind, "kind of actor")
        slug = checker.string(record, where, "slug")
        if slug and not SLUG_PATTERN.fullmatch(slug):
            checker.error(f"{where}.slug", f"{_quote(slug)} is not a slug (letters, digits, hyphens and underscores)")
        for field in ("title", "description"):
            checker.string(record, where, field, max_length=10**6 if field == "description" else None)
        affiliation = checker.string(record, where, "affiliation")
        if affiliation and affiliation.strip():
            references.append((f"{where}.affiliation", affiliation))
        members = checker.names(record, where, "members")
        if members and kind and kind != Actor.Kind.GROUP:
            checker.error(f"{where}.members", f"only groups have members, and this actor is a {kind}")
        references.extend(members)
        aliases = checker.names(record, where, "aliases")
        # A record with a bad name still declares its slug and aliases, so one mistake gives one error.
        labels = [(f"{where}.name", name)] if name else []
        for at, label in [*labels, *aliases]:
            key = label.strip().lower()
            if key in file_names and file_names[key] != where:
                checker.error(at, f"{_quote(label)} already names the actor at {file_names[key]}")
            file_names.setdefault(key, where)
        if slug:
            file_names.setdefault(slug.lower(), where)

    for key, status_choices in (("meetings", Meeting.Status), ("drills", Drill.Status)):
        for where, record in _records(data, key, checker):
            if key == "meetings":
                checker.choice(record, where, "kind", Meeting.Kind, "kind of meeting")
                checker.span(record, where, *MEETING_DAYS[version])
            else:
                checker.string(record, where, "name")
                checker.span(record, where, "start", "end")
                checker.whole_number(record, where, "troops", "troop numbers")
            checker.choice(record, where, "status", status_choices, f"{key[:-1]} status")
            for field in ("date_text", "location", "summary"):
                checker.string(record, where, field)
            references.extend(checker.names(record, where, "participants"))
            checker.sources(record, where)

    unresolved = {name.strip().lower() for _, name in references} - set(file_names)
    known = known_actor_names(unresolved)
    for where, name in references:
        key = name.strip().lower()
        if key not in file_names and key not in known:
            checker.error(where, f"{_quote(name)} is neither an actor in this file nor one already known")
    return checker.errors
