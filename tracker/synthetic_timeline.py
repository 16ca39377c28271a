"""A large synthetic timeline (actors, meetings, drills, sources), written in batches for benchmarks and load tests.

The one door for synthetic timelines: the generate_timeline command calls generate_timeline here, and only that.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from tracker.models import (
    Actor,
    ActorDayTally,
    Alias,
    DayTally,
    Drill,
    Evidence,
    Meeting,
    PairTally,
    Participant,
    Precision,
    Source,
)

BATCH_EVENTS = 10_000
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2025, 12, 31)

ONSETS = ["", "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "st", "tr", "sh", "ch"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia"]
CODAS = ["", "", "n", "r", "s", "l", "m", "k", "sk", "nd", "rt"]
STATE_SUFFIXES = ["ia", "land", "stan", "ova", "ria", "enia", "ay", "istan", "ora", "esh"]
STATE_FORMS = ["{}", "{}", "{}", "Republic of {}", "Kingdom of {}", "Federation of {}"]
ORGANISATION_FORMS = [
    "{} Defence Council",
    "{} Economic Union",
    "{} Security Organisation",
    "Council of {} States",
    "{} Treaty Organisation",
    "{} Development Bank",
    "{} Energy Community",
    "{} Maritime Commission",
]
GROUP_FORMS = ["the {} Quartet", "the {} Format", "the {} Group", "the {} Contact Group", "the {} Five"]
TITLES = [
    "President",
    "Prime Minister",
    "Foreign Minister",
    "Defence Minister",
    "Ambassador",
    "Special Envoy",
    "Chancellor",
    "Secretary-General",
    "Chief of the General Staff",
    "National Security Adviser",
    "Deputy Foreign Minister",
    "Trade Minister",
]
PUBLISHERS = [
    "The Northern Courier",
    "Daily Ledger",
    "Evening Dispatch",
    "Harbour Times",
    "Continental Post",
    "Morning Observer",
    "The Meridian",
    "Capital Wire",
    "Frontier Herald",
    "The Atlas Review",
    "Union Gazette",
    "World Desk",
    "The Relay",
    "Coastal Tribune",
    "Steppe News Agency",
    "Pacific Bulletin",
    "The Lantern",
    "Summit Press",
    "Crossroads Daily",
    "The Bulletin of Record",
]
DRILL_WORDS = [
    "Resolve",
    "Shield",
    "Thunder",
    "Vigilance",
    "Steppe",
    "Northern",
    "Iron",
    "Union",
    "Falcon",
    "Bastion",
    "Horizon",
    "Anvil",
]
MEETING_KINDS = [
    (Meeting.Kind.TALKS, 35),
    (Meeting.Kind.VISIT, 20),
    (Meeting.Kind.CALL, 20),
    (Meeting.Kind.SUMMIT, 10),
    (Meeting.Kind.PRESS_CONFERENCE, 10),
    (Meeting.Kind.SIGNING, 5),
]
MEETING_STATUSES = [
    (Meeting.Status.HELD, 85),
    (Meeting.Status.PLANNED, 8),
    (Meeting.Status.CANCELLED, 4),
    (Meeting.Status.POSTPONED, 3),
]
DRILL_STATUSES = [
    (Drill.Status.HELD, 80),
    (Drill.Status.PLANNED, 10),
    (Drill.Status.ONGOING, 5),
    (Drill.Status.CANCELLED, 5),
]
VERBS = {
    Meeting.Kind.TALKS: "held talks",
    Meeting.Kind.VISIT: "met on a visit",
    Meeting.Kind.CALL: "spoke by phone",
    Meeting.Kind.SUMMIT: "met at a summit",
    Meeting.Kind.PRESS_CONFERENCE: "gave a joint press conference",
    Meeting.Kind.SIGNING: "signed an agreement",
}


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


class Ranked:
    """Actors ranked by how often they appear: a Zipf-like long tail."""

    def __init__(self, actors: list[tuple[int, str, str]], exponent: float = 1.1):
        self.actors = actors
        self.cumulative = list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(actors))))

    def pick(self, rng: random.Random, count: int) -> list[tuple[int, str, str]]:
        count = min(count, len(self.actors))
        chosen: dict[int, tuple[int, str, str]] = {}
        total = self.cumulative[-1]
        while len(chosen) < count:
            actor = self.actors[bisect.bisect(self.cumulative, rng.random() * total)]
            chosen.setdefault(actor[0], actor)
        return list(chosen.values())


@dataclass
class Names:
    """Case-insensitive sets of the names and slugs already taken, in the database or by this run."""

    names: set[str] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)

    @classmethod
    def from_database(cls) -> Names:
        return cls(
            names={name.lower() for name in Actor.objects.values_list("name", flat=True)}
            | {name.lower() for name in Alias.objects.values_list("name", flat=True)},
            slugs=set(Actor.objects.values_list("slug", flat=True)),
        )

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.lower() in self.names or slugify(candidate) in self.slugs:
            number += 1
            candidate = f"{name} {number}"
        self.names.add(candidate.lower())
        self.slugs.add(slugify(candidate))
        return candidate


def word(rng: random.Random, syllables: int) -> str:
    text = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)) + rng.choice(CODAS)
    return text.capitalize()


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def date_text(start: date, precision: str) -> str:
    if precision == Precision.YEAR:
        return f"in {start.year}"
    if precision == Precision.MONTH:
        return f"in {start:%B %Y}"
    return f"on {start.day} {start:%B %Y}"


class Generator:
    """One run's synthetic world, drawn from one seed: the actors first, then the events in batches."""

    def __init__(self, *, seed: int, actor_count: int):
        self.rng = random.Random(seed)
        self.actor_count = actor_count
        self.now = timezone.now()
        span = (LAST_DAY - FIRST_DAY).days
        # Crises: a few dozen short windows in which much of the traffic clusters.
        self.crises = [(self.rng.randrange(span - 60), self.rng.randint(7, 60)) for _ in range(40)]
        self.span = span

    def make_actors(self) -> None:
        rng, names = self.rng, Names.from_database()
        actor_id, alias_id = next_id(Actor), next_id(Alias)
        state_count = max(2, self.actor_count // 15)
        organisation_count = max(1, self.actor_count // 25)
        group_count = max(1, self.actor_count // 60)
        person_count = max(2, self.actor_count - state_count - organisation_count - group_count)
        actors: list[Actor] = []
        aliases: list[Alias] = []
        self.places: list[str] = []

        def add(name: str, kind: str, **fields) -> Actor:
            nonlocal actor_id
            name = names.claim(name)
            actor = Actor(id=actor_id, name=name, slug=slugify(name), kind=kind, **fields)
            actor_id += 1
            actors.append(actor)
            return actor

        states = []
        for _ in range(state_count):
            stem = word(rng, rng.randint(1, 2)).rstrip("aeiou") + rng.choice(STATE_SUFFIXES)
            state = add(
                rng.choice(STATE_FORMS).format(stem),
                Actor.Kind.STATE,
                description=f"A state in the synthetic world; capital {word(rng, 2)}.",
            )
            capital = state.description.rsplit(" ", 1)[-1].rstrip(".")
            self.places.append(capital)
            if rng.random() < 0.3 and capital.lower() not in names.names:
                names.names.add(capital.lower())
                aliases.append(Alias(id=alias_id, actor=state, name=capital))
                alias_id += 1
            states.append(state)
        self.places.extend(word(rng, rng.randint(2, 3)) for _ in range(state_count * 2))
        organisations = [
            add(rng.choice(ORGANISATION_FORMS).format(word(rng, 2)), Actor.Kind.ORGANISATION)
            for _ in range(organisation_count)
        ]
        state_rank = Ranked([(s.id, s.name, s.slug) for s in states])
        organisation_rank = Ranked([(o.id, o.name, o.slug) for o in organisations])
        by_id = {actor.id: actor for actor in actors}
        for _ in range(person_count):
            employer = (organisation_rank if rng.random() < 0.15 else state_rank).pick(rng, 1)[0]
            add(
                f"{word(rng, 2)} {word(rng, rng.randint(2, 3))}",
                Actor.Kind.PERSON,
                title=rng.choice(TITLES),
                affiliation=by_id[employer[0]],
            )
        groups = [add(rng.choice(GROUP_FORMS).format(word(rng, 2)), Actor.Kind.GROUP) for _ in range(group_count)]

        with transaction.atomic():
            Actor.objects.bulk_create(actors, batch_size=1000)
            Alias.objects.bulk_create(aliases, batch_size=1000)
            Membership = Actor.members.through
            Membership.objects.bulk_create(
                [
                    Membership(from_actor_id=group.id, to_actor_id=member[0])
                    for group in groups
                    for member in state_rank.pick(rng, rng.randint(3, 6))
                ],
                batch_size=1000,
            )
        self.created_actors = len(actors)
        # Who appears most is independent of kind and of creation order.
        meeting_pool = [(a.id, a.name, a.slug) for a in actors]
        rng.shuffle(meeting_pool)
        drill_pool = [(a.id, a.name, a.slug) for a in states + organisations]
        rng.shuffle(drill_pool)
        self.meeting_actors, self.drill_actors = Ranked(meeting_pool), Ranked(drill_pool)

    def when(self) -> tuple[date | None, str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.002:
            return None, Precision.DAY
        if roll < 0.35:
            offset, length = rng.choice(self.crises)
            day = FIRST_DAY + timedelta(days=offset + rng.randrange(length))
        else:
            day = FIRST_DAY + timedelta(days=rng.randrange(self.span))
        precision = Precision.DAY
        roll = rng.random()
        if roll < 0.02:
            return day.replace(month=1, day=1), Precision.YEAR
        if roll < 0.10:
            return day.replace(day=1), Precision.MONTH
        return day, precision

    def make_events(self, count: int, *, drill_share: float = 0.2, progress=None) -> dict[str, int]:
        rng = self.rng
        totals = dict.fromkeys(["meetings", "drills", "participants", "sources", "evidence"], 0)
        ids = {model: next_id(model) for model in (Meeting, Drill, Participant, Source, Evidence)}
        source_keys: set[tuple[str, str, date]] = set()
        done = 0
        while done < count:
            size = min(BATCH_EVENTS, count - done)
            meetings, drills, participants = [], [], []
            reported: list[tuple[Meeting | Drill, str, list[tuple[int, str, str]]]] = []
            for _ in range(size):
                start, precision = self.when()
                if rng.random() < drill_share:
                    event, people, sentence = self.drill(ids, start, precision)
                    drills.append(event)
                else:
                    event, people, sentence = self.meeting(ids, start, precision)
                    meetings.append(event)
                reported.append((event, sentence, people))
                for position, (actor_id, _, _) in enumerate(people):
                    role = ""
                    if isinstance(event, Meeting) and event.kind == Meeting.Kind.VISIT:
                        role = Participant.Role.HOST if position == 0 else Participant.Role.GUEST
                    participants.append(
                        Participant(
                            id=ids[Participant],
                            actor_id=actor_id,
                            role=role,
                            meeting=event if isinstance(event, Meeting) else None,
                            drill=event if isinstance(event, Drill) else None,
                        )
                    )
                    ids[Participant] += 1
            sources, evidence = self.reports(ids, reported, source_keys)
            with transaction.atomic():
                Meeting.objects.bulk_create(meetings, batch_size=2000)
                Drill.objects.bulk_create(drills, batch_size=2000)
                Participant.objects.bulk_create(participants, batch_size=5000)
                Source.objects.bulk_create(sources, batch_size=2000)
                Evidence.objects.bulk_create(evidence, batch_size=5000)
            for key, rows in zip(totals, [meetings, drills, participants, sources, evidence]):
                totals[key] += len(rows)
            done += size
            if progress:
                progress(done)
        return totals

    def meeting(self, ids, start, precision):
        rng = self.rng
        kind = weighted(rng, MEETING_KINDS)
        size = 2 + min(18, int(rng.expovariate(0.7)))
        people = self.meeting_actors.pick(rng, size)
        end = None
        if (
            start
            and precision == Precision.DAY
            and kind in (Meeting.Kind.SUMMIT, Meeting.Kind.VISIT)
            and rng.random() < 0.4
        ):
            end = start + timedelta(days=rng.randint(1, 3))
        place = rng.choice(self.places)
        names = " and ".join(name for _, name, _ in people[:3]) + (
            f" and {len(people) - 3} others" if len(people) > 3 else ""
        )
        summary = f"{names} {VERBS[kind]} in {place}"[:300]
        meeting = Meeting(
            id=ids[Meeting],
            kind=kind,
            status=weighted(rng, MEETING_STATUSES),
            start=start,
            precision=precision,
            end=end,
            date_text=date_text(start, precision) if start else "",
            location=place,
            summary=summary,
            created_at=self.now,
            updated_at=self.now,
            slug=self.slug(start, kind, people, "m", ids[Meeting]),
        )
        ids[Meeting] += 1
        return meeting, people, f"{summary} {meeting.date_text}.".replace("  ", " ")

    def drill(self, ids, start, precision):
        rng = self.rng
        people = self.drill_actors.pick(rng, 1 + min(5, int(rng.expovariate(1.2))))
        end = start + timedelta(days=rng.randint(2, 30)) if start and precision == Precision.DAY else None
        name = (
            f"{rng.choice(DRILL_WORDS)} {rng.choice(DRILL_WORDS)}-{start.year if start else 'X'}"
            if rng.random() < 0.6
            else ""
        )
        troops = int(rng.lognormvariate(8.5, 1.3)) if rng.random() < 0.7 else None
        place = rng.choice(self.places)
        names = " and ".join(name for _, name, _ in people[:3])
        summary = f"{names} hold{'s' if len(people) == 1 else ''} military drills near {place}"[:300]
        drill = Drill(
            id=ids[Drill],
            name=name,
            status=weighted(rng, DRILL_STATUSES),
            troops=troops,
            start=start,
            precision=precision,
            end=end,
            date_text=date_text(start, precision) if start else "",
            location=place,
            summary=summary,
            created_at=self.now,
            updated_at=self.now,
            slug=self.slug(start, "drill", people, "d", ids[Drill]),
        )
        ids[Drill] += 1
        troops_text = f" with about {troops:,} troops" if troops else ""
        return drill, people, f"{summary}{troops_text} {drill.date_text}.".replace("  ", " ")

    @staticmethod
    def slug(start, kind, people, prefix, number) -> str:
        who = "-".join(slug for _, _, slug in people[:2])[:120]
        day = start.isoformat() if start else "undated"
        # The id suffix keeps generated slugs unique without a lookup per event.
        return slugify(f"{day}-{kind}-{who}-{prefix}{number}")[:200]

    def reports(self, ids, reported, source_keys):
        """Group events close in time into articles; some events get a second article from another outlet."""
        rng = self.rng
        reported.sort(key=lambda item: (item[0].start or LAST_DAY, item[0].id))
        sources, evidence = [], []
        index = 0
        while index < len(reported):
            group = reported[index : index + rng.choice([1, 1, 2, 2, 3, 4])]
            index += len(group)
            outlets = rng.sample(PUBLISHERS, 2 if rng.random() < 0.3 else 1)
            for publisher in outlets:
                lead = group[0]
                first_day = lead[0].start or FIRST_DAY + timedelta(days=rng.randrange(self.span))
                published = first_day + timedelta(days=rng.randint(0, 2))
                title = lead[1].split(" in ")[0][:250]
                key = (publisher, title, published)
                number = 1
                while key in source_keys:
                    number += 1
                    key = (publisher, f"{title} ({number})", published)
                source_keys.add(key)
                text, spans = "", []
                for event, sentence, _ in group:
                    if text:
                        text += " "
                    spans.append((event, len(text), len(text) + len(sentence), sentence))
                    text += sentence
                source = Source(
                    id=ids[Source],
                    title=key[1],
                    publisher=publisher,
                    published=published,
                    text=text,
                    url=f"https://news.example/{slugify(publisher)}/{published:%Y/%m/%d}/{ids[Source]}",
                    created_at=self.now,
                )
                ids[Source] += 1
                sources.append(source)
                for event, begin, end, sentence in spans:
                    evidence.append(
                        Evidence(
                            id=ids[Evidence],
                            source=source,
                            sentence=sentence,
                            start_offset=begin,
                            end_offset=end,
                            meeting=event if isinstance(event, Meeting) else None,
                            drill=event if isinstance(event, Drill) else None,
                        )
                    )
                    ids[Evidence] += 1
        return sources, evidence


def clear_timeline() -> None:
    """Empty every Parley table in one statement each: the ORM's cascade collector would load every row."""
    # The day tallies last: deleting events and participants has the triggers leave them at zero.
    emptied = (PairTally, Evidence, Participant, Source, Meeting, Drill, Alias, DayTally, ActorDayTally)
    tables = [model._meta.db_table for model in emptied]
    tables += [Actor.members.through._meta.db_table]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        cursor.execute(f"UPDATE {connection.ops.quote_name(Actor._meta.db_table)} SET affiliation_id = NULL")
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Actor._meta.db_table)}")


def reset_sequences() -> None:
    """PostgreSQL sequences do not follow explicit ids: move them past the rows just written."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Actor, Alias, Actor.members.through, Meeting, Drill, Participant, Source, Evidence, PairTally]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def generate_timeline(
    *, events: int, actors: int, seed: int, clear: bool = False, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write `actors` actors and `events` events made from `seed` (after emptying the timeline if `clear`); the counts written."""
    if clear:
        clear_timeline()
    generator = Generator(seed=seed, actor_count=actors)
    generator.make_actors()
    totals = generator.make_events(events, progress=progress)
    reset_sequences()
    return {"actors": generator.created_actors, **totals}
