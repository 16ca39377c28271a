"""Meetings and drills: find the words that report them, then read participants, place, date and status around them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.extraction.actors import PLACE_PREPOSITIONS, Cast, Mention, _is_capitalised, CALENDAR_WORDS
from tracker.extraction.dates import TimeExpression
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
    **dict.fromkeys("visit visits visited visiting trip trips travel travels travelled traveled travelling traveling".split(), "visit"),
    **dict.fromkeys(
        """go to|goes to|went to|going to go to|fly to|flies to|flew to|flying to|head to|heads to|headed to|heading to
        |arrive in|arrives in|arrived in|arriving in|landed in|lands in|tour of""".replace("\n", "").split("|"),
        "visit",
    ),
    **dict.fromkeys("summit summits conference".split(), "summit"),
    **dict.fromkeys(["press conference", "news conference", "press briefing", "joint press", "joint appearance"], "press_conference"),
    **dict.fromkeys(
        """phone call|telephone call|video call|phone calls|telephone calls|phone conversation|telephone conversation
        |spoke by phone|spoke by telephone|spoke on the phone|spoke by video|talked by phone|speak by phone|speaks by phone
        |phoned|telephoned|call with|calls with|videoconference|video conference|video link""".replace("\n", "").split("|"),
        "call",
    ),
    **dict.fromkeys("signed sign signs signing approved initialled initialed inked".split(), "signing"),
}
DRILL_WORDS = {
    **dict.fromkeys("exercise exercises drill drills manoeuvres maneuvers manoeuvre maneuver wargames".split(), "drill"),
    **dict.fromkeys(["war games", "war game", "military training", "joint training", "combat training"], "drill"),
}
TRIGGERS = _index({**MEETING_WORDS}, "meeting")
DRILL_TRIGGERS = _index(DRILL_WORDS, "drill")
KIND_RANK = {"talks": 0, "visit": 1, "signing": 2, "call": 3, "press_conference": 4, "summit": 5}

AGREEMENT_WORDS = frozenset("agreement agreements accord accords deal treaty protocol memorandum pact declaration ceasefire truce charter communique".split())
CUES = {
    "cancelled": ["called off", "call off", "calls off", "calling off", "cancelled", "canceled", "cancel", "cancels", "scrapped", "axed", "abandoned", "shelved", "suspended", "suspend"],
    "postponed": ["postponed", "postpone", "postpones", "delayed", "put off", "pushed back", "rescheduled", "deferred"],
    "ongoing": ["begun", "began", "started", "kicked off", "under way", "underway", "launched", "continue", "continues", "continuing", "are being held", "is being held", "taking place", "are holding", "is holding", "are conducting", "is conducting", "got under way"],
    "planned": ["will", "'ll", "’ll", "shall", "due", "set to", "scheduled", "expected", "plans", "plan", "planned", "planning", "intends", "going to", "to be held", "upcoming", "next", "would", "ahead of", "preparing", "prepares", "aims to", "hopes to", "is to", "are to", "to host", "will be held", "proposed"],
    "held": ["met", "held", "had", "hosted", "took place", "spoke", "signed", "approved", "visited", "went", "travelled", "traveled", "flew", "arrived", "talked", "discussed", "agreed", "concluded", "ended", "was", "were", "attended", "welcomed", "received", "joined", "completed", "wrapped up", "finished", "conducted", "staged", "carried out", "initialled", "initialed", "inked", "have met", "has met", "stated", "said"],
}
CUE_INDEX = PhraseIndex()
for _status, _phrases in CUES.items():
    for _phrase in _phrases:
        CUE_INDEX.add(_phrase, Surface(_status, "cue"), case_sensitive=False)

CLAUSE_OPENERS = frozenset("despite amid although though because whereas which who whom whose that after before since when while but according if unless".split())
SUBJECT_STOP = CLAUSE_OPENERS | frozenset("said says told tells stated added warned claimed insisted believes believed ; : ( )".split())
PRONOUNS = frozenset("he she his her him".split())
PLURAL_PRONOUNS = frozenset("they their them".split())
CONNECTORS = frozenset(
    """, and & as well both – — - known the ’ ' s envoys officials leaders ministers diplomats delegations delegation
    negotiators representatives counterparts counterpart presidents heads top senior foreign defence defense prime
    together along also of from""".split()
)
OBJECT_LEAD = frozenset(
    """with between the a an his her their its to of and leaders leader presidents president ministers minister
    officials official delegation delegations envoys envoy representatives counterparts counterpart heads head top
    senior foreign defence defense prime state government governments counterparts' from''s ’ ' s new""".split()
)
COUNTERPART = frozenset(["counterpart", "counterparts"])
DIRECTION_WORDS = frozenset("eastern western northern southern central north south east west southeastern southwestern northeastern northwestern".split())
DRILL_ADJECTIVES = frozenset(
    """joint military naval air annual large-scale large scale combined strategic live-fire live fire command staff
    multinational amphibious tactical massive major new snap army ground land maritime bilateral trilateral
    readiness nuclear missile defence defense training field computer-assisted biennial""".split()
)
DEFINITE = frozenset("the these those this that such said".split())
NOT_DRILL_BEFORE = frozenset("political diplomatic procedural legal parliamentary to fire".split())
NOT_DRILL_AFTER = frozenset("restraint caution power influence control its their his her the patience leverage authority right rights".split())
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
            for k in (members or (key,)):
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
        order = ["cancelled", "postponed", "ongoing", "planned", "held"] if drill else ["cancelled", "postponed", "planned", "held", "ongoing"]
        for status in order:
            if status in found:
                if status == "ongoing" and not drill:
                    return "held"
                return status
        return ""

    def pick_date(self, s: Sentence, trigger_a: int, trigger_b: int, clause: tuple[int, int], *, prefer_for: bool = False) -> TimeExpression | None:
        usable = [
            d for d in s.dates
            if d.type == "DATE" and d.first is not None and d.precision not in ("ref", "duration")
            and not d.text.lower().startswith(("since", "until", "till", "through", "by "))
        ]
        if not usable:
            return None
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        anchor = self.tokens[trigger_a].start
        inside = [d for d in usable if d.start >= lo and d.end <= hi]
        if prefer_for:
            scheduled = [d for d in inside or usable if self.text[max(0, d.start - 5) : d.start].strip().lower().endswith("for")]
            if scheduled:
                inside = scheduled
        if inside:
            return min(inside, key=lambda d: abs(d.start - anchor))
        opening = [d for d in usable if d.start - s.start < 25]
        return opening[0] if opening else None

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
                if low in PRONOUNS or low in PLURAL_PRONOUNS:
                    return [], i, i
                if low == ",":
                    if i - 1 >= s.a and self.cast.token_mention[i - 1] >= 0:
                        i -= 1
                        continue
                    break
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
            if not items:
                if low in OBJECT_LEAD and lead < 7:
                    lead += 1
                    i += 1
                    continue
                break
            if low in (",", "and", "&", "as", "well", "plus", "’", "'", "s", "the") or low in COUNTERPART or low in OBJECT_LEAD and low not in ("to", "with", "from", "of"):
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
            if self.lowers[j] not in ("and", "the", "as", "well", "also", "leaders", "presidents", "of"):
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
        if m is not None:
            if m.role == "person":
                return "", i, None
            if self.kind_of(m.key) == "group":
                return "", i, None
            if m.role in ("capital", "place", "city", "seat") or (m.role == "name" and self.kind_of(m.key) == "state"):
                name = m.text if m.role != "name" else self.cast.actors[m.key].name if m.key in self.cast.actors else m.text
                if m.role == "seat":
                    name = m.text
                return name, m.b, m
            return "", i, None
        j = i
        while j < end and j - i < 5 and (
            (_is_capitalised(self.texts[j]) and self.lowers[j] not in CALENDAR_WORDS and self.cast.token_mention[j] < 0)
            or (j > i and self.lowers[j] in ("of", "-") and j + 1 < end and _is_capitalised(self.texts[j + 1]))
        ):
            j += 1
        if j > i and self.lowers[j - 1] not in ("of", "-"):
            words = self.text[self.tokens[i].start : self.tokens[j - 1].end]
            if self.lowers[i] not in ("the", "a", "an") and len(words) > 2:
                return words, j, None
        return "", i, None

    def location_in(self, s: Sentence, a: int, b: int, *, extra: tuple[str, ...] = ()) -> str:
        for i in range(max(a, s.a), min(b, s.b)):
            low = self.lowers[i]
            if low in ("in", "at", *extra):
                if low == "in" and i + 1 < s.b and self.lowers[i + 1] in ("support", "order", "response", "addition", "favour", "favor", "talks", "line", "charge"):
                    continue
                name, _, _ = self.place_at(i + 1, s.b)
                if name:
                    return name
        return ""

    # -- meetings -------------------------------------------------------------------------------------

    def meetings(self, sentences: list[Sentence]) -> list[MeetingDraft]:
        drafts: list[MeetingDraft] = []
        for s in sentences:
            found: list[MeetingDraft] = []
            i = s.a
            while i < s.b:
                hit = TRIGGERS.match(self.lowers, self.texts, i)
                if hit is None:
                    i += 1
                    continue
                length, surface = hit
                if self.cast.token_mention[i] < 0:
                    found.extend(self._meeting(s, i, i + length, surface.entity))
                i += length
            drafts.extend(self._merge_in_sentence(found))
        return self._merge_across(drafts)

    def _meeting(self, s: Sentence, a: int, b: int, kind: str) -> list[MeetingDraft]:
        lowers = self.lowers
        before = lowers[a - 1] if a > s.a else ""
        after = lowers[b] if b < s.b else ""
        if kind == "summit" and lowers[a] == "conference" and before in ("press", "news"):
            return []
        if kind == "call" and lowers[a] in ("call", "calls") and before not in ("phone", "telephone", "video", "a", "the", "in", "held", "during"):
            return []
        if kind == "signing":
            window = set(lowers[b : min(s.b, b + 6)])
            if lowers[a] in ("approved", "initialled", "initialed", "inked") and not (window & AGREEMENT_WORDS):
                return []
            if not (set(lowers[s.a : s.b]) & AGREEMENT_WORDS):
                return []
        if kind == "talks" and lowers[a] in ("meeting", "meetings") and before in ("a", "the") and after in ("of",) and False:
            return []
        if kind == "visit" and lowers[a] in ("trip", "trips", "travel", "travels", "travelled", "traveled", "travelling", "traveling") and "to" not in lowers[b : min(s.b, b + 3)]:
            return []
        clause = self.clause(s, a)
        subject, pronoun, subject_start = self.subject_before(s, a)
        objects, counterparts, object_end = self.objects_after(s, b)
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
        status = self.status(s, max(clause[0], subject_start - 1), min(clause[1], max(b, object_end) + 4))
        when = self.pick_date(s, a, b, clause, prefer_for=status in ("cancelled", "postponed"))
        if not status:
            status = "planned" if when is None or when.first is None or when.first >= self.published else "held"
            if when is not None and when.first is not None and when.first == self.published and lowers[a] in ("met", "held", "signed"):
                status = "held"
        location = self.location_in(s, subject_start, clause[1])

        if kind == "visit":
            return self._visits(s, a, b, subject_keys, status, when, clause)
        if kind == "signing":
            location = location or self._agreement_place(s)
        participants = self.expand(subject_keys + [k for k in object_keys if k not in subject_keys])
        people = [k for k in subject_keys if self.kind_of(k) == "person"]
        if counterparts and len(people) >= 2:
            others = self.expand(object_keys)
            return [MeetingDraft(kind, status, [p, *others], [p], location, when, s, a) for p in people]
        if kind == "press_conference" and len(participants) < 2 and lowers[a] != "joint" and before != "joint":
            return []
        if kind == "call" and not participants:
            return []
        return [MeetingDraft(kind, status, participants, subject_keys, location, when, s, a)]

    def _visits(self, s: Sentence, a: int, b: int, visitors: list[str], status: str, when, clause) -> list[MeetingDraft]:
        i = b
        while i < s.b and self.lowers[i] in ("to", "in", "the", "a", "an", "first", "second", "official", "state", "two-day", "three-day", "surprise"):
            i += 1
        drafts = []
        named_orgs = {m.key for m in self.cast.mentions[self._first_mention(s) : self._end_mention(s)] if self.kind_of(m.key) == "organisation"}
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
            drafts.append(MeetingDraft("visit", status, self.expand(visitors + [h for h in host if h not in visitors]), visitors, name, when, s, a))
            i = j
            while i < s.b and self.lowers[i] in (",", "and", "then", "the"):
                i += 1
            if i == j:
                break
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
                if _is_capitalised(prev) and self.lowers[i - 1] not in CALENDAR_WORDS and self.cast.token_mention[i - 1] < 0 and self.lowers[i - 1] not in ("the", "a", "an"):
                    if i - 2 >= 0 and self.lowers[i - 2] in ("the", "so-called", "called", "-"):
                        return prev
        return ""

    def _merge_in_sentence(self, found: list[MeetingDraft]) -> list[MeetingDraft]:
        out: list[MeetingDraft] = []
        for draft in found:
            for kept in out:
                same_date = (kept.when is None or draft.when is None or kept.when.value == draft.when.value)
                if same_date and draft.kind != "visit" and kept.kind != "visit" and (set(draft.participants) <= set(kept.participants) or set(kept.participants) <= set(draft.participants)) and (draft.participants or not kept.participants):
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
            duplicate = False
            if draft.participants:
                for kept in out:
                    if draft.when is not None and kept.when is not None and draft.when.value != kept.when.value:
                        continue
                    if set(draft.participants) <= set(kept.participants) and (draft.status == kept.status or draft.when is None):
                        if draft.kind == kept.kind or draft.kind in ("visit", "talks") and kept.kind in ("visit", "talks"):
                            duplicate = True
                            kept.when = kept.when or draft.when
                            break
            if not duplicate:
                out.append(draft)
        return out

    # -- drills ---------------------------------------------------------------------------------------

    def drills(self, sentences: list[Sentence]) -> list[DrillDraft]:
        drafts: list[DrillDraft] = []
        for s in sentences:
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
        if name_end is not None:
            k = j + 1
            while k < name_end and (lowers[k] in DRILL_ADJECTIVES or self.cast.token_mention[k] >= 0):
                k += 1
            candidate = self.text[self.tokens[k].start : self.tokens[name_end - 1].end] if k < name_end else ""
            if candidate and not (k == s.a and " " not in candidate and candidate.lower() in DRILL_ADJECTIVES) and (not candidate.isdigit()) and not (k == s.a and lowers[k] in ("the", "a", "an", "ten", "some", "more")):
                name = candidate
        determiner = lowers[j] if j >= s.a else ""
        if determiner == "s" and j >= s.a + 1 and self.texts[j - 1] in ("’", "'"):
            m = self.mention_at(j - 2)
            if m is not None:
                modifiers.append(m)
            determiner = "the"
        name = name or self._name_after(s, b)
        clause = self.clause(s, a)
        subject, pronoun, subject_start = self.subject_before(s, j + 1 if j >= s.a else s.a)
        objects: list[Mention] = []
        k = b
        while k < s.b and k < b + 3 and lowers[k] in (",", "by", "of", "the"):
            k += 1
        if k < s.b and lowers[k] in ("between", "with", "involving", "alongside", "including"):
            objects, _, _ = self.objects_after(s, k)
        participants = self.expand(self.keys(modifiers) + self.keys(subject) + self.keys(objects))
        participants = [p for p in participants if self.kind_of(p) != "person"]
        troops, troop_keys = self._troops(s)
        location = self.location_in(s, subject_start, s.b, extra=("off", "near", "across", "over")) or self._deployment_place(s)
        status = self.status(s, clause[0], clause[1], drill=True)
        start, end, start_p, end_p, date_text = self._drill_dates(s, a, clause)

        current = drafts[-1] if drafts else None
        named_match = next((d for d in reversed(drafts) if name and d.name == name), None)
        anaphoric = determiner in DEFINITE and not name and (
            current is not None and (not participants or not current.participants or set(participants) <= set(current.participants))
        )
        target = named_match
        if target is None and current is not None:
            if anaphoric or (not name and not participants and start is None) or (not name and participants and set(participants) == set(current.participants) and start is None):
                target = current
            elif name and not current.name and (not participants or set(participants) <= set(current.participants)):
                target = current
        if target is not None:
            target.name = target.name or name
            target.troops = target.troops or troops
            target.location = target.location or location
            if not target.participants:
                target.participants = participants or troop_keys
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
        """"exercises, code-named Union Resolve" / "drill dubbed “Zapad-2021”" / "Exercise Cobra Gold"."""
        i = b
        while i < s.b and self.lowers[i] in (",", "code", "-", "codenamed", "code-named", "named", "dubbed", "called", "known", "as", "“", '"', "‘", "'"):
            i += 1
        if i == b and not (b < s.b and _is_capitalised(self.texts[b]) and _is_capitalised(self.texts[b - 1])):
            return ""
        j = i
        while j < s.b and j - i < 5 and (_is_capitalised(self.texts[j]) or self.texts[j][:1].isdigit() or (self.texts[j] == "-" and j > i)) and self.cast.token_mention[j] < 0 and self.lowers[j] not in CALENDAR_WORDS:
            j += 1
        if j > i and self.texts[j - 1] != "-":
            return self.text[self.tokens[i].start : self.tokens[j - 1].end]
        return ""

    def _troops(self, s: Sentence) -> tuple[int | None, list[str]]:
        sentence = self.text[s.start : s.end]
        for rx in (TROOPS, TROOPS_WORDS):
            match = rx.search(sentence)
            if match is None:
                continue
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
        return None, []

    def _deployment_place(self, s: Sentence) -> str:
        for i in range(s.a, s.b - 1):
            if self.lowers[i] in ("deployment", "deployed", "deploying", "deploy", "sent", "stationed") and self.lowers[i + 1] in ("to", "in"):
                name, _, _ = self.place_at(i + 2, s.b)
                if name:
                    return name
        return ""

    def _drill_dates(self, s: Sentence, a: int, clause: tuple[int, int]):
        start: date | None = None
        end: date | None = None
        start_p = end_p = ""
        date_text = ""
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        duration = None
        for d in s.dates:
            low = d.text.lower()
            if d.type == "DURATION" and d.duration_days and lo <= d.start <= hi and d.first is None:
                duration = duration or d
                continue
            if d.type != "DATE" or d.precision in ("ref", "duration"):
                continue
            if low.startswith(("until", "till", "through", "to ")) or self.text[max(0, d.start - 9) : d.start].strip().lower().endswith(("until", "till", "through", "to", "ending", "end")):
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
