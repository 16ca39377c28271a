"""Meetings: find the words that report a meeting, then read participants, place, date and status around them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.extraction.actors import CALENDAR_WORDS, _is_capitalised
from tracker.extraction.clauses import (
    CLAUSE_OPENERS,
    COUNTRY_NOUNS,
    NUMBER_WORDS_SMALL,
    PRONOUNS,
    TOPIC_WORDS,
    ClauseReader,
    Sentence,
    _index,
)
from tracker.extraction.dates import TimeExpression, tense_of
from tracker.extraction.gazetteer import word_records, world_city_state

WORDS = word_records("meetings.tsv")


def _set(name: str) -> frozenset[str]:
    return frozenset(pattern for pattern, _ in WORDS[name])


MEETING_WORDS = dict(WORDS["trigger"])
TRIGGERS = _index(MEETING_WORDS, "meeting")
KIND_RANK = {kind: int(rank) for kind, rank in WORDS["kind_rank"]}
AGREEMENT_WORDS = _set("agreement_words")
NEGATIONS = _set("negations")
MEETING_NOUNS = _set("meeting_nouns")
RECENT = 30
BEGAN = _set("began")
DISCUSS = _set("discuss")
TOPIC_LEADS = DISCUSS | TOPIC_WORDS
SPOKE = _set("spoke")
UNNAMED_PARTIES = _set("unnamed_parties")
DEFINITE = _set("definite")
GENERIC_LEADS = _set("generic_leads")
NOMINAL_LEADS = _set("nominal_leads")


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


class Reader(ClauseReader):
    """Reads the meetings of one article, clause by clause."""

    def meetings(self, sentences: list[Sentence]) -> list[MeetingDraft]:
        drafts: list[MeetingDraft] = []
        self.place_states: dict[str, str] = {}
        for s in sentences:
            # Found by bisection: a run-on sentence can hold hundreds of dates and tokens.
            self.date_tokens = {
                t
                for d in s.dates
                for t in range(bisect_left(self.starts, d.start, s.a, s.b), bisect_left(self.starts, d.end, s.a, s.b))
            }
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
        if lowers[a] in MEETING_NOUNS and before == "of" and a - 2 >= s.a and lowers[a - 2] in GENERIC_LEADS:
            return []  # "the latest in a series of meetings": meetings in general, not one
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
        if not subject_keys and kind in ("talks", "summit", "call") and before in NOMINAL_LEADS:
            # "A came to the capital the day after meetings with B": A's meetings.
            person = next(
                (m for m in (self.mention_at(k) for k in range(s.a, a - 1)) if m is not None and m.role == "person"),
                None,
            )
            if person is not None and person.key not in object_keys:
                subject_keys = [person.key]
        if not subject_keys and inherited:
            subject_keys = list(inherited)
        status = self.status(s, max(clause[0], subject_start - 1), min(clause[1], max(b, object_end) + 4))
        if single and status not in ("cancelled", "postponed"):
            sentence_status = self.status(s, s.a, s.b)
            status = sentence_status if sentence_status in ("cancelled", "postponed") else status
        discussed = lowers[a] in DISCUSS
        if discussed and lowers[a] == "discussed" and status not in ("cancelled", "postponed"):
            status = "held"  # what they discussed may be planned; the discussion was held
        # What they discussed ("plans for the drill scheduled for June") does not date the discussion.
        when = self.pick_date(
            s,
            a,
            b,
            clause,
            prefer_for=status in ("cancelled", "postponed"),
            whole=single and not discussed,
            topic_after=b if discussed else None,
        )
        if kind == "signing" and self._described_agreement(s, a, when):
            return []
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
            if status == "planned" and lowers[clause[0]] in CLAUSE_OPENERS:
                # "after meetings with B": a clause without a verb takes the tense of the sentence around it.
                sentence_text = self.text[self.tokens[s.a].start : self.tokens[s.b - 1].end]
                status = self.status(s, s.a, s.b) or ("held" if tense_of(sentence_text) == "past" else "planned")
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

    def _described_agreement(self, s: Sentence, a: int, when: TimeExpression | None) -> bool:
        """ "a truce signed last year that has not held": a participle that describes an agreement is background
        unless it dates a signing in the month before publication."""
        described = any(self.lowers[k] in AGREEMENT_WORDS for k in range(max(s.a, a - 2), a))
        if not described or self.lowers[a] != "signed":
            return False
        return when is None or when.first is None or (self.published - when.first).days > 31

    def _elsewhere(self, one: str, other: str) -> bool:
        """Whether two places are known to lie in different states ("Manila", "the White House")."""
        states = [self._place_state(place) for place in (one, other)]
        return all(states) and states[0] != states[1]

    def _place_state(self, place: str) -> str:
        # Kept per place: each meeting is held against the last RECENT ones.
        state = self.place_states.get(place)
        if state is None:
            bare = place.removeprefix("the ")
            key = self.g.by_form.get(bare.casefold(), "")
            is_state = key and self.g.entities[key].kind == "state"
            state = self.place_states[place] = key if is_state else self.g.city_state.get(bare, "")
        return state

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
            for t in range(bisect_left(self.starts, d.start, s.a, s.b), bisect_right(self.ends, d.end, s.a, s.b))
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
                state = world_city_state(name)
                host = [state] if state in self.g.entities else []
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
                draft_sides = None
                for kept in out[-RECENT:]:
                    if draft.when is not None and kept.when is not None and draft.when.value != kept.when.value:
                        continue
                    if draft.kind == kept.kind == "visit" and draft.location and draft.location != kept.location:
                        continue  # another stop of the same trip
                    if (
                        draft.sentence is not kept.sentence
                        and draft.location
                        and kept.location
                        and draft.location != kept.location
                        and self._elsewhere(draft.location, kept.location)
                    ):
                        continue  # the same sides met again, in another state
                    same_sides = set(draft.participants) <= set(kept.participants)
                    if not same_sides and draft.when is not None and draft.sentence is not kept.sentence:
                        if len(draft.participants) >= 2:
                            draft_sides = draft_sides or self._sides(draft.participants)
                            same_sides = draft_sides <= self._sides(kept.participants)
                    if same_sides and (draft.status == kept.status or draft.when is None):
                        if (
                            draft.kind == kept.kind
                            or draft.kind in ("visit", "talks")
                            and kept.kind in ("visit", "talks")
                            # "The two men signed an agreement" with no date of its own: signed at that meeting.
                            or draft.kind == "signing"
                            and draft.when is None
                            and kept.kind in ("visit", "talks", "summit")
                        ):
                            duplicate = True
                            kept.when = kept.when or draft.when
                            kept.participants += [k for k in draft.participants if k not in kept.participants]
                            break
            if not duplicate:
                out.append(draft)
        return out
