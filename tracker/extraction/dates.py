"""Find temporal expressions in news text and resolve them against the publication date.

Pure Python: text and a publication date go in, `TimeExpression`s come out.
Values follow TimeML's TIMEX3 for dates ("2022-02-10", "2022-02", "2022",
"2022-W06", "2022-Q1", "2022-SU", "201" for the 2010s, "PRESENT_REF",
"PAST_REF", "FUTURE_REF") and durations ("P10D", "P2W", "P4Y", "P1DE"; "PXD"
when the number is vague, as in "several days").

Rules where the language is ambiguous (all resolved against `published`):

* Tense comes from the verb group nearest to the expression in its sentence
  ("said on Monday that talks will open on Friday" puts Monday in the past and
  Friday in the future); a sentence with no tense marker counts as present.
  A verb group across a comma counts only when none is near in the
  expression's own clause ("will meet in April, his office said" is future),
  and one opening a relative clause keeps the dates after it ("a summit that
  had been due to open on Saturday has been called off").  "had been due
  to" / "was scheduled to" is a plan, so it looks forward like the future.
* A weekday looks back 0..6 days in the past tense and forward 0..6 days in the
  future tense, so a weekday equal to the publication weekday is that very day.
  The present tense ("he flies to Kyiv on Monday") reads as a schedule and
  looks forward too.  "last"/"next" Monday are strictly before/after the
  publication day, "this Monday" is in its ISO week.
* A month-day or month without a year ("June 28", "in March") takes the
  publication year, or the year before/after when the tense says so: in the
  past tense the latest occurrence starting no more than 92 days after
  publication (a month: 16 days), in the future tense the earliest one
  ending no more than 7 days (a month: 0) before it, in the present tense the
  nearest.  News gives the year of a day far from publication, and a
  past-tense report often names a day shortly ahead ("said it would pay on
  Dec. 15"), so a past tense alone does not send such a day back a year.
  "plans for" looks forward like "scheduled for".  A word right before the
  expression overrides the tense: "effective", "due", "starting" look ahead,
  "ended" back, and "through", "until", "by" take the nearest (the coming one
  in the future tense).
* A four-digit number is a year after "in", "since", "during" and the like,
  before an event noun ("the 2020 election"), or after "by", "of", "to", "and"
  when no lowercase noun follows ("of 2000 troops" is a count).
* Spans follow TIMEX3 and leave out plain prepositions ("on", "in", "at"), but
  keep the words that change the meaning: "since", "until", "through", "from ...
  to", "between ... and", "later", "last", "ago", "in ... time", "in four years".
* A range ("2014-2015", "from 10 to 20 February", "between 2014 and 2015")
  takes the value of its start, `first` of its start and `last` of its end.
* "since 2014" runs from 2014-01-01 to the publication date (`last`).
  "until/through/till X" has no `first` and X's last day as `last`.
* Pure durations ("ten days of drills", "for two weeks", "a week-long") have
  no `first`/`last`, only `value` and `duration_days`.  Periods anchored on the
  publication date ("the past two weeks", "the first visit in four years")
  are durations too, with `first`/`last` set.  "in two weeks" is a future date
  only in the future tense with no superlative or negation before it.
* PRESENT_REF covers the publication day; PAST_REF/FUTURE_REF have no dates.
* Reporting periods: "the quarter ended Sept. 30" is the quarter holding that
  day, "the latest quarter" the last closed one, "the current quarter" the one
  under way; "a year earlier", "the year-ago period" move the last closed
  quarter named back a year.  "The year ended March 31" is a DURATION (P1Y).
* "The past year", "the last decade" are dated as the calendar unit before
  publication (TimeML's reading), with the rolling twelve months as first/last.
* "next week" and "later this week/month" are known to the day (Monday to
  Sunday; tomorrow to the end), "later this year" to the month.
* "early/mid/late X", "the beginning/middle/end of X" keep X's value and
  narrow `first`/`last` to the first/middle/last third of X.
"""

import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from dateutil.relativedelta import weekday as Weekday

from tracker.extraction.sentences import MAX_SENTENCE

__all__ = ["TimeExpression", "find_dates", "last_day_of", "tense_of"]


@dataclass(frozen=True, slots=True)
class TimeExpression:
    text: str
    start: int
    end: int
    value: str
    type: str
    first: date | None
    last: date | None
    precision: str
    duration_days: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "type": self.type,
            "value": self.value,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "precision": self.precision,
            "duration_days": self.duration_days,
        }


def last_day_of(duration: TimeExpression, start: date) -> date | None:
    """The last day of a period of `duration` that begins on `start`, counting `start` as its first day.

    For the meeting and drill readers: in "a three-day visit starting Monday", `find_dates` gives
    "three-day" (type DURATION, duration_days 3) and "Monday" (type DATE, first == last == that
    Monday), and `last_day_of(three_day, monday.first)` is the Wednesday.  None when the duration
    has no length in days ("several weeks") or is not a DURATION.
    """
    if duration.type != "DURATION" or not duration.duration_days:
        return None
    return start + timedelta(days=duration.duration_days - 1)


# --- vocabulary -------------------------------------------------------------

_DATA = tomllib.loads((Path(__file__).with_name("data") / "dates.toml").read_text(encoding="utf-8"))
_NOT_BEFORE_YEAR = frozenset(_DATA["not_before_year"])
_CENTURY_ORDINALS: dict[str, int] = _DATA["century_ordinals"]

_MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {"monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH, "friday": FR, "saturday": SA, "sunday": SU}
_SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
_SEASON_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "final": 4,
    "last": 4,
}
_SMALL = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = (
    {w: i for i, w in enumerate(_SMALL, 1)} | {w: 10 * i for i, w in enumerate(_TENS, 2)} | {"a": 1, "an": 1}
)
_UNIT_CODE = {"day": "D", "week": "W", "fortnight": "W", "month": "M", "year": "Y", "decade": "DE"}

