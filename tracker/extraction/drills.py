"""Drills: find the words that report an exercise, then read its name, participants, place, dates, troops and status."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.extraction.actors import CALENDAR_WORDS, Mention, _is_capitalised
from tracker.extraction.events import DEFINITE, Reader, Sentence, _index, _precision

DRILL_WORDS = {
    **dict.fromkeys(
        "exercise exercises drill drills manoeuvres maneuvers manoeuvre maneuver wargames".split(), "drill"
    ),
    **dict.fromkeys(["war games", "war game", "military training", "joint training", "combat training"], "drill"),
}
DRILL_TRIGGERS = _index(DRILL_WORDS, "drill")
DRILL_ADJECTIVES = frozenset(
    """joint military naval air annual large-scale large scale combined strategic live-fire live fire command staff
    multinational amphibious tactical massive major new snap army ground land maritime bilateral trilateral
    readiness nuclear missile defence defense training field computer-assisted biennial led hosted backed""".split()
)
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
            m = self.reader.mention_at(j)
            if m is not None and m.role in ("name", "demonym", "seat") and self.reader.kind_of(m.key) != "person":
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
            m = self.reader.mention_at(j - 2)
            if m is not None:
                modifiers.append(m)
            determiner = "the"
        if not name:
            name, name_span = self._name_after(s, b)
        if not name:
            name, name_span = self._name_in_apposition(s, j)
        clause = self.drill_clause(s, a)
        subject, pronoun, subject_start = self.reader.subject_before(s, j + 1 if j >= s.a else s.a)
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
            objects, _, _ = self.reader.objects_after(s, k + 1 if lowers[k] == "by" else k)
        own = self.reader.expand(self.reader.keys(modifiers) + self.reader.keys(objects))
        participants = self.reader.expand(
            self.reader.keys(modifiers) + self.reader.keys(subject) + self.reader.keys(objects)
        )
        participants = [p for p in participants if self.reader.kind_of(p) != "person"]
        own = [p for p in own if self.reader.kind_of(p) != "person"]
        troops, troop_keys = self._troops(s)
        places = ("off", "near", "across", "over")
        location = (
            self.reader.location_in(s, b, s.b, extra=places, skip=name_span)
            or self.reader.location_in(s, subject_start, a, extra=places, skip=name_span)
            or self._deployment_place(s)
        )
        status = self.reader.status(s, clause[0], clause[1], drill=True)
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
            if name_lo <= d.start < name_hi or self.reader.reported(d):
                continue
            if d.type == "DURATION" and d.duration_days and lo <= d.start <= hi and d.first is None:
                duration = duration or d
                continue
            if d.type != "DATE" or d.precision in ("ref", "duration"):
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
