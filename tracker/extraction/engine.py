"""`extract`: article text, publication date and known actors in; proposed actors, meetings and drills out."""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

from tracker.extraction.actors import HEAD_TITLES, Cast, dateline_place, slugify
from tracker.extraction.actors import cast as build_cast
from tracker.extraction.clauses import Sentence, _precision, iso
from tracker.extraction.dates import TimeExpression, find_dates
from tracker.extraction.drills import DrillDraft, DrillReader
from tracker.extraction.gazetteer import Gazetteer, load
from tracker.extraction.headlines import drill_headline, meeting_headline
from tracker.extraction.meetings import MeetingDraft, Reader
from tracker.extraction.sentences import split_sentences, tokenize
from tracker.extraction.types import Extraction, KnownActor, ProposedActor, ProposedDrill, ProposedMeeting


def extract(text: str, published: date, known_actors: Sequence[KnownActor] = ()) -> Extraction:
    """Propose the actors, meetings and drills that `text`, published on `published`, reports."""
    # The reader makes a few hundred thousand small objects that live until it returns and form no
    # cycles; the cyclic collector would only walk them again and again (a fifth of the time of a 1 MB
    # article), so it is paused for the call.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _extract(text, published, known_actors)
    finally:
        if collecting:
            gc.enable()


def _extract(text: str, published: date, known_actors: Sequence[KnownActor]) -> Extraction:
    gazetteer = load()
    tokens = tokenize(text)
    spans = split_sentences(text)
    dates = find_dates(text, published)
    cast = build_cast(text, tokens, gazetteer, known_actors)

    sentences: list[Sentence] = []
    token_starts = [token.start for token in tokens]
    token_ends = [token.end for token in tokens]
    t = d = 0
    for start, end in spans:
        a = bisect_left(token_starts, start, t)
        t = bisect_right(token_ends, end, a)
        while d < len(dates) and dates[d].start < start:
            d += 1
        first_date = d
        while d < len(dates) and dates[d].start < end:
            d += 1
        if t > a:
            sentences.append(Sentence(start, end, a, t, dates[first_date:d]))

    reader = Reader(text, tokens, cast, gazetteer, published)
    meeting_drafts = reader.meetings(sentences)
    drill_drafts = DrillReader(reader).drills(sentences)

    involved = {key for draft in meeting_drafts for key in draft.participants}
    involved |= {key for draft in drill_drafts for key in draft.participants}
    for key in involved:
        if key not in cast.actors and key in gazetteer.entities:
            entity = gazetteer.entities[key]
            from tracker.extraction.actors import Actor

            cast.actors[key] = Actor(key, entity.name, entity.kind, members=entity.members)
    for draft in meeting_drafts:
        for key in draft.participants:
            cast.actors[key].first = min(cast.actors[key].first, text_offset(draft))

    _default_to_dateline(text, meeting_drafts, gazetteer, published)
    _hosts_serve_their_state(cast, meeting_drafts, gazetteer)

    return Extraction(
        dates=dates,
        actors=_actors(cast),
        meetings=[_meeting(text, cast, draft) for draft in meeting_drafts],
        drills=[_drill(text, cast, draft, published) for draft in drill_drafts],
    )


def _default_to_dateline(text: str, drafts: list[MeetingDraft], gazetteer: Gazetteer, published: date) -> None:
    """A meeting held where the story was filed ("DAYTON, Ohio - talks began today") took place there.

    Only meetings held in the two days up to publication with no place of their own: a plan or an older
    meeting may be anywhere.
    """
    place = dateline_place(text, gazetteer.city_state)
    if not place or place.casefold() in gazetteer.by_form:
        return
    for draft in drafts:
        when = draft.when
        if draft.location or draft.kind == "call" or draft.status != "held" or when is None or when.first is None:
            continue
        if when.precision == "day" and published - timedelta(days=2) <= when.first <= published:
            draft.location = place


def _hosts_serve_their_state(cast: Cast, drafts: list[MeetingDraft], gazetteer: Gazetteer) -> None:
    """ "In Jerusalem, X will meet Prime Minister Y": a head of government met at a stop of a trip, with no
    state of their own in the text, leads the state visited."""
    for draft in drafts:
        if draft.kind != "visit":
            continue
        others = [k for k in draft.participants if k not in draft.subject]
        states = [k for k in others if k in gazetteer.entities and gazetteer.entities[k].kind == "state"]
        if len(states) != 1:
            continue
        for key in others:
            actor = cast.actors.get(key)
            if actor is not None and actor.kind == "person" and not actor.affiliation and actor.title in HEAD_TITLES:
                actor.affiliation = states[0]


