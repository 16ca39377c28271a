"""Plain data that goes into and comes out of the extraction engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.extraction.dates import TimeExpression


@dataclass(frozen=True, slots=True)
class Article:
    headers: dict[str, str]
    body: str
    body_offset: int


@dataclass(frozen=True, slots=True)
class KnownActor:
    name: str
    slug: str
    kind: str
    title: str = ""
    affiliation: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProposedActor:
    name: str
    kind: str
    title: str = ""
    affiliation: str = ""
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    slug: str = ""
    known: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slug": self.slug,
            "kind": self.kind,
            "title": self.title,
            "affiliation": self.affiliation,
            "aliases": list(self.aliases),
            "members": list(self.members),
            "description": "",
        }


@dataclass(frozen=True, slots=True)
class ProposedMeeting:
    kind: str
    status: str
    start: str | None
    end: str | None
    date_text: str
    participants: tuple[str, ...]
    location: str
    summary: str
    evidence: str
    evidence_start: int
    evidence_end: int

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "participants": list(self.participants), "sources": []}


@dataclass(frozen=True, slots=True)
class ProposedDrill:
    name: str
    status: str
    start: str | None
    end: str | None
    date_text: str
    participants: tuple[str, ...]
    location: str
    troops: int | None
    summary: str
    evidence: str
    evidence_start: int
    evidence_end: int

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "participants": list(self.participants), "sources": []}


@dataclass(slots=True)
class Extraction:
    dates: list[TimeExpression] = field(default_factory=list)
    actors: list[ProposedActor] = field(default_factory=list)
    meetings: list[ProposedMeeting] = field(default_factory=list)
    drills: list[ProposedDrill] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "actors": [actor.to_json() for actor in self.actors],
            "meetings": [meeting.to_json() for meeting in self.meetings],
            "drills": [drill.to_json() for drill in self.drills],
            "dates": [d.to_json() for d in self.dates],
        }
