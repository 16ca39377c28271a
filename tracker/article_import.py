"""Importing an article: what the reader proposes for it, saving what the editor keeps, and saying what was saved.

The one door for article imports: the admin's import views (tracker.admin_import) and the
import_article and extract_article commands all call these functions, and only these.
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from tracker.extraction.headlines import join_names
from tracker.import_runs import import_lock
from tracker.models import Actor, Drill, Evidence, Meeting, ReviewedProposal, Source
from tracker.parley_json import VERSION, format_date
from tracker.services import (
    ImportReport,
    TimelineError,
    find_actor,
    import_timeline,
    match_event,
    same_participants,
)

NOTHING_FOUND = "Parley found no actors, meetings or drills in this article."
# Each kind of event proposal: its word in ReviewedProposal, its list in Parley JSON, its model.
EVENTS = (("meeting", "meetings", Meeting), ("drill", "drills", Drill))


HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def is_html_file(name: str) -> bool:
    """Whether an uploaded or named file is a saved web page rather than plain text."""
    return name.lower().endswith(HTML_SUFFIXES)


def parse_iso_date(value: str) -> date | None:
    """A strict YYYY-MM-DD date, or None when `value` is not one (2022-02-30 included)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def split_article(text: str) -> tuple[dict[str, str], str]:
    """The header block (`title`, `source`, `url`, `published`, as written) and the body."""
    from tracker.extraction import parse_article

    article = parse_article(text)
    return dict(article.headers), article.body


def known_actors() -> list:
    """Every actor in the database, with its aliases, as the extraction engine expects them."""
    from tracker.extraction import KnownActor

    actors = Actor.objects.select_related("affiliation").prefetch_related("aliases").order_by("pk")
    return [
        KnownActor(
            name=actor.name,
            slug=actor.slug,
            kind=actor.kind,
            aliases=tuple(alias.name for alias in actor.aliases.all()),
            title=actor.title,
            affiliation=actor.affiliation.name if actor.affiliation else "",
        )
        for actor in actors
    ]


def propose(*, text: str, published: date, dates: bool = False) -> dict[str, Any]:
    """What the extraction engine proposes for `text`, as Parley JSON; with the dates it read if `dates`."""
    from tracker.extraction import extract

    proposals = extract(text, published, known_actors()).to_json()
    if not dates:
        proposals.pop("dates", None)
    return proposals


def found_nothing(proposals: dict[str, Any]) -> bool:
    return not any(proposals.get(key) for key in ("actors", "meetings", "drills"))