# Months are matched case-sensitively: "may" and "march" are verbs and nouns.
_MONTH_FULL = r"(?-i:(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)"
_MONTH_ABBR = r"(?-i:(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.|\b))"
_MONTH = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAY = r"(?<![\d,.])(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d|,\d)"
_YEAR = r"(?<![\d,.])(?:1[89]\d\d|20\d\d)(?!\d|,\d|\.\d|%|['’]?s\b)"
# Number words from two up: "one" and "a" make idioms ("may one day join", "twice a day") unless the pattern wants them.
_NUM_WORD = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_SMALL[:9])}))?|{'|'.join(reversed(_SMALL[1:]))})"
_NUM_PLURAL = rf"(?:(?<![\d,.])\d{{1,3}}(?![\d,.]\d)|{_NUM_WORD})\b"
_NUM = rf"(?:{_NUM_PLURAL}|(?:one|an?)\b)"
_VAGUE = r"(?:several|a\s+few|few|a\s+couple\s+of|couple\s+of|some|many)"
_UNIT = r"(?:day|week|fortnight|month|year|decade)"
_PART = r"(?:early|mid|late)"
_EVENT_NOUN = (
    r"(?:elections?|votes?|polls?|summits?|olympics|games|war|census|referendum|invasion|crisis|agreements?|"
    r"accords?|talks|ceasefire|deal|protests?|riots?|revolution|coup|uprising|campaign|annexation|conflict|"
    r"treat(?:y|ies)|budget|report|season|exercises?|drills|manoeuvres|maneuvers|cup|visit|meeting|attacks?|"
    r"offensive|pandemic|declaration|memorandum|protocol|sanctions|unrest|deadline|target|plan|strategy)"
)
_EVENT_ADJ = (
    r"(?:presidential|parliamentary|general|local|midterm|federal|regional|snap|world|winter|summer|nuclear|peace)"
)
# A four-digit number followed by a lowercase word is a count ("of 2000 troops"), unless the word is one of these.
_YEAR_FOLLOW = (
    rf"(?!\s+(?!(?:and|or|to|when|while|after|before|that|which|as|in|at|on|until|through|the|a|an|but|with|for|"
    rf"from|of|was|were|is|are|had|has|have|will|would|saw|it|they|he|she|we|there|{_EVENT_ADJ}|{_EVENT_NOUN})\b)(?-i:[a-z]))"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


def _rule_rx(pattern: str) -> re.Pattern[str]:
    """A rule's pattern, tried only where a word or number begins: the regex engine then skips the
    inside of words at the cost of one look back, which halves the time of date-dense text."""
    return re.compile(rf"(?<!\w)(?:{pattern})", re.IGNORECASE | re.VERBOSE)


# --- value helpers -----------------------------------------------------------

_Span = tuple[str, str, date, date]  # precision, value, first, last


def _day(d: date) -> _Span:
    return "day", d.isoformat(), d, d


def _month(y: int, m: int) -> _Span:
    first = date(y, m, 1)
    return "month", f"{y:04d}-{m:02d}", first, first + relativedelta(day=31)


def _year(y: int) -> _Span:
    return "year", f"{y:04d}", date(y, 1, 1), date(y, 12, 31)


def _week(d: date) -> _Span:
    iso = d.isocalendar()
    monday = d - timedelta(days=d.weekday())
    return "week", f"{iso.year:04d}-W{iso.week:02d}", monday, monday + timedelta(days=6)


def _quarter(y: int, q: int) -> _Span:
    first = date(y, 3 * q - 2, 1)
    return "quarter", f"{y:04d}-Q{q}", first, first + relativedelta(months=2, day=31)


def _half(y: int, h: int) -> _Span:
    first = date(y, 6 * h - 5, 1)
    return "half", f"{y:04d}-H{h}", first, first + relativedelta(months=5, day=31)


def _century(c: int) -> _Span:
    return "century", f"{c:02d}", date(max(c * 100, 1), 1, 1), date(c * 100 + 99, 12, 31)


def _season(y: int, code: str) -> _Span:
    first = date(y, _SEASON_MONTH[code], 1)
    return "season", f"{y:04d}-{code}", first, first + relativedelta(months=2, day=31)


def _decade(y0: int) -> _Span:
    return "decade", f"{y0 // 10}", date(y0, 1, 1), date(y0 + 9, 12, 31)


def _unit_span(unit: str, d: date) -> _Span:
    """The calendar unit of the given granularity that contains d."""
    if unit == "day":
        return _day(d)
    if unit in ("week", "fortnight"):
        return _week(d)
    if unit == "month":
        return _month(d.year, d.month)
    if unit == "year":
        return _year(d.year)
    return _decade(d.year - d.year % 10)


@lru_cache(maxsize=1024)
def _shift(unit: str, n: int) -> relativedelta:
    if unit == "fortnight":
        return relativedelta(weeks=2 * n)
    if unit == "decade":
        return relativedelta(years=10 * n)
    return relativedelta(**{unit + "s": n})


def _third(span: _Span, part: str) -> _Span:
    """Narrow a span to its first ("early"), middle ("mid") or last ("late") third."""
    precision, value, first, last = span
    third = max(((last - first).days + 1) // 3, 1)
    if part in ("early", "beginning", "start"):
        return precision, value, first, first + timedelta(days=third - 1)
    if part in ("mid", "middle"):
        return precision, value, first + timedelta(days=third), first + timedelta(days=2 * third - 1)
    return precision, value, first + timedelta(days=2 * third), last


def _number(word: str) -> int | None:
    """The value of "ten", "twenty-one", "3", "a"; None for vague words like "several"."""
    word = word.lower().replace("-", " ").split()
    if word[0].isdigit():
        return int(word[0])
    if set(word) & {"several", "few", "couple", "some", "many"}:
        return None
    if word[0] not in _NUMBER_WORDS:
        return None
    return sum(_NUMBER_WORDS.get(w, 0) for w in word)


def _unit(word: str) -> str:
    return word.lower().rstrip("s'’")


def _pick(spans: list[_Span], published: date, tense: str, slack: int = 7, ahead: int | None = None) -> _Span:
    """Choose among the same calendar expression in neighbouring years by tense.

    In the past tense a span may start up to `ahead` days (default `slack`) after publication,
    in the future tense end up to `slack` days before it.
    """
    margin = timedelta(days=slack)
    if tense == "past":
        fitting = [s for s in spans if s[2] <= published + timedelta(days=slack if ahead is None else ahead)]
        return max(fitting, key=lambda s: s[2]) if fitting else spans[0]
    if tense == "future":
        fitting = [s for s in spans if s[3] >= published - margin]
        return min(fitting, key=lambda s: s[2]) if fitting else spans[-1]
    return min(
        spans,
        key=lambda s: (
            0 if s[2] <= published <= s[3] else min(abs((s[2] - published).days), abs((s[3] - published).days))
        ),
    )


# --- sentences and tense -----------------------------------------------------

_SENTENCE_BREAK = re.compile(r"\n|[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sen|Rep|Gov|Prof|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"No|Jr|Sr|Capt|Maj|Adm|Sgt|Rev|Mt|Ft|vs|etc)|\b[A-Z])\.$"
)


def _words(*groups: str) -> frozenset[str]:
    return frozenset(w for group in groups for w in group.split())


_IRREGULAR_PAST = _words(
    "met began held went came took made told said spoke gave saw left brought sent led won lost fell rose broke",
    "became kept thought found stood ran sat wrote flew drew struck sought bought fought caught taught meant knew",
    "grew threw withdrew chose drove shook forgot got heard paid laid sold felt dealt built spent lent understood",
    "undertook overtook sank swore tore wore stole froze hid ate did",
)
_IRREGULAR_PARTICIPLE = _IRREGULAR_PAST | _words(
    "been begun gone taken given spoken seen written broken chosen driven flown drawn grown known shown thrown",
    "withdrawn risen fallen stolen eaten forgotten gotten done sworn torn worn frozen hidden shaken undertaken sunk",
)
_NOT_A_VERB = _words(
    "need seed speed feed indeed proceed exceed succeed hundred red bed shed bred breed greed heed deed creed sacred",
    "naked wicked kindred rugged beloved aged alleged armed based united limited concerned related interested",
    "advanced detailed qualified experienced skilled talented used unprecedented embed",
)
_ADVERBS = _words(
    "also already not now still just since recently reportedly long never repeatedly consistently previously then",
    "later widely currently finally officially formally jointly",
)
_MODALS = _words("will shall won't would wouldn't")
_TENSELESS_MODALS = _words("could couldn't might mightn't should shouldn't must mustn't can can't cannot may")
_PLAN_TO = _words(
    "due set scheduled slated expected poised planning preparing going about likely unlikely hoping intending aiming",
    "bound plan plans intend intends aim aims hope hopes expect expects prepare prepares vow vows pledge pledges",
    "promise promises threaten threatens",
)
_PLAN_FOR = _words("scheduled planned slated set plan plans preparations")
_BE = _words("is are am be being been was were isn't aren't wasn't weren't")
_HAVE = _words("has have had hasn't haven't hadn't")
_PAST_WORDS = _words("was were had did didn't wasn't weren't hadn't ago")
_PRESENT_WORDS = _words(
    "is are am isn't aren't says say has have does do don't doesn't remain remains continue continues seem seems",
    "believe believes insist insists warn warns want wants",
)
_DETERMINERS = _words("a an the this that these those its their his her our my your whose newly")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_Marker = tuple[int, int, str, int, bool]  # start, end, tense, weight, opens a relative or "that" clause
_RELATIVE = _words("that which who whom")
# Every word that can start a verb group, besides those ending in "ed" or "'ll".
_MARKER_WORDS = (
    _MODALS | _TENSELESS_MODALS | _PLAN_TO | _PLAN_FOR | _BE | _HAVE | _PAST_WORDS | _PRESENT_WORDS | _DETERMINERS
) | _IRREGULAR_PAST


def _is_participle(original: str, word: str) -> bool:
    if not original.islower():
        return False
    return word in _IRREGULAR_PARTICIPLE or (word.endswith("ed") and len(word) > 3 and word not in _NOT_A_VERB)


