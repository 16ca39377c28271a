"""Writes that touch several models: importing a timeline and merging duplicate actors."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils.text import slugify

from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Precision, Source
from tracker.parley_json import format_date, parse_date, validate_timeline

# Key of the PostgreSQL advisory lock that queues concurrent imports ("parley" in ASCII).
IMPORT_LOCK = 0x7061726C6579
SLUG_MAX_LENGTH = 100


class TimelineError(Exception):
    """A timeline that cannot be imported; `errors` says why, one message per record and field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportReport:
    actors_created: int = 0
    actors_matched: int = 0
    meetings_created: int = 0
    meetings_matched: int = 0
    drills_created: int = 0
    drills_matched: int = 0
    sources_created: int = 0
    sources_matched: int = 0
    evidence_created: int = 0
    evidence_matched: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(
            f"{label}: {getattr(self, f'{key}_created')} created, {getattr(self, f'{key}_matched')} already known"
            for key, label in (
                ("actors", "actors"),
                ("meetings", "meetings"),
                ("drills", "drills"),
                ("sources", "sources"),
                ("evidence", "evidence"),
            )
        )


def unique_slug(model: type[Model], text: str, *, fallback: str) -> str:
    """A slug for `text` that no row of `model` has yet, with -2, -3… on collision."""
    base = slugify(text)[:SLUG_MAX_LENGTH].strip("-") or fallback
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def event_slug(
    model: type[Meeting] | type[Drill], *, start: date | None, precision: str, label: str, words: Iterable[str]
) -> str:
    """A readable, deterministic slug such as 2022-02-10-talks-liz-truss-russia."""
    date_part = format_date(start, precision) or "undated"
    return unique_slug(model, " ".join([date_part, label, *words]), fallback=date_part)


def _lock_imports() -> None:
    # SQLite needs nothing here: its IMMEDIATE transactions already let one writer in at a time.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


class _Actors:
    """Resolves the names a timeline uses to actors: first those of the file, then the database."""

    def __init__(self) -> None:
        self.by_name: dict[str, Actor] = {}

    def add(self, names: Iterable[str], actor: Actor) -> None:
        for name in names:
            self.by_name.setdefault(name.strip().lower(), actor)

    def get(self, name: str) -> Actor:
        key = name.strip().lower()
        if key not in self.by_name:
            actor = find_actor(name)
            if actor is None:
                raise TimelineError([f"{name!r} is not a known actor"])
            self.by_name[key] = actor
        return self.by_name[key]


def find_actor(name: str, slug: str = "") -> Actor | None:
    """The actor whose name, slug or alias is `name` (or whose slug is `slug`), ignoring case."""
    candidates = list(Actor.objects.named(name)) if name.strip() else []
    exact = [actor for actor in candidates if actor.name.lower() == name.strip().lower()]
    if exact or candidates:
        return (exact or candidates)[0]
    if slug:
        return Actor.objects.filter(slug__iexact=slug).first()
    return None


def _alias_is_free(name: str, actor: Actor) -> bool:
    # An actor may carry its own name in another spelling ("Nato" for NATO), never another's.
    return not (
        Actor.objects.filter(name__iexact=name).exclude(pk=actor.pk).exists()
        or Alias.objects.filter(name__iexact=name).exists()
    )


def _import_actors(records: list[dict], actors: _Actors, report: ImportReport) -> None:
    imported = []
    for record in records:
        name = record["name"].strip()
        actor = find_actor(name, record.get("slug") or "")
        if actor is None:
            actor = Actor.objects.create(
                name=name,
                slug=unique_slug(Actor, record.get("slug") or name, fallback="actor"),
                kind=record["kind"],
                title=record.get("title") or "",
                description=record.get("description") or "",
            )
            report.actors_created += 1
        else:
            report.actors_matched += 1
            changed = [key for key in ("title", "description") if not getattr(actor, key) and record.get(key)]
            for key in changed:
                setattr(actor, key, record[key])
            if changed:
                actor.save(update_fields=changed)
        actors.add([name, *(record.get("aliases") or []), record.get("slug") or ""], actor)
        imported.append((record, actor))

    # Affiliations and members may name actors further down the file, so they come second.
    for record, actor in imported:
        affiliation = (record.get("affiliation") or "").strip()
        if affiliation and actor.affiliation_id is None:
            target = actors.get(affiliation)
            if target.pk != actor.pk:
                actor.affiliation = target
                actor.save(update_fields=["affiliation"])
        members = [actors.get(name) for name in record.get("members") or []]
        if members:
            actor.members.add(*(member for member in members if member.pk != actor.pk))
        for alias in record.get("aliases") or []:
            alias = alias.strip()
            if alias == actor.name or actor.aliases.filter(name__iexact=alias).exists():
                continue
            if _alias_is_free(alias, actor):
                Alias.objects.create(actor=actor, name=alias)
            else:
                report.notes.append(f"“{alias}” was not added as an alias of {actor.name}: another actor uses it.")


