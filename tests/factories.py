"""Small helpers that create actors, meetings, drills and sources for tests, with sensible defaults."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connections
from django.utils.text import slugify

from tracker.import_runs import import_lock
from tracker.models import Actor, Drill, Evidence, Meeting, Participant, Source

_numbers = itertools.count(1)


def actor(name: str, kind: str = Actor.Kind.PERSON, **fields) -> Actor:
    fields.setdefault("slug", slugify(name) or f"actor-{next(_numbers)}")
    return Actor.objects.create(name=name, kind=kind, **fields)


def source(title: str = "", *, published: date = date(2022, 2, 10), publisher: str = "Test Wire", **fields) -> Source:
    return Source.objects.create(
        title=title or f"Test report {next(_numbers)}", published=published, publisher=publisher, **fields
    )


def _event(model, participants, *, slug, source, evidence, roles, **fields):
    event = model.objects.create(slug=slug or f"{model._meta.model_name}-{next(_numbers)}", **fields)
    roles = roles or {}
    Participant.objects.bulk_create(
        Participant(actor=a, role=roles.get(a.slug, ""), **{model._meta.model_name: event}) for a in participants
    )
    if source is not None:
        Evidence.objects.create(source=source, sentence=evidence, **{model._meta.model_name: event})
    return event


def meeting(
    *participants: Actor,
    start: date | None = date(2022, 2, 10),
    kind: str = Meeting.Kind.TALKS,
    status: str = Meeting.Status.HELD,
    slug: str = "",
    source: Source | None = None,
    evidence: str = "",
    roles: dict[str, str] | None = None,
    **fields,
) -> Meeting:
    """A meeting of `participants`; pass `source` (and `evidence`) to record who reported it."""
    return _event(
        Meeting,
        participants,
        slug=slug,
        source=source,
        evidence=evidence,
        roles=roles,
        start=start,
        kind=kind,
        status=status,
        **fields,
    )


def drill(
    *participants: Actor,
    start: date | None = date(2022, 2, 10),
    end: date | None = None,
    status: str = Drill.Status.HELD,
    slug: str = "",
    source: Source | None = None,
    evidence: str = "",
    roles: dict[str, str] | None = None,
    **fields,
) -> Drill:
    return _event(
        Drill,
        participants,
        slug=slug,
        source=source,
        evidence=evidence,
        roles=roles,
        start=start,
        end=end,
        status=status,
        **fields,
    )


def busy_month(n: int, *, first: date = date(2022, 2, 1), actors: list[Actor] | None = None) -> list[Meeting]:
    """`n` meetings and drills spread over the 28 days from `first`, among a pool of actors, each with a source."""
    pool = actors or [actor(f"Envoy {i}", slug=f"envoy-{i}-{next(_numbers)}") for i in range(6)]
    report = source(f"Busy month report {next(_numbers)}", published=first)
    events = []
    for i in range(n):
        day = first.replace(day=1 + i % 28)
        people = [pool[i % len(pool)], pool[(i + 1) % len(pool)], pool[(i + 3) % len(pool)]]
        if i % 5 == 4:
            events.append(
                drill(
                    *people[:2],
                    start=day,
                    end=day.replace(day=min(28, day.day + 3)),
                    source=report,
                    evidence=f"Drill {i} took place.",
                )
            )
        else:
            events.append(meeting(*people, start=day, source=report, evidence=f"Meeting {i} took place."))
    return events


def imported_talks(on: date = date(2022, 2, 10)) -> None:
    """Save, through the article import, one reported meeting of Russia and Belarus in Minsk on `on`."""
    from tracker.article_import import ArticleInput, article_import

    text = "Russia and Belarus held talks in Minsk on Thursday."
    article = ArticleInput(title="Talks", publisher="Wire", url="", published=on, text=text)
    meeting = {
        "kind": "talks",
        "status": "held",
        "start": on.isoformat(),
        "end": None,
        "participants": ["Russia", "Belarus"],
        "location": "Minsk",
        "evidence": text,
        "evidence_start": 0,
        "evidence_end": len(text),
    }
    actors = [{"name": "Russia", "kind": "state"}, {"name": "Belarus", "kind": "state"}]
    article_import(article=article, proposals={"actors": actors, "meetings": [meeting], "drills": []})


def mixed_meeting_writes(seed: int, *, states: int, days: int, most: int, steps: int = 40):
    """Make `steps` random writes of meetings among `states` states over `days` days, yielding after each.

    Creates (with 1 to `most` participants), moves a start, removes a participant, deletes a meeting or moves a
    participant to another meeting as another actor: the writes that any tally kept beside meetings must follow.
    """
    import random

    rng = random.Random(seed)
    actors = [Actor.objects.create(name=f"State {n}", slug=f"state-{n}", kind=Actor.Kind.STATE) for n in range(states)]
    meetings: list[Meeting] = []
    for number in range(steps):
        step = rng.randrange(6)
        if step < 2 or not meetings:
            day = date(2020, 1, 1) + timedelta(days=rng.randrange(days))
            event = Meeting.objects.create(slug=f"m{number}", kind=Meeting.Kind.TALKS, start=day)
            chosen = rng.sample(actors, rng.randrange(1, most + 1))
            Participant.objects.bulk_create([Participant(meeting=event, actor=a) for a in chosen])
            meetings.append(event)
        elif step == 2:
            Meeting.objects.filter(pk=rng.choice(meetings).pk).update(
                start=date(2020, 1, 1) + timedelta(days=rng.randrange(days))
            )
        elif step == 3:
            Participant.objects.filter(pk__in=Participant.objects.order_by("?").values("pk")[:1]).delete()
        elif step == 4:
            gone = meetings.pop(rng.randrange(len(meetings)))
            Meeting.objects.filter(pk=gone.pk).delete()
        else:
            target = rng.choice(meetings)
            present = set(target.participants.values_list("actor_id", flat=True))
            free = [a for a in actors if a.pk not in present]
            moving = Participant.objects.filter(meeting__isnull=False).exclude(meeting=target).order_by("?").first()
            if free and moving:
                Participant.objects.filter(pk=moving.pk).update(meeting=target, actor=rng.choice(free))
        yield number


@contextmanager
def import_lock_held_elsewhere() -> Iterator[None]:
    """The import lock, taken by another connection (as another command would) for as long as the block runs."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with import_lock():
                holding.set()
                done.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        done.set()
        thread.join()
