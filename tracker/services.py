"""Writes that touch several models: importing a timeline and merging duplicate actors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model, Q
from django.utils.text import slugify

from tracker.import_runs import Run, import_lock, import_run
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Precision, Source
from tracker.parley_json import current_version, format_date, parse_date, validate_timeline

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
    # The event each meeting record, then each drill record, became or was found to be, in the file's order.
    saved: list[Meeting | Drill] = field(default_factory=list)

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
    """The actor whose name, alias or slug is `name` (or whose slug is `slug`), ignoring case."""
    return Actor.objects.find(name, slug)


def _alias_is_free(name: str, actor: Actor) -> bool:
    # An actor may carry its own name in another spelling ("Nato" for NATO), never another's.
    return not (
        Actor.objects.filter(name__iexact=name).exclude(pk=actor.pk).exists()
        or Alias.objects.filter(name__iexact=name).exists()
    )


def _import_actor(record: dict, actors: _Actors, report: ImportReport, run: Run) -> tuple[dict, Actor]:
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
        run.created(actor)
        report.actors_created += 1
    else:
        report.actors_matched += 1
        run.fill(
            actor, {key: record[key] for key in ("title", "description") if not getattr(actor, key) and record.get(key)}
        )
    actors.add([name, *(record.get("aliases") or []), record.get("slug") or ""], actor)
    return record, actor


def _link_actor(record: dict, actor: Actor, actors: _Actors, report: ImportReport, run: Run) -> None:
    """An actor's affiliation, members and aliases, which may name actors further down the file."""
    affiliation = (record.get("affiliation") or "").strip()
    if affiliation and actor.affiliation_id is None:
        target = actors.get(affiliation)
        if target.pk != actor.pk:
            run.fill(actor, {"affiliation": target})
    members = {actors.get(name).pk for name in record.get("members") or []} - {actor.pk}
    if members:
        Membership = Actor.members.through
        members -= set(Membership.objects.filter(from_actor=actor).values_list("to_actor_id", flat=True))
        run.created(
            *Membership.objects.bulk_create(Membership(from_actor=actor, to_actor_id=pk) for pk in sorted(members))
        )
    for alias in record.get("aliases") or []:
        alias = alias.strip()
        if alias == actor.name or actor.aliases.filter(name__iexact=alias).exists():
            continue
        if _alias_is_free(alias, actor):
            run.created(Alias.objects.create(actor=actor, name=alias))
        else:
            report.notes.append(f"“{alias}” was not added as an alias of {actor.name}: another actor uses it.")


def _import_actors(records: list[dict], actors: _Actors, report: ImportReport, run: Run) -> None:
    imported: list[tuple[dict, Actor]] = []
    run.each(records, lambda record: imported.append(_import_actor(record, actors, report, run)))
    # Affiliations and members may name actors further down the file, so they come second.
    run.each(imported, lambda pair: _link_actor(*pair, actors, report, run))


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


def _dates(record: dict) -> dict[str, Any]:
    start, precision = parse_date(record["start"]) if record.get("start") else (None, Precision.DAY)
    end, end_precision = parse_date(record["end"]) if record.get("end") else (None, Precision.DAY)
    return {"start": start, "precision": precision, "end": end, "end_precision": end_precision}


def match_event(model: type[Meeting] | type[Drill], record: dict, taking_part: list[Actor]) -> Meeting | Drill | None:
    """The event already recorded that `record` (Parley JSON) reports: same kind (or drill name), day, place and people."""
    dates = _dates(record)
    location = (record.get("location") or "").strip()
    if model is Meeting:
        candidates = Meeting.objects.filter(kind=record["kind"])
    else:
        name = (record.get("name") or "").strip()
        candidates = Drill.objects.filter(Q(name="") | Q(name__iexact=name)) if name else Drill.objects.all()
    candidates = candidates.filter(start=dates["start"], precision=dates["precision"], location__iexact=location)
    return _find_event(candidates, model._meta.model_name, taking_part)


def _fill_blanks(event: Meeting | Drill, values: dict[str, Any], run: Run) -> None:
    """Give a known event what the new record adds, without overwriting what an editor entered."""
    changed = [
        key
        for key, value in values.items()
        if key != "end_precision" and value not in (None, "") and getattr(event, key) in (None, "")
    ]
    if "end" in changed:
        changed.append("end_precision")
    run.fill(event, {key: values[key] for key in changed}, also_save=["updated_at"])


def _attach_sources(
    event: Meeting | Drill, participant_field: str, records: list[dict], sources: dict, report: ImportReport, run: Run
) -> None:
    for record in records:
        published = date.fromisoformat(record["published"])
        key = ((record.get("publisher") or "").strip(), record["title"].strip(), published)
        if key not in sources:
            source, created = Source.objects.get_or_create(
                publisher=key[0], title=key[1], published=published, defaults={"url": record.get("url") or ""}
            )
            if created:
                run.created(source)
            elif not source.url and record.get("url"):
                run.fill(source, {"url": record["url"]})
            report.sources_created += created
            report.sources_matched += not created
            sources[key] = source
        source = sources[key]
        evidence = Evidence.objects.filter(source=source, **{participant_field: event}).first()
        sentence = record.get("evidence") or ""
        offsets = {"start_offset": record.get("evidence_start"), "end_offset": record.get("evidence_end")}
        if evidence is None:
            run.created(
                Evidence.objects.create(source=source, sentence=sentence, **offsets, **{participant_field: event})
            )
            report.evidence_created += 1
        else:
            report.evidence_matched += 1
            if sentence and not evidence.sentence:
                run.fill(evidence, {"sentence": sentence, **offsets})


def _import_event(
    model: type[Meeting] | type[Drill], record: dict, actors: _Actors, sources: dict, report: ImportReport, run: Run
) -> None:
    participant_field = model._meta.model_name
    is_meeting = model is Meeting
    counter = "meetings" if is_meeting else "drills"
    dates = _dates(record)
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
    if not is_meeting:
        details |= {"name": (record.get("name") or "").strip(), "troops": record.get("troops")}
    event = match_event(model, record, taking_part)
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
        run.created(event)
        setattr(report, f"{counter}_created", getattr(report, f"{counter}_created") + 1)
        missing = taking_part
    else:
        setattr(report, f"{counter}_matched", getattr(report, f"{counter}_matched") + 1)
        _fill_blanks(event, details, run)
        already = set(event.participants.values_list("actor_id", flat=True))
        missing = [actor for actor in taking_part if actor.pk not in already]
    run.created(
        *Participant.objects.bulk_create([Participant(actor=actor, **{participant_field: event}) for actor in missing])
    )
    _attach_sources(event, participant_field, record.get("sources") or [], sources, report, run)
    report.saved.append(event)


def import_timeline(*, data: dict) -> ImportReport:
    """Load a Parley JSON timeline: unknown actors, events and sources are created, known ones gain what is new.

    Importing the same file twice changes nothing; a file with errors raises TimelineError and changes nothing.
    A large file is committed in batches, and undone whole if it fails (tracker.import_runs).
    """
    with import_lock():
        errors = validate_timeline(data)
        if errors:
            raise TimelineError(errors)
        data = current_version(data)
        report = ImportReport()
        actors = _Actors()
        sources: dict = {}
        with import_run() as run:
            _import_actors(data.get("actors") or [], actors, report, run)
            for model, key in ((Meeting, "meetings"), (Drill, "drills")):
                run.each(
                    data.get(key) or [],
                    lambda record, model=model: _import_event(model, record, actors, sources, report, run),
                )
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