def _people(actors: dict[int, str]) -> set[int]:
    return {pk for pk, kind in actors.items() if kind == Actor.Kind.PERSON}


def same_participants(known: dict[int, str], new: dict[int, str]) -> bool:
    """Whether two events' participants (actor id -> kind) can be the same event.

    They must share an actor (or both have none), and when both name people, at least one
    person: Liz Truss and Ben Wallace each meeting Russia on the same day are two meetings.
    """
    if not known and not new:
        return True
    if not known.keys() & new.keys():
        return False
    people, new_people = _people(known), _people(new)
    return not (people and new_people and not people & new_people)


def _find_event(candidates, participant_field: str, actors: list[Actor]) -> Meeting | Drill | None:
    events = list(candidates.order_by("pk"))
    if not events:
        return None
    taking_part: dict[int, dict[int, str]] = {event.pk: {} for event in events}
    for event_id, actor_id, kind in Participant.objects.filter(**{f"{participant_field}__in": events}).values_list(
        participant_field, "actor_id", "actor__kind"
    ):
        taking_part[event_id][actor_id] = kind
    new = {actor.pk: actor.kind for actor in actors}
    matches = [event for event in events if same_participants(taking_part[event.pk], new)]
    if not matches:
        return None
    return max(matches, key=lambda event: (len(taking_part[event.pk].keys() & new.keys()), -event.pk))


def _dates(record: dict, start_field: str, end_field: str) -> dict[str, Any]:
    start, precision = parse_date(record[start_field]) if record.get(start_field) else (None, Precision.DAY)
    end, end_precision = parse_date(record[end_field]) if record.get(end_field) else (None, Precision.DAY)
    return {"start": start, "precision": precision, "end": end, "end_precision": end_precision}


def _fill_blanks(event: Meeting | Drill, values: dict[str, Any]) -> None:
    """Give a known event what the new record adds, without overwriting what an editor entered."""
    changed = [
        key
        for key, value in values.items()
        if key != "end_precision" and value not in (None, "") and getattr(event, key) in (None, "")
    ]
    if "end" in changed:
        changed.append("end_precision")
    for key in changed:
        setattr(event, key, values[key])
    if changed:
        event.save(update_fields=[*changed, "updated_at"])


def _attach_sources(
    event: Meeting | Drill, participant_field: str, records: list[dict], sources: dict, report: ImportReport
) -> None:
    for record in records:
        published = date.fromisoformat(record["published"])
        key = ((record.get("publisher") or "").strip(), record["title"].strip(), published)
        if key not in sources:
            source, created = Source.objects.get_or_create(
                publisher=key[0], title=key[1], published=published, defaults={"url": record.get("url") or ""}
            )
            if not created and not source.url and record.get("url"):
                source.url = record["url"]
                source.save(update_fields=["url"])
            report.sources_created += created
            report.sources_matched += not created
            sources[key] = source
        source = sources[key]
        evidence = Evidence.objects.filter(source=source, **{participant_field: event}).first()
        sentence = record.get("evidence") or ""
        offsets = {"start_offset": record.get("evidence_start"), "end_offset": record.get("evidence_end")}
        if evidence is None:
            Evidence.objects.create(source=source, sentence=sentence, **offsets, **{participant_field: event})
            report.evidence_created += 1
        else:
            report.evidence_matched += 1
            if sentence and not evidence.sentence:
                evidence.sentence = sentence
                evidence.start_offset, evidence.end_offset = offsets["start_offset"], offsets["end_offset"]
                evidence.save(update_fields=["sentence", "start_offset", "end_offset"])


def _import_events(
    model: type[Meeting] | type[Drill], records: list[dict], actors: _Actors, sources: dict, report: ImportReport
) -> None:
    participant_field = model._meta.model_name
    is_meeting = model is Meeting
    counter = "meetings" if is_meeting else "drills"
    for record in records:
        dates = _dates(record, "date", "end_date") if is_meeting else _dates(record, "start", "end")
        taking_part: list[Actor] = []
        for name in record.get("participants") or []:
            actor = actors.get(name)
            if actor not in taking_part:
                taking_part.append(actor)
        location = (record.get("location") or "").strip()
        details = {
            "date_text": record.get("date_text") or "",
            "summary": record.get("summary") or "",
            "end": dates["end"],
            "end_precision": dates["end_precision"],
        }
        if is_meeting:
            candidates = Meeting.objects.filter(kind=record["kind"])
        else:
            name = (record.get("name") or "").strip()
            candidates = Drill.objects.filter(Q(name="") | Q(name__iexact=name)) if name else Drill.objects.all()
            details |= {"name": name, "troops": record.get("troops")}
        candidates = candidates.filter(start=dates["start"], precision=dates["precision"], location__iexact=location)
        event = _find_event(candidates, participant_field, taking_part)
        if event is None:
            label = record["kind"].replace("_", " ") if is_meeting else "drill"
            words = sorted((actor.name for actor in taking_part), key=str.casefold) or [location]
            fields = {"kind": record["kind"]} if is_meeting else {}
            event = model.objects.create(
                slug=event_slug(model, start=dates["start"], precision=dates["precision"], label=label, words=words),
                start=dates["start"],
                precision=dates["precision"],
                status=record["status"],
                location=location,
                **fields,
                **details,
            )
            setattr(report, f"{counter}_created", getattr(report, f"{counter}_created") + 1)
            missing = taking_part
        else:
            setattr(report, f"{counter}_matched", getattr(report, f"{counter}_matched") + 1)
            _fill_blanks(event, details)
            already = set(event.participants.values_list("actor_id", flat=True))
            missing = [actor for actor in taking_part if actor.pk not in already]
        Participant.objects.bulk_create([Participant(actor=actor, **{participant_field: event}) for actor in missing])
        _attach_sources(event, participant_field, record.get("sources") or [], sources, report)