def counted(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def saved_message(report: ImportReport, title: str) -> str:
    """What an import saved, in one sentence an editor reads after confirming."""
    created = (report.meetings_created, report.drills_created, report.actors_created)
    # Each new event has one evidence row from this article; the rest went to events known before.
    gained = report.evidence_created - report.meetings_created - report.drills_created
    also = f"{counted(gained, 'event', 'events')} already known gained this source."
    if any(created):
        parts = [
            counted(created[0], "meeting", "meetings"),
            counted(created[1], "drill", "drills"),
            counted(created[2], "actor", "actors"),
        ]
        return f"Saved {join_names(parts)} from “{title}”." + (f" {also}" if gained > 0 else "")
    if gained > 0:
        return f"No new meeting, drill or actor in “{title}”; {also}"
    return f"Nothing new in “{title}”: everything kept was already saved."


def matching_source(*, title: str, publisher: str, published: date | str, text: str) -> Source | None:
    """The source this article was already imported as, if it was."""
    return Source.objects.filter(
        Q(text_hash=article_text_hash(text)) | Q(publisher=publisher, title=title, published=published)
    ).first()


def describe(what: str, record: dict[str, Any]) -> str:
    """A proposal in one line: "talks on 2023-03-16 in Lisbon: Portugal and Spain"."""
    if what == "actor":
        return record.get("name", "")
    label = record.get("kind", "").replace("_", " ") if what == "meeting" else record.get("name") or "drill"
    when = f" on {record['start']}" if record.get("start") else ""
    where = f" in {record['location']}" if record.get("location") else ""
    who = join_names(record.get("participants") or [])
    return f"{label}{when}{where}" + (f": {who}" if who else "")


def _with_review_keys(proposals: dict[str, Any]) -> dict[str, Any]:
    """The proposals, each with the key it is remembered by: an event by its sentence, kind and rank there."""
    keyed = copy.deepcopy(proposals)
    for actor in keyed.get("actors") or []:
        actor["review_key"] = actor.get("name", "").strip().lower()
    seen: Counter = Counter()
    for what, key, _ in EVENTS:
        for event in keyed.get(key) or []:
            base = f"{event.get('kind', what)}:{event.get('evidence_start')}:{event.get('evidence_end')}"
            seen[(what, base)] += 1
            event["review_key"] = f"{base}:{seen[(what, base)]}"
    return keyed


def _event_link(event: Meeting | Drill | None) -> dict[str, str]:
    if event is None:
        return {"event": "", "url": ""}
    name = event._meta.model_name
    return {"event": str(event), "url": reverse(f"admin:tracker_{name}_change", args=[event.pk])}


def _in_parley(
    model: type[Meeting] | type[Drill], event: dict[str, Any], source: Source | None, actors: dict[str, Actor]
) -> dict[str, str]:
    """What Parley holds already of a proposed event: `saved` from this article, an event it would `merge` into, or `new`."""
    if source is not None and event.get("evidence_start") is not None:
        field = model._meta.model_name
        recorded = Evidence.objects.filter(
            source=source,
            start_offset=event["evidence_start"],
            end_offset=event.get("evidence_end"),
            **({"meeting__kind": event.get("kind")} if model is Meeting else {"drill__isnull": False}),
        ).select_related(field)
        if evidence := recorded.first():
            return {"state": "saved", **_event_link(evidence.event)}
    taking_part = [actors[name.lower()] for name in event.get("participants") or [] if name.lower() in actors]
    try:
        known = match_event(model, event, taking_part)
    except (KeyError, ValueError):
        known = None
    return {"state": "merge", **_event_link(known)} if known else {"state": "new", **_event_link(None)}


def _span(key: str) -> tuple[str, int, int] | None:
    """The kind and evidence offsets in an event's review key ("talks:120:188:1")."""
    kind, start, end, _ = [*key.rsplit(":", 3), "", "", ""][:4]
    return (kind, int(start), int(end)) if start.isdigit() and end.isdigit() else None


def _overlapping(what: str, record: dict, reviewed: dict, claimed: set[int]) -> ReviewedProposal | None:
    """A reviewed proposal of the same kind from a sentence overlapping this one's, not yet matched to another.

    A reader that splits or trims sentences differently gives the same proposal other offsets.
    """
    mine = _span(record["review_key"])
    if mine is None:
        return None
    for (kind, key), row in reviewed.items():
        theirs = _span(key) if kind == what and row.pk not in claimed else None
        if theirs and theirs[0] == mine[0] and theirs[1] < mine[2] and mine[1] < theirs[2]:
            claimed.add(row.pk)
            return row
    return None


def read_proposals(*, article: ArticleInput, proposals: dict[str, Any]) -> dict[str, Any]:
    """What of the reader's `proposals` is new for this article, and what Parley holds already.

    Returns {"proposals": the proposals never reviewed for this article's source (each with its
    `review_key`), "states": for each new meeting and drill what Parley holds of it (see _in_parley),
    "already": the proposals reviewed at an earlier import, each with whether it was kept}. Actors
    an editor did not keep for this source are dropped from the new events' participants too.
    """
    keyed = _with_review_keys(proposals)
    source = matching_source(
        title=article.title, publisher=article.publisher, published=article.published, text=article.text
    )
    reviewed = {}
    if source is not None:
        rows = source.reviewed.select_related("meeting", "drill")
        reviewed = {(row.what, row.key): row for row in rows}
    rejected = {key for (what, key), row in reviewed.items() if what == "actor" and not row.kept}
    fresh: dict[str, list] = {"actors": [], "meetings": [], "drills": []}
    already = []
    for record in keyed.get("actors") or []:
        row = reviewed.get(("actor", record["review_key"]))
        if row is None:
            fresh["actors"].append(record)
        else:
            already.append({"what": "actor", "description": row.description, "kept": row.kept, **_event_link(None)})
    exact = {(what, record["review_key"]) for what, key, _ in EVENTS for record in keyed.get(key) or []}
    claimed = {row.pk for pair, row in reviewed.items() if pair in exact}
    for what, key, _ in EVENTS:
        for record in keyed.get(key) or []:
            row = reviewed.get((what, record["review_key"])) or _overlapping(what, record, reviewed, claimed)
            if row is None:
                record["participants"] = [n for n in record.get("participants") or [] if n.lower() not in rejected]
                fresh[key].append(record)
            else:
                already.append(
                    {"what": what, "description": row.description, "kept": row.kept, **_event_link(row.event)}
                )
    named = [name for _, key, _ in EVENTS for record in fresh[key] for name in record.get("participants") or []]
    actors = Actor.objects.by_names(named)
    states = {key: [_in_parley(model, record, source, actors) for record in fresh[key]] for _, key, model in EVENTS}
    return {"proposals": fresh, "states": states, "already": already}


def _remember(source: Source, reviewed: dict[str, Any], kept: dict[str, Any], report: ImportReport) -> None:
    """Record, for `source`, each proposal the editor saw (`reviewed`) and whether it was kept."""
    kept_keys = {record.get("review_key") for key in ("actors", "meetings", "drills") for record in kept.get(key) or []}
    records = [*(kept.get("meetings") or []), *(kept.get("drills") or [])]
    saved_as = {record.get("review_key"): event for record, event in zip(records, report.saved)}
    rows = []
    for what, key in (("actor", "actors"), ("meeting", "meetings"), ("drill", "drills")):
        for record in reviewed.get(key) or []:
            review_key = record.get("review_key")
            if not review_key:
                continue
            event = saved_as.get(review_key) if review_key in kept_keys else None
            rows.append(
                ReviewedProposal(
                    source=source,
                    what=what,
                    key=review_key[:300],
                    kept=review_key in kept_keys,
                    description=describe(what, record)[:300],
                    meeting=event if what == "meeting" else None,
                    drill=event if what == "drill" else None,
                )
            )
    ReviewedProposal.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["source", "what", "key"],
        update_fields=["kept", "description", "meeting", "drill"],
    )


