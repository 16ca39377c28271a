"""Meetings and drills: find the words that report them, then read participants, place, date and status around them."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.extraction.actors import CALENDAR_WORDS, Cast, Mention, _is_capitalised
from tracker.extraction.dates import TimeExpression, tense_of
from tracker.extraction.gazetteer import Gazetteer, PhraseIndex, Surface
from tracker.extraction.sentences import Token


def _index(table: dict[str, str], role: str) -> PhraseIndex:
    index = PhraseIndex()
    for phrase, value in table.items():
        index.add(phrase, Surface(value, role), case_sensitive=False)
    return index


MEETING_WORDS = {
    **dict.fromkeys("talks meet meets met meeting meetings negotiations negotiated consultations".split(), "talks"),
    **dict.fromkeys(["sit down with", "sat down with", "held discussions", "hold discussions"], "talks"),
    **dict.fromkeys(
        "visit visits visited visiting trip trips travel travels travelled traveled travelling traveling".split(),
        "visit",
    ),
    **dict.fromkeys(
        """go to|goes to|went to|going to go to|fly to|flies to|flew to|flying to|flew on to|fly on to|travelled on to|traveled on to|head to|heads to|headed to|heading to
        |arrive in|arrives in|arrived in|arriving in|landed in|lands in""".replace("\n", "").split("|"),
        "visit",
    ),
    **dict.fromkeys("summit summits conference".split(), "summit"),
    **dict.fromkeys(
        [
            "press conference",
            "news conference",
            "press briefing",
            "joint press",
            "joint appearance",
            "joint press conference",
            "joint news conference",
            "joint press briefing",
        ],
        "press_conference",
    ),
    **dict.fromkeys(
        """phone call|telephone call|video call|phone calls|telephone calls|phone conversation|telephone conversation
        |spoke by phone|spoke by telephone|spoke on the phone|spoke by video|talked by phone|speak by phone|speaks by phone
        |phoned|telephoned|call with|calls with|videoconference|video conference|video link""".replace("\n", "").split(
            "|"
        ),
        "call",
    ),
    **dict.fromkeys("signed sign signs signing approved initialled initialed inked".split(), "signing"),
}
DRILL_WORDS = {
    **dict.fromkeys(
        "exercise exercises drill drills manoeuvres maneuvers manoeuvre maneuver wargames".split(), "drill"
    ),
    **dict.fromkeys(["war games", "war game", "military training", "joint training", "combat training"], "drill"),
}
TRIGGERS = _index({**MEETING_WORDS}, "meeting")
DRILL_TRIGGERS = _index(DRILL_WORDS, "drill")
KIND_RANK = {"talks": 0, "visit": 1, "signing": 2, "call": 3, "press_conference": 4, "summit": 5}

AGREEMENT_WORDS = frozenset(
    "agreement agreements accord accords deal treaty protocol memorandum pact declaration ceasefire truce charter communique".split()
)
CUES = {
    "cancelled": [
        "called off",
        "call off",
        "calls off",
        "calling off",
        "cancelled",
        "canceled",
        "cancel",
        "cancels",
        "scrapped",
        "axed",
        "abandoned",
        "shelved",
        "suspended",
        "suspend",
    ],
    "postponed": ["postponed", "postpone", "postpones", "delayed", "put off", "pushed back", "rescheduled", "deferred"],
    "ongoing": [
        "begun",
        "began",
        "started",
        "kicked off",
        "under way",
        "underway",
        "launched",
        "continue",
        "continues",
        "continuing",
        "are being held",
        "is being held",
        "taking place",
        "are holding",
        "is holding",
        "are conducting",
        "is conducting",
        "got under way",
    ],
    "planned": [
        "will",
        "'ll",
        "’ll",
        "shall",
        "due",
        "set to",
        "scheduled",
        "expected",
        "plans",
        "plan",
        "planned",
        "planning",
        "intends",
        "going to",
        "to be held",
        "upcoming",
        "next",
        "would",
        "ahead of",
        "preparing",
        "prepares",
        "aims to",
        "hopes to",
        "is to",
        "are to",
        "to host",
        "will be held",
        "proposed",
    ],
    "held": [
        "met",
        "held",
        "had",
        "hosted",
        "took place",
        "spoke",
        "signed",
        "approved",
        "visited",
        "went",
        "travelled",
        "traveled",
        "flew",
        "arrived",
        "talked",
        "discussed",
        "agreed",
        "concluded",
        "ended",
        "was",
        "were",
        "attended",
        "welcomed",
        "received",
        "joined",
        "completed",
        "wrapped up",
        "finished",
        "conducted",
        "staged",
        "carried out",
        "initialled",
        "initialed",
        "inked",
        "have met",
        "has met",
        "opened",
        "broke down",
        "took part",
    ],
}
# "agreed to hold a summit" plans one; "agreed" alone reports something done.
CUES["planned"] += [
    f"{lead} to {verb}"
    for lead in ("agreed", "decided", "pledged", "promised", "vowed", "offered")
    for verb in ("hold", "meet", "convene", "resume", "host", "visit", "travel", "talk")
]
CUE_INDEX = PhraseIndex()
for _status, _phrases in CUES.items():
    for _phrase in _phrases:
        CUE_INDEX.add(_phrase, Surface(_status, "cue"), case_sensitive=False)

CLAUSE_OPENERS = frozenset(
    "despite amid although though because whereas which who whom whose that after before since when while but according if unless".split()
)
SUBJECT_STOP = CLAUSE_OPENERS | frozenset(
    "said says told tells stated added warned claimed insisted believes believed ; : ( )".split()
)
PRONOUNS = frozenset("he she his her him".split())
GROUP_NOUNS = frozenset("men women leaders presidents ministers sides".split())
COUNTRY_NOUNS = frozenset("countries nations states powers governments".split())
NUMBER_WORDS_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# Joins the items of an enumeration: "Serbia, Croatia and Bosnia".
LIST_JOINS = frozenset([",", "and", "&", "the"])
NEGATIONS = frozenset("without not never no".split())
REPORTING = frozenset("said says told announced reported added confirmed stated".split())
REPORTED = re.compile(
    r"\b(?:said|says|told|announced|reported|added|confirmed|stated)\s+(?:on\s+|late\s+on\s+|early\s+on\s+)?$",
    re.IGNORECASE,
)
MEETING_NOUNS = frozenset(
    "talks meeting meetings summit summits negotiations conference visit trip call consultations".split()
)
RECENT = 30
HELD_IN = frozenset("held place hosted venue convened".split())
PLURAL_PRONOUNS = frozenset("they their them".split())
CONNECTORS = frozenset(
    """, and & as well both – — - known the ’ ' s envoys officials leaders ministers diplomats delegations delegation
    negotiators representatives counterparts counterpart presidents heads top senior foreign defence defense prime
    together along also of from""".split()
)
OBJECT_LEAD = frozenset(
    """with between the a an separately again jointly each his her their its to of and leaders leader presidents president ministers minister
    officials official delegation delegations envoys envoy representatives counterparts counterpart heads head top
    senior foreign defence defense prime state government governments from ’ ' s new joint""".split()
)
COUNTERPART = frozenset(["counterpart", "counterparts"])
DIRECTION_WORDS = frozenset(
    "eastern western northern southern central north south east west southeastern southwestern northeastern northwestern".split()
)
DRILL_ADJECTIVES = frozenset(
    """joint military naval air annual large-scale large scale combined strategic live-fire live fire command staff
    multinational amphibious tactical massive major new snap army ground land maritime bilateral trilateral
    readiness nuclear missile defence defense training field computer-assisted biennial led hosted backed""".split()
)
DEFINITE = frozenset("the these those this that such said".split())
DRILL_CUT = frozenset("despite amid although though because whereas while but".split())
TAKING_PART = re.compile(
    r"\b(?:involved|involve|involves|involving|taking part|take part|took part|participating|participate|participated|engaged|deployed for)\b",
    re.IGNORECASE,
)
NOT_DRILL_BEFORE = frozenset("political diplomatic procedural legal parliamentary to fire".split())
NOT_DRILL_AFTER = frozenset(
    "restraint caution power influence control its their his her the patience leverage authority right rights".split()
)
TROOPS = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?P<mult>million|thousand))?"
    r"\s+(?P<mods>(?:[A-Za-z][\w-]*\s+){0,3}?)"
    r"(?:troops|soldiers|personnel|servicemen|servicemembers|service\s+members|sailors|marines|airmen|paratroopers|military\s+personnel)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000}
