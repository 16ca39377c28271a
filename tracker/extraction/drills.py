"""Drills: find the words that report an exercise, read each report, then gather the reports of one exercise.

An article usually reports one or two exercises many times over ("Exercise X began on Monday ... the drills
involve 3,000 troops ... X runs through June 12"). Each mention is read on its own (name, sides, place,
dates, troops, status); then mentions of one name, and the unnamed ones that refer back, become one drill.
Everything is linear in the length of the article: drills are looked up by name, never by comparing drafts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from tracker.extraction.actors import CALENDAR_WORDS, NOT_NAME_WORDS, Mention, _is_capitalised
from tracker.extraction.clauses import CUE_INDEX, Sentence, _index, _precision
from tracker.extraction.gazetteer import DATA
from tracker.extraction.meetings import DEFINITE, DISCUSS, Reader


@cache
def words() -> dict[str, frozenset[str]]:
    """The drill word lists of data/drills.tsv, read once per process."""
    lists: dict[str, frozenset[str]] = {}
    for line in (DATA / "drills.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, values = line.split("\t", 1)
            lists[name] = frozenset(v.strip() for v in values.split(";") if v.strip())
    return lists


W = words()
DRILL_TRIGGERS = _index(dict.fromkeys(W["triggers"], "drill"), "drill")
DRILL_ADJECTIVES = W["adjectives"]
NOT_DRILL_BEFORE = W["not_before"]
NOT_DRILL_AFTER = W["not_after"]
BACKGROUND = W["background"]
GENERIC = W["generic"]
DISTINCT = W["distinct"]
FORCES = W["forces"]
FORCE_MODIFIERS = W["force_modifiers"]
PARTIES = W["parties"]
DRILL_VERBS = W["verbs"]
AUXILIARIES = W["auxiliaries"]
LIST_JOINS = W["list_joins"]
BY_VERBS = W["by_verbs"]
IRREALIS = W["irrealis"]
DRILL_CUT = frozenset("despite amid although though because whereas while but".split())
NAME_LEADS = frozenset(
    [",", "code", "-", "codenamed", "code-named", "named", "dubbed", "called", "known", "as", "“", '"', "‘", "'"]
)
TAKING_PART = re.compile(
    r"\b(?:involved|involve|involves|involving|taking part|take part|took part|participating|participate|participated|engaged|deployed for)\b",
    re.IGNORECASE,
)
TROOPS = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?P<mult>million|thousand))?"
    r"\s+(?P<mods>(?:[A-Za-z][\w.-]*\s+){0,3}?)"
    r"(?:troops|soldiers|personnel|servicemen|servicemembers|service\s+members|sailors|marines|airmen|paratroopers|military\s+personnel)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000}
TROOPS_WORDS = re.compile(
    r"\b(?P<num>ten|twenty|thirty|forty|fifty|a hundred|one hundred)\s+thousand\s+(?P<mods>(?:[A-Za-z][\w-]*\s+){0,2}?)(?:troops|soldiers|personnel|servicemen|sailors|marines)\b",
    re.IGNORECASE,
)
# "Cobra Gold 15", "BALTOPS 24", "Exercise X 2023", "RT19": the edition a name ends with.
EDITION = re.compile(r"(?:19|20)\d\d|\d\d|[IVXL]+|[A-Z]+\d\d")
TRAILING_DIGITS = re.compile(r"\d+$")
ROMAN = re.compile(r"[IVXL]+")
STATE_ROLES = ("name", "demonym", "seat")
STRONG = frozenset(["ongoing", "planned", "cancelled", "postponed"])
RECENT_SENTENCES = 3


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
    key: str = ""
    year: int | None = None
    first: int = 0  # number of the first sentence that mentions it
    last: int = 0  # number of the last sentence that mentions it
    ranged: bool = False  # start and end read from one range ("June 5 to 20"), not from a duration
    own_sides: bool = False  # participants read from the text around the drill, not guessed from the sentence


@dataclass(slots=True)
class DrillMention:
    """One report of a drill: what a single sentence says about it."""

    sentence: Sentence
    number: int
    name: str
    key: str
    year: int | None
    definite: bool
    generic: bool
    distinct: bool
    participants: list[str]
    troops: int | None
    location: str
    status: str
    start: date | None
    end: date | None
    start_precision: str
    end_precision: str
    date_text: str
    ranged: bool
    signal: bool
    quoted: bool
    aliases: list[str] = field(default_factory=list)
    days: int | None = None  # "the five-day exercise"


def name_key(name: str) -> tuple[str, int | None, str]:
    """ "Exercise Cobra Gold 15" -> ("cobra gold", 2015, ""); "RT19" -> ("rt", 2019, "").

    The key leaves out the edition, so every mention of one exercise series meets under it; the year
    tells editions apart.
    """
    parts = [p for p in re.split(r"[\s“”\"‘’']+", name) if p]
    if parts and parts[0].lower() in ("exercise", "exercises", "operation"):
        parts = parts[1:]
    year = None
    while (
        len(parts) > 1
        and EDITION.fullmatch(parts[-1])
        and not parts[-1].isalpha()
        or (len(parts) > 1 and ROMAN.fullmatch(parts[-1]))
    ):
        year = year or _year_of(parts[-1])
        parts = parts[:-1]
    if len(parts) == 1:
        match = re.fullmatch(r"([A-Za-z]+)[- ]?(\d\d(?:\d\d)?)", parts[0])
        if match:
            parts, year = [match.group(1)], _year_of(match.group(2))
    return " ".join(p.lower().strip("-") for p in parts), year, ""


def _year_of(token: str) -> int | None:
    digits = re.sub(r"\D", "", token)
    if len(digits) == 4:
        return int(digits)
    if len(digits) == 2:
        return 2000 + int(digits)
    return None


class DrillReader:
    """Reads the drills of one article, with the shared `Reader` for clauses, actors, places and status."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.text = reader.text
        self.tokens = reader.tokens
        self.lowers = reader.lowers
        self.texts = reader.texts
        self.cast = reader.cast
        self.published = reader.published
        self.quoted = self._quoted_tokens()
        self._days: int | None = None

    # -- the article ----------------------------------------------------------------------------------

    def drills(self, sentences: list[Sentence]) -> list[DrillDraft]:
        mentions: list[DrillMention] = []
        spans: list[set[int]] = [set() for _ in sentences]
        for number, s in enumerate(sentences):
            i = s.a
            while i < s.b:
                hit = DRILL_TRIGGERS.match(self.lowers, self.texts, i)
                if hit is None:
                    i += 1
                    continue
                a, b = i, i + hit[0]
                i = b
                if self.cast.token_mention[a] >= 0 or not self._is_drill(s, a, b):
                    continue
                mention = self._read(s, number, a, b, spans[number])
                if mention is None:
                    continue
                if not mentions and not mention.key and mention.definite and number > 0:
                    # "X 24 kicked off in Helsinki. ... the two-week exercise": the name came just before.
                    before = sentences[number - 1]
                    name, span = self._edition_name(before)
                    named = self._read(before, number - 1, *span, spans[number - 1], name_span=span) if name else None
                    if named is not None and (named.participants or mention.participants):
                        mentions.append(named)
                mentions.append(mention)
        mentions += self._name_only(sentences, mentions, spans)
        mentions.sort(key=lambda m: m.number)
        drafts = self._gather(mentions)
        self._troops_nearby(sentences, drafts)
        for draft in drafts:
            if not draft.participants:
                draft.participants = self._sides_nearby(sentences, draft)
        # Another edition of the same exercise ("X was cancelled ... X scheduled for next year"): the same sides.
        sides = {d.key: d.participants for d in drafts if d.key and d.participants}
        for draft in drafts:
            if not draft.participants and draft.key in sides:
                draft.participants = list(sides[draft.key])
        return drafts

    def _gather(self, mentions: list[DrillMention]) -> list[DrillDraft]:
        """One drill per exercise: a name meets its earlier mentions; an unnamed report refers back."""
        drafts: list[DrillDraft] = []
        by_key: dict[str, DrillDraft] = {}
        current: DrillDraft | None = None
        for m in mentions:
            target: DrillDraft | None = None
            if m.key:
                known = by_key.get(m.key)
                if known is not None and not self._other_edition(known, m):
                    target = known
                elif (
                    known is None
                    and current is not None
                    and not current.key
                    and (m.definite or m.number - current.last <= RECENT_SENTENCES)
                    and self._compatible(current, m)
                ):
                    target = current
            elif current is not None and not m.distinct:
                if m.definite or m.quoted or m.generic:
                    target = current
                elif self._compatible(current, m):
                    target = current
            if target is None:
                if not m.key and (m.quoted or m.generic or not m.signal):
                    continue
                target = self._new(m)
                drafts.append(target)
            else:
                self._merge(target, m)
            if m.key:
                target.key = target.key or m.key
                by_key.setdefault(m.key, target)
                if by_key[m.key] is not target and by_key[m.key].year != target.year:
                    by_key[m.key] = target
            for alias in m.aliases:
                by_key.setdefault(alias, target)
            current = target
        return drafts

    def _other_edition(self, known: DrillDraft, m: DrillMention) -> bool:
        """ "X 2023" is not "X 2024"; nor is a cancelled X the X "scheduled for next year"."""
        if known.year and m.year and known.year != m.year:
            return True
        later = m.start is not None and m.start.year > self.published.year
        return later and known.status in ("cancelled", "held") and known.start is None

    def _compatible(self, draft: DrillDraft, m: DrillMention) -> bool:
        if draft.participants and m.participants and not set(draft.participants) & set(m.participants):
            return False
        if m.status in ("cancelled", "postponed") and draft.status and draft.status not in ("cancelled", "postponed"):
            return m.definite
        if draft.start is not None and m.start is not None and m.start_precision == "day" == draft.start_precision:
            if abs((draft.start - m.start).days) > 31 and not m.definite:
                return False
        return True

    def _new(self, m: DrillMention) -> DrillDraft:
        return DrillDraft(
            name=m.name,
            status=m.status,
            participants=list(m.participants),
            location=m.location,
            start=m.start,
            end=m.end,
            start_precision=m.start_precision,
            end_precision=m.end_precision,
            date_text=m.date_text,
            troops=m.troops,
            sentence=m.sentence,
            mentions=[m.sentence],
            explicit_status=bool(m.status),
            key=m.key,
            year=m.year,
            first=m.number,
            last=m.number,
            ranged=m.ranged,
            own_sides=bool(m.participants),
        )

    def _merge(self, target: DrillDraft, m: DrillMention) -> None:
        target.name = target.name or m.name
        if m.name and len(m.name) > len(target.name) and name_key(m.name)[0] == target.key:
            target.name = m.name
        target.year = target.year or m.year
        target.troops = target.troops or m.troops
        if target.end is None and m.days and target.start is not None and target.start_precision == "day":
            target.end, target.end_precision = target.start + timedelta(days=m.days - 1), "day"
        target.location = target.location or m.location
        target.participants += [k for k in m.participants if k not in target.participants]
        target.own_sides = target.own_sides or bool(m.participants)
        if m.start is not None and (
            target.start is None
            or (m.ranged and not target.ranged and m.start <= target.start and (m.end is None or target.start <= m.end))
        ):
            target.start, target.start_precision = m.start, m.start_precision
            target.date_text = m.date_text or target.date_text
            if m.ranged:
                target.end, target.end_precision, target.ranged = m.end, m.end_precision, True
        if m.end is not None and (target.end is None or (m.ranged and not target.ranged)):
            target.end, target.end_precision = m.end, m.end_precision
            target.ranged = target.ranged or m.ranged
        if m.status == "cancelled" or (m.status and not target.explicit_status and not m.quoted):
            target.status, target.explicit_status = m.status, True
        if target.mentions[-1] is not m.sentence:
            target.mentions.append(m.sentence)
        target.last = m.number

    def _name_only(
        self, sentences: list[Sentence], mentions: list[DrillMention], spans: list[set[int]]
    ) -> list[DrillMention]:
        """Later sentences that name a known exercise without the word "exercise" ("X runs through June 12")."""
        firsts: dict[str, list[tuple[str, ...]]] = {}
        for m in mentions:
            for key in (m.key, *m.aliases):
                if key:
                    words_ = tuple(key.split())
                    firsts.setdefault(words_[0], []).append(words_)
        if not firsts:
            return []
        found: list[DrillMention] = []
        for number, s in enumerate(sentences):
            taken = spans[number]
            t = s.a
            while t < s.b:
                low = self.lowers[t]
                first = firsts.get(low) or firsts.get(TRAILING_DIGITS.sub("", low))
                if first is None or t in taken or not _is_capitalised(self.texts[t]):
                    t += 1
                    continue
                length = next((len(w) for w in first if tuple(self.lowers[t : t + len(w)]) == w), 0)
                if not length:
                    length = 1 if any(len(w) == 1 and TRAILING_DIGITS.sub("", low) == w[0] for w in first) else 0
                if not length:
                    t += 1
                    continue
                end = t + length
                while end < s.b and end - t < 6 and EDITION.fullmatch(self.texts[end]):
                    end += 1
                mention = self._read(s, number, t, end, taken, name_span=(t, end))
                if mention is not None:
                    found.append(mention)
                t = end
        return found

    def _troops_nearby(self, sentences: list[Sentence], drafts: list[DrillDraft]) -> None:
        """ "Some 200,000 personnel are involved": the drill just reported, even without the word."""
        if not drafts:
            return
        by_sentence = {}
        for draft in drafts:
            for s in draft.mentions:
                by_sentence[s.start] = draft
        current: DrillDraft | None = None
        last = -10
        for number, s in enumerate(sentences):
            if s.start in by_sentence:
                current, last = by_sentence[s.start], number
                continue
            if (
                current is not None
                and number - last <= 2
                and current.troops is None
                and TAKING_PART.search(self.text[s.start : s.end])
            ):
                troops, _ = self._troops(s)
                if troops:
                    current.troops = troops

    def _sides_nearby(self, sentences: list[Sentence], draft: DrillDraft) -> list[str]:
        """No sides read around the drill: the states its sentences name, else the closest sentence before."""
        for s in draft.mentions:
            keys = self._states_in(s, s.a, s.b)
            if keys:
                return keys
        # "They agreed to hold the exercise": only a sentence that refers back looks back.
        s = draft.sentence
        if not set(self.lowers[s.a : min(s.b, s.a + 3)]) & {"they", "their", "both"}:
            return []
        first = draft.first
        for n in range(first - 1, max(-1, first - 1 - RECENT_SENTENCES), -1):
            keys = self._states_in(sentences[n], sentences[n].a, sentences[n].b)
            if keys:
                return keys
        return []

    def _states_in(self, s: Sentence, a: int, b: int) -> list[str]:
        keys: list[str] = []
        for m in self._mentions_between(a, b):
            before = self.lowers[m.a - 1] if m.a > s.a else ""
            if before == "the" and m.a - 2 >= s.a:
                before = self.lowers[m.a - 2]
            if before in ("in", "at", "near", "off", "to", "across", "into", "from"):
                continue  # a place, not a side
            if m.role in STATE_ROLES and self.reader.kind_of(m.key) in ("state", "organisation", "group"):
                keys.append(m.key)
        return self.reader.expand(keys)

    # -- one mention ----------------------------------------------------------------------------------

    def _is_drill(self, s: Sentence, a: int, b: int) -> bool:
        before = self.lowers[a - 1] if a > s.a else ""
        after = self.lowers[b] if b < s.b else ""
        if self.lowers[a] in ("exercise", "drill") and (before in NOT_DRILL_BEFORE or after in NOT_DRILL_AFTER):
            return False
        if self.lowers[a].startswith("man") and before in NOT_DRILL_BEFORE:
            return False
        # "Director of Exercises and Training": a capitalised drill word inside some other name.
        if (
            _is_capitalised(self.texts[a])
            and a > s.a
            and not (b < s.b and (_is_capitalised(self.texts[b]) or self.texts[b] in ("“", '"')))
            and before not in ("the", "a", "an", "dubbed", "named", "called")
        ):
            return False
        return True

    def _read(
        self, s: Sentence, number: int, a: int, b: int, taken: set[int], name_span: tuple[int, int] = (0, 0)
    ) -> DrillMention | None:
        lowers = self.lowers
        modifiers: list[Mention] = []
        name = ""
        j = a - 1
        if not name_span[1]:
            # Walk left over the adjectives and name that modify the drill word.
            name_end = None
            while j >= s.a:
                m = self.reader.mention_at(j)
                if m is not None and m.role in STATE_ROLES and self.reader.kind_of(m.key) != "person":
                    modifiers.append(m)
                    j = m.a - 1
                    continue
                if lowers[j] in DRILL_ADJECTIVES or lowers[j] in ("-", "–") or (lowers[j] == "own" and j > s.a):
                    j -= 1
                    continue
                if lowers[j] in DEFINITE or lowers[j] in ("a", "an", "its", "their", "his", "her", "of", "in", "and"):
                    break
                if _is_capitalised(self.texts[j]) or self.texts[j][:1].isdigit():
                    if name_end is None:
                        name_end = j + 1
                    j -= 1
                    continue
                break
            if name_end is not None:
                k = j + 1
                while k < name_end and (
                    (lowers[k] in DRILL_ADJECTIVES and (not _is_capitalised(self.texts[k]) or k == s.a))
                    or self.cast.token_mention[k] >= 0
                ):
                    k += 1
                name, name_span = self._name_words(s, k, name_end)
            if not name:
                name, name_span = self._name_after(s, a, b)
            if not name:
                name, name_span = self._name_in_apposition(s, j)
            if not name:
                name, name_span = self._edition_name(s)
        else:
            name = self.text[self.tokens[name_span[0]].start : self.tokens[name_span[1] - 1].end]
            j = name_span[0] - 1
            if j >= s.a and lowers[j] == "exercise":
                j -= 1
        if name_span[1]:
            taken.update(range(name_span[0], name_span[1]))
        window = lowers[max(s.a, j - 3) : j + 1]
        if (
            name_span[1]
            and name_span[0] >= 2
            and lowers[name_span[0] - 1] == "as"
            and lowers[name_span[0] - 2] == "known"
        ):
            return None  # "formerly known as X": an old name
        background = any(w in BACKGROUND for w in window) or self._last_years(j)
        if background:
            return None
        determiner = lowers[j] if j >= s.a else ""
        if determiner == "s" and j >= s.a + 1 and self.texts[j - 1] in ("’", "'"):
            m = self.reader.mention_at(j - 2)
            if m is not None:
                modifiers.append(m)
            determiner = "the"
        key, year, _ = name_key(name) if name else ("", None, "")
        aliases = self._acronym_after(s, name_span[1]) if name_span[1] else []
        if aliases:
            taken.update(range(name_span[1], name_span[1] + 3))
        clause = self.drill_clause(s, a)
        plural = lowers[b - 1].endswith("s") and lowers[b - 1] not in ("exercise", "maneuvers", "manoeuvres")
        generic = any(w in GENERIC for w in window) or (
            j >= s.a + 1 and lowers[j] == "of" and lowers[j - 1] in ("one", "some", "many", "most", "all")
        )
        distinct = any(w in DISTINCT for w in lowers[max(s.a, j - 2) : a])
        definite = determiner in DEFINITE or determiner in ("its", "their")
        sides = self._sides(s, a, b, j, clause, modifiers, name_span)
        troops, troop_keys = self._troops(s)
        location = self._location(s, a, b, j, name_span, clause, whole=bool(name) or not definite)
        status = self._status(s, clause[0], clause[1])
        start, end, start_p, end_p, date_text, ranged = self._drill_dates(s, a, clause, name_span)
        if start is None and end is None:
            start = self._bare_year(s, clause, name_span)
            start_p, date_text = ("year", str(start.year)) if start is not None else ("", "")
        if self._for_the_drill(s, a, name_span):
            # "a planning conference for X on Jan. 23-27": the dates and status of something done for the drill.
            start = end = None
            start_p = end_p = date_text = status = ""
            ranged = False
        if not name and plural and not definite and not modifiers and start is None and not status:
            generic = True
        signal = (
            start is not None
            or end is not None
            or troops is not None
            or status in STRONG
            or (bool(status) and bool(sides))
        )
        return DrillMention(
            sentence=s,
            number=number,
            name=name,
            key=key,
            year=year,
            definite=definite,
            generic=generic and not name,
            distinct=distinct,
            participants=sides or troop_keys,
            troops=troops,
            location=location,
            status=status,
            start=start,
            end=end,
            start_precision=start_p,
            end_precision=end_p,
            date_text=date_text,
            ranged=ranged,
            signal=signal,
            quoted=self.quoted[a],
            aliases=aliases,
            days=self._days,
        )

    def _for_the_drill(self, s: Sentence, a: int, name_span: tuple[int, int]) -> bool:
        """A name that only says what something else is for ("preparations for X", "a conference for X")."""
        t = (name_span[0] if name_span[1] else a) - 1
        if t >= s.a and self.lowers[t] == "the":
            t -= 1
        if t < s.a or self.lowers[t] != "for":
            return False
        return any(
            self.lowers[k] in ("conference", "conferences", "preparations", "planning", "meeting", "talks")
            for k in range(max(s.a, t - 4), t)
        )

    def _bare_year(self, s: Sentence, clause: tuple[int, int], name_span: tuple[int, int]) -> date | None:
        """ "the exercise scheduled for 2021": a year the date reader leaves alone, when it lies ahead."""
        for t in range(clause[0] + 1, clause[1]):
            text = self.texts[t]
            if name_span[0] <= t < name_span[1] or not (len(text) == 4 and text.isdigit()):
                continue
            if self.lowers[t - 1] in ("for", "in") and self.published.year <= int(text) <= self.published.year + 5:
                if not any(d.start <= self.tokens[t].start < d.end for d in s.dates):
                    return date(int(text), 1, 1)
        return None

    def _last_years(self, j: int) -> bool:
        """ "last year's exercise": an earlier edition."""
        return (
            j >= 3
            and self.lowers[j] == "s"
            and self.texts[j - 1] in ("’", "'")
            and self.lowers[j - 2] == "year"
            and self.lowers[j - 3] in ("last", "previous")
        )

    # -- names ------------------------------------------------------------------------------------------

    def _name_words(self, s: Sentence, k: int, end: int) -> tuple[str, tuple[int, int]]:
        """The name in tokens k..end, unless it is a lone word that opens the sentence or no name at all."""
        if k >= end:
            return "", (0, 0)
        candidate = self.text[self.tokens[k].start : self.tokens[end - 1].end]
        if candidate.isdigit() or not any(_is_capitalised(t) for t in self.texts[k:end]):
            return "", (0, 0)
        if end - k == 1 and not any(c.isdigit() for c in candidate):
            if k == s.a or self.lowers[k] in NOT_NAME_WORDS or self.lowers[k] in CALENDAR_WORDS:
                return "", (0, 0)
        return candidate, (k, end)

    def _name_after(self, s: Sentence, a: int, b: int) -> tuple[str, tuple[int, int]]:
        """ "exercises, code-named Union Resolve" / "drill dubbed “Zapad-2021”" / "exercise Cobra Gold 15"."""
        i = b
        while i < s.b and i - b < 4 and self.lowers[i] in NAME_LEADS:
            i += 1
        if i == b and not (b < s.b and _is_capitalised(self.texts[b]) and self.lowers[b - 1] in ("exercise", "drill")):
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
            if j - i == 1 and self.lowers[i] in NOT_NAME_WORDS:
                return "", (0, 0)
            return self.text[self.tokens[i].start : self.tokens[j - 1].end], (i, j)
        return "", (0, 0)

    def _name_in_apposition(self, s: Sentence, j: int) -> tuple[str, tuple[int, int]]:
        """ "Cold Response 2022, a Norwegian-led exercise" / "X — an exercise that ...": the name before."""
        if j < s.a + 2 or self.lowers[j] not in ("a", "an", "the"):
            return "", (0, 0)
        mark = self.lowers[j - 1]
        if mark == "is" and j - 2 >= s.a:
            end = j - 1  # "X is an annual exercise"
        elif mark in (",", "—", "–", "-", "("):
            end = j - 1
        else:
            return "", (0, 0)
        k = end
        while (
            k > s.a
            and end - k < 5
            and (_is_capitalised(self.texts[k - 1]) or self.texts[k - 1].isdigit() or self.texts[k - 1] == "-")
            and self.cast.token_mention[k - 1] < 0
        ):
            k -= 1
        if k >= end or not any(_is_capitalised(t) for t in self.texts[k:end]):
            return "", (0, 0)
        before = self.lowers[k - 1] if k > s.a else ""
        if mark == "is" and k > s.a:
            return "", (0, 0)
        dash = mark in ("—", "–", "-")
        if mark != "is" and not (dash or before in ("in", "of", "during", "as", "is", "was", "for") or k == s.a):
            return "", (0, 0)
        return self._name_words(s, k, end) if end - k > 1 or k > s.a else self._single_name(s, k, end)

    def _single_name(self, s: Sentence, k: int, end: int) -> tuple[str, tuple[int, int]]:
        word = self.texts[k]
        if self.lowers[k] in NOT_NAME_WORDS or self.lowers[k] in CALENDAR_WORDS or not word[:1].isupper():
            return "", (0, 0)
        return word, (k, end)

    def _edition_name(self, s: Sentence) -> tuple[str, tuple[int, int]]:
        """ "the opening ceremony of Rapid Trident 2019": capitalised words and an edition, in a drill sentence."""
        for t in range(s.a + 1, s.b):
            if not (self.texts[t].isdigit() and len(self.texts[t]) in (2, 4)) or self.cast.token_mention[t] >= 0:
                continue
            if t + 1 < s.b and self.texts[t + 1] in ("-", "–") or t + 1 < s.b and self.texts[t + 1] == ",":
                if t + 2 < s.b and self.texts[t + 2].isdigit():
                    continue
            k = t
            while (
                k > s.a
                and t - k < 4
                and _is_capitalised(self.texts[k - 1])
                and self.cast.token_mention[k - 1] < 0
                and self.lowers[k - 1] not in CALENDAR_WORDS
                and self.lowers[k - 1] not in NOT_NAME_WORDS
                and self.lowers[k - 1] not in ("exercise", "exercises")
            ):
                k -= 1
            if k < t and not (k >= 2 and self.lowers[k - 1] == "as" and self.lowers[k - 2] == "known"):
                if self.lowers[k - 1] in ("in", "since", "until", "by", "from") and len(self.texts[t]) == 4:
                    continue
                return self.text[self.tokens[k].start : self.tokens[t].end], (k, t + 1)
        return "", (0, 0)

    def _acronym_after(self, s: Sentence, end: int) -> list[str]:
        """ "Cutlass Express 2023 (CE23)": the short name, for later mentions."""
        if end + 2 < s.b and self.texts[end] == "(" and self.texts[end + 2] == ")":
            word = self.texts[end + 1]
            if word[:1].isupper() and len(word) <= 8 and word.upper()[:2] == word[:2]:
                return [name_key(word)[0]]
        return []

    # -- sides, place, status -------------------------------------------------------------------------

    def _sides(
        self,
        s: Sentence,
        a: int,
        b: int,
        j: int,
        clause: tuple[int, int],
        modifiers: list[Mention],
        name_span: tuple[int, int],
    ) -> list[str]:
        lowers = self.lowers
        found: list[Mention] = list(reversed(modifiers))
        after = max(b, name_span[1])
        # "exercises with A", "an exercise conducted annually between A and B", "drills involving A and B"
        for k in range(after, min(s.b, clause[1], after + 12)):
            if lowers[k] in ("between", "involving", "alongside", "including", "among") or (
                lowers[k] == "with" and k < after + 4
            ):
                found += self._list_at(s, k + 1)
                break
        # "hosted by Thailand", "led by X": anywhere in the drill's clause.
        for t in range(clause[0], clause[1] - 1):
            if lowers[t + 1] == "by" and lowers[t] in BY_VERBS:
                found += self._list_at(s, t + 2)
        # "its annual drills": the state the possessive stands for.
        if j >= s.a and lowers[j] in ("its", "their") and not modifiers:
            owner = self._owner_before(s, j)
            if owner is not None:
                found.append(owner)
        found += self._subject(s, a, name_span)
        # "spans sites in A, B and C": the states a drill is held in, when it names several, host it together.
        for k in range(after, min(s.b, clause[1])):
            if lowers[k] == "in":
                listed = [m for m in self._list_at(s, k + 1) if self.reader.kind_of(m.key) == "state"]
                if len({m.key for m in listed}) >= 2:
                    found += listed
                    break
        # "A and B discussed the coming exercise": who plan a drill together take part in it.
        for k in range(clause[0], a):
            if lowers[k] in DISCUSS:
                found += self.reader.subject_before(s, k)[0]
                break
        for t in range(s.a, s.b):
            low = lowers[t]
            if self.cast.token_mention[t] >= 0:
                continue
            if low in FORCES or low in PARTIES:
                # "troops from A, B and C", "forces from 14 nations including A and B"
                if t + 1 < s.b and lowers[t + 1] == "from":
                    found += self._list_at(s, t + 2)
                if low in FORCES:
                    found += self._list_before(s, t)
            elif low in ("including", ":") and t > s.a and self._forces_before(s, t):
                found += self._list_at(s, t + 1)
        keys: list[str] = []
        for m in found:
            key = m.key
            if m.role == "person":
                key = self.cast.actors[key].affiliation if key in self.cast.actors else ""
                if not key or self.reader.kind_of(key) != "state":
                    continue
            elif self.reader.kind_of(key) == "person":
                continue
            if key not in keys:
                keys.append(key)
        return self.reader.expand(keys)

    def _forces_before(self, s: Sentence, t: int) -> bool:
        return any(
            self.lowers[k] in FORCES or self.lowers[k] in PARTIES or self.lowers[k] in ("participate", "join")
            for k in range(max(s.a, t - 14), t)
        )

    def _list_at(self, s: Sentence, t: int) -> list[Mention]:
        """The states and organisations listed from token t: "Argentina, Chile and the United States", "the Royal
        Australian Navy (RAN), Japan's navy and ..."."""
        out: list[Mention] = []
        depth = 0
        unknown = 0
        while t < s.b:
            m = self.reader.mention_at(t)
            low = self.lowers[t]
            if m is not None:
                if m.role in STATE_ROLES or m.role in ("person", "capital"):
                    out.append(m)
                unknown = 0
                t = m.b
                continue
            if low == "(":
                depth += 1
            elif low == ")":
                depth -= 1
            elif depth > 0 or low in LIST_JOINS or low in FORCES or low in PARTIES or low in DRILL_ADJECTIVES:
                pass
            elif _is_capitalised(self.texts[t]) or self.texts[t][:1].isdigit() or low in ("-", "’", "'", "s", "of"):
                unknown += 1
                if unknown > 6:
                    break
            else:
                break
            t += 1
        return out

    def _list_before(self, s: Sentence, t: int) -> list[Mention]:
        """ "U.S., Thai and Indian soldiers", "Thai and U.S. Forces": demonyms and names right before forces."""
        out: list[Mention] = []
        k = t - 1
        while k >= s.a:
            m = self.reader.mention_at(k)
            if m is not None:
                if m.role not in STATE_ROLES:
                    break
                out.append(m)
                k = m.a - 1
                continue
            if (
                self.lowers[k] in LIST_JOINS
                or self.lowers[k] in DRILL_ADJECTIVES
                or self.lowers[k] in FORCE_MODIFIERS
                or (_is_capitalised(self.texts[k]) and self.lowers[k] in NOT_NAME_WORDS and not out)
            ):
                if self.lowers[k] == "the" and out:
                    break
                k -= 1
                continue
            break
        out.reverse()
        return out

    def _subject(self, s: Sentence, a: int, name_span: tuple[int, int]) -> list[Mention]:
        """ "The United States, Jordan and 28 partner nations opened the exercise": the sides that run it.

        Only a subject at the head of the sentence whose verb is one that runs a drill, so "Russia criticised
        the drills" gives nothing.
        """
        items: list[Mention] = []
        t = s.a
        # "TAMPA, Fla. – The United States ...": the dateline is not the subject.
        for k in range(s.a, min(a, s.a + 8)):
            if self.lowers[k] in ("–", "—") or (self.lowers[k] == "-" and k + 1 < a and self.lowers[k + 1] == "-"):
                t = k + 1
                while t < a and self.lowers[t] in ("-", "–", "—"):
                    t += 1
                break
        skipped = 0
        while t < a:
            m = self.reader.mention_at(t)
            if m is not None:
                if m.role in ("city", "place") and not items:
                    return []
                items.append(m)
                t = m.b
                continue
            low = self.lowers[t]
            if items and low in DRILL_VERBS:
                break
            if (
                low in LIST_JOINS
                or low in FORCES
                or low in PARTIES
                or low in DRILL_ADJECTIVES
                or low.isdigit()
                or low in ("partner", "its", "their", "regional")
            ):
                t += 1
                continue
            if _is_capitalised(self.texts[t]) and (items or t == s.a) and skipped < 4:
                skipped += 1
                t += 1
                continue
            if low == "from" or low == "(" or low == ")":
                t += 1
                continue
            break
        if not items:
            return []
        aux = 0
        while t < a and self.lowers[t] in AUXILIARIES and aux < 4:
            t += 1
            aux += 1
        if t < a and self.lowers[t] in DRILL_VERBS:
            return items
        return []

    def _owner_before(self, s: Sentence, j: int) -> Mention | None:
        """ "for the South to call off its drills": the state "its" stands for."""
        for k in range(j - 1, max(s.a - 1, j - 12), -1):
            if self.lowers[k] in ("north", "south") and k > s.a and self.lowers[k - 1] == "the":
                key = self._half_state(self.lowers[k])
                if key:
                    return Mention(k, k + 1, self.tokens[k].start, self.tokens[k].end, key, "name", self.texts[k])
            m = self.reader.mention_at(k)
            if m is not None and (m.role in STATE_ROLES or m.role == "capital"):
                return m
        return None

    def _half_state(self, half: str) -> str:
        """ "the South" in a story about North and South Korea: the state of that half already named."""
        for m in self.cast.mentions:
            if m.role in ("name", "demonym") and m.text.lower().startswith(half + " "):
                return m.key
        return ""

    def _location(
        self, s: Sentence, a: int, b: int, j: int, name_span: tuple[int, int], clause: tuple[int, int], *, whole: bool
    ) -> str:
        """Where the drill is held: after it in its clause ("in the Black Sea"), before it, or where forces deploy.

        A drill referred back to ("the drills come amid disputes in the South China Sea") takes a place only
        from right after it, so the place of some other matter stays out.
        """
        places = ("off", "near", "across", "over")
        after = max(b, name_span[1])
        water = self._water(s, after, max(clause[1], after + 1))
        if water:
            return water
        if not whole:
            # "the drills are taking place at training grounds in X" still says where the drill is.
            staged = set(self.lowers[after : min(s.b, after + 4)]) & {"place", "held", "hosted", "staged", "conducted"}
            reach = max(clause[1], after + 1) if staged else min(s.b, after + 5)
            return self.reader.location_in(s, after, reach, extra=places, skip=name_span) or self._deployment_place(s)
        return (
            self.reader.location_in(s, after, max(clause[1], after + 1), extra=places, skip=name_span)
            or self.reader.location_in(s, s.a, max(s.a, j), extra=places, skip=name_span)
            or self._deployment_place(s)
            or self._host(s)
        )

    def _water(self, s: Sentence, a: int, b: int) -> str:
        """ "in the Sea of Japan", "off the Gulf of Guinea": a sea named after a state is a place, not the state."""
        for t in range(a, min(b, s.b) - 3):
            if self.lowers[t] not in ("in", "off", "near", "across", "over") or self.lowers[t + 1] != "the":
                continue
            k = t + 2
            while k < s.b and _is_capitalised(self.texts[k]) and self.cast.token_mention[k] < 0 and k - t < 5:
                k += 1
            if k > t + 2 and k + 1 < s.b and self.lowers[k] == "of" and _is_capitalised(self.texts[k + 1]):
                m = self.reader.mention_at(k + 1)
                end = m.b if m is not None else k + 2
                return self.text[self.tokens[t + 2].start : self.tokens[end - 1].end]
        return ""

    def _host(self, s: Sentence) -> str:
        """ "a Norwegian-led exercise", "hosted by Thailand": the host's territory, when nothing else says where."""
        for t in range(s.a, s.b - 2):
            m = self.reader.mention_at(t)
            if m is None or m.a != t or m.role not in STATE_ROLES or self.reader.kind_of(m.key) != "state":
                continue
            hosted = m.b + 1 < s.b and self.lowers[m.b] == "-" and self.lowers[m.b + 1] in ("led", "hosted")
            hosted = hosted or (
                m.a >= s.a + 2 and self.lowers[m.a - 1] == "by" and self.lowers[m.a - 2] in ("hosted", "co-hosted")
            )
            if hosted:
                actor = self.cast.actors.get(m.key)
                return actor.name if actor is not None else self.reader.g.entities[m.key].name
        return ""

    def _status(self, s: Sentence, a: int, b: int) -> str:
        """The status words of the drill's clause; a cancellation only asked for or threatened is none."""
        found: set[str] = set()
        i = max(s.a, a)
        while i < min(s.b, b):
            hit = CUE_INDEX.match(self.lowers, self.texts, i)
            if hit is None:
                i += 1
                continue
            status = hit[1].entity
            before = self.lowers[i - 1] if i > s.a else ""
            if status in ("cancelled", "postponed") and before in IRREALIS:
                status = ""
            if (
                status == "planned"
                and i + 1 < s.b
                and self.lowers[i + 1] == "not"
                and self.lowers[i] in ("will", "would")
            ):
                # "will not conduct the exercise"
                status = "cancelled"
            if status:
                found.add(status)
            i += hit[0]
        for status in ("cancelled", "postponed", "ongoing", "planned", "held"):
            if status in found:
                return status
        return ""

    def _quoted_tokens(self) -> list[bool]:
        """Whether each token stands inside a quotation, which may run over several sentences of a paragraph."""
        inside = False
        flags: list[bool] = []
        previous_end = 0
        for token in self.tokens:
            if (
                "\n\n" in self.text[previous_end : token.start]
                or "\n" in self.text[previous_end : token.start]
                and inside is False
            ):
                inside = False
            previous_end = token.end
            text = token.text
            if text == "“":
                inside = True
            elif text == "”":
                inside = False
                flags.append(True)
                continue
            elif text == '"':
                inside = not inside
            flags.append(inside)
        return flags

    def _mentions_between(self, a: int, b: int) -> list[Mention]:
        out: list[Mention] = []
        t = a
        while t < b:
            m = self.reader.mention_at(t)
            if m is not None:
                out.append(m)
                t = m.b
            else:
                t += 1
        return out

    def drill_clause(self, s: Sentence, t: int) -> tuple[int, int]:
        """Like `clause`, but a relative clause after the drill ("which will run until ...") still describes it."""
        a, _ = self.reader.clause(s, t)
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
                    m = self.reader.mention_at(t)
                    if m is not None and m.key not in keys and m.role in ("demonym", "name"):
                        keys.append(m.key)
            return number, keys

    def _deployment_place(self, s: Sentence) -> str:
        for i in range(s.a, s.b - 1):
            if self.lowers[i] in ("deployment", "deployed", "deploying", "deploy", "sent", "stationed") and self.lowers[
                i + 1
            ] in ("to", "in"):
                name, _, _ = self.reader.place_at(i + 2, s.b)
                if name:
                    return name
        return ""

    def _drill_dates(self, s: Sentence, a: int, clause: tuple[int, int], name_span: tuple[int, int] = (0, 0)):
        """Start and end: a range ("June 5 to 20"), a start and "through August 12", or a start and a duration."""
        start: date | None = None
        end: date | None = None
        start_p = end_p = ""
        date_text = ""
        ranged = False
        lo, hi = self.tokens[clause[0]].start, self.tokens[clause[1] - 1].end
        duration = None
        name_lo = self.tokens[name_span[0]].start if name_span[1] else -1
        name_hi = self.tokens[name_span[1] - 1].end if name_span[1] else -1
        for d in s.dates:
            low = d.text.lower()
            if name_lo <= d.start < name_hi or self.reader.reported(d) or self._background_date(d):
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
                    end, end_p, ranged = d.last, "day", True
        status_words = set(self.lowers[clause[0] : clause[1]])
        if start is None and status_words & {"begun", "began", "started", "launched", "underway", "kicked", "opened"}:
            start, start_p = self.published, "day"
        if duration is not None and start is not None and end is None and start_p == "day":
            end, end_p = start + timedelta(days=duration.duration_days - 1), "day"
            date_text = (date_text + " " + duration.text).strip() if date_text else duration.text
        self._days = duration.duration_days if duration is not None else None
        return start, end, start_p, end_p, date_text, ranged

    def _background_date(self, d) -> bool:
        """ "since its inception in 2008", "this year's exercise": a year before publication, or a possessive."""
        if d.precision == "year" and d.first is not None and d.first.year < self.published.year:
            return True
        following = self.text[d.end : d.end + 2]
        return following in ("’s", "'s")