def _markers(text: str, start: int = 0, end: int | None = None) -> list[_Marker]:
    """Tense-bearing verb groups in text[start:end]: "will", "is due to", "has begun", "was called", "met"."""
    stop = len(text) if end is None else end
    tokens = list(_WORD.finditer(text, start, stop))
    sentence = text[start:stop]
    if sentence.isascii():
        words = _WORD.findall(sentence.lower())  # the same words, lowered in one call
    else:
        words = [t.group().lower().replace("’", "'") for t in tokens]
    n = len(tokens)
    found: list[tuple[int, int, str, int, int]] = []

    def plan_at(j: int) -> bool:
        return j + 1 < n and (
            (words[j] in _PLAN_TO and words[j + 1] == "to") or (words[j] in _PLAN_FOR and words[j + 1] == "for")
        )

    def after_adverbs(j: int) -> int:
        while j < n and words[j] in _ADVERBS:
            j += 1
        return j

    i = 0
    while i < n:
        word = words[i]
        if word not in _MARKER_WORDS and not word.endswith(("ed", "'ll")):
            i += 1  # most words: none of the tests below can hold
            continue
        t_start, t_end = tokens[i].span()
        original = tokens[i].group()
        if word in _MODALS or word.endswith("'ll"):
            found.append((t_start, t_end, "future", 1, i))
        elif word in _TENSELESS_MODALS and original.islower():
            if i + 1 < n and words[i + 1] != "have":
                i += 1  # "could do" tells no tense; "may have been" is past, read on
        elif plan_at(i):
            found.append((t_start, tokens[i + 1].end(), "future", 1, i))
            i += 1
        elif word in _BE or word in _HAVE:
            j = after_adverbs(i + 1)
            if word in _BE and plan_at(j):
                found.append((t_start, tokens[j + 1].end(), "future", 1, i))
                i = j + 1
            elif word in _HAVE and j < n and words[j] == "been" and plan_at(after_adverbs(j + 1)):
                # "had been due to take place on Saturday": planned, so the day lies ahead of the report.
                k = after_adverbs(j + 1)
                found.append((t_start, tokens[k + 1].end(), "future", 1, i))
                i = k + 1
            elif j < n and _is_participle(tokens[j].group(), words[j]):
                if word in _HAVE or word in ("been", "was", "were", "wasn't", "weren't"):
                    found.append((t_start, tokens[j].end(), "past", 1, i))
                elif word not in ("be", "being"):
                    found.append((t_start, tokens[j].end(), "present", 1, i))
                i = j
            else:
                found.append((t_start, t_end, "past" if word in _PAST_WORDS else "present", 1, i))
        elif word in _PAST_WORDS:
            found.append((t_start, t_end, "past", 1, i))
        elif word in _PRESENT_WORDS:
            found.append((t_start, t_end, "present", 1, i))
        elif word in _DETERMINERS and i + 1 < n and _is_participle(tokens[i + 1].group(), words[i + 1]):
            i += 1  # "a disputed election": an adjective, not a verb
        elif (
            _is_participle(original, word)
            and (word in _IRREGULAR_PAST or word.endswith("ed"))
            and text[t_start - 1 : t_start] != "-"
            and text[t_end : t_end + 1] != "-"
        ):
            # A bare participle is often an adjective or reduced clause ("talks aimed at"), so it counts for less.
            found.append((t_start, t_end, "past", 2, i))
        i += 1
    return [
        (a, b, tense, weight, not _RELATIVE.isdisjoint(words[max(0, k - 3) : k])) for a, b, tense, weight, k in found
    ]


# A verb across one of these belongs to another clause: "in April, his office said", "which was due on Saturday, has been".
_CLAUSE_BREAK = re.compile(r"[,;:](?=\s)|\s[-–—]\s|[()]")
_ACROSS_CLAUSE = 150


def _breaks(text: str, start: int = 0, end: int | None = None) -> list[int]:
    return [m.start() for m in _CLAUSE_BREAK.finditer(text, start, len(text) if end is None else end)]


class _TenseIndex:
    """Tense markers of one sentence, searchable by position in logarithmic time (a sentence may be huge).

    The nearest verb group wins, but one in the expression's own clause beats one across a comma
    unless it is much further away, so a trailing "..., officials said" does not decide the tense;
    and a verb group that opens a relative clause ("a summit that had been due to open on Saturday
    has been called off") keeps the dates that follow it in that clause.
    """

    def __init__(self, markers: list[_Marker], breaks: list[int] = ()) -> None:  # type: ignore[assignment]
        self.breaks = list(breaks)
        self.columns = []
        for weight in (1, 2):
            chosen = [m for m in markers if m[3] == weight]
            self.columns.append(
                (weight, [m[0] for m in chosen], [m[1] for m in chosen], [m[2] for m in chosen], [m[4] for m in chosen])
            )

    def _across(self, a: int, b: int) -> bool:
        return bisect_left(self.breaks, a) < bisect_left(self.breaks, b)

    def at(self, start: int, end: int) -> str:
        """The tense of the marker nearest to text[start:end], weighted; "present" if there is none."""
        best, best_distance = "present", None
        for weight, starts, ends, tenses, opens in self.columns:
            i = bisect_right(ends, start) - 1
            if i >= 0:
                distance = (start - ends[i]) * weight + (_ACROSS_CLAUSE if self._across(ends[i], start) else 0)
                if opens[i] and distance < _ACROSS_CLAUSE:
                    distance = 0
                if best_distance is None or distance < best_distance:
                    best, best_distance = tenses[i], distance
            j = bisect_left(starts, end)
            if j < len(starts):
                distance = (starts[j] - end) * weight + 0.5  # ties go to the verb before the expression
                distance += _ACROSS_CLAUSE if self._across(end, starts[j]) else 0
                if best_distance is None or distance < best_distance:
                    best, best_distance = tenses[j], distance
        return best


def _nearest(markers: list[_Marker], start: int, end: int, breaks: list[int] = ()) -> str:  # type: ignore[assignment]
    return _TenseIndex(markers, breaks).at(start, end)


def tense_of(clause: str, *, near: int | None = None) -> str:
    """ "past", "present" or "future" for a clause.

    With `near` (a character offset into `clause`) the tense marker closest to
    that offset decides; without it, any marker of the future wins, then any
    of the past, and a clause without either is present.
    """
    markers = _markers(clause)
    if near is not None:
        return _nearest(markers, near, near, _breaks(clause))
    tenses = {m[2] for m in markers}
    for tense in ("future", "past"):
        if tense in tenses:
            return tense
    return "present"


# --- patterns ----------------------------------------------------------------

_MONTH_BEFORE = re.compile(_MONTH_FULL)
_SINCE = re.compile(r"\bsince\s+(?:the\s+)?$", re.IGNORECASE)
_UNTIL = re.compile(r"\b(?:until|till|til|through|thru|up\s+until)\s+(?:the\s+)?$", re.IGNORECASE)
_RANGE_FROM = re.compile(r"\b(from|between)\s+(?:the\s+)?$", re.IGNORECASE)
_RANGE_JOIN = re.compile(r"\s*(?:[-–—]|\s(?:to|until|till|through|and)\s)\s*", re.IGNORECASE)
_LIMITING = re.compile(
    r"\b(?:first|last|only|largest|biggest|highest|lowest|worst|best|longest|strongest|greatest|deadliest|"
    r"heaviest|most|fewest|least|never|not|no|without|n['’]t)\b|n['’]t\b",
    re.IGNORECASE,
)


def _cut_run_on(text: str, starts: list[int], end: int) -> None:
    """Cut the sentence from starts[-1] to `end` into pieces of at most MAX_SENTENCE characters, after a
    space where there is one, as `split_sentences` does: a run-on "sentence" (a table, a log, junk) would
    otherwise wake every pattern and be scanned whole by each."""
    while end - starts[-1] > MAX_SENTENCE:
        start = starts[-1]
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        starts.append(cut + 1 if cut > start else start + MAX_SENTENCE)


class _Scan:
    """The state of one `find_dates` call: text, publication date, sentences and their tense markers."""

    def __init__(self, text: str, published: date) -> None:
        self.text = text
        self.published = published
        starts = [0]
        for m in _SENTENCE_BREAK.finditer(text):
            if m.group().startswith(".") and _ABBREVIATION.search(text, max(0, m.start() - 6), m.start() + 1):
                continue
            _cut_run_on(text, starts, m.end())
            starts.append(m.end())
        _cut_run_on(text, starts, len(text))
        self.starts = starts
        self._tenses: dict[int, _TenseIndex] = {}
        self._tenses_by_text: dict[tuple[str, str, str], _TenseIndex] = {}

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.starts, pos) - 1
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        return self.starts[i], end

    def tense(self, start: int, end: int) -> str:
        if _SINCE.search(self.text, max(0, start - 12), start):
            return "past"
        s_start, s_end = self.sentence(start)
        index = self._tenses.get(s_start)
        if index is None:
            # Tense markers depend on the sentence and a character either side, so a sentence repeated is read once.
            key = (self.text[max(0, s_start - 1) : s_start], self.text[s_start:s_end], self.text[s_end : s_end + 1])
            index = self._tenses_by_text.get(key)
            if index is None:
                markers = [(a - s_start, b - s_start, *rest) for a, b, *rest in _markers(self.text, s_start, s_end)]
                breaks = [b - s_start for b in _breaks(self.text, s_start, s_end)]
                index = self._tenses_by_text[key] = _TenseIndex(markers, breaks)
            self._tenses[s_start] = index
        return index.at(start - s_start, end - s_start)

    def limited_before(self, start: int) -> bool:
        """Whether a superlative or negation comes earlier in the sentence ("the first visit in four years")."""
        return bool(_LIMITING.search(self.text, max(self.sentence(start)[0], start - 200), start))


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    precision: str
    value: str
    first: date | None
    last: date | None
    type: str = "DATE"
    duration_days: int | None = None
    yearless: bool = False
    rank: int = 0
    # Set on expressions read against an earlier one ("a year earlier", "the quarter"); see `_anchor`.
    resolve: "Callable[[_Context], _Cand | None] | None" = None
    shifted: bool = False