@transaction.atomic
def import_timeline(*, data: dict) -> ImportReport:
    """Load a Parley JSON timeline: unknown actors, events and sources are created, known ones gain what is new.

    Importing the same file twice changes nothing; a file with errors raises TimelineError and changes nothing.
    """
    _lock_imports()
    errors = validate_timeline(data)
    if errors:
        raise TimelineError(errors)
    report = ImportReport()
    actors = _Actors()
    sources: dict = {}
    _import_actors(data.get("actors") or [], actors, report)
    _import_events(Meeting, data.get("meetings") or [], actors, sources, report)
    _import_events(Drill, data.get("drills") or [], actors, sources, report)
    return report


def _move_participations(keep: Actor, duplicate: Actor, event_field: str) -> None:
    kept = {
        getattr(participant, f"{event_field}_id"): participant
        for participant in Participant.objects.filter(actor=keep, **{f"{event_field}__isnull": False})
    }
    moving = Participant.objects.filter(actor=duplicate, **{f"{event_field}__isnull": False})
    for participant in moving.filter(**{f"{event_field}_id__in": kept}):
        # Both actors were in this event: one row stays, and it keeps the role that was recorded.
        survivor = kept[getattr(participant, f"{event_field}_id")]
        if not survivor.role and participant.role:
            survivor.role = participant.role
            survivor.save(update_fields=["role"])
        participant.delete()
    moving.update(actor=keep)


@transaction.atomic
def merge_actors(*, keep: Actor, duplicates: Iterable[Actor]) -> Actor:
    """Fold `duplicates` into `keep`: their events, aliases, affiliates and groups move over, their names become aliases."""
    duplicates = [duplicate for duplicate in duplicates if duplicate.pk != keep.pk]
    merged_ids = {keep.pk, *(duplicate.pk for duplicate in duplicates)}
    keep.refresh_from_db()
    new_aliases: list[str] = []
    for duplicate in duplicates:
        duplicate.refresh_from_db()
        _move_participations(keep, duplicate, "meeting")
        _move_participations(keep, duplicate, "drill")
        Alias.objects.filter(actor=duplicate).update(actor=keep)
        Actor.objects.filter(affiliation=duplicate).exclude(pk=keep.pk).update(affiliation=keep)
        for group in duplicate.groups.exclude(pk__in=merged_ids):
            group.members.add(keep)
        keep.members.add(*duplicate.members.exclude(pk__in=merged_ids))
        for key in ("title", "description"):
            if not getattr(keep, key):
                setattr(keep, key, getattr(duplicate, key))
            elif key == "description" and duplicate.description and duplicate.description not in keep.description:
                keep.description = f"{keep.description}\n\n{duplicate.description}"
        if keep.affiliation_id is None or keep.affiliation_id in merged_ids:
            keep.affiliation_id = duplicate.affiliation_id if duplicate.affiliation_id not in merged_ids else None
        new_aliases.append(duplicate.name)
    keep.save()
    Actor.objects.filter(pk__in=[duplicate.pk for duplicate in duplicates]).delete()
    for name in new_aliases:
        if name != keep.name and not Alias.objects.filter(name__iexact=name).exists():
            Alias.objects.create(actor=keep, name=name)
    return keep


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
    start_key, end_key = ("date", "end_date") if model is Meeting else ("start", "end")
    dates = {start_key: format_date(known.start, known.precision), end_key: format_date(known.end, known.end_precision)}
    names = {"name": known.name} if model is Drill and known.name else {}
    return {**event, **dates, **names, "location": known.location}


def article_import(*, article: ArticleInput, proposals: dict) -> ImportReport:
    """Saves an article as a source and the proposals kept from it, in one transaction.

    `proposals` is Parley JSON as extract_article prints it, each meeting and drill with its
    evidence sentence and offsets in `article.text`. What is known already (the source by its
    text, events by kind, participants, day and place) gains what is new instead of being
    duplicated, so importing the same article twice changes nothing.
    """
    with transaction.atomic():
        _lock_imports()
        source, created = _article_source(article, article_text_hash(article.text))
        claimed_meetings: set[int] = set()
        claimed_drills: set[int] = set()
        report = import_timeline(
            data={
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
        return report
