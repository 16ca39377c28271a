"""Clause reading and meetings: find the words that report a meeting, then read participants, place, date and status around them."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
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
        |phoned|telephoned|call with|calls with|videoconference|video conference|video link|teleconference
        |teleconferences|spoke with|spoke today with|spoke yesterday with|speaks with|spoken with|talked with
        |spoke separately with|spoke again with""".replace("\n", "").split("|"),
        "call",
    ),
    # "A and B discussed ...": a readout's talks, kept only when two sides stand before the verb.
    **dict.fromkeys("discussed discuss discusses".split(), "talks"),
    **dict.fromkeys("signed sign signs signing approved initialled initialed inked".split(), "signing"),
}
TRIGGERS = _index({**MEETING_WORDS}, "meeting")
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
BEGAN = frozenset("began begun opened started".split())
DISCUSS = frozenset("discussed discuss discusses".split())
TOPIC_PREPOSITIONS = frozenset("on about over regarding concerning".split())
TOPIC_LEADS = DISCUSS | frozenset("including regarding about".split())
SPOKE = frozenset("spoke speaks spoken talked".split())
UNNAMED_PARTIES = frozenset(
    "diplomats officials envoys negotiators delegations delegates leaders ministers representatives".split()
)
DIRECTION_WORDS = frozenset(
    "eastern western northern southern central north south east west southeastern southwestern northeastern northwestern".split()
)
DEFINITE = frozenset("the these those this that such said".split())


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
    unnamed: bool = False  # no one named, but the text says who in general ("diplomats", "the three countries")


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
        self.date_tokens: set[int] = set()  # tokens inside a date of the sentence being read
        self.second_group: set[str] = set()  # states listed after "as well as" in the last host list read

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
                if m.a > s.a and self.lowers[m.a - 1] in TOPIC_PREPOSITIONS:
                    break  # "a peace deal on Ukraine during talks": what they talked about, not who
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
                    # "Cyril Ramaphosa, who chairs the union this year, held ..." — step over the relative clause,
                    # and over an apposition ("Roger Cloutier, the army's commander in Africa, held ...").
                    for k in range(i - 1, max(s.a, i - 14), -1):
                        if (
                            self.lowers[k] in ("who", "which", "the")
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
            if low == "-" and i > s.a and self.lowers[i - 1] == "-":
                break  # "VICENZA, Italy -- X held ...": a dateline, not a subject
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
                if low in OBJECT_LEAD and lead < 7 or (i in self.date_tokens and lead < 7):
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
        if key is None:
            return []
        # "he" of a story is its protagonist more often than the person named last: when the last person is
        # named once and another far more often, the pronoun is the other's.
        counts: dict[str, int] = {}
        k = bisect_left(self.cast.person_positions, position)
        for other in self.cast.person_keys[:k]:
            counts[other] = counts.get(other, 0) + 1
        top = max((c, o) for o, c in counts.items() if o not in exclude)
        if counts.get(key, 0) == 1 and top[0] >= 3:
            return [top[1]]
        return [key]

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
            self.date_tokens = {t for d in s.dates for t in range(s.a, s.b) if d.start <= self.tokens[t].start < d.end}
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
            # Nobody named and no "diplomats" or "envoys" either: no event an editor could record.
            drafts.extend(
                d
                for d in self._merge_in_sentence(self._fold_visits(found))
                if d.participants or d.anaphoric or d.unnamed
            )
        self.date_tokens = set()  # read per sentence above; the drill pass must not see the last one's
        return self._date_from_story(self._merge_across(drafts))

    def _date_from_story(self, drafts: list[MeetingDraft]) -> list[MeetingDraft]:
        """A meeting the sentence gives no date is dated by the story: "have held talks" is news of the day it
        was published, and "In Hanoi, he will meet ..." falls in the trip the story dated before."""
        last: dict[str, TimeExpression] = {}
        for draft in drafts:
            when = draft.when
            if when is not None and when.first is not None:
                last[draft.status] = when
                continue
            before = set(self.lowers[draft.sentence.a : draft.trigger])
            if draft.status == "held" and before & {"have", "has"}:
                day = self.published
                draft.when = TimeExpression("", 0, 0, day.isoformat(), "DATE", day, day, "day")
            elif draft.status == "planned" and draft.status in last:
                draft.when = last[draft.status]
        # "X has cancelled a meeting with Y. ... were also cancelled on Wednesday": the day of the later report.
        following: dict[str, TimeExpression] = {}
        for draft in reversed(drafts):
            if draft.status not in ("cancelled", "postponed"):
                continue
            if draft.when is not None and draft.when.first is not None:
                following[draft.status] = draft.when
            elif draft.status in following:
                draft.when = following[draft.status]
        return drafts

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
        if not subject and pronoun is None and before in ("during", "at", "in") and kind in ("talks", "summit"):
            # "The leaders of A, B and C failed to agree during talks in Moscow": the clause's subject.
            opening, _, _ = self.objects_after(s, clause[0])
            if opening and opening[0].a < a:
                subject, subject_start = [m for m in opening if m.a < a], opening[0].a
        if kind == "talks" and lowers[a] in MEETING_NOUNS and TOPIC_LEADS & set(lowers[max(clause[0], a - 8) : a]):
            # "to discuss a range of issues including the negotiations": a topic, not an event.
            return []
        if lowers[a] in DISCUSS:
            # "A and B discussed the plans": two sides before the verb, or "discussed ... with B".
            with_at = next((k for k in range(b, min(clause[1], b + 12)) if lowers[k] == "with"), None)
            if len({m.key for m in subject}) < 2 and with_at is None:
                return []
            if with_at is not None:
                b = with_at + 1
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
        if len(object_keys) >= 2 and "between" in lowers[b:object_end] and lowers[a] in MEETING_NOUNS:
            subject_keys = []  # "Ukraine peace talks between A, B and C": the list names every side
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
        discussed = lowers[a] in DISCUSS
        if discussed and lowers[a] == "discussed" and status not in ("cancelled", "postponed"):
            status = "held"  # what they discussed may be planned; the discussion was held
        when = self.pick_date(
            s, a, b, clause, prefer_for=status in ("cancelled", "postponed"), whole=single and not discussed
        )
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
            if when is not None and when.first is not None and when.first == self.published:
                clause_text = self.text[self.tokens[clause[0]].start : self.tokens[clause[1] - 1].end]
                if lowers[a] in ("met", "held", "signed") or tense_of(clause_text) == "past":
                    status = "held"
        location = self.location_in(s, subject_start, clause[1])
        if not location and single:
            location = self.location_in(s, subject_start, s.b)
        if not location and lowers[s.a] in ("in", "at"):
            # "In Hanoi, the secretary will meet ...": the sentence opens with where.
            name, after, _ = self.place_at(s.a + 1, s.b)
            if name and after < s.b and lowers[after] == ",":
                location = name
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
        plural = "meetings" in lowers[a : min(s.b, b + 1)]
        hosts, placed = self._hosts_listed(s, b, clause[1])
        if not plural and not placed:
            hosts = []
        if len(hosts) < 2 and plural and len(object_keys) >= 2:
            hosts = [k for k in object_keys if k not in subject_keys]
        if len(hosts) >= 2 and subject_keys:
            # "meetings with the leaders of A and B", "meet officials in A, B and C": one meeting with each.
            later = self._respectively(s, hosts, when)
            return [
                MeetingDraft(
                    kind,
                    status,
                    self.expand(subject_keys + [h]),
                    subject_keys,
                    self.cast.actors[h].name if placed and h in self.cast.actors else "",
                    later if h in self.second_group else when,
                    s,
                    a,
                    end_day,
                )
                for h in hosts
            ]
        if counterparts and len(people) >= 2:
            others = self.expand(object_keys)
            return [MeetingDraft(kind, status, [p, *others], [p], location, when, s, a, end_day) for p in people]
        if kind == "press_conference" and len(participants) < 2 and lowers[a] != "joint" and before != "joint":
            return []
        if kind == "call" and lowers[a] in SPOKE and not object_keys:
            return []
        if kind == "call" and not participants:
            return []
        draft = MeetingDraft(kind, status, participants, subject_keys, location, when, s, a, end_day, anaphoric)
        draft.unnamed = not participants and self._unnamed_parties(s, a, b, clause)
        return [draft]

    def _sides(self, keys: list[str]) -> set[str]:
        out = set()
        for key in keys:
            actor = self.cast.actors.get(key)
            out.add(actor.affiliation if actor is not None and actor.affiliation else key)
        return out

    def _respectively(self, s: Sentence, hosts: list[str], when: TimeExpression | None) -> TimeExpression | None:
        """ "with A and B, as well as C, on June 10 and 11, respectively": C was met on the second day."""
        if not self.second_group or "respectively" not in self.lowers[s.a : s.b]:
            return when
        if when is None or when.first is None or when.last is None or when.last == when.first:
            return when
        day = when.last
        return TimeExpression(when.text, when.start, when.end, day.isoformat(), "DATE", day, day, "day")

    def _hosts_listed(self, s: Sentence, b: int, end: int) -> tuple[list[str], bool]:
        """ "with military officials in A, B and C", "leaders from A, B, as well as C": the states listed."""
        lowers = self.lowers
        for k in range(b, min(end, s.b) - 2):
            if lowers[k] in UNNAMED_PARTIES and lowers[k + 1] in ("in", "from", "of"):
                states: list[str] = []
                self.second_group = set()
                second = False
                i = k + 2
                while i < s.b:
                    m = self.mention_at(i)
                    if m is not None and self.kind_of(m.key) == "state" and m.role in ("name", "capital", "place"):
                        states.append(m.key) if m.key not in states else None
                        if second:
                            self.second_group.add(m.key)
                        i = m.b
                    elif lowers[i] == "as" and states:
                        second = True
                        i += 1
                    elif lowers[i] in (",", "and", "as", "well", "the") and states:
                        i += 1
                    else:
                        break
                return states, lowers[k + 1] == "in"
        return [], False

    def _unnamed_parties(self, s: Sentence, a: int, b: int, clause: tuple[int, int]) -> bool:
        """An event with nobody named is still news when the text says who in general ("diplomats from around
        Europe are due to meet"), opens with it ("A meeting of all the ministers ..."), or says it began."""
        lowers = self.lowers
        for k in range(clause[0], a):
            if lowers[k] in UNNAMED_PARTIES and (k == s.a or lowers[k - 1] not in DEFINITE):
                return True
        if any(lowers[k] in NUMBER_WORDS_SMALL and lowers[k + 1] in COUNTRY_NOUNS for k in range(clause[0], a - 1)):
            return True
        if lowers[s.a] in ("a", "an") and a - s.a <= 3:
            return True
        return bool(BEGAN & set(lowers[b : clause[1]]))

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
        if i + 1 < s.b and self.lowers[i] == "by" and not visitors:
            # "a visit by General X, chairman of the staff, to A and then to B"
            by, _, end = self.objects_after(s, i + 1)
            to = next((k for k in range(end, min(s.b, end + 16)) if self.lowers[k] == "to"), None)
            if by and to is not None:
                visitors, i = self.keys(by), to
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
            # "Bogota in Colombia, Brasilia in Brazil": the state after a city only says where the city is;
            # so does "the U.S. Southern Command in Miami, Fla." after a place.
            k = i
            while k < s.b and k - i < 4 and _is_capitalised(self.texts[k]) and self.cast.token_mention[k] < 0:
                k += 1
            if k > i and k < s.b and self.lowers[k] == "in":
                i = k
            if i + 1 < s.b and self.lowers[i] == "in":
                after = self.mention_at(i + 1)
                if after is not None and after.role == "name" and self.kind_of(after.key) == "state":
                    i = after.b
                elif after is not None and after.role in ("capital", "place", "city"):
                    i = after.b
                elif after is None:
                    detail, end, _ = self.place_at(i + 1, s.b)
                    i = end if detail else i
            if (
                i + 2 < s.b
                and self.lowers[i] == ","
                and _is_capitalised(self.texts[i + 1])
                and self.texts[i + 2] == "."
                and self.cast.token_mention[i + 1] < 0
            ):
                i += 3
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
                    # the meeting with the same sides, else the last one reported
                    sides = self._sides(draft.participants)
                    kept = next(
                        (
                            k
                            for k in reversed(out[-RECENT:])
                            if len(sides) >= 2 and sides <= self._sides(k.participants)
                        ),
                        out[-1],
                    )
                    kept.participants += [k for k in draft.participants if k not in kept.participants]
                    kept.location = kept.location or draft.location
                    continue
                if not draft.participants:
                    continue
            duplicate = False
            stop = next(
                (
                    v
                    for v in out[-RECENT:]
                    if v.kind == "visit"
                    and draft.kind in ("talks", "visit")
                    and draft.location
                    and v.location == draft.location
                    and draft.subject
                    and set(draft.subject) <= set(v.subject)
                    and v.status == draft.status
                ),
                None,
            )
            if stop is None and draft.when is None and draft.kind in ("talks", "call"):
                # "During the meeting with General X, the commander ...": a section about a meeting the lead
                # already dated, with the same sides (a person stands for the state they serve).
                sides = self._sides(draft.participants)
                stop = next(
                    (
                        k
                        for k in reversed(out[-RECENT:])
                        if k.kind in ("talks", "call")
                        and k.when is not None
                        and len(sides) >= 2
                        and sides <= self._sides(k.participants)
                    ),
                    None,
                )
            if stop is not None:
                # "X will travel to A and B. In A, X will meet Y": the meeting is that stop of the trip.
                stop.participants += [k for k in draft.participants if k not in stop.participants]
                continue
            if draft.participants:
                # Only recent meetings: a repeat is reported close by, and this keeps long texts linear.
                for kept in out[-RECENT:]:
                    if draft.when is not None and kept.when is not None and draft.when.value != kept.when.value:
                        continue
                    if draft.kind == kept.kind == "visit" and draft.location and draft.location != kept.location:
                        continue  # another stop of the same trip
                    same_sides = set(draft.participants) <= set(kept.participants) or (
                        draft.when is not None
                        and draft.sentence is not kept.sentence
                        and len(draft.participants) >= 2
                        and self._sides(draft.participants) <= self._sides(kept.participants)
                    )
                    if same_sides and (draft.status == kept.status or draft.when is None):
                        if (
                            draft.kind == kept.kind
                            or draft.kind in ("visit", "talks")
                            and kept.kind in ("visit", "talks")
                        ):
                            duplicate = True
                            kept.when = kept.when or draft.when
                            kept.participants += [k for k in draft.participants if k not in kept.participants]
                            break
            if not duplicate:
                out.append(draft)
        return out


def _precision(d: TimeExpression) -> str:
    if d.precision in ("day", "month", "year"):
        return d.precision
    if d.precision == "week":
        return "day"  # "next week" is its Monday to its Sunday
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