def _date_cand(start: int, end: int, span: _Span, *, yearless: bool = False) -> _Cand:
    precision, value, first, last = span
    return _Cand(start, end, precision, value, first, last, yearless=yearless)


def _duration(
    scan: _Scan, start: int, end: int, n: int | None, unit: str, *, first: date | None = None, last: date | None = None
) -> _Cand:
    code = _UNIT_CODE[unit]
    if n is None:
        return _Cand(start, end, "duration", f"PX{code}", first, last, "DURATION")
    count = 2 * n if unit == "fortnight" else n
    days = (scan.published + _shift(unit, n) - scan.published).days
    return _Cand(start, end, "duration", f"P{count}{code}", first, last, "DURATION", days)


def _ref(start: int, end: int, kind: str, published: date) -> _Cand:
    if kind == "present":
        return _Cand(start, end, "ref", "PRESENT_REF", published, published)
    return _Cand(start, end, "ref", f"{kind.upper()}_REF", None, None)


def _year_of(
    scan: _Scan, m: re.Match[str], month: int, day: int | None, start: int, end: int, weekday: str | None = None
) -> _Cand | None:
    """A month-day or month, with the year given or inferred from tense."""
    if m.group("y"):
        try:
            span = _day(date(int(m.group("y")), month, day)) if day else _month(int(m.group("y")), month)
        except ValueError:
            return None
        return _date_cand(start, end, span)
    y = scan.published.year
    spans = []
    for year in (y - 1, y, y + 1):
        try:
            spans.append(_day(date(year, month, day)) if day else _month(year, month))
        except ValueError:
            continue
    if not spans:
        return None
    if weekday:
        matching = [s for s in spans if s[2].weekday() == list(_WEEKDAYS).index(weekday.lower())]
        spans = matching or spans
    signal = _YEARLESS_SIGNAL.search(scan.text, max(0, start - 24), start)
    tense = _SIGNAL_TENSE[signal.group(1).lower()] if signal else scan.tense(start, end)
    if tense == "open":
        tense = "future" if scan.tense(start, end) == "future" else "present"
    if tense == "past" and not signal:
        # A report in the past tense often names a coming day ("said it would pay on Dec. 15"), and late in
        # a month the coming month ("said output would be cut in September", written in mid-August).
        ahead = 92 if day else 16
        return _date_cand(start, end, _pick(spans, scan.published, tense, 7 if day else 0, ahead), yearless=True)
    return _date_cand(start, end, _pick(spans, scan.published, tense, 7 if day else 0, 0), yearless=True)


# A word right before a month or day without a year that says on which side of publication it lies:
# a deadline or a start lies ahead ("effective Feb. 1", "due Dec. 15"), the end of a closed period
# behind ("the year ended Jan. 31"), and an open end ("through January") is the nearest one, or the
# coming one in the future tense.
_SIGNAL_TENSE = {
    "effective": "future",
    "due": "future",
    "starting": "future",
    "beginning": "future",
    "ended": "past",
    "through": "open",
    "thru": "open",
    "until": "open",
    "till": "open",
    "by": "open",
}
_YEARLESS_SIGNAL = re.compile(
    rf"\b({'|'.join(_SIGNAL_TENSE)})\s+(?:(?:on|in|the|early|mid|late)[\s-]+)?(?:{_PART}[\s-]+)?$", re.IGNORECASE
)