def text_offset(draft: MeetingDraft) -> int:
    return draft.sentence.start


def _actors(cast: Cast) -> list[ProposedActor]:
    actors = [a for a in cast.actors.values() if a.first < (1 << 62)]
    actors.sort(key=lambda a: a.first)
    out = []
    for actor in actors:
        affiliation = cast.actors[actor.affiliation].name if actor.affiliation in cast.actors else ""
        members = tuple(cast.actors[m].name if m in cast.actors else m for m in actor.members)
        out.append(
            ProposedActor(
                name=actor.name,
                kind=actor.kind,
                title=actor.title,
                affiliation=affiliation,
                aliases=tuple(dict.fromkeys(a for a in actor.aliases if a != actor.name)),
                members=members,
                slug=actor.slug or slugify(actor.name),
                known=actor.known,
            )
        )
    return out


def _names(cast: Cast, keys: list[str]) -> tuple[str, ...]:
    return tuple(cast.actors[k].name if k in cast.actors else k for k in keys)


def _when(when: TimeExpression | None) -> tuple[str | None, str | None]:
    if when is None or when.first is None:
        return None, None
    precision = _precision(when)
    start = iso(when.first, precision)
    end = iso(when.last, precision) if when.last is not None else None
    return start, end if end != start else None


def _meeting(text: str, cast: Cast, draft: MeetingDraft) -> ProposedMeeting:
    participants = _names(cast, draft.participants)
    start, end = _when(draft.when)
    if draft.end is not None and start is not None:
        end = iso(draft.end, "day")
    summary = _meeting_summary(draft, cast, participants)
    s = draft.sentence
    return ProposedMeeting(
        kind=draft.kind,
        status=draft.status,
        start=start,
        end=end,
        date_text=draft.when.text if draft.when else "",
        participants=participants,
        location=draft.location,
        summary=summary,
        evidence=text[s.start : s.end],
        evidence_start=s.start,
        evidence_end=s.end,
    )


def _meeting_summary(draft: MeetingDraft, cast: Cast, participants: tuple[str, ...]) -> str:
    if draft.kind == "visit":
        visitors = [n for k, n in zip(draft.participants, participants) if k in draft.subject] or list(participants[:1])
        hosts = [
            n
            for k, n in zip(draft.participants, participants)
            if n not in visitors and k in cast.actors and cast.actors[k].kind == "person"
        ]
        return meeting_headline("visit", participants, visitors=visitors, hosts=hosts, location=draft.location)
    return meeting_headline(draft.kind, participants, location=draft.location)


def _drill(text: str, cast: Cast, draft: DrillDraft, published: date) -> ProposedDrill:
    participants = _names(cast, draft.participants)
    status = draft.status
    if status in ("", "held", "ongoing", "planned"):
        if draft.start is not None and draft.start > published and status != "cancelled":
            status = "planned"
        elif draft.end is not None and draft.end < published:
            status = "held"
        elif status == "planned" and draft.start is not None and draft.start <= published:
            # "will run through June" said of a drill that began yesterday: under way, not planned.
            if draft.start_precision == "day" and (draft.end is None or draft.end >= published):
                status = "ongoing"
        elif status == "" and draft.start is not None and draft.start <= published:
            status = "ongoing" if draft.end is not None and draft.end >= published else "held"
        elif status == "":
            status = "planned"
    if status == "postponed":
        status = "planned"
    summary = drill_headline(draft.name, participants, location=draft.location, troops=draft.troops)
    s = draft.sentence
    return ProposedDrill(
        name=draft.name,
        status=status,
        start=iso(draft.start, draft.start_precision or "day"),
        end=iso(draft.end, draft.end_precision or "day"),
        date_text=draft.date_text,
        participants=participants,
        location=draft.location,
        troops=draft.troops,
        summary=summary,
        evidence=text[s.start : s.end],
        evidence_start=s.start,
        evidence_end=s.end,
    )
