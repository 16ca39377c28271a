"""Clause reading: subjects and objects around a word, tense and aspect, places, and who only reports."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date

from tracker.extraction.actors import CALENDAR_WORDS, Cast, Mention, _is_capitalised
from tracker.extraction.dates import TimeExpression
from tracker.extraction.gazetteer import Gazetteer, PhraseIndex, Surface, word_records
from tracker.extraction.sentences import Token


def _index(table: dict[str, str], role: str) -> PhraseIndex:
    index = PhraseIndex()
    for phrase, value in table.items():
        index.add(phrase, Surface(value, role), case_sensitive=False)
    return index


WORDS = word_records("clauses.tsv")


def _set(name: str) -> frozenset[str]:
    return frozenset(pattern for pattern, _ in WORDS[name])


CUES: dict[str, list[str]] = {}
for _phrase, _status in WORDS["cue"]:
    CUES.setdefault(_status, []).append(_phrase)
# "agreed to hold a summit" plans one; "agreed" alone reports something done.
CUES["planned"] += [f"{lead} to {verb}" for lead, _ in WORDS["plan_lead"] for verb, _ in WORDS["plan_verb"]]
CUE_INDEX = PhraseIndex()
for _status, _phrases in CUES.items():
    for _phrase in _phrases:
        CUE_INDEX.add(_phrase, Surface(_status, "cue"), case_sensitive=False)

CLAUSE_OPENERS = _set("clause_openers")
SUBJECT_STOP = CLAUSE_OPENERS | _set("subject_stop")
PRONOUNS = _set("pronouns")
PLURAL_PRONOUNS = _set("plural_pronouns")
GROUP_NOUNS = _set("group_nouns")
COUNTRY_NOUNS = _set("country_nouns")
NUMBER_WORDS_SMALL = {word: int(value) for word, value in WORDS["number_word"]}
# Joins the items of an enumeration: "Serbia, Croatia and Bosnia".
LIST_JOINS = _set("list_joins")
REPORTING = _set("reporting")
REPORTED = re.compile(
    r"\b(?:" + "|".join(sorted(REPORTING)) + r")\s+(?:on\s+|late\s+on\s+|early\s+on\s+)?$",
    re.IGNORECASE,
)
HELD_IN = _set("held_in")
CONNECTORS = _set("connectors")
OBJECT_LEAD = _set("object_lead")
COUNTERPART = _set("counterpart")
TOPIC_PREPOSITIONS = _set("topic_prepositions")
TOPIC_WORDS = _set("topic_lead")
DIRECTION_WORDS = _set("direction_words")
RECENT_TOKENS = 120  # how far back "the leaders" looks for the people it stands for


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    a: int  # first token
    b: int  # one past the last token
    dates: list[TimeExpression]


class ClauseReader:
    """Reads the clauses of one article; everything it needs is computed once in `engine.extract`."""

    def __init__(self, text: str, tokens: list[Token], cast: Cast, gazetteer: Gazetteer, published: date):
        self.text = text
        self.tokens = tokens
        self.lowers = [t.lower for t in tokens]
        self.texts = [t.text for t in tokens]
        self.starts = [t.start for t in tokens]  # for bisection: tokens neither overlap nor go back
        self.ends = [t.end for t in tokens]
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
        topic_after: int | None = None,
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
        if topic_after is not None:
            # "discussed the drill scheduled for June": after the verb, a date "for" something dates the topic.
            after = self.tokens[topic_after - 1].end
            usable = [d for d in usable if d.start < after or not self._after_for(d)]
        if not usable:
            return None
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        anchor = self.tokens[trigger_a].start
        inside = [d for d in usable if d.start >= lo and d.end <= hi]
        if prefer_for:
            scheduled = [d for d in inside or usable if self._after_for(d)]
            if scheduled:
                inside = scheduled
        if not inside:
            opening = [d for d in usable if d.start - s.start < 25]
            inside = opening or (usable if whole else [])
        if not inside:
            return None
        finer = any(d.precision in ("day", "month") for d in inside)
        return min(inside, key=lambda d: (finer and d.precision not in ("day", "month"), abs(d.start - anchor)))

    def _after_for(self, d: TimeExpression) -> bool:
        return self.text[max(0, d.start - 5) : d.start].strip().lower().endswith("for")

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
                if low in GROUP_NOUNS:
                    # "the leaders", "the European leaders": the people just listed together.
                    the = self._definite_before(s, i)
                    listed = self._latest_people(i) if the is not None else []
                    if listed:
                        return listed, None, the
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
                if low in ('"', "”") and (opening := self._quote_opening(s, i)) is not None:
                    i = opening  # a quoted name ("two-plus-two" talks) is one word of the phrase
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

    def _quote_opening(self, s: Sentence, i: int) -> int | None:
        for k in range(i - 1, max(s.a, i - 8) - 1, -1):
            if self.lowers[k] in ('"', "“"):
                return k
        return None

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

    def _definite_before(self, s: Sentence, i: int) -> int | None:
        """The "the" that opens the noun phrase ending at token i, over at most two words between."""
        for k in range(i - 1, max(s.a, i - 3) - 1, -1):
            low = self.lowers[k]
            if low == "the":
                return k
            if low in SUBJECT_STOP or not low.isalpha() or low in GROUP_NOUNS:
                return None
        return None

    def _latest_people(self, before: int) -> list[Mention]:
        """The coordinated list of two to four people that ends nearest before token `before`, when near."""
        lists = [self._enumeration(before, n, people=True) for n in (2, 3, 4)]
        listed = max((run for run in lists if run), key=lambda run: run[-1].b, default=[])
        return listed if listed and before - listed[-1].b < RECENT_TOKENS else []

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
        if j < end and j > i and self.cast.token_mention[j] >= 0 and _is_capitalised(self.texts[j]):
            return "", i, None  # "the Grand Kremlin Palace": a longer name around a known one, not read here
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