def _h_iso(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    try:
        return _date_cand(m.start(), m.end(), _day(date(int(m["y"]), int(m["m"]), int(m["d"]))))
    except ValueError:
        return None


def _h_month_day(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    month = _MONTH_NUMBERS[m["mon"][:3].lower()]
    day = int(re.match(r"\d+", m["d"]).group())
    return _year_of(scan, m, month, day, m.start(), m.end(), m["wd"])


def _h_day_range(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    month = _MONTH_NUMBERS[m["mon"][:3].lower()]
    d1 = int(re.match(r"\d+", m["d1"]).group())
    d2 = int(re.match(r"\d+", m["d2"]).group())
    if d2 <= d1:
        return None
    end_cand = _year_of(scan, m, month, d2, m.start(), m.end())
    if end_cand is None:
        return None
    try:
        first = end_cand.last.replace(day=d1)
    except ValueError:
        return None
    precision, value, _, _ = _day(first)
    return _Cand(m.start(), m.end(), precision, value, first, end_cand.last, yearless=end_cand.yearless)


def _h_month(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    month = _MONTH_NUMBERS[m["mon"][:3].lower()]
    ctx = (m["ctx"] or "").lower()
    if (
        m["mon"] == "May"
        and ctx in ("to", "and", "or", "by", "of", "from", "for")
        and not m["y"]
        and not _MONTH_BEFORE.search(scan.text, max(0, m.start() - 30), m.start())
    ):
        return None  # "Johnson and May" is the former prime minister; "from March to May" is the month
    rel = (m["rel"] or "").lower()
    if not (ctx or rel or m["part"] or m["y"]):
        return None  # a bare capitalised month word ("the March on Washington") is too weak a signal
    start = m.start("rel") if rel else m.start("mon")
    if m["part"]:
        start = m.start("part")
    if rel in ("last", "next", "this") and not m["y"]:
        y = scan.published.year
        spans = [_month(year, month) for year in (y - 1, y, y + 1)]
        current = (scan.published.year, scan.published.month)
        if rel == "last":
            span = max(s for s in spans if (s[2].year, s[2].month) < current)
        elif rel == "next":
            span = min(s for s in spans if (s[2].year, s[2].month) > current)
        else:
            span = _month(y, month)
        cand = _date_cand(start, m.end(), span)
    else:
        cand = _year_of(scan, m, month, None, start, m.end())
    if cand and m["part"]:
        _, _, cand.first, cand.last = _third((cand.precision, cand.value, cand.first, cand.last), m["part"].lower())
    return cand


def _h_year(scan: _Scan, m: re.Match[str]) -> _Cand:
    span = _year(int(m["y"]))
    start = m.start("y")
    if m.groupdict().get("part"):
        start = m.start("part")
        span = _third(span, m["part"].lower())
    return _date_cand(start, m.end("y"), span)


def _h_year_range(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    y1 = int(m["y1"])
    y2 = int(m["y2"]) if len(m["y2"]) == 4 else y1 // 100 * 100 + int(m["y2"])
    if y2 <= y1 or (m["join"].strip().lower() == "and" and not m["pre"]):
        return None
    start = m.start("pre") if m["pre"] else m.start("y1")
    return _Cand(start, m.end(), "year", f"{y1:04d}", date(y1, 1, 1), date(y2, 12, 31))


def _h_decade(scan: _Scan, m: re.Match[str]) -> _Cand:
    if m["dec"]:
        y0 = int(m["dec"])
    else:
        y0 = 2000 + int(m["dd"])
        if y0 > scan.published.year:
            y0 -= 100
    span = _decade(y0)
    if m["part"]:
        span = _third(span, m["part"].lower())
    return _date_cand(m.start(), m.end(), span)


def _read_season(scan: _Scan, m: "_SeasonMatch") -> _Cand | None:
    word = m["s"].lower()
    if word == "fall" and not m["y"] and re.match(r"\s+of\b", scan.text[m.end() : m.end() + 4]):
        return None  # "the fall of Kabul"
    if not (m["y"] or m["rel"] or m["part"] or m["pre"]):
        return None
    code = _SEASONS[word]
    start = m.start("rel") if m["rel"] else m.start("part") if m["part"] else m.start("s")
    if m["y"]:
        span = _season(int(m["y"]), code)
    else:
        y, published = scan.published.year, scan.published
        spans = [_season(year, code) for year in range(y - 2, y + 2)]
        rel = re.sub(r"\s+", " ", (m["rel"] or "").lower())
        if rel in ("last", "the past", "the last", "this past"):
            span = max((s for s in spans if s[3] < published), key=lambda s: s[2])
        elif rel in ("next", "the coming", "the next"):
            span = min((s for s in spans if s[2] > published), key=lambda s: s[2])
        elif rel == "this":
            span = _pick(spans, published, "present", 0)
        else:
            span = _pick(spans, published, scan.tense(start, m.end()), 0)
    if m["part"]:
        span = _third(span, m["part"].lower())
    return _date_cand(start, m.end(), span)


def _h_quarter(scan: _Scan, m: re.Match[str]) -> _Cand:
    q = int(m["qn"]) if m["qn"] else _ORDINALS[m["q"].lower()]
    y = m["y"] or m["y2"]
    year = int(y) if y else scan.published.year + {"next": 1, "last": -1}.get((m["yrel"] or "").lower(), 0)
    return _date_cand(m.start(), m.end(), _quarter(year, q))


def _h_quarter_rel(scan: _Scan, m: re.Match[str]) -> _Cand:
    shift = {"this": 0, "next": 3, "last": -3}[m["rel"].lower()]
    d = scan.published + relativedelta(months=shift)
    return _date_cand(m.start(), m.end(), _quarter(d.year, (d.month - 1) // 3 + 1))


def _h_relative_unit(scan: _Scan, m: re.Match[str]) -> _Cand:
    """this/last/next week|weekend|month|year."""
    rel, unit, published = m["rel"].lower(), m["u"].lower(), scan.published
    step = {"this": 0, "last": -1, "next": 1}[rel]
    if unit == "weekend":
        saturday = published + relativedelta(weekday=SA(-1) if published.weekday() == 6 else SA(+1))
        saturday += timedelta(weeks=step)
        iso = saturday.isocalendar()
        return _Cand(
            m.start(), m.end(), "week", f"{iso.year:04d}-W{iso.week:02d}-WE", saturday, saturday + timedelta(days=1)
        )
    span = _unit_span(unit, published + _shift(unit, step))
    if m["part"]:
        span = _third(span, m["part"].lower())
    return _date_cand(m.start(), m.end(), span)


def _h_month_of_relative_year(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "June last year", "March 3 next year": the month or day in that year."""
    year = scan.published.year + {"this": 0, "last": -1, "next": 1}[m["yrel"].lower()]
    month = _MONTH_NUMBERS[m["mon"][:3].lower()]
    try:
        span = _day(date(year, month, int(m["d"]))) if m["d"] else _month(year, month)
    except ValueError:
        return None
    return _date_cand(m.start(), m.end(), span)


def _h_earlier_later(scan: _Scan, m: re.Match[str]) -> _Cand:
    """earlier/later this week|month|year, earlier/later today."""
    published = scan.published
    unit = (m["u"] or "day").lower()
    precision, value, first, last = _unit_span(unit, published)
    if m["mod"].lower() == "earlier":
        last = max(first, published - timedelta(days=1)) if unit != "day" else published
    else:
        first = min(last, published + timedelta(days=1)) if unit != "day" else published
    # The rest of a week or month is known to the day ("later this month": tomorrow to the 28th); of a year, to the month.
    precision = {"week": "day", "month": "day", "year": "month"}.get(unit, precision)
    return _Cand(m.start(), m.end(), precision, value, first, last)


def _read_edge_of(scan: _Scan, m: "_EdgeMatch") -> _Cand | None:
    """the end/beginning/middle of the month, of next year, of March, of 2022."""
    part = m["edge"].lower()
    published = scan.published
    if m["u"]:
        step = {"the": 0, "this": 0, "next": 1, "last": -1}[m["rel"].lower()]
        unit = m["u"].lower()
        span = _unit_span(unit, published + _shift(unit, step))
        return _date_cand(m.start(), m.end(), _third(span, part))
    if m["mon"]:
        cand = _year_of(scan, m, _MONTH_NUMBERS[m["mon"][:3].lower()], None, m.start(), m.end())
        if cand:
            _, _, cand.first, cand.last = _third((cand.precision, cand.value, cand.first, cand.last), part)
        return cand
    return _date_cand(m.start(), m.end(), _third(_year(int(m["y"])), part))


def _h_day_word(scan: _Scan, m: re.Match[str]) -> _Cand:
    word = m["w"].lower()
    shift = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "this": 0, "last": -1}[word]
    if m["ba"]:
        shift += -1 if m["ba"].lower() == "before" else 1
    return _part_of_day(m, _day(scan.published + timedelta(days=shift)), "night" if word == "tonight" else m["pod"])


_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}


def _part_of_day(m: re.Match[str], span: _Span, part: str | None) -> _Cand:
    """A day, or with "morning", "night" and the like a TIMEX3 TIME ("2022-02-10TNI") that still spans that day."""
    cand = _date_cand(m.start(), m.end(), span)
    if part:
        cand.type, cand.value = "TIME", f"{cand.value}T{_PARTS_OF_DAY[part.lower()]}"
    return cand


@lru_cache(maxsize=1024)
def _nearest_weekday(day: date, wd: Weekday, step: int) -> date:
    """`wd` on or before `day` (step -1) or on or after it (+1); kept, as a text names the same few days."""
    return day + relativedelta(weekday=wd(step))


def _h_weekday(scan: _Scan, m: re.Match[str]) -> _Cand:
    published = scan.published
    wd = _WEEKDAYS[m["wd"].lower()]
    rel = (m["rel"] or "").lower()
    if m["nb"]:
        # "the previous Friday", "the following Monday": next to the last day named, else to publication.
        step = -1 if m["nb"].lower() in ("previous", "preceding", "prior") else 1
        start, end = m.start(), m.end()

        def resolve(ctx: _Context) -> _Cand:
            base = ctx.ref.first if ctx.ref is not None and ctx.ref.precision == "day" else published
            day = base + timedelta(days=step) + relativedelta(weekday=wd(step))
            return _part_of_day(m, _day(day), m["pod"])

        return _anchored(start, end, resolve, shifted=False)
    if m["wk"]:
        week = published + timedelta(weeks={"this": 0, "next": 1, "last": -1}[m["wk"].lower()])
        day = week - timedelta(days=week.weekday()) + timedelta(days=wd.weekday)
    elif rel == "last" or rel == "past":
        day = _nearest_weekday(published - timedelta(days=1), wd, -1)
    elif rel in ("next", "coming"):
        day = _nearest_weekday(published + timedelta(days=1), wd, +1)
    elif rel == "this":
        day = published - timedelta(days=published.weekday()) + timedelta(days=wd.weekday)
    else:
        tense = scan.tense(m.start(), m.end())
        if tense == "present" and scan.text.startswith(("'s", "’s"), m.end()):
            tense = "past"  # "follows Tuesday's announcement": a day's event is reported once it happened
        day = _nearest_weekday(published, wd, -1 if tense == "past" else +1)
    return _part_of_day(m, _day(day), m["pod"])


def _h_in(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "in two weeks' time" is a date; "the first visit in four years" is a period up to now."""
    n = _number(m["n"])
    unit = _unit(m["u"])
    start, end, published = m.start(), m.end(), scan.published
    ahead = bool(m["time"]) or (scan.tense(start, end) == "future" and not scan.limited_before(start))
    if ahead:
        if n is None:
            return _ref(start, end, "future", published)
        return _date_cand(start, end, _unit_span(unit, published + _shift(unit, n)))
    first = published - _shift(unit, n) if n is not None else None
    return _duration(scan, start, end, n, unit, first=first, last=published if n is not None else None)


def _h_period(scan: _Scan, m: re.Match[str]) -> _Cand:
    """the past two weeks, the next month, the coming days."""
    rel = m["rel"].lower()
    unit = _unit(m["u"])
    published = scan.published
    if m["n"]:
        n = _number(m["n"])
    elif m["u"].lower().endswith("s"):
        return _ref(m.start(), m.end(), "past" if rel in ("past", "last", "previous") else "future", published)
    else:
        n = 1
    if n is None:
        return _duration(scan, m.start(), m.end(), None, unit)
    if rel in ("past", "last") and not m["n"] and unit in ("week", "month", "year", "decade"):
        # TimeML dates "the past year" as the last calendar year (it says "the past twelve months" otherwise),
        # while first/last keep the twelve months an event may fall in.
        precision, value, _, _ = _unit_span(unit, published - _shift(unit, 1))
        return _Cand(m.start(), m.end(), precision, value, published - _shift(unit, 1), published)
    if rel in ("past", "last", "previous"):
        first, last = published - _shift(unit, n), published
    else:
        first, last = published, published + _shift(unit, n)
    return _duration(scan, m.start(), m.end(), n, unit, first=first, last=last)


def _h_duration(scan: _Scan, m: re.Match[str]) -> _Cand:
    n = _number(m["n"]) if m["n"] else 1
    return _duration(scan, m.start("n") if m["n"] else m.start("u"), m.end(), n, _unit(m["u"]))


def _h_vague_duration(scan: _Scan, m: re.Match[str]) -> _Cand:
    return _duration(scan, m.start("u"), m.end(), None, _unit(m["u"]))


def _h_ref(scan: _Scan, m: re.Match[str]) -> _Cand:
    return _ref(m.start(), m.end(), m.lastgroup, scan.published)


def _h_set(scan: _Scan, m: re.Match[str]) -> _Cand:
    word = m["u"].lower()
    if word in _WEEKDAYS:
        value = f"XXXX-WXX-{_WEEKDAYS[word].weekday + 1}"
    else:
        value = f"P1{_UNIT_CODE[word]}"
    return _Cand(m.start(), m.end(), "duration", value, None, None, "SET")


# --- expressions read against an earlier one ----------------------------------------------------


@dataclass(slots=True)
class _Context:
    """What the text has set up so far for the expressions that lean on it."""

    published: date
    ref: _Cand | None = None  # the last date read, unless it was itself read against another
    period: _Cand | None = None  # the last reporting period (a quarter or half, or a year after "the nine months")


_FINER = {"day": 0, "week": 1, "month": 2, "season": 3, "quarter": 3, "half": 4, "year": 5, "decade": 6, "century": 7}


def _same_kind(span_of: _Cand, first: date) -> _Span:
    """The calendar unit of `span_of`'s kind (quarter, month, ...) that contains `first`."""
    precision = span_of.precision
    if precision == "quarter":
        return _quarter(first.year, (first.month - 1) // 3 + 1)
    if precision == "half":
        return _half(first.year, 1 if first.month < 7 else 2)
    if precision == "season":
        return _season(first.year, span_of.value[5:7])
    if precision in ("day", "week", "month", "year", "decade"):
        return _unit_span(precision, first)
    return _year(first.year)


def _moved(anchor: _Cand, unit: str, n: int) -> _Span:
    """`anchor` moved by n units, at the coarser of the unit and the anchor's own granularity.

    A year away from a quarter, month or season is the same quarter, month or season that year
    ("up from a year earlier" after a quarter's results); a year away from a day is a year.
    """
    first = anchor.first + _shift(unit, n)
    if unit == "year" and anchor.precision in ("quarter", "half", "month", "season"):
        return _same_kind(anchor, first)
    if _FINER.get(anchor.precision, 5) >= _FINER.get(unit if unit != "fortnight" else "week", 5):
        return _same_kind(anchor, first)
    if unit == "week" and anchor.precision == "day":
        return _day(first)
    return _unit_span(unit, first)


def _anchored(start: int, end: int, resolve: Callable[[_Context], _Cand | None], *, shifted: bool = True) -> _Cand:
    return _Cand(start, end, "anchored", "", None, None, resolve=resolve, shifted=shifted)


def _comparison_anchor(ctx: _Context, unit: str) -> _Cand | None:
    """What "a year earlier" is earlier than: the last reporting period when it came after the last
    date or that date is a day (the day a company reported on), else the last date."""
    ref = ctx.ref
    if (
        unit == "year"
        and ctx.period is not None
        and (ref is None or ref.precision in ("day", "week") or ctx.period.start > ref.start)
    ):
        return ctx.period
    return ref


def _h_shift(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    """ "two years ago" from the publication date; "a year earlier", "three days later" from the last date."""
    n = _number(m["n"])
    unit = _unit(m["u"])
    direction = m["dir"].lower()
    start, end, published = m.start(), m.end(), scan.published
    if n is None:
        if direction in ("ago", "earlier", "before"):
            return _ref(start, end, "past", published)
        return None
    sign = 1 if direction in ("later", "after") else -1

    def resolve(ctx: _Context) -> _Cand:
        if direction == "ago":
            anchor = ctx.period if unit == "year" else None
        else:
            anchor = _comparison_anchor(ctx, unit)
        if anchor is None:
            return _date_cand(start, end, _unit_span(unit, published + _shift(unit, sign * n)))
        return _date_cand(start, end, _moved(anchor, unit, sign * n))

    return _anchored(start, end, resolve)


def _h_year_adjective(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "year-earlier profit", "the year-ago results": the reporting period a year before, or last year."""
    start, end, published = m.start(), m.end(), scan.published

    def resolve(ctx: _Context) -> _Cand:
        if ctx.period is None:
            return _date_cand(start, end, _year(published.year - 1))
        return _date_cand(start, end, _moved(ctx.period, "year", -1))

    return _anchored(start, end, resolve)


def _latest_quarter(published: date, step: int = -1) -> _Span:
    """The last quarter completed before `published` (step -1), or the current one (step 0)."""
    d = published + relativedelta(months=3 * step)
    return _quarter(d.year, (d.month - 1) // 3 + 1)


def _near(spans: list[_Span], published: date, tense: str) -> _Span:
    """A quarter or half without a year: the latest begun by publication, or in the future tense the
    first not ended more than 45 days before it (results are announced after a quarter closes)."""
    if tense == "future":
        return min((s for s in spans if s[3] >= published - timedelta(days=45)), key=lambda s: s[2])
    return max((s for s in spans if s[2] <= published), key=lambda s: s[2])


def _h_part_of_year(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    """ "third-quarter", "the first half of 1990", "next year's first quarter", "the year-ago third quarter"."""
    word = m["which"].lower()
    kind = m["kind"].lower()
    n = _ORDINALS.get(word) if kind == "quarter" else {"first": 1, "second": 2, "last": 2, "latter": 2}.get(word)
    if n is None:
        return None
    make = _quarter if kind == "quarter" else _half
    published = scan.published
    y = m["y"] or m["y2"] or m["y3"] or m["fy"]
    rel = (m["yrel"] or m["yrel2"] or "").lower()
    start, end = m.start(), m.end()
    if y:
        return _date_cand(start, end, make(int(y), n))
    if rel:
        return _date_cand(start, end, make(published.year + {"this": 0, "next": 1, "last": -1}[rel], n))
    tense = scan.tense(start, end)
    span = _near([make(year, n) for year in range(published.year - 1, published.year + 2)], published, tense)
    if m["ago"]:

        def resolve(ctx: _Context) -> _Cand:
            anchor = ctx.period if ctx.period is not None and ctx.period.value[5:] == span[1][5:] else None
            base = anchor.first.year if anchor else span[2].year
            return _date_cand(start, end, make(base - 1, n))

        return _anchored(start, end, resolve)
    return _date_cand(start, end, span)


def _h_period_noun(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    """ "the quarter", "the latest period", "that quarter", "the 1988 period", "the year-earlier quarter":
    the reporting period the text is about, or when it names none, the quarter last completed."""
    det, adj, noun = (m["det"] or "the").lower(), (m["adj"] or "").lower(), m["noun"].lower()
    year = int(m["y"]) if m["y"] else None
    shift = {"last": -1, "this": 0, "next": 1}.get((m["yrel"] or "").lower(), 0)
    back = bool(m["ago"] or m["tail"]) or shift == -1
    start, end, published = m.start(), m.end(), scan.published
    plain = not (adj or year or back or m["yrel"])
    ended = _ended_on(scan, m)
    if ended is not None and plain:
        # "the quarter ended Sept. 30" is the quarter that holds that day, and sets the period for what follows.
        return _date_cand(start, end, _quarter(ended.year, (ended.month - 1) // 3 + 1))
    if adj in ("current", "present") and not (year or back):
        return _date_cand(start, end, _latest_quarter(published, 0))

    def resolve(ctx: _Context) -> _Cand | None:
        base = ctx.period if ctx.period is not None and ctx.period.precision in ("quarter", "half", "year") else None
        if base is not None and adj and base.last > published:
            # "the latest quarter" is a closed one, not the coming quarter just mentioned.
            return _date_cand(start, end, _latest_quarter(published))
        if base is None:
            if det == "that" or (noun == "period" and not year) or (plain and m["ended"] is None):
                return None
            if year:
                return _date_cand(start, end, _year(year))
            span = _latest_quarter(published, 0 if adj in ("current", "present") else -1)
            base = _date_cand(start, end, span)
        if year:
            return _date_cand(start, end, _same_kind(base, base.first.replace(year=year)))
        if back:
            return _date_cand(start, end, _moved(base, "year", -1))
        return _date_cand(start, end, (base.precision, base.value, base.first, base.last))

    return _anchored(start, end, resolve, shifted=back)


def _ended_on(scan: _Scan, m: re.Match[str]) -> date | None:
    """The day in "the quarter ended Sept. 30": the latest such day not after publication, unless a year is given."""
    if m["ended"] is None or not m["emon"]:
        return None
    month, day, published = _MONTH_NUMBERS[m["emon"][:3].lower()], int(m["ed"]), scan.published
    try:
        if m["ey"]:
            return date(int(m["ey"]), month, day)
        this_year = date(published.year, month, day)
    except ValueError:
        return None
    if (m.groupdict().get("ew") or "").lower() == "ending":
        return this_year if this_year >= published else this_year.replace(year=published.year + 1)
    return this_year if this_year <= published else this_year.replace(year=published.year - 1)


def _h_the_year(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    """ "the year", "the full year" are the publication year; "that year", "the same year" the last one named."""
    start, end, published = m.start(), m.end(), scan.published
    ended = _ended_on(scan, m)
    if ended is not None:
        # TimeML reads "the year ended Sept. 30" as a twelve-month period up to that day.
        first = ended - relativedelta(years=1) + timedelta(days=1)
        return _duration(scan, start, end, 1, "year", first=first, last=ended)
    if m["det"].lower() == "the" and (m["adj"] or "").lower() not in ("same", "fiscal"):
        return _date_cand(start, end, _year(published.year))
    if (m["adj"] or "").lower() == "fiscal":
        return None

    def resolve(ctx: _Context) -> _Cand | None:
        return _date_cand(start, end, _year(ctx.ref.first.year)) if ctx.ref is not None else None

    return _anchored(start, end, resolve, shifted=False)


def _h_neighbour(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "the following month", "the previous year", "the day before": next to the last date named."""
    unit = _unit(m["u"] or m["u2"])
    sign = 1 if (m["rel"] or m["rel2"]).lower() in ("following", "next", "after") else -1
    start, end = m.start(), m.end()

    def resolve(ctx: _Context) -> _Cand | None:
        anchor = ctx.ref
        if anchor is None or _FINER.get(anchor.precision, 9) > _FINER[unit]:
            return None
        return _date_cand(start, end, _unit_span(unit, anchor.first + _shift(unit, sign)))

    return _anchored(start, end, resolve)


def _h_fiscal(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "fiscal 1989", "fiscal '90", "the current fiscal year", "the latest fiscal year"."""
    published = scan.published
    if m["y"]:
        return _date_cand(m.start(), m.end(), _year(int(m["y"])))
    if m["yy"]:
        yy = int(m["yy"])
        century = published.year // 100 * 100
        return _date_cand(
            m.start(), m.end(), _year(century + yy if century + yy <= published.year + 20 else century - 100 + yy)
        )
    rel = (m["rel"] or "").lower()
    shift = {"latest": -1, "last": -1, "past": -1, "previous": -1, "prior": -1, "next": 1, "coming": 1}.get(rel, 0)
    return _date_cand(m.start(), m.end(), _year(published.year + shift))


def _h_spoken_month_or_season(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "January nineteen ninety-seven", "the winter of nineteen ninety-four" (broadcast transcripts)."""
    y = _NUMBER_WORDS[m["hi"].lower()] * 100 + (_number(m["lo"]) or 0)
    if m["mon"]:
        span = _month(y, _MONTH_NUMBERS[m["mon"][:3].lower()])
    else:
        span = _season(y, _SEASONS[m["s"].lower()])
    return _date_cand(m.start(), m.end(), span)


_SPOKEN_TENS = {w: 10 * i for i, w in enumerate(_TENS, 2)} | {"ten": 10}


def _h_spoken_year(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "nineteen ninety-six", "the year two thousand", "two thousand and four"."""
    if m["hi"]:
        y = _NUMBER_WORDS[m["hi"].lower()] * 100 + (_number(m["lo"]) or 0)
    else:
        y = 2000 + (_number(m["lo2"]) or 0 if m["lo2"] else 0)
    return _date_cand(m.start(), m.end(), _year(y))


def _h_century(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    n = int(m["n"]) if m["n"] else _CENTURY_ORDINALS.get(m["w"].lower().replace(" ", "-"))
    if not n:
        return None
    span = _century(n - 1)
    if m["part"]:
        span = _third(span, m["part"].lower())
    return _date_cand(m.start(), m.end(), span)


_DECADE_WORDS = {w[:-1] + "ies": 10 * i for i, w in enumerate(_TENS, 2)}


def _h_decade_word(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "the nineties": the latest such decade begun by publication or about to begin (in 1989 news, the 1990s)."""
    tens = _DECADE_WORDS[m["w"].lower()]
    y0 = scan.published.year // 100 * 100 + tens
    if m["hi"]:
        y0 = _NUMBER_WORDS[m["hi"].lower()] * 100 + tens
    elif y0 > scan.published.year + 2:
        y0 -= 100
    span = _decade(y0)
    if m["part"]:
        span = _third(span, m["part"].lower())
    return _date_cand(m.start(), m.end(), span)


def _h_year_end(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "by year-end", "since year end", "around year's end": the coming 31st of December, or the last
    one after "since" (and after "at" in the past tense)."""
    published = scan.published
    ended = date(published.year - 1, 12, 31)
    coming = date(published.year, 12, 31)
    word = m["p"].lower()
    past = word == "since" or (word in ("at", "after", "around") and scan.tense(m.start("ye"), m.end()) == "past")
    return _date_cand(m.start("ye"), m.end(), _day(ended if past and published < coming else coming))


def _h_later_in_the_day(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "later in the day": the last day named, or the publication day."""
    start, end = m.start("d"), m.end()

    def resolve(ctx: _Context) -> _Cand:
        day = ctx.ref.first if ctx.ref is not None and ctx.ref.precision == "day" else scan.published
        return _date_cand(start, end, _day(day))

    return _anchored(start, end, resolve, shifted=False)


def _weekend(saturday: date) -> _Span:
    iso = saturday.isocalendar()
    return "week", f"{iso.year:04d}-W{iso.week:02d}-WE", saturday, saturday + timedelta(days=1)


def _h_the_weekend(scan: _Scan, m: re.Match[str]) -> _Cand:
    """ "over the weekend": the last one in the past tense, else the coming one (or the one under way)."""
    published = scan.published
    if scan.tense(m.start(), m.end()) == "past":
        saturday = published - timedelta(days=1) + relativedelta(weekday=SA(-1))
    else:
        saturday = published + relativedelta(weekday=SA(-1) if published.weekday() == 6 else SA(+1))
    return _date_cand(m.start(), m.end(), _weekend(saturday))


def _h_bare_year(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    """A four-digit year in running text, unless the word before makes it a number ("resolution 1973")."""
    before = _WORD_BEFORE.search(scan.text, max(0, m.start() - 24), m.start())
    if before and (before.group(1).lower() in _NOT_BEFORE_YEAR or before.group(1)[0].isupper()):
        return None  # after a capitalised word the year is part of a name ("Exercise Pacific Vanguard 2025")
    if _MONTH_DAY_BEFORE.search(scan.text, max(0, m.start() - 20), m.start()):
        return None  # the year of a date that does not exist ("February 30, 2022")
    return _date_cand(m.start(), m.end(), _year(int(m["y"])))


_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s*[#:]?\s*$")
_MONTH_DAY_BEFORE = re.compile(rf"{_MONTH}\s+\d{{1,2}},?\s+$")


# What a sentence must contain, as lowercase words ("#" for any digit, "M" for a capitalised month name),
# for a rule to be tried there: each group of `needs` must meet the sentence's words.  Trying only these
# keeps the cost near one tokenising pass over the text.
_MONTH_WORDS = frozenset("M")
_UNIT_WORDS = _words(
    "day days week weeks fortnight fortnights month months year years decade decades",
    "daylong weeklong monthlong yearlong",
)
_DIGIT = frozenset("#")


@dataclass(frozen=True, slots=True)
class _Rule:
    """One pattern: the words a sentence needs for it to be tried, the regular expression, and its reader."""

    needs: tuple[frozenset[str], ...]
    pattern: re.Pattern[str]
    read: Callable[[_Scan, re.Match[str]], _Cand | None]


# Shared pieces of the patterns of data/dates.toml, where {NAME} stands for them.
_PIECES = {
    "DAY": _DAY,
    "MONTH": _MONTH,
    "MONTH_FULL": _MONTH_FULL,
    "YEAR": _YEAR,
    "YEAR_FOLLOW": _YEAR_FOLLOW,
    "WEEKDAY": _WEEKDAY,
    "PART": _PART,
    "EVENT_ADJ": _EVENT_ADJ,
    "EVENT_NOUN": _EVENT_NOUN,
    "NUM": _NUM,
    "NUM_PLURAL": _NUM_PLURAL,
    "VAGUE": _VAGUE,
    "UNIT": _UNIT,
    "TENS": "|".join(_TENS),
    "ONES": "|".join(_SMALL[:9]),
    "TEENS_DOWN": "|".join(reversed(_SMALL[9:])),
    "SMALL_DOWN": "|".join(reversed(_SMALL)),
    "CENTURY_ORDINALS": "|".join(sorted(_CENTURY_ORDINALS, key=len, reverse=True)).replace("-", "[- ]"),
    "DECADE_WORDS": "|".join(_DECADE_WORDS),
}
_NEED_SETS = {
    "#": _DIGIT,
    "Y": frozenset("Y"),
    "M": _MONTH_WORDS,
    "@units": _UNIT_WORDS,
    "@seasons": frozenset(_SEASONS),
    "@weekdays": frozenset(_WEEKDAYS),
    "@decades": frozenset(_DECADE_WORDS),
    "@numbers": _DIGIT | frozenset(_TENS) | frozenset(_SMALL[1:]),  # what {NUM_PLURAL} can begin with
}


def _load_rule(record: dict[str, object]) -> _Rule:
    needs = tuple(frozenset().union(*(_NEED_SETS.get(w, frozenset([w])) for w in group)) for group in record["needs"])
    return _Rule(needs, _rule_rx(record["pattern"].format(**_PIECES)), globals()["_h_" + record["read"]])


class _SeasonMatch:
    """A season match with the capitalised alternative folded into group "s"."""

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m

    def __getitem__(self, name: str) -> str | None:
        if name == "s":
            return self._m["s"] or self._m["sc"]
        return self._m[name]

    def start(self, name: str | int = 0) -> int:
        if name == "s":
            return self._m.start("s") if self._m["s"] else self._m.start("sc")
        return self._m.start(name)

    def end(self, name: str | int = 0) -> int:
        return self._m.end(name)


class _EdgeMatch(_SeasonMatch):
    """An end-of match with the bare-year alternative folded into group "y"."""

    def __getitem__(self, name: str) -> str | None:
        if name == "y":
            return self._m["y"] or self._m["y2"]
        return self._m[name]

    def group(self, name: str) -> str | None:
        return self[name]


def _h_season(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    return _read_season(scan, _SeasonMatch(m))


def _h_edge_of(scan: _Scan, m: re.Match[str]) -> _Cand | None:
    return _read_edge_of(scan, _EdgeMatch(m))


_RULES: tuple[_Rule, ...] = tuple(_load_rule(record) for record in _DATA["rule"])

# Rules by the words of their first group of needs; the other groups are checked after.
_KEYWORD_RANKS: dict[str, tuple[int, ...]] = {}
for _rank, _r in enumerate(_RULES):
    for _word in _r.needs[0]:
        _KEYWORD_RANKS[_word] = (*_KEYWORD_RANKS.get(_word, ()), _rank)
_KEYWORDS = frozenset().union(*(need for rule in _RULES for need in rule.needs))
_TOKEN = re.compile(r"[a-z]+")
# The letters other than a-z that the patterns, case-insensitive, read as one ("ſince" as "since").
_ASCII_CASE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
# The longest look-behind of the patterns, "(?<!foreseeable\s)": how far before a sentence a match can look.
_LOOK_BEHIND = 12
_ANY_DIGIT = re.compile(r"\d")
_ANY_YEAR = re.compile(_YEAR)
_WORD_BEFORE_YEAR = re.compile(r"([a-z]+)[\s-]+(?=(?:1[89]|20)\d\d)")  # "in" of "in 1995", "s" of "Russia's 2020"
_ANY_MONTH = re.compile(rf"{_MONTH}")  # case-sensitive, so "may" the verb does not wake the month patterns


# --- assembly ----------------------------------------------------------------


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Keep the earliest, then longest, then first-listed candidate; drop what overlaps it."""
    cands.sort(key=lambda c: (c.start, -c.end, c.rank))
    chosen: list[_Cand] = []
    for c in cands:
        if not chosen or c.start >= chosen[-1].end:
            chosen.append(c)
    return chosen


def _merge_ranges(scan: _Scan, chosen: list[_Cand]) -> list[_Cand]:
    """Join "from X to Y", "between X and Y" and "X-Y" into one range."""
    text, merged, i = scan.text, [], 0
    while i < len(chosen):
        c = chosen[i]
        n = chosen[i + 1] if i + 1 < len(chosen) else None
        if n and c.type == n.type == "DATE" and c.precision not in ("ref",) and n.precision not in ("ref",):
            join = _RANGE_JOIN.fullmatch(text, c.end, n.start)
            opener = _RANGE_FROM.search(text, max(0, c.start - 14), c.start)
            word = join.group().strip().lower() if join else ""
            if opener:
                fits = (word == "and") == (opener.group(1).lower() == "between")
            else:
                fits = word in ("-", "–", "—")
            if join and fits:
                last = n.last
                if n.yearless and last < c.first:
                    last += relativedelta(years=1, day=31) if n.precision == "month" else relativedelta(years=1)
                start = opener.start() if opener else c.start
                merged.append(_Cand(start, n.end, c.precision, c.value, c.first, last))
                i += 2
                continue
        merged.append(c)
        i += 1
    return merged


def _anchor(scan: _Scan, chosen: list[_Cand]) -> list[_Cand]:
    """Read the expressions that lean on an earlier one, in text order; drop those with nothing to lean on."""
    ctx = _Context(scan.published)
    out = []
    for c in chosen:
        if c.resolve is not None:
            resolved = c.resolve(ctx)
            if resolved is None:
                continue
            resolved.rank, resolved.shifted = c.rank, c.shifted
            c = resolved
        if c.type == "DATE" and c.first is not None and c.precision != "ref" and not c.shifted:
            ctx.ref = c
            if c.precision in ("quarter", "half") and c.last < scan.published:
                ctx.period = c  # results are reported for a closed quarter; one under way or ahead is a forecast
        elif c.type == "DURATION" and c.value in ("P6M", "P9M"):
            # Results "for the nine months" are compared with the year before, not the quarter.
            year = ctx.period.first.year if ctx.period is not None else scan.published.year
            ctx.period = _date_cand(c.start, c.end, _year(year))
        out.append(c)
    return out


def _apply_signals(scan: _Scan, c: _Cand) -> _Cand:
    """Widen "since X" to the publication date and "until X" to everything before X's end."""
    if c.type != "DATE" or c.first is None or c.precision == "ref":
        return c
    window = max(0, c.start - 14)
    since = _SINCE.search(scan.text, window, c.start)
    if since:
        last = scan.published if scan.published >= c.first else c.last
        return _Cand(since.start(), c.end, c.precision, c.value, c.first, last)
    until = _UNTIL.search(scan.text, window, c.start)
    if until:
        return _Cand(until.start(), c.end, c.precision, c.value, None, c.last)
    return c


def _ranks(text: str, s_start: int, s_end: int, sentence: str) -> list[int]:
    """The rules worth trying on a sentence: those whose every group of `needs` meets its words."""
    if not sentence.isascii():
        sentence = sentence.translate(_ASCII_CASE)
    lowered = sentence.lower()
    words = set(_TOKEN.findall(lowered))
    if _ANY_DIGIT.search(text, s_start, s_end):
        words.add("#")
        if _ANY_YEAR.search(text, s_start, s_end):
            words.add("Y")
            words.update(word + " Y" for word in _WORD_BEFORE_YEAR.findall(lowered))
    if _ANY_MONTH.search(text, s_start, s_end):
        words.add("M")
    if "-" in sentence:
        words.add("-")
    return _ranks_of(frozenset(words & _KEYWORDS))


@lru_cache(maxsize=4096)
def _ranks_of(hits: frozenset[str]) -> list[int]:
    """The rules whose every group of needs meets `hits`, in order; sentences of a text share a few sets."""
    ranks = sorted({rank for word in hits & _KEYWORD_RANKS.keys() for rank in _KEYWORD_RANKS[word]})
    return [rank for rank in ranks if not any(hits.isdisjoint(need) for need in _RULES[rank].needs[1:])]


def find_dates(text: str, published: date) -> list[TimeExpression]:
    """Every temporal expression in `text`, in order and non-overlapping, resolved against `published`."""
    scan = _Scan(text, published)
    cands: list[_Cand] = []
    bounds = scan.starts + [len(text)]
    # Where each rule matched in a sentence, keyed by the sentence and the characters before it that
    # look-behinds see: a sentence repeated is scanned once, and its matches are only re-read in place.
    seen: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for s_start, s_end in zip(bounds, bounds[1:]):
        key = (text[max(0, s_start - _LOOK_BEHIND) : s_start], text[s_start:s_end])
        found = seen.get(key)
        if found is None:
            matches = [
                (rank, m)
                for rank in _ranks(text, s_start, s_end, key[1])
                for m in _RULES[rank].pattern.finditer(text, s_start, s_end)
            ]
            seen[key] = [(rank, m.start() - s_start) for rank, m in matches]
        else:
            matches = [(rank, _RULES[rank].pattern.match(text, s_start + offset, s_end)) for rank, offset in found]
        for rank, m in matches:
            cand = _RULES[rank].read(scan, m)
            if cand is not None:
                cand.rank = rank
                cands.append(cand)
    chosen = [_apply_signals(scan, c) for c in _merge_ranges(scan, _anchor(scan, _select(cands)))]
    return [
        TimeExpression(
            text[c.start : c.end], c.start, c.end, c.value, c.type, c.first, c.last, c.precision, c.duration_days
        )
        for c in chosen
    ]