def timeline_url(events: list[Meeting | Drill]) -> str | None:
    """The timeline from the first day of `events` to their last, or None when none is dated."""
    days = [day for event in events for day in (event.start, event.end) if day is not None]
    if not days:
        return None
    return reverse("timeline") + "?" + urlencode({"from": min(days).isoformat(), "to": max(days).isoformat()})


@dataclass(frozen=True)
class ArticleInput:
    """An article to import: its details and its text (the body, without any header block)."""

    title: str
    publisher: str
    url: str
    published: date
    text: str


def article_text_hash(text: str) -> str:
    """SHA-256 of the text with line endings, Unicode form and surrounding blank space made uniform."""
    normalised = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def _article_source(article: ArticleInput, text_hash: str) -> tuple[Source, bool]:
    """The source this article already is (same text, or same publisher, title and day), else a new one."""
    source = (
        Source.objects.filter(text_hash=text_hash).order_by("pk").first()
        or Source.objects.filter(
            publisher=article.publisher.strip(), title=article.title.strip(), published=article.published
        ).first()
    )
    if source is None:
        source = Source.objects.create(
            title=article.title.strip(),
            publisher=article.publisher.strip(),
            url=article.url.strip(),
            published=article.published,
            text=article.text,
            text_hash=text_hash,
        )
        return source, True
    if source.text_hash and source.text_hash != text_hash:
        raise TimelineError([f"“{source}” is already a source, with a different text."])
    if not source.text_hash:
        # A source entered by hand or loaded from a fixture names the article but lacks its text.
        source.text, source.text_hash, source.url = article.text, text_hash, source.url or article.url.strip()
        source.save(update_fields=["text", "text_hash", "url"])
    return source, False