TROOPS_WORDS = re.compile(
    r"\b(?P<num>ten|twenty|thirty|forty|fifty|a hundred|one hundred)\s+thousand\s+(?P<mods>(?:[A-Za-z][\w-]*\s+){0,2}?)(?:troops|soldiers|personnel|servicemen|sailors|marines)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    a: int  # first token
    b: int  # one past the last token
    dates: list[TimeExpression]


@dataclass(slots=True)
class MeetingDraft:
    kind: str
    status: str
    participants: list[str]  # actor keys
    subject: list[str]
    location: str
    when: TimeExpression | None
    sentence: Sentence
    trigger: int
    end: date | None = None
    anaphoric: bool = False


@dataclass(slots=True)
class DrillDraft:
    name: str
    status: str
    participants: list[str]
    location: str
    start: date | None
    end: date | None
    start_precision: str
    end_precision: str
    date_text: str
    troops: int | None
    sentence: Sentence
    mentions: list[Sentence] = field(default_factory=list)
    explicit_status: bool = False


class Reader:
    """Reads the events of one article; everything it needs is computed once in `engine.extract`."""

    def __init__(self, text: str, tokens: list[Token], cast: Cast, gazetteer: Gazetteer, published: date):
        self.text = text
        self.tokens = tokens
        self.lowers = [t.lower for t in tokens]
        self.texts = [t.text for t in tokens]
        self.cast = cast
        self.g = gazetteer
        self.published = published

    # -- small helpers ------------------------------------------------------------------------------

    def mention_at(self, t: int) -> Mention | None:
        index = self.cast.token_mention[t]
        return self.cast.mentions[index] if index >= 0 else None

    def kind_of(self, key: str) -> str:
        actor = self.cast.actors.get(key)
        if actor is not None:
            return actor.kind
        entity = self.g.entities.get(key)
        return entity.kind if entity else ""

    def expand(self, keys: list[str]) -> list[str]:
        """Groups stand for their members; the result keeps first-seen order without repeats."""
        out: list[str] = []
        for key in keys:
            members = self.cast.actors[key].members if key in self.cast.actors else ()
            if not members and key in self.g.entities:
                members = self.g.entities[key].members
            for k in members or (key,):
                if k not in out:
                    out.append(k)
        return out

    def clause(self, s: Sentence, t: int) -> tuple[int, int]:
        """Token range of the clause around token t: cut at ; and at words that open a subordinate clause."""
        a = t
        while a > s.a and self.lowers[a - 1] not in (";",) and self.lowers[a] not in CLAUSE_OPENERS:
            a -= 1
        b = t + 1
        while b < s.b and self.lowers[b] not in CLAUSE_OPENERS and self.lowers[b] != ";":
            b += 1
        return a, b

    def status(self, s: Sentence, a: int, b: int, *, drill: bool = False) -> str:
        found: set[str] = set()
        i = max(s.a, a)
        while i < min(s.b, b):
            hit = CUE_INDEX.match(self.lowers, self.texts, i)
            if hit:
                found.add(hit[1].entity)
                i += hit[0]
            else:
                i += 1
        order = (
            ["cancelled", "postponed", "ongoing", "planned", "held"]
            if drill
            else ["cancelled", "postponed", "planned", "held", "ongoing"]
        )
        for status in order:
            if status in found:
                if status == "ongoing" and not drill:
                    return "held"
                return status
        return ""

    def reported(self, d: TimeExpression) -> bool:
        """ "said on Monday": the day of a statement, not of the event."""
        return bool(REPORTED.search(self.text[max(0, d.start - 30) : d.start]))

    def pick_date(
        self,
        s: Sentence,
        trigger_a: int,
        trigger_b: int,
        clause: tuple[int, int],
        *,
        prefer_for: bool = False,
        whole: bool = False,
    ) -> TimeExpression | None:
        usable = [
            d
            for d in s.dates
            if d.type in ("DATE", "TIME")
            and d.first is not None
            and d.precision not in ("ref", "duration")
            and not d.text.lower().startswith(("since", "until", "till", "through", "by "))
            and not self.reported(d)
        ]
        if not usable:
            return None
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        anchor = self.tokens[trigger_a].start
        inside = [d for d in usable if d.start >= lo and d.end <= hi]
        if prefer_for:
            scheduled = [
                d for d in inside or usable if self.text[max(0, d.start - 5) : d.start].strip().lower().endswith("for")
            ]
            if scheduled:
                inside = scheduled
        if not inside:
            opening = [d for d in usable if d.start - s.start < 25]
            inside = opening or (usable if whole else [])
        if not inside:
            return None
        finer = any(d.precision in ("day", "month") for d in inside)
        return min(inside, key=lambda d: (finer and d.precision not in ("day", "month"), abs(d.start - anchor)))

    # -- subjects and objects -----------------------------------------------------------------------

    def subject_before(self, s: Sentence, t: int) -> tuple[list[Mention], int | None, int]:
        """The actors right before token t, as a coordinated list; and a pronoun standing for them, if any."""
        items: list[Mention] = []
        skipped = 0
        i = t - 1
        start = t
        while i >= s.a:
            m = self.mention_at(i)
            if m is not None:
                if m.role in ("place", "city"):
                    break
                items.append(m)
                start = m.a
                i = m.a - 1
                continue
            low = self.lowers[i]
            if low in SUBJECT_STOP:
                break
            if not items:
                if low in PRONOUNS:
                    return [], i, i
                if low in NUMBER_WORDS_SMALL and i + 1 < t:
                    listed = self._plural_reference(s, i)
                    if listed:
                        return listed, None, i
                if low == "government" and i > s.a and self.lowers[i - 1] in ("whose", "his", "her"):
                    person = self.cast.person_before(i)
                    affiliation = self.cast.actors[person].affiliation if person else ""
                    if affiliation:
                        return (
                            [
                                Mention(
                                    i,
                                    i + 1,
                                    self.tokens[i].start,
                                    self.tokens[i].end,
                                    affiliation,
                                    "name",
                                    "government",
                                )
                            ],
                            None,
                            i - 1,
                        )
                if low == ",":
                    if i - 1 >= s.a and self.cast.token_mention[i - 1] >= 0:
                        i -= 1
                        continue
                    # "Cyril Ramaphosa, who chairs the union this year, held ..." — step over the relative clause.
                    for k in range(i - 1, max(s.a, i - 14), -1):
                        if (
                            self.lowers[k] in ("who", "which")
                            and k - 1 >= s.a
                            and self.lowers[k - 1] == ","
                            and k - 2 >= s.a
                            and self.cast.token_mention[k - 2] >= 0
                        ):
                            i = k - 2
                            break
                    else:
                        break
                    continue
                if low in CALENDAR_WORDS or self.texts[i][:1].isdigit():
                    break
                skipped += 1
                if skipped > 8:
                    break
                i -= 1
                continue
            if low in CONNECTORS:
                i -= 1
                continue
            break
        items.reverse()
        return items, None, start

    def _plural_reference(self, s: Sentence, i: int) -> list[Mention]:
        """ "the three leaders", "the four countries": the list of exactly that many named just before."""
        n, noun = NUMBER_WORDS_SMALL[self.lowers[i]], self.lowers[i + 1] if i + 1 < s.b else ""
        if noun in GROUP_NOUNS:
            return self._enumeration(i, n, people=True) or (self._last_people(s, n) if n <= 4 else [])
        if noun in COUNTRY_NOUNS:
            return self._enumeration(i, n, people=False)
        return []

    def _enumeration(self, before: int, n: int, *, people: bool) -> list[Mention]:
        """The latest coordinated list of exactly n distinct people (or states) ending before token `before`."""
        mentions = self.cast.mentions
        k = bisect_left(self.cast.mention_starts, before) - 1
        run: list[Mention] = []
        for _ in range(200):
            m = mentions[k] if k >= 0 else None
            fits = m is not None and (
                m.role == "person"
                if people
                else m.role in ("name", "demonym", "seat", "capital") and self.kind_of(m.key) == "state"
            )
            if fits and run and all(self.lowers[t] in LIST_JOINS for t in range(m.b, run[-1].a)):
                run.append(m)
            else:
                if len({x.key for x in run}) == n and len(run) == n:
                    return list(reversed(run))
                run = [m] if fits else []
            if m is None:
                break
            k -= 1
        return []

    def _last_people(self, s: Sentence, n: int) -> list[Mention]:
        people: list[Mention] = []
        j = s.a - 1
        while j >= 0 and len(people) < n and s.a - j < 600:
            m = self.mention_at(j)
            if m is not None and m.role == "person" and all(p.key != m.key for p in people):
                people.append(m)
            j -= 1
        return list(reversed(people)) if len(people) == n else []

    def objects_after(self, s: Sentence, t: int) -> tuple[list[Mention], bool, int]:
        """Actors listed after token t ("with the presidents of Estonia, Latvia and Lithuania")."""
        items: list[Mention] = []
        counterparts = False
        lead = 0
        i = t
        while i < s.b:
            m = self.mention_at(i)
            if m is not None:
                if m.role in ("place", "city"):
                    break
                items.append(m)
                i = m.b
                continue
            low = self.lowers[i]
            if low in COUNTERPART:
                counterparts = True
            if not items and low in NUMBER_WORDS_SMALL and i + 1 < s.b:
                # "with each of the three leaders"
                listed = self._plural_reference(s, i)
                if listed:
                    return listed, False, i + 2
            if not items:
                if low in OBJECT_LEAD and lead < 7:
                    lead += 1
                    i += 1
                    continue
                break
            if low == "as" and self.lowers[i + 1 : i + 3] == ["well", "as"]:
                i += 3
                continue
            if (
                low in (",", "and", "&", "plus", "’", "'", "s", "the")
                or low in COUNTERPART
                or low in OBJECT_LEAD
                and low not in ("to", "with", "from", "of")
            ):
                # a comma followed by something that is no actor ends the list (an apposition follows)
                if low == "," and not self._actor_soon(i + 1, s.b):
                    break
                i += 1
                continue
            break
        return items, counterparts, i

    def _actor_soon(self, i: int, end: int) -> bool:
        for j in range(i, min(end, i + 5)):
            if self.cast.token_mention[j] >= 0:
                m = self.mention_at(j)
                return m is not None and m.role not in ("place", "city")
            if self.lowers[j] not in ("and", "the", "also", "leaders", "presidents", "of"):
                return False
        return False

    def keys(self, mentions: list[Mention]) -> list[str]:
        out: list[str] = []
        for m in mentions:
            if m.key not in out:
                out.append(m.key)
        return out

    def resolve_pronoun(self, s: Sentence, position: int, exclude: set[str]) -> list[str]:
        if self.lowers[position] in PLURAL_PRONOUNS:
            return []
        key = self.cast.person_before(position, exclude)
        return [key] if key else []

    # -- places ---------------------------------------------------------------------------------------

    def place_at(self, i: int, end: int) -> tuple[str, int, Mention | None]:
        """Read a place starting at token i: a known venue or state, or a capitalised name ("the Black Sea")."""
        if i < end and self.lowers[i] == "the":
            i += 1
        if i < end and self.lowers[i] in DIRECTION_WORDS:
            i += 1
        if i >= end:
            return "", i, None
        m = self.mention_at(i)
        if m is not None and m.role == "demonym" and m.b < end:
            following = self.lowers[m.b]
            entity = self.g.entities.get(m.key)
            if following == "capital" and entity is not None and entity.capitals:
                return entity.capitals[0], m.b + 1, None
            if (
                following in ("city", "port", "town", "resort", "capital")
                and m.b + 2 < end
                and self.lowers[m.b + 1] == "of"
            ):
                return self.place_at(m.b + 2, end)
        if m is not None:
            if m.role == "person":
                return "", i, None
            if self.kind_of(m.key) == "group":
                return "", i, None
            if m.role in ("capital", "place", "city", "seat") or (m.role == "name" and self.kind_of(m.key) == "state"):
                name = (
                    m.text
                    if m.role != "name"
                    else self.cast.actors[m.key].name
                    if m.key in self.cast.actors
                    else m.text
                )
                if m.role == "seat":
                    name = m.text
                return name, m.b, m
            return "", i, None
        j = i
        while (
            j < end
            and j - i < 5
            and (
                (
                    _is_capitalised(self.texts[j])
                    and self.lowers[j] not in CALENDAR_WORDS
                    and self.cast.token_mention[j] < 0
                )
                or (j > i and self.lowers[j] in ("of", "-") and j + 1 < end and _is_capitalised(self.texts[j + 1]))
            )
        ):
            j += 1
        if j > i and self.lowers[j - 1] not in ("of", "-"):
            words = self.text[self.tokens[i].start : self.tokens[j - 1].end]
            if self.lowers[i] not in ("the", "a", "an") and len(words) > 2:
                return words, j, None
        return "", i, None

    def location_in(
        self, s: Sentence, a: int, b: int, *, extra: tuple[str, ...] = (), skip: tuple[int, int] = (0, 0)
    ) -> str:
        for i in range(max(a, s.a + 1), min(b, s.b)):
            if self.lowers[i] == "in" and self.lowers[i - 1] in HELD_IN:
                name, _, _ = self.place_at(i + 1, s.b)
                if name:
                    return name
        for i in range(max(a, s.a), min(b, s.b)):
            if skip[0] <= i < skip[1]:
                continue
            low = self.lowers[i]
            if low in ("in", "at", *extra):
                if (
                    low == "in"
                    and i + 1 < s.b
                    and self.lowers[i + 1]
                    in ("support", "order", "response", "addition", "favour", "favor", "talks", "line", "charge")
                ):
                    continue
                if skip[0] <= i + 1 < skip[1] or skip[0] <= i + 2 < skip[1] and self.lowers[i + 1] == "the":
                    continue
                name, _, _ = self.place_at(i + 1, s.b)
                if name:
                    return name
        return ""

    # -- meetings -------------------------------------------------------------------------------------

    def meetings(self, sentences: list[Sentence]) -> list[MeetingDraft]:
        drafts: list[MeetingDraft] = []
        for s in sentences:
            triggers: list[tuple[int, int, str]] = []
            i = s.a
            while i < s.b:
                hit = TRIGGERS.match(self.lowers, self.texts, i)
                if hit is None:
                    i += 1
                    continue
                length, surface = hit
                if self.cast.token_mention[i] < 0:
                    triggers.append((i, i + length, surface.entity))
                i += length
            found: list[MeetingDraft] = []
            subject: list[str] = []
            for a, b, kind in triggers:
                for draft in self._meeting(s, a, b, kind, single=len(triggers) == 1, inherited=subject):
                    found.append(draft)
                    subject = subject or draft.subject
            drafts.extend(self._merge_in_sentence(self._fold_visits(found)))
        return self._merge_across(drafts)

    def _fold_visits(self, found: list[MeetingDraft]) -> list[MeetingDraft]:
        """ "X flew to Moscow for talks with Y": the talks are part of the visit."""
        visits = [d for d in found if d.kind == "visit"]
        if not visits:
            return found
        if len(visits) == 1:
            for draft in found:
                if draft.kind != "visit" and not draft.location and not draft.anaphoric and draft.kind != "call":
                    draft.location = visits[0].location
        out = []
        for draft in found:
            if draft.kind == "visit":
                out.append(draft)
                continue
            same = [v for v in visits if draft.subject and set(draft.subject) <= set(v.subject)]
            if not same:
                out.append(draft)
                continue
            hosts = {k for v in same for k in v.participants if k not in v.subject}
            others = [k for k in draft.participants if k not in draft.subject]
            if all(k in hosts or self.kind_of(k) == "person" for k in others):
                if len(same) == 1:
                    same[0].participants += [k for k in others if k not in same[0].participants]
                continue
            if len(same) == 1 and not draft.location:
                draft.location = same[0].location
            out.append(draft)
        return out

    def _meeting(
        self, s: Sentence, a: int, b: int, kind: str, *, single: bool, inherited: list[str]
    ) -> list[MeetingDraft]:
        lowers = self.lowers
        before = lowers[a - 1] if a > s.a else ""
        if kind == "summit" and lowers[a] == "conference" and before in ("press", "news"):
            return []
        if (
            kind == "call"
            and lowers[a] in ("call", "calls")
            and before not in ("phone", "telephone", "video", "a", "the", "in", "held", "during")
        ):
            return []
        if kind == "signing":
            if NEGATIONS & set(lowers[max(s.a, a - 2) : a]):
                return []
            window = set(lowers[b : min(s.b, b + 6)])
            if lowers[a] in ("approved", "initialled", "initialed", "inked") and not (window & AGREEMENT_WORDS):
                return []
            if not (set(lowers[s.a : s.b]) & AGREEMENT_WORDS):
                return []
        if (
            kind == "visit"
            and lowers[a] in ("trip", "trips", "travel", "travels", "travelled", "traveled", "travelling", "traveling")
            and "to" not in lowers[b : min(s.b, b + 3)]
        ):
            return []
        clause = self.clause(s, a)
        subject, pronoun, subject_start = self.subject_before(s, a)
        object_from = b
        if kind == "signing":
            # "signed a security agreement with Beijing": step over the agreement itself.
            for k in range(b, min(s.b, b + 6)):
                if lowers[k] in AGREEMENT_WORDS:
                    object_from = k + 1
                    break
        objects, counterparts, object_end = self.objects_after(s, object_from)
        object_keys = self.keys(objects)
        subject_keys = self.keys(subject)
        if not subject_keys and pronoun is not None:
            subject_keys = self.resolve_pronoun(s, pronoun, set(object_keys))
        if not subject_keys and kind in ("press_conference", "summit", "call", "talks") and objects:
            # "At a joint news conference with X on Wednesday, he stated ..." — the subject comes after.
            for j in range(object_end, s.b):
                if lowers[j] in PRONOUNS and lowers[j] in ("he", "she"):
                    subject_keys = self.resolve_pronoun(s, s.a, set(object_keys))
                    break
                m = self.mention_at(j)
                if m is not None and m.role == "person":
                    subject_keys = [m.key]
                    break
        if not subject_keys and inherited:
            subject_keys = list(inherited)
        status = self.status(s, max(clause[0], subject_start - 1), min(clause[1], max(b, object_end) + 4))
        if single and status not in ("cancelled", "postponed"):
            status = self.status(s, s.a, s.b) if self.status(s, s.a, s.b) in ("cancelled", "postponed") else status
        when = self.pick_date(s, a, b, clause, prefer_for=status in ("cancelled", "postponed"), whole=single)
        definite = (
            lowers[a] in MEETING_NOUNS
            and any(lowers[k] in DEFINITE for k in range(max(s.a, a - 3), a))
            and not any(lowers[k] in ("a", "an") for k in range(max(s.a, a - 3), a))
        )
        anaphoric = definite and (when is None or when.start < self.tokens[clause[0]].start)
        if not status and when is None:
            # No date and no status word: the tense of the clause decides.
            clause_text = self.text[self.tokens[clause[0]].start : self.tokens[clause[1] - 1].end]
            status = "held" if tense_of(clause_text) == "past" else "planned"
        if not status:
            status = "planned" if when is None or when.first is None or when.first >= self.published else "held"
            if (
                when is not None
                and when.first is not None
                and when.first == self.published
                and lowers[a] in ("met", "held", "signed")
            ):
                status = "held"
        location = self.location_in(s, subject_start, clause[1])
        if not location and single:
            location = self.location_in(s, subject_start, s.b)
        if kind == "call":
            location = ""
        end_day = self._meeting_end(s, a, when)

        if kind == "visit":
            visits = self._visits(s, a, b, subject_keys, status, when, clause)
            for v in visits:
                v.end, v.anaphoric = end_day, anaphoric and not v.location
            return visits
        if kind == "signing":
            location = location or self._agreement_place(s)
        participants = self.expand(subject_keys + [k for k in object_keys if k not in subject_keys])
        people = [k for k in subject_keys if self.kind_of(k) == "person"]
        if counterparts and len(people) >= 2:
            others = self.expand(object_keys)
            return [MeetingDraft(kind, status, [p, *others], [p], location, when, s, a, end_day) for p in people]
        if kind == "press_conference" and len(participants) < 2 and lowers[a] != "joint" and before != "joint":
            return []
        if kind == "call" and not participants:
            return []
        return [MeetingDraft(kind, status, participants, subject_keys, location, when, s, a, end_day, anaphoric)]

    def _meeting_end(self, s: Sentence, a: int, when: TimeExpression | None) -> date | None:
        """ "a two-day summit that opened on Tuesday" ends on Wednesday."""
        if when is None or when.first is None or when.precision != "day":
            return None
        lo = self.tokens[max(s.a, a - 4)].start
        for d in s.dates:
            if d.type == "DURATION" and d.duration_days and d.first is None and lo <= d.start < self.tokens[a].start:
                return when.first + timedelta(days=d.duration_days - 1)
        return None

    def _visits(
        self, s: Sentence, a: int, b: int, visitors: list[str], status: str, when, clause
    ) -> list[MeetingDraft]:
        i = b
        while i < s.b and self.lowers[i] in (
            "to",
            "in",
            "the",
            "a",
            "an",
            "first",
            "second",
            "official",
            "state",
            "two-day",
            "three-day",
            "surprise",
        ):
            i += 1
        drafts = []
        in_dates = {
            t
            for d in s.dates
            for t in range(s.a, s.b)
            if d.start <= self.tokens[t].start and self.tokens[t].end <= d.end
        }
        named_orgs = {
            m.key
            for m in self.cast.mentions[self._first_mention(s) : self._end_mention(s)]
            if self.kind_of(m.key) == "organisation"
        }
        while i < s.b:
            name, j, m = self.place_at(i, s.b)
            host: list[str] = []
            if m is not None and m.role in ("capital", "place", "city"):
                hq_orgs = [k for k in self.g.hq_of.get(m.text, []) if k in named_orgs]
                state = self.g.city_state.get(m.text, m.key)
                host = hq_orgs[:1] or ([state] if state else [])
            elif m is not None and m.role == "seat":
                host = [m.key]
            elif m is not None:
                host = [m.key]
                name = self.g.entities[m.key].name if m.key in self.g.entities else name
            elif name:
                host = []
            else:
                m2 = self.mention_at(i)
                if m2 is not None and m2.role in ("name", "person"):
                    host, name, j = [m2.key], "" if m2.role == "person" else self.cast.actors[m2.key].name, m2.b
                else:
                    break
            if self.kind_of(host[0]) == "person" if host else False:
                name = ""
            drafts.append(
                MeetingDraft(
                    "visit",
                    status,
                    self.expand(visitors + [h for h in host if h not in visitors]),
                    visitors,
                    name,
                    when,
                    s,
                    a,
                )
            )
            i = j
            while i < s.b and (self.lowers[i] in (",", "and", "then", "the", "to", "on", "later") or i in in_dates):
                i += 1
            if i == j:
                break
        # "A planned visit to Niamey by a delegation of the AU, the UN and ECOWAS"
        if not visitors and i < s.b and self.lowers[i] == "by":
            by, _, _ = self.objects_after(s, i + 1)
            for d in drafts:
                d.subject = self.keys(by)
                d.participants = self.expand(d.subject + [k for k in d.participants if k not in d.subject])
        return [d for d in drafts if len(d.participants) >= 1 and (d.location or len(d.participants) >= 2)]

    def _first_mention(self, s: Sentence) -> int:
        for t in range(s.a, s.b):
            if self.cast.token_mention[t] >= 0:
                return self.cast.token_mention[t]
        return 0

    def _end_mention(self, s: Sentence) -> int:
        for t in range(s.b - 1, s.a - 1, -1):
            if self.cast.token_mention[t] >= 0:
                return self.cast.token_mention[t] + 1
        return 0

    def _agreement_place(self, s: Sentence) -> str:
        """A city that gives an agreement its name ("the Minsk accords"), in this sentence or the two before."""
        lo = max(0, s.a - 120)
        for i in range(s.b - 1, lo, -1):
            if self.lowers[i] in AGREEMENT_WORDS and i > 0:
                m = self.mention_at(i - 1)
                if m is not None and m.role in ("place", "capital", "city"):
                    return m.text
                prev = self.texts[i - 1]
                if (
                    _is_capitalised(prev)
                    and self.lowers[i - 1] not in CALENDAR_WORDS
                    and self.cast.token_mention[i - 1] < 0
                    and self.lowers[i - 1] not in ("the", "a", "an")
                ):
                    if i - 2 >= 0 and self.lowers[i - 2] in ("the", "so-called", "called", "-"):
                        return prev
        return ""

    def _merge_in_sentence(self, found: list[MeetingDraft]) -> list[MeetingDraft]:
        out: list[MeetingDraft] = []
        for draft in found:
            if draft.anaphoric:
                out.append(draft)
                continue
            for kept in out:
                if kept.anaphoric:
                    continue
                same_date = kept.when is None or draft.when is None or kept.when.value == draft.when.value
                if (
                    same_date
                    and draft.kind != "visit"
                    and kept.kind != "visit"
                    and (
                        set(draft.participants) <= set(kept.participants)
                        or set(kept.participants) <= set(draft.participants)
                    )
                ):
                    if set(draft.participants) > set(kept.participants):
                        kept.participants = draft.participants
                    if KIND_RANK[draft.kind] > KIND_RANK[kept.kind]:
                        kept.kind = draft.kind
                    kept.location = kept.location or draft.location
                    kept.when = kept.when or draft.when
                    break
            else:
                out.append(draft)
        return out

    def _merge_across(self, drafts: list[MeetingDraft]) -> list[MeetingDraft]:
        """A later sentence about the same people and date ("her first trip to Russia") is the same meeting."""
        out: list[MeetingDraft] = []
        for draft in drafts:
            if draft.anaphoric:
                # "the talks", "the virtual meeting": the meeting already reported.
                if out:
                    kept = out[-1]
                    kept.participants += [k for k in draft.participants if k not in kept.participants]
                    kept.location = kept.location or draft.location
                    continue
                if not draft.participants:
                    continue
            duplicate = False
            if draft.participants:
                # Only recent meetings: a repeat is reported close by, and this keeps long texts linear.
                for kept in out[-RECENT:]:
                    if draft.when is not None and kept.when is not None and draft.when.value != kept.when.value:
                        continue
                    if set(draft.participants) <= set(kept.participants) and (
                        draft.status == kept.status or draft.when is None
                    ):
                        if (
                            draft.kind == kept.kind
                            or draft.kind in ("visit", "talks")
                            and kept.kind in ("visit", "talks")
                        ):
                            duplicate = True
                            kept.when = kept.when or draft.when
                            break
            if not duplicate:
                out.append(draft)
        return out

    # -- drills ---------------------------------------------------------------------------------------

    def drills(self, sentences: list[Sentence]) -> list[DrillDraft]:
        drafts: list[DrillDraft] = []
        last_mention = -10
        for number, s in enumerate(sentences):
            i = s.a
            seen_here: DrillDraft | None = None
            while i < s.b:
                hit = DRILL_TRIGGERS.match(self.lowers, self.texts, i)
                if hit is None:
                    i += 1
                    continue
                length, _ = hit
                a, b = i, i + length
                i = b
                if self.cast.token_mention[a] >= 0 or not self._is_drill(s, a, b):
                    continue
                draft = self._drill(s, a, b, drafts)
                if draft is not None and draft is not seen_here:
                    if draft not in drafts:
                        drafts.append(draft)
                    seen_here = draft
            if seen_here is not None:
                last_mention = number
            elif (
                drafts
                and number - last_mention <= 2
                and drafts[-1].troops is None
                and TAKING_PART.search(self.text[s.start : s.end])
            ):
                # "Some 200,000 personnel are involved": the drill just reported, even without the word.
                troops, _ = self._troops(s)
                if troops:
                    drafts[-1].troops = troops
        return drafts

    def _is_drill(self, s: Sentence, a: int, b: int) -> bool:
        before = self.lowers[a - 1] if a > s.a else ""
        after = self.lowers[b] if b < s.b else ""
        if self.lowers[a] in ("exercise", "drill") and (before in NOT_DRILL_BEFORE or after in NOT_DRILL_AFTER):
            return False
        if self.lowers[a].startswith("man") and before in NOT_DRILL_BEFORE:
            return False
        return True

    def _drill(self, s: Sentence, a: int, b: int, drafts: list[DrillDraft]) -> DrillDraft | None:
        lowers = self.lowers
        # Walk left over the adjectives and name that modify the drill word.
        j = a - 1
        name_end = None
        modifiers: list[Mention] = []
        while j >= s.a:
            m = self.mention_at(j)
            if m is not None and m.role in ("name", "demonym", "seat") and self.kind_of(m.key) != "person":
                modifiers.append(m)
                j = m.a - 1
                continue
            if lowers[j] in DRILL_ADJECTIVES or lowers[j] in ("-", "–"):
                j -= 1
                continue
            if lowers[j] in DEFINITE or lowers[j] in ("a", "an", "its", "their", "his", "her", "of", "in", "and"):
                break
            if _is_capitalised(self.texts[j]) or self.texts[j][:1].isdigit() or (lowers[j] == "-" and j > s.a):
                if name_end is None:
                    name_end = j + 1
                j -= 1
                continue
            break
        name = ""
        name_span = (0, 0)
        if name_end is not None:
            k = j + 1
            while k < name_end and (lowers[k] in DRILL_ADJECTIVES or self.cast.token_mention[k] >= 0):
                k += 1
            candidate = self.text[self.tokens[k].start : self.tokens[name_end - 1].end] if k < name_end else ""
            sentence_initial_word = k == s.a and name_end - k == 1 and not any(c.isdigit() for c in candidate)
            if candidate and not sentence_initial_word and not candidate.isdigit():
                name, name_span = candidate, (k, name_end)
        determiner = lowers[j] if j >= s.a else ""
        if determiner == "s" and j >= s.a + 1 and self.texts[j - 1] in ("’", "'"):
            m = self.mention_at(j - 2)
            if m is not None:
                modifiers.append(m)
            determiner = "the"
        if not name:
            name, name_span = self._name_after(s, b)
        if not name:
            name, name_span = self._name_in_apposition(s, j)
        clause = self.drill_clause(s, a)
        subject, pronoun, subject_start = self.subject_before(s, j + 1 if j >= s.a else s.a)
        objects: list[Mention] = []
        k = b
        while (
            k < s.b
            and k < b + 4
            and lowers[k]
            in (
                ",",
                "of",
                "the",
                "co",
                "-",
                "hosted",
                "led",
                "organised",
                "organized",
                "conducted",
                "staged",
                "held",
                "jointly",
            )
        ):
            k += 1
        if k < s.b and lowers[k] in ("between", "with", "involving", "alongside", "including", "by"):
            objects, _, _ = self.objects_after(s, k + 1 if lowers[k] == "by" else k)
        own = self.expand(self.keys(modifiers) + self.keys(objects))
        participants = self.expand(self.keys(modifiers) + self.keys(subject) + self.keys(objects))
        participants = [p for p in participants if self.kind_of(p) != "person"]
        own = [p for p in own if self.kind_of(p) != "person"]
        troops, troop_keys = self._troops(s)
        places = ("off", "near", "across", "over")
        location = (
            self.location_in(s, b, s.b, extra=places, skip=name_span)
            or self.location_in(s, subject_start, a, extra=places, skip=name_span)
            or self._deployment_place(s)
        )
        status = self.status(s, clause[0], clause[1], drill=True)
        start, end, start_p, end_p, date_text = self._drill_dates(s, a, clause, name_span)

        current = drafts[-1] if drafts else None
        named_match = next((d for d in reversed(drafts) if name and d.name == name), None)
        anaphoric = (
            determiner in DEFINITE
            and not name
            and (current is not None and (not own or not current.participants or set(own) <= set(current.participants)))
        )
        target = named_match
        if target is None and current is not None:
            if anaphoric or (
                not name and participants and set(participants) == set(current.participants) and start is None
            ):
                target = current
            elif name and not current.name and (not participants or set(participants) <= set(current.participants)):
                target = current
        if target is not None:
            target.name = target.name or name
            target.troops = target.troops or troops
            target.location = target.location or location
            if not target.participants:
                target.participants = own or troop_keys
            if target.start is None and start is not None:
                target.start, target.start_precision = start, start_p
                target.date_text = target.date_text or date_text
            if target.end is None and end is not None:
                target.end, target.end_precision = end, end_p
            if status == "cancelled" or (status and not target.explicit_status):
                target.status, target.explicit_status = status, True
            target.mentions.append(s)
            return target
        draft = DrillDraft(
            name=name,
            status=status,
            participants=participants or troop_keys,
            location=location,
            start=start,
            end=end,
            start_precision=start_p,
            end_precision=end_p,
            date_text=date_text,
            troops=troops,
            sentence=s,
            mentions=[s],
            explicit_status=bool(status),
        )
        return draft

    def _name_after(self, s: Sentence, b: int) -> str:
        """ "exercises, code-named Union Resolve" / "drill dubbed “Zapad-2021”" / "Exercise Cobra Gold"."""
        i = b
        while i < s.b and self.lowers[i] in (
            ",",
            "code",
            "-",
            "codenamed",
            "code-named",
            "named",
            "dubbed",
            "called",
            "known",
            "as",
            "“",
            '"',
            "‘",
            "'",
        ):
            i += 1
        if i == b and not (b < s.b and _is_capitalised(self.texts[b]) and _is_capitalised(self.texts[b - 1])):
            return "", (0, 0)
        j = i
        while (
            j < s.b
            and j - i < 5
            and (_is_capitalised(self.texts[j]) or self.texts[j][:1].isdigit() or (self.texts[j] == "-" and j > i))
            and self.cast.token_mention[j] < 0
            and self.lowers[j] not in CALENDAR_WORDS
        ):
            j += 1
        if j > i and self.texts[j - 1] != "-":
            return self.text[self.tokens[i].start : self.tokens[j - 1].end], (i, j)
        return "", (0, 0)

    def _name_in_apposition(self, s: Sentence, j: int) -> tuple[str, tuple[int, int]]:
        """ "Cold Response 2022, a Norwegian-led exercise": the name stands before the comma."""
        if j < s.a + 2 or self.lowers[j] not in ("a", "an", "the") or self.lowers[j - 1] != ",":
            return "", (0, 0)
        end = j - 1
        k = end
        while (
            k > s.a
            and end - k < 5
            and (_is_capitalised(self.texts[k - 1]) or self.texts[k - 1].isdigit() or self.texts[k - 1] == "-")
            and self.cast.token_mention[k - 1] < 0
        ):
            k -= 1
        if (
            k < end
            and k > s.a
            and self.lowers[k - 1] in ("in", "of", "during", "as")
            and any(_is_capitalised(t) for t in self.texts[k:end])
        ):
            return self.text[self.tokens[k].start : self.tokens[end - 1].end], (k, end)
        return "", (0, 0)

    def drill_clause(self, s: Sentence, t: int) -> tuple[int, int]:
        """Like `clause`, but a relative clause after the drill ("which will run until ...") still describes it."""
        a, _ = self.clause(s, t)
        b = t + 1
        while b < s.b and self.lowers[b] not in DRILL_CUT and self.lowers[b] != ";":
            b += 1
        return a, b

    def _troops(self, s: Sentence) -> tuple[int | None, list[str]]:
        sentence = self.text[s.start : s.end]
        total: int | None = None
        all_keys: list[str] = []
        last_end = -1
        for match in TROOPS.finditer(sentence):
            if total is not None and not re.fullmatch(
                r"\s+and\s+(?:some|about|around|nearly|almost|more than|over|roughly)?\s*",
                sentence[last_end : match.start()],
            ):
                break
            number, keys = self._troop_count(s, match)
            total = (total or 0) + number
            all_keys += [k for k in keys if k not in all_keys]
            last_end = match.end()
        if total is not None:
            return total, all_keys
        for rx in (TROOPS_WORDS,):
            match = rx.search(sentence)
            if match is None:
                continue
            return self._troop_count(s, match)
        return None, []

    def _troop_count(self, s: Sentence, match: re.Match[str]) -> tuple[int, list[str]]:
        if True:
            raw = match.group("num").replace(",", "").lower()
            if raw in ("a hundred", "one hundred"):
                number = 100_000
            elif raw in NUMBER_WORDS:
                number = NUMBER_WORDS[raw] * 1000
            else:
                value = float(raw)
                mult = (match.groupdict().get("mult") or "").lower()
                number = int(value * (1_000_000 if mult == "million" else 1000 if mult == "thousand" else 1))
            keys: list[str] = []
            offset = s.start + match.start("mods")
            for t in range(s.a, s.b):
                if self.tokens[t].start >= offset and self.tokens[t].end <= s.start + match.end("mods"):
                    m = self.mention_at(t)
                    if m is not None and m.key not in keys and m.role in ("demonym", "name"):
                        keys.append(m.key)
            return number, keys

    def _deployment_place(self, s: Sentence) -> str:
        for i in range(s.a, s.b - 1):
            if self.lowers[i] in ("deployment", "deployed", "deploying", "deploy", "sent", "stationed") and self.lowers[
                i + 1
            ] in ("to", "in"):
                name, _, _ = self.place_at(i + 2, s.b)
                if name:
                    return name
        return ""

    def _drill_dates(self, s: Sentence, a: int, clause: tuple[int, int], name_span: tuple[int, int] = (0, 0)):
        start: date | None = None
        end: date | None = None
        start_p = end_p = ""
        date_text = ""
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        duration = None
        name_lo = self.tokens[name_span[0]].start if name_span[1] else -1
        name_hi = self.tokens[name_span[1] - 1].end if name_span[1] else -1
        for d in s.dates:
            low = d.text.lower()
            if name_lo <= d.start < name_hi or self.reported(d):
                continue
            if d.type == "DURATION" and d.duration_days and lo <= d.start <= hi and d.first is None:
                duration = duration or d
                continue
            if d.type not in ("DATE", "TIME") or d.precision in ("ref", "duration"):
                continue
            if low.startswith(("until", "till", "through", "to ")) or self.text[
                max(0, d.start - 9) : d.start
            ].strip().lower().endswith(("until", "till", "through", "to", "ending", "end")):
                if d.last is not None and end is None:
                    end, end_p = d.last, _precision(d)
                    date_text = (date_text + " " + d.text).strip()
                continue
            if d.first is not None and start is None and not low.startswith("since") and lo <= d.start <= hi:
                start, start_p = d.first, _precision(d)
                date_text = (d.text + " " + date_text).strip()
                if d.last is not None and d.last != d.first and _precision(d) == "day":
                    end, end_p = d.last, "day"
        status_words = set(self.lowers[clause[0] : clause[1]])
        if start is None and status_words & {"begun", "began", "started", "launched", "underway", "kicked"}:
            start, start_p = self.published, "day"
        if duration is not None and start is not None and end is None:
            end, end_p = start + timedelta(days=duration.duration_days - 1), "day"
            date_text = (date_text + " " + duration.text).strip() if date_text else duration.text
        return start, end, start_p, end_p, date_text


def _precision(d: TimeExpression) -> str:
    if d.precision in ("day", "month", "year"):
        return d.precision
    if d.first is not None and d.last is not None and d.first.year == d.last.year and d.first.month == d.last.month:
        return "month"
    return "year" if d.precision in ("decade",) else "month"


def iso(value: date | None, precision: str) -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()
