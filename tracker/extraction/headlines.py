"""Titles an editor would write for a proposed event: "Xi Jinping visits Moscow", "A and B speak by phone".

Status is not part of a title: the page shows it as a badge beside it.
"""

from __future__ import annotations

from collections.abc import Sequence


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _verb(subjects: Sequence[str], singular: str, plural: str) -> str:
    return singular if len(subjects) == 1 else plural


# What the participants do, for each kind of meeting: (one subject, several subjects).
_ACTION = {
    "talks": ("holds talks", "hold talks"),
    "summit": ("holds a summit", "hold a summit"),
    "press_conference": ("gives a press conference", "give a joint press conference"),
    "call": ("holds a call", "speak by phone"),
    "signing": ("signs an agreement", "sign an agreement"),
    "meeting": ("holds a meeting", "meet"),
}


def meeting_headline(
    kind: str,
    participants: Sequence[str],
    *,
    visitors: Sequence[str] = (),
    hosts: Sequence[str] = (),
    location: str = "",
) -> str:
    """A headline for a meeting, in the present tense of news titles.

    For a visit, `hosts` are the people the visitors meet there; a visited state is named by its place.
    """
    place = f" in {location}" if location else ""
    if kind == "visit":
        visitors = list(visitors) or list(participants[:1])
        others = [p for p in participants if p not in visitors]
        hosts = list(hosts) if location else list(hosts) or others
        who = join_names(visitors) or "A delegation"
        visits = _verb(visitors, "visits", "visit")
        if location and hosts:
            return f"{who} {visits} {location} for talks with {join_names(hosts)}"
        if location:
            return f"{who} {visits} {location}"
        if hosts:
            return f"{who} {visits} {join_names(hosts)}"
        return f"{who} {_verb(visitors, 'makes a visit', 'make a visit')}"
    if not participants:
        label = {"call": "Phone call", "press_conference": "Press conference"}.get(
            kind, kind.replace("_", " ").capitalize()
        )
        return f"{label}{place} between unnamed parties"
    one, several = _ACTION.get(kind, _ACTION["meeting"])
    if kind == "meeting" and len(participants) == 2:
        return f"{participants[0]} meets {participants[1]}{place}"
    return f"{join_names(participants)} {one if len(participants) == 1 else several}{place}"


def drill_headline(name: str, participants: Sequence[str], *, location: str = "", troops: int | None = None) -> str:
    """A headline for a drill: its name first when it has one, then who and where."""
    who = join_names(participants)
    place = f" in {location}" if location else ""
    if name:
        title = name
        if who:
            title += f": {who}"
        title += place
    else:
        title = f"{who} hold military exercises{place}" if who else f"Military exercises{place}"
    if troops:
        title += f", {troops:,} troops"
    return title