def _cited(event: dict, source: Source) -> dict:
    """A proposed event whose evidence sentence and offsets become its source entry."""
    cited = {key: value for key, value in event.items() if key not in ("evidence", "evidence_start", "evidence_end")}
    cited["sources"] = [
        {
            "title": source.title,
            "publisher": source.publisher,
            "url": source.url,
            "published": source.published.isoformat(),
            "evidence": event.get("evidence") or "",
            "evidence_start": event.get("evidence_start"),
            "evidence_end": event.get("evidence_end"),
        }
    ]
    return cited


def _as_recorded(event: dict, model: type[Meeting] | type[Drill], source: Source, claimed: set[int]) -> dict:
    """A proposal from a sentence of `source` that already supports the same event is that event.

    The engine reads an article differently once its actors are known ("Moscow" becomes an alias
    of Russia), so a second import may place or date an event differently; the sentence it comes
    from, its kind and its participants say it is the event already recorded, which keeps its
    date and place. One sentence may report several events ("will go to Brussels and Warsaw"):
    the one in the same place, then the one sharing most participants, is chosen, and no recorded
    event stands for two proposals of one import (`claimed`).
    """
    field = model._meta.model_name
    recorded = Evidence.objects.filter(
        source=source,
        start_offset=event.get("evidence_start"),
        end_offset=event.get("evidence_end"),
        **{f"{field}__isnull": False},
    ).select_related(field)
    if event.get("evidence_start") is None or not recorded:
        return event
    taking_part = {}
    for name in event.get("participants") or []:
        actor = find_actor(name)
        if actor is not None:
            taking_part[actor.pk] = actor.kind
    location = (event.get("location") or "").casefold()
    candidates = []
    for evidence in recorded:
        known = evidence.event
        if known.pk in claimed or (model is Meeting and known.kind != event.get("kind")):
            continue
        participants = dict(known.participants.values_list("actor_id", "actor__kind"))
        if same_participants(participants, taking_part):
            shared = len(participants.keys() & taking_part.keys())
            candidates.append((known.location.casefold() == location, shared, -known.pk, known))
    if not candidates:
        return event
    known = max(candidates, key=lambda candidate: candidate[:3])[3]
    claimed.add(known.pk)
    dates = {"start": format_date(known.start, known.precision), "end": format_date(known.end, known.end_precision)}
    names = {"name": known.name} if model is Drill and known.name else {}
    return {**event, **dates, **names, "location": known.location}


def article_import(*, article: ArticleInput, proposals: dict, reviewed: dict | None = None) -> ImportReport:
    """Saves an article as a source and the proposals kept from it, in one transaction.

    `proposals` is Parley JSON as extract_article prints it, each meeting and drill with its
    evidence sentence and offsets in `article.text`. What is known already (the source by its
    text, events by kind, participants, day and place) gains what is new instead of being
    duplicated, so importing the same article twice changes nothing. `reviewed`, the proposals
    the editor was shown (from read_proposals), is remembered with the source, kept or not, so
    that a re-import does not propose them again.
    """
    # The import lock first: taken inside the transaction, it could wait on a batched import that waits on us.
    # An article is quick to import: it waits for a file's import no longer than for the database's lock.
    with import_lock(wait=settings.PARLEY_SQLITE_BUSY_SECONDS), transaction.atomic():
        source, created = _article_source(article, article_text_hash(article.text))
        claimed_meetings: set[int] = set()
        claimed_drills: set[int] = set()
        report = import_timeline(
            data={
                "version": VERSION,
                "actors": proposals.get("actors") or [],
                "meetings": [
                    _cited(_as_recorded(event, Meeting, source, claimed_meetings), source)
                    for event in proposals.get("meetings") or []
                ],
                "drills": [
                    _cited(_as_recorded(event, Drill, source, claimed_drills), source)
                    for event in proposals.get("drills") or []
                ],
            }
        )
        if created:
            report.sources_created += 1
            report.sources_matched = max(0, report.sources_matched - 1)
        if reviewed is not None:
            _remember(source, reviewed, proposals, report)
        return report
