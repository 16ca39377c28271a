"""Who an article talks about: states, organisations, groups and people, with every mention of each."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.extraction.gazetteer import Entity, Gazetteer, PhraseIndex, Surface
from tracker.extraction.people import ranks, suffixes
from tracker.extraction.sentences import TOKEN, Token
from tracker.extraction.types import KnownActor

HONORIFICS = frozenset("mr mrs ms miss dr sir dame lord madam mme m".split())
PLACE_PREPOSITIONS = frozenset("in to at from into near outside via toward towards inside across around".split())
NAME_PARTICLES = frozenset("de da di du del der den van von bin ibn al el le la dos das ter".split())
CALENDAR_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december today tomorrow yesterday""".split()
)
# Capitalised words that open sentences or name institutions rather than people.
NOT_NAME_WORDS = frozenset(
    """the a an on in at of for to and or but as after before during while with by from this that these those
    it its he she they we his her their our there here when where what who which why how if since despite
    meanwhile later earlier however although though also some many most some several both all other
    assembly council committee commission ministry office department house court party forces army navy air
    force staff union government parliament congress senate cabinet administration agency embassy mission
    alliance summit talks conference state states republic kingdom federation region war cold group
    organisation organization bank fund security foreign defence defense affairs minister president
    chancellor secretary general ambassador envoy spokesman spokeswoman spokesperson leader chief prime
    north south east west eastern western northern southern central new old sea ocean gulf strait river
    border front ministers presidents leaders news agency times post bbc cnn reuters press statement""".split()
)
TITLE_ADJECTIVES = frozenset(
    "new former acting outgoing incoming then current interim veteran top likely next future vice deputy".split()
)
# "the South Korean delegation, led by ...": the state a body stands for is the state of the people who lead it.
DELEGATION_WORDS = frozenset("delegation delegations side team government military army navy forces ministry".split())
ANAPHORIC_ORGS = frozenset(["alliance", "bloc"])
ORG_WORDS_AFTER = frozenset(
    "accords accord agreement agreements protocol protocols format process talks summit declaration treaty airport".split()
)

# A title before a name that an institution noun ends or follows ("the official Lusa news agency", "the Grand
# Ajuda Palace") names a body or a building, not a person.
INSTITUTION_NOUNS = frozenset(
    """news agency newspaper daily broadcaster television radio palace hall hotel airport centre center base
    institute university museum cathedral stadium hospital""".split()
)

REMIT_STOP = frozenset("said says is was were are has have had will who which that and or but".split())


@dataclass(slots=True)
class Actor:
    key: str
    name: str
    kind: str
    title: str = ""
    affiliation: str = ""  # actor key
    aliases: list[str] = field(default_factory=list)
    members: tuple[str, ...] = ()  # actor keys
    slug: str = ""
    known: bool = False
    first: int = 1 << 62  # offset of the first mention, for ordering


@dataclass(slots=True)
class Mention:
    a: int  # first token
    b: int  # one past the last token
    start: int
    end: int
    key: str  # actor key; for a city, the key of its state
    role: str  # name | demonym | capital | seat | city | person | place
    text: str


@dataclass(slots=True)
class Cast:
    """Every actor of the article and every mention, in token order."""

    actors: dict[str, Actor]
    mentions: list[Mention]
    token_mention: list[int]  # token index -> mention index or -1
    person_positions: list[int]  # token index of each person mention, sorted
    person_keys: list[str]
    redirect: dict[str, str]
    mention_starts: list[int] = field(default_factory=list)  # first token of each mention, for bisection

    def resolve(self, key: str) -> str:
        return self.redirect.get(key, key)

    def person_before(self, token: int, exclude: set[str] = frozenset()) -> str | None:  # type: ignore[assignment]
        i = bisect_left(self.person_positions, token) - 1
        while i >= 0:
            key = self.person_keys[i]
            if key not in exclude:
                return key
            i -= 1
        return None


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "actor"


def _without_honorific(name: str) -> str:
    """ "Mr Johnson" -> "Johnson": later mentions are read with the honorific apart."""
    words = name.split()
    while words and words[0].rstrip(".").lower() in HONORIFICS:
        words = words[1:]
    return " ".join(words)


def _without_article(name: str) -> str:
    words = name.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].lower() == "the" else name


def _is_capitalised(text: str) -> bool:
    return text[:1].isupper() and text[:1].isalpha()


class _Builder:
    def __init__(self, text: str, tokens: list[Token], gazetteer: Gazetteer, known: Sequence[KnownActor]):
        self.text = text
        self.tokens = tokens
        self.lowers = [t.lower for t in tokens]
        self.texts = [t.text for t in tokens]
        self.g = gazetteer
        self.actors: dict[str, Actor] = {}
        self.redirect: dict[str, str] = {}
        self.known_index = PhraseIndex()
        self.known_people: dict[str, KnownActor] = {}
        self.known_person_names: dict[str, str] = {}
        self.known_person_forms: dict[str, list[str]] = {}
        self.known_surnames: dict[str, str] = {}
        self.introduced: list[Mention] = []
        self.searched: set[str] = set()
        self.by_surname: dict[str, list[str]] = {}
        self.name_ends: dict[str, list[int]] | None = None
        self.main_organisation = ""
        self.ranks = ranks()
        # Known names whose words the text lacks are skipped, so a database of thousands of actors costs little.
        self.words = set(self.texts)
        self._prepare_known(known)

    # -- known actors ---------------------------------------------------------------------------

    def _prepare_known(self, known: Sequence[KnownActor]) -> None:
        """Known actors decide who a mention is (canonical name and slug), never what the mention is.

        A spelling the gazetteer already reads ("Moscow", "Russian", "the Kremlin") keeps the gazetteer's
        reading (a place, a demonym, a seat), so an imported article reads the same the second time.
        Known people are found by title like any other person, and by name, surname and alias in the
        pass over later mentions.
        """
        by_form = self.g.by_form
        surnames: dict[str, list[str]] = {}
        for actor in known:
            if not actor.name.strip():
                continue
            forms = [actor.name, *actor.aliases]
            if actor.kind == "person":
                key = "known:" + actor.slug
                if key in self.actors:
                    continue
                self.actors[key] = Actor(key, actor.name, "person", title=actor.title, slug=actor.slug, known=True)
                self.known_people[key] = actor
                self.by_surname.setdefault(actor.name.split()[-1], []).append(key)
                for form in forms:
                    bare = _without_honorific(form)
                    if bare:
                        self.known_person_names.setdefault(form.casefold(), key)
                        self.known_person_names.setdefault(bare.casefold(), key)
                        self.known_person_forms.setdefault(key, []).append(bare)
                if len(actor.name.split()) > 1:
                    surnames.setdefault(actor.name.split()[-1], []).append(key)
                continue
            entity_key = next((by_form[f.casefold()] for f in forms if f.casefold() in by_form), None)
            if entity_key is not None:
                if entity_key in self.actors:
                    continue  # two known actors for one state: the first one listed wins
                entity = self.g.entities[entity_key]
                key = entity_key
                self.actors[key] = Actor(
                    key, actor.name, entity.kind, members=entity.members, slug=actor.slug, known=True
                )
            else:
                key = "known:" + actor.slug
                if key in self.actors:
                    continue
                self.actors[key] = Actor(key, actor.name, actor.kind, title=actor.title, slug=actor.slug, known=True)
            for form in forms:
                form = _without_article(form)
                if (
                    form.strip()
                    and TOKEN.match(form)
                    and TOKEN.match(form).group() in self.words
                    and not self.g.knows(form)
                ):
                    self.known_index.add(form, Surface(key, "name"), case_sensitive=True)
        # A bare surname is a known person only when no other known person bears it.
        self.known_surnames = {surname: keys[0] for surname, keys in surnames.items() if len(keys) == 1}
        # Affiliations of known people are names; turn them into keys once every actor is in.
        by_name = {actor.name.casefold(): key for key, actor in self.actors.items()}
        for key, actor in self.known_people.items():
            self.actors[key].affiliation = self._key_for_name(actor.affiliation, by_name)

    def _key_for_name(self, name: str, by_name: dict[str, str]) -> str:
        if not name:
            return ""
        folded = name.casefold()
        if folded in by_name:
            return by_name[folded]
        entity_key = self.g.by_form.get(folded)
        if entity_key is not None:
            self._entity_actor(entity_key)
            return entity_key
        return ""

    # -- actors ---------------------------------------------------------------------------------

    def _entity_actor(self, key: str) -> Actor:
        actor = self.actors.get(key)
        if actor is None:
            entity: Entity = self.g.entities[key]
            actor = Actor(key, entity.name, entity.kind, members=entity.members)
            self.actors[key] = actor
        return actor

    def _person(self, name: str, title: str, affiliation: str, offset: int) -> str:
        surname = name.split()[-1]
        for key in self.by_surname.get(surname, []):
            actor = self.actors[key]
            words, other = name.split(), actor.name.split()
            if actor.name == name or (other[-1] == surname and (set(words) <= set(other) or set(other) <= set(words))):
                if len(words) > len(other) and not actor.known:
                    actor.name = name
                actor.title = actor.title or title
                actor.affiliation = actor.affiliation or affiliation
                return key
        key = "person:" + name
        self.actors[key] = Actor(key, name, "person", title=title, affiliation=affiliation, first=offset)
        self.by_surname.setdefault(surname, []).append(key)
        return key

    # -- pass 1: names the gazetteer or the editors know ----------------------------------------

    def scan_names(self) -> list[Mention]:
        found: list[Mention] = []
        last_org: str | None = None
        tokens, lowers, texts = self.tokens, self.lowers, self.texts
        i, n = 0, len(tokens)
        while i < n:
            hit = self.known_index.match(lowers, texts, i)
            other = self.g.names.match(lowers, texts, i)
            if other and (not hit or other[0] > hit[0]):
                hit = other
            if not hit:
                # "the alliance", "the bloc": the organisation last named.
                if lowers[i] in ANAPHORIC_ORGS and i > 0 and lowers[i - 1] == "the" and last_org is not None:
                    found.append(Mention(i, i + 1, tokens[i].start, tokens[i].end, last_org, "name", texts[i]))
                i += 1
                continue
            length, surface = hit
            a, b = i, i + length
            if (
                surface.role == "name"
                and self.g.entities.get(surface.entity) is not None
                and self.g.entities[surface.entity].kind == "organisation"
            ):
                last_org = surface.entity
            role = surface.role
            if role == "capital" and (self._is_place(a, b) or self._listed_after_place(found, a)):
                role = "place"
            mention = Mention(
                a,
                b,
                tokens[a].start,
                tokens[b - 1].end,
                surface.entity,
                role,
                self.text[tokens[a].start : tokens[b - 1].end],
            )
            found.append(mention)
            i = b
        return found

    def _listed_after_place(self, found: list[Mention], a: int) -> bool:
        """ "to Brussels and Warsaw": a capital listed after a place is a place too."""
        if not found or found[-1].role not in ("place", "city"):
            return False
        return all(self.lowers[t] in (",", "and", "or", "then") for t in range(found[-1].b, a)) and a > found[-1].b

    def _is_place(self, a: int, b: int) -> bool:
        before = self.lowers[a - 1] if a > 0 else ""
        if before == "the" and a > 1:
            before = self.lowers[a - 2]
        after = self.lowers[b] if b < len(self.lowers) else ""
        return before in PLACE_PREPOSITIONS or after in ORG_WORDS_AFTER or (after == "," and before in ("in", "at"))

    # -- pass 2: people ---------------------------------------------------------------------------

    def scan_people(self, names: list[Mention]) -> list[Mention]:
        tokens, lowers = self.tokens, self.lowers
        counts: dict[str, int] = {}
        for m in names:
            if (
                m.role == "name"
                and self.g.entities.get(m.key) is not None
                and self.g.entities[m.key].kind == "organisation"
            ):
                counts[m.key] = counts.get(m.key, 0) + 1
        self.main_organisation = max(counts, key=lambda k: counts[k]) if counts else ""
        if self.main_organisation:
            self._entity_actor(self.main_organisation)
        by_start = {m.a: m for m in names}
        by_end = {m.b: m for m in names}
        covered = [-1] * len(tokens)
        for index, m in enumerate(names):
            for t in range(m.a, m.b):
                covered[t] = index
        people: list[Mention] = []
        i, n = 0, len(tokens)
        while i < n:
            hit = self.g.titles.match(lowers, self.texts, i)
            if not hit and covered[i] < 0 and self._initialled(i, covered):
                # "Leon E. Panetta": a middle initial makes a person even without a title.
                end = self._name_forward(i, covered)
                name = re.sub(r"\s+", " ", self.text[tokens[i].start : tokens[end - 1].end])
                key = self._known_person(name) or self._person(name, "", "", tokens[i].start)
                people.append(Mention(i, end, tokens[i].start, tokens[end - 1].end, key, "person", name))
                i = end
                continue
            if not hit and covered[i] < 0 and lowers[i] in self.ranks and _is_capitalised(self.texts[i]):
                mention = self._ranked_person(i, by_start, by_end, covered)
                if mention is not None:
                    people.append(mention)
                    i = mention.b
                    continue
            if not hit or covered[i] >= 0:
                i += 1
                continue
            length, surface = hit
            a, b = i, i + length
            # A title word inside a longer capitalised name ("General Assembly") is no title.
            if (
                b < n
                and lowers[b] in NOT_NAME_WORDS
                and _is_capitalised(tokens[b].text)
                and lowers[b] not in ("of", "to")
            ):
                i = b
                continue
            mention = self._person_at(a, b, surface, by_start, by_end, covered)
            if mention is not None:
                people.append(mention)
                i = mention.b
            else:
                i = b
        return people

    def _initialled(self, i: int, covered) -> bool:
        texts = self.texts
        if not (i + 3 < len(texts) and len(texts[i]) > 1 and len(texts[i + 1]) == 1 and texts[i + 2] == "."):
            return False
        if i > 0 and (_is_capitalised(texts[i - 1]) or texts[i - 1] == "."):
            return False  # inside a longer name or a title, which the title pass reads
        return self._name_word(i, covered) and self._name_word(i + 1, covered) and self._name_word(i + 3, covered)

    def _ranked_person(self, a: int, by_start, by_end, covered) -> Mention | None:
        """ "Maj. Gen. Roger Cloutier", "Sheikh Tamim bin Hamad": a rank or honorific, then a name."""
        tokens, texts, n = self.tokens, self.texts, len(self.tokens)
        j, abbreviated = a, False
        while j < n and j - a < 6 and self.lowers[j] in self.ranks and _is_capitalised(texts[j]) and covered[j] < 0:
            j += 1
            if j < n and texts[j] == "." and tokens[j].start == tokens[j - 1].end:
                abbreviated = True
                j += 1
        name_end = self._name_forward(j, covered)
        # "Mr. Moon" alone is a later mention, read with the honorific apart; a bare rank needs a full name.
        honorific = all(self.lowers[k] in HONORIFICS or texts[k] == "." for k in range(a, j))
        if name_end is None or ((honorific or not abbreviated) and name_end - j < 2):
            return None
        if self.lowers[name_end - 1] in INSTITUTION_NOUNS or (
            name_end < n and self.lowers[name_end] in INSTITUTION_NOUNS
        ):
            return None
        name = re.sub(r"\s+", " ", self.text[tokens[j].start : tokens[name_end - 1].end])
        if name.split()[-1].rstrip(".").lower() in suffixes() and len(name.split()) > 2:
            name = name.rsplit(" ", 1)[0].rstrip(",")
        title = self.text[tokens[a].start : tokens[j - 1].end]
        span_start, affiliation, _ = self._affiliation_before(a, by_end)
        affiliation = affiliation or self._affiliation_after(name_end, by_start)
        key = self._known_person(name) or self._person(name, title, affiliation, tokens[span_start].start)
        actor = self.actors[key]
        actor.title = actor.title or title
        if affiliation:
            actor.affiliation = actor.affiliation or affiliation
            self._entity_actor(affiliation) if affiliation in self.g.entities else None
        return Mention(span_start, name_end, tokens[span_start].start, tokens[name_end - 1].end, key, "person", name)

    def _delegation_before(self, start: int, by_end: dict[int, Mention]) -> str:
        """ "The North Korean delegation is led by senior negotiator X": a state's body just before, same sentence."""
        for k in range(start - 1, max(-1, start - 14), -1):
            if self.lowers[k] in (".", ";", "!", "?"):
                return ""
            m = by_end.get(k)
            if m is not None and m.role in ("name", "demonym") and self.lowers[k] in DELEGATION_WORDS:
                entity = self.g.entities.get(m.key)
                if entity is not None and entity.kind == "state":
                    return m.key
        return ""

    def _affiliation_after(self, end: int, by_start: dict[int, Mention]) -> str:
        """ "X, the Botswana Land Forces commander," / "X, the Ghanaian chief of army staff": the state in the
        apposition that follows a name; "X of Sweden" too."""
        if end + 1 < len(self.lowers) and self.lowers[end] == "of":
            m = by_start.get(end + 1)
            entity = self.g.entities.get(m.key) if m is not None and m.role == "name" else None
            if entity is not None and entity.kind == "state":
                return m.key
        if end >= len(self.lowers) or self.lowers[end] != ",":
            return ""
        for k in range(end + 1, min(len(self.lowers), end + 12)):
            if self.lowers[k] in (",", ".", ";", "said", "says", "who", "and"):
                break
            m = by_start.get(k)
            if m is not None and m.role in ("name", "demonym", "seat"):
                entity = self.g.entities.get(m.key)
                if entity is not None and entity.kind == "state":
                    return m.key
        return ""

    def _affiliation_before(self, a: int, by_end: dict[int, Mention]) -> tuple[int, str, str]:
        """Look left of a title for "Russia's", "Russian", "UK", "the Kremlin": (new start, affiliation key, target key)."""
        lowers = self.lowers
        start, affiliation, target = a, "", ""
        while start > 0 and lowers[start - 1] in TITLE_ADJECTIVES:
            start -= 1
        m = by_end.get(start)
        if (
            m is not None
            and m.role not in ("city", "place")
            and self.g.entities.get(m.key, Entity("", "", "")).kind == "organisation"
        ):
            # "Russia's EU ambassador": an organisation right before the title is what the post is accredited to.
            target, start = m.key, m.a
            m = None
        if start >= 2 and lowers[start - 1] == "s" and self.texts[start - 2] in ("'", "’"):
            m = by_end.get(start - 2)
            if m is not None:
                affiliation, start = m.key, m.a
        else:
            m = by_end.get(start)
            if m is not None and m.role != "city":
                affiliation, start = m.key, m.a
        if target and not affiliation:
            affiliation, target = target, ""
        while start > 0 and lowers[start - 1] in TITLE_ADJECTIVES:
            start -= 1
        if start > 0 and lowers[start - 1] in ("the", "a", "an", "its", "his", "her", "their"):
            start -= 1
        return start, affiliation, target

    def _target_after(self, b: int, by_start: dict[int, Mention]) -> tuple[int, str, str]:
        """Read "of Belarus" / "to the United States" after a title: (new end, preposition, key)."""
        lowers = self.lowers
        if b < len(lowers) and lowers[b] in ("of", "to", "for"):
            j = b + 1
            if j < len(lowers) and lowers[j] == "the":
                j += 1
            m = by_start.get(j)
            if (
                m is not None
                and m.role in ("name", "capital", "place", "seat", "demonym")
                or (m is not None and m.key.startswith("known:"))
            ):
                return m.b, lowers[b], m.key
        return b, "", ""

    def _title_text(self, surface: Surface, target: str) -> str:
        if target:
            entity = self.g.entities.get(target)
            referred = entity.referred if entity else self.actors[target].name
            return f"{surface.value} to {referred}"
        return surface.value

    def _person_at(self, a: int, b: int, surface: Surface, by_start, by_end, covered) -> Mention | None:
        tokens, lowers = self.tokens, self.lowers
        pre_start, affiliation, target = self._affiliation_before(a, by_end)
        end, preposition, key = self._target_after(b, by_start)
        title_target = target
        if preposition in ("to", "for"):
            title_target = key
        elif preposition == "of":
            affiliation = affiliation or key
        # "... Prime Minister Boris Johnson", "the president of Belarus Alexander Lukashenko"
        name_end = self._name_forward(end, covered)
        if name_end is None and end < len(tokens) and lowers[end] == "," and (affiliation or target or pre_start < a):
            name_end = self._name_forward(end + 1, covered)
            if name_end is not None and not (
                name_end >= len(tokens)
                or lowers[name_end] in (",", ".", ";", "said", "told", "has", "was", "is", "will")
            ):
                name_end = None
            name_start = end + 1
        else:
            name_start = end
        remit_from = end + 1 if end < len(tokens) and lowers[end] in ("for", "of", "on") else end if preposition else -1
        if name_end is None and remit_from >= 0:
            # "the top diplomat for regional affairs, Rosa Vega, met ...": a remit, then the name in apposition.
            comma = next((k for k in range(remit_from, min(len(tokens), remit_from + 6)) if lowers[k] == ","), None)
            remit = comma is not None and all(
                (lowers[k].isalpha() or lowers[k] in (".", "-")) and lowers[k] not in REMIT_STOP
                for k in range(remit_from, comma)
            )
            if remit:
                name_end = self._name_forward(comma + 1, covered)
                if name_end is not None and not (name_end < len(tokens) and lowers[name_end] in (",", ".", ";")):
                    name_end = None
                name_start = comma + 1
                if name_end is not None and remit_from == end and comma > end:
                    title_target = ""  # "envoy for U.N. affairs": the state or body is the remit, not the post
        if name_end is not None:
            span_start, span_end = pre_start, name_end
        else:
            # "Alexander Lukashenko, the president of Belarus" / "Philippe Etienne, France's ambassador to ..."
            if pre_start < 2 or lowers[pre_start - 1] != ",":
                return None
            name_start = self._name_backward(pre_start - 1, covered)
            if name_start is None:
                return None
            name_end = pre_start - 1
            span_start, span_end = name_start, end
        if lowers[name_end - 1] in INSTITUTION_NOUNS or (
            name_end < len(tokens) and lowers[name_end] in INSTITUTION_NOUNS
        ):
            return None
        name = self.text[tokens[name_start].start : tokens[name_end - 1].end]
        name = re.sub(r"\s+", " ", name)
        title = self._title_text(surface, title_target)
        if not affiliation:
            affiliation = self._affiliation_after(span_end, by_start) or self._delegation_before(span_start, by_end)
        if not affiliation and surface.implies and surface.implies in self.g.entities:
            affiliation = surface.implies
        if not affiliation and surface.implies == "org":
            affiliation = self.main_organisation
        if affiliation:
            self._entity_actor(affiliation) if affiliation in self.g.entities else None
        person_key = self._known_person(name) or self._person(name, title, affiliation, tokens[span_start].start)
        actor = self.actors[person_key]
        if not actor.title:
            actor.title = title
        if not actor.affiliation and affiliation:
            actor.affiliation = affiliation
        return Mention(
            span_start, span_end, tokens[span_start].start, tokens[span_end - 1].end, person_key, "person", name
        )

    def _known_person(self, name: str) -> str | None:
        return self.known_person_names.get(name.casefold())

    def _name_word(self, t: int, covered) -> bool:
        token = self.tokens[t]
        if covered[t] >= 0 or not _is_capitalised(token.text) or token.lower in NOT_NAME_WORDS:
            return False
        if len(token.text) == 1:
            # An initial ("George W. Bush", "Robert M. Gates") must be followed by a full stop.
            return t + 1 < len(self.tokens) and self.tokens[t + 1].text == "."
        if token.lower in CALENDAR_WORDS or token.lower in HONORIFICS:
            return False
        # All-capital words are acronyms or datelines ("DAYTON, Ohio"), not names.
        return not token.text.isupper()

    def _name_forward(self, i: int, covered) -> int | None:
        tokens, n = self.tokens, len(self.tokens)
        j, words = i, 0
        while j < n and words < 5:
            if self._name_word(j, covered):
                words += 1
                j += 1
                # keep "Jean-Yves", "O'Brien", "W." together
                if j < n and tokens[j].text == "." and len(tokens[j - 1].text) == 1:
                    j += 1
                    continue
                while (
                    j + 1 < n
                    and tokens[j].text in ("-", "'", "’")
                    and tokens[j].start == tokens[j - 1].end
                    and (
                        tokens[j + 1].start == tokens[j].end
                        and (
                            _is_capitalised(tokens[j + 1].text)
                            or tokens[j].text == "-"
                            and tokens[j + 1].text.isalpha()
                        )
                    )
                ):
                    j += 2
                continue
            if words and tokens[j].lower in NAME_PARTICLES and j + 1 < n and self._name_word(j + 1, covered):
                j += 1
                continue
            # "Adel al-Jubeir", "Omar al-Bashir": a particle joined to the family name by a hyphen.
            if (
                words
                and tokens[j].lower in NAME_PARTICLES
                and j + 2 < n
                and tokens[j + 1].text == "-"
                and tokens[j + 1].start == tokens[j].end
                and self._name_word(j + 2, covered)
            ):
                j += 2
                continue
            break
        if words == 0:
            return None
        return j

    def _name_backward(self, end: int, covered) -> int | None:
        """Start of a capitalised name ending just before token `end`."""
        tokens = self.tokens
        j, words = end - 1, 0
        while j >= 0 and words < 5:
            if self._name_word(j, covered):
                words += 1
                if (
                    j >= 2
                    and tokens[j - 1].text in ("-", "'", "’")
                    and tokens[j - 1].start == tokens[j - 2].end == tokens[j - 1].end - 1
                ):
                    j -= 2
                    continue
                j -= 1
                continue
            if words and tokens[j].text == "." and j >= 1 and len(tokens[j - 1].text) == 1:
                j -= 1
                continue
            if words and tokens[j].lower in NAME_PARTICLES and j >= 1 and self._name_word(j - 1, covered):
                j -= 1
                continue
            break
        if words < 2:
            # A bare capitalised word before a comma is too often a place or a sentence opener.
            return None
        return j + 1

    # -- pass 3: later mentions of people ----------------------------------------------------------

    def _introduce(self, j: int, index: PhraseIndex) -> tuple[int, Surface] | None:
        """ "Mrs Merkel" with no title seen: look back for "Angela Merkel" and make her a person."""
        tokens, texts = self.tokens, self.texts
        surname = texts[j]
        if (
            not _is_capitalised(surname)
            or self.lowers[j] in NOT_NAME_WORDS
            or self.lowers[j] in CALENDAR_WORDS
            or self.lowers[j] in HONORIFICS
        ):
            return None
        # Each unknown surname is looked for once, so a text full of "Mr X" stays linear.
        if surname in self.searched:
            return None
        self.searched.add(surname)
        if self.name_ends is None:
            self.name_ends = {}
            for t in range(1, len(tokens)):
                if _is_capitalised(texts[t]) and _is_capitalised(texts[t - 1]):
                    self.name_ends.setdefault(texts[t], []).append(t)
        for t in reversed(self.name_ends.get(surname, [])):
            if t >= j - 1:
                continue
            if (
                self.lowers[t - 1] not in NOT_NAME_WORDS
                and self.lowers[t - 1] not in HONORIFICS
                and self.lowers[t - 1] not in CALENDAR_WORDS
            ):
                start = t - 1
                if (
                    start > 0
                    and _is_capitalised(texts[start - 1])
                    and self.lowers[start - 1] not in NOT_NAME_WORDS
                    and tokens[start - 1].end + 1 == tokens[start].start
                ):
                    start -= 1
                name = self.text[tokens[start].start : tokens[t].end]
                key = self._known_person(name) or self._person(name, "", "", tokens[start].start)
                index.add(name, Surface(key, "person"), case_sensitive=True)
                index.add(surname, Surface(key, "surname"), case_sensitive=True)
                self.introduced.append(Mention(start, t + 1, tokens[start].start, tokens[t].end, key, "person", name))
                return 1, Surface(key, "surname")
        return None

    def scan_later(self, names: list[Mention], people: list[Mention]) -> list[Mention]:
        index = PhraseIndex()
        given_first = PhraseIndex()
        titles: dict[str, list[str]] = {}
        heads: dict[str, list[str]] = {}
        # People the article introduces with a title come first, so a surname is theirs before a known person's.
        named = list(dict.fromkeys(m.key for m in people))
        named_set = set(named)
        for key in named + [k for k in self.actors if k not in named_set]:
            actor = self.actors[key]
            if actor.kind != "person":
                continue
            if (
                actor.known
                and key not in named
                and not any(
                    w in self.words
                    for f in [actor.name, *self.known_person_forms.get(key, ())]
                    for w in TOKEN.findall(f)
                )
            ):
                continue
            words = actor.name.split()
            while len(words) > 2 and words[-1].rstrip(".").lower() in suffixes():
                words = words[:-1]  # "Marcos" for a name ending "Marcos Jr.", "Austin" for "Austin III"
            index.add(actor.name, Surface(key, "person"), case_sensitive=True)
            if len(words) > 1 and (not actor.known or key in named or self.known_surnames.get(words[-1]) == key):
                index.add(words[-1], Surface(key, "surname"), case_sensitive=True)
                # Family name first ("Mr Moon" for Moon Jae-in, "Mr Wang" for Wang Yi).
                given_first.add(words[0], Surface(key, "surname"), case_sensitive=True)
            for alias in [*actor.aliases, *self.known_person_forms.get(key, ())]:
                index.add(alias, Surface(key, "person"), case_sensitive=True)
            if actor.title:
                title = actor.title.split(" to ")[0].lower()
                titles.setdefault(title, []).append(key)
                if " of " in title:
                    # "the Secretary" for the Secretary of State already named
                    heads.setdefault(title.split(" of ")[0], []).append(key)
        # Family name first, without an honorific ("Xi" for Xi Jinping): only for two-word names, after every
        # surname, so that a surname always wins.
        for key in named:
            words = self.actors[key].name.split()
            if len(words) == 2 and not self.actors[key].known:
                index.add(words[0], Surface(key, "surname"), case_sensitive=True)
        taken = [False] * len(self.tokens)
        for m in people:
            for t in range(m.a, m.b):
                taken[t] = True
        later: list[Mention] = []
        tokens, lowers, texts = self.tokens, self.lowers, self.texts
        i, n = 0, len(tokens)
        name_at = {m.a: m for m in names}
        while i < n:
            if taken[i]:
                i += 1
                continue
            start = i
            honorific = lowers[i] in HONORIFICS and _is_capitalised(texts[i])
            j = i + 1 if honorific else i
            if honorific and j < n and texts[j] == ".":
                j += 1
            hit = index.match(lowers, texts, j) if j < n else None
            if honorific and hit is None and j < n:
                hit = given_first.match(lowers, texts, j) or self._introduce(j, index)
            if hit and not honorific and hit[1].role == "surname" and lowers[j] in CALENDAR_WORDS:
                hit = None  # "May" the month, not Mrs May
            if hit and (honorific or j not in name_at or hit[0] > name_at[j].b - j):
                length, surface = hit
                b = j + length
                later.append(
                    Mention(
                        start,
                        b,
                        tokens[start].start,
                        tokens[b - 1].end,
                        surface.entity,
                        "person",
                        self.text[tokens[start].start : tokens[b - 1].end],
                    )
                )
                if honorific:
                    alias = self.text[tokens[start].start : tokens[b - 1].end]
                    aliases = self.actors[surface.entity].aliases
                    if alias not in aliases:
                        aliases.append(alias)
                i = b
                continue
            # "the chancellor" stands for the chancellor already named.
            if lowers[i] == "the" and i + 1 < n:
                title_hit = self.g.titles.match(lowers, texts, i + 1)
                if title_hit:
                    length, surface = title_hit
                    b = i + 1 + length
                    candidates = titles.get(surface.value.lower(), []) or heads.get(surface.value.lower(), [])
                    follows = lowers[b] if b < n else ""
                    if not candidates and later and later[-1].a > i - 80 and texts[i] == "The":
                        # "Mrs Merkel flew on. The chancellor had ..." — an untitled person just named.
                        candidates = [later[-1].key]
                    if (
                        len(candidates) == 1
                        and follows not in ("of", "to", "for")
                        and not (b < n and _is_capitalised(texts[b]))
                    ):
                        later.append(
                            Mention(
                                i,
                                b,
                                tokens[i].start,
                                tokens[b - 1].end,
                                candidates[0],
                                "person",
                                self.text[tokens[i].start : tokens[b - 1].end],
                            )
                        )
                        i = b
                        continue
            i += 1
        return later


def cast(text: str, tokens: list[Token], gazetteer: Gazetteer, known: Sequence[KnownActor]) -> Cast:
    builder = _Builder(text, tokens, gazetteer, known)
    names = builder.scan_names()
    people = builder.scan_people(names)
    later = builder.scan_later(names, people)
    later.extend(builder.introduced)

    # People win over the names inside them ("Danish" in "Danish Prime Minister Mette Frederiksen").
    chosen: list[Mention] = []
    owner = [-1] * len(tokens)
    for m in sorted(people + later, key=lambda m: m.a):
        if all(owner[t] < 0 for t in range(m.a, m.b)):
            for t in range(m.a, m.b):
                owner[t] = 1
            chosen.append(m)
    for m in names:
        if all(owner[t] < 0 for t in range(m.a, m.b)):
            chosen.append(m)
    chosen.sort(key=lambda m: m.a)
    token_mention = [-1] * len(tokens)
    for index, m in enumerate(chosen):
        for t in range(m.a, m.b):
            token_mention[t] = index

    actors = builder.actors
    # Every name that stands for an actor puts that actor in the article; places and venues do not.
    for m in names:
        if m.role in ("name", "demonym", "seat", "capital") and m.key in gazetteer.entities:
            actor = builder._entity_actor(m.key)
            actor.first = min(actor.first, m.start)
            if (
                m.role in ("name", "seat", "capital")
                and m.text != actor.name
                and m.text not in actor.aliases
                and _is_capitalised(m.text)
            ):
                actor.aliases.append(m.text)
        elif m.key in actors:
            actors[m.key].first = min(actors[m.key].first, m.start)
    for m in people + later:
        actors[m.key].first = min(actors[m.key].first, m.start)
    for actor in list(actors.values()):
        if actor.affiliation and actor.affiliation in gazetteer.entities:
            affiliation = builder._entity_actor(actor.affiliation)
            affiliation.first = min(affiliation.first, actor.first)
        for member in actor.members:
            if member in gazetteer.entities and actor.first < (1 << 62):
                m_actor = builder._entity_actor(member)
                m_actor.first = min(m_actor.first, actor.first)

    _affiliate_from_context(actors, chosen, gazetteer, text)
    _affiliate_counterpart(actors, chosen, builder.lowers, gazetteer)

    persons = [(m.a, m.key) for m in chosen if m.role == "person"]
    return Cast(
        actors=actors,
        mentions=chosen,
        token_mention=token_mention,
        person_positions=[p for p, _ in persons],
        person_keys=[k for _, k in persons],
        redirect=builder.redirect,
        mention_starts=[m.a for m in chosen],
    )


# Titles that head a state: two people holding one for the same state are rare in one story.
HEAD_TITLES = frozenset(
    "President|Prime Minister|Chancellor|Premier|Leader|Supreme Leader|King|Queen|Emir|Sultan".split("|")
)
# A bare "President X" is given the story's state only for these titles.
CONTEXT_TITLES = frozenset(["President", "Prime Minister"])
DATELINE = re.compile(r"\s*([A-Z][A-Z.' -]{2,30}?)(,\s*[A-Z][\w.' ]{1,30})?\s*(\([^)\n]{1,40}\))?\s*[-–—]\s")


def dateline_place(text: str, known_places: dict[str, str] | None = None) -> str:
    """ "MOSCOW (Reuters) - ...", "DAYTON, Ohio (Nov. 1) - ...": the place the story was filed from, as a name.

    A capitalised word before a dash is a dateline only when it is a known city or has a region or an
    agency or date in brackets beside it, so a "BREAKING - " banner is none.
    """
    match = DATELINE.match(text[:120])
    if match is None:
        return ""
    place = " ".join(word.capitalize() for word in match.group(1).split())
    if match.group(2) or match.group(3) or (known_places is not None and place in known_places):
        return place
    return ""


def _affiliate_from_context(actors: dict[str, Actor], chosen: list[Mention], gazetteer: Gazetteer, text: str) -> None:
    """ "President X" with no state beside the title belongs to the story's state when one clearly dominates.

    States whose head is already named elsewhere in the story are not candidates; the dateline counts double.
    """
    bare = [
        a
        for a in actors.values()
        if a.kind == "person" and not a.affiliation and a.title in CONTEXT_TITLES and a.first < (1 << 62)
    ]
    if not bare:
        return
    counts: dict[str, int] = {}
    for m in chosen:
        if (
            m.role in ("name", "demonym", "seat", "capital")
            and m.key in gazetteer.entities
            and gazetteer.entities[m.key].kind == "state"
        ):
            counts[m.key] = counts.get(m.key, 0) + 1
    for actor in actors.values():
        if actor.kind == "person" and actor.affiliation in counts and actor.first < (1 << 62):
            counts[actor.affiliation] += 1
    place = dateline_place(text, gazetteer.city_state)
    if place in gazetteer.city_state:
        code = gazetteer.city_state[place]
        counts[code] = counts.get(code, 0) + 2
    led = {
        a.affiliation
        for a in actors.values()
        if a.kind == "person" and a.title in HEAD_TITLES and a.affiliation and a.first < (1 << 62)
    }
    for actor in sorted(bare, key=lambda a: a.first):
        ranked = sorted(((n, key) for key, n in counts.items() if key not in led), reverse=True)
        if not ranked:
            return
        top, key = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0
        if top >= 2 and top >= 2 * second:
            actor.affiliation = key
            led.add(key)
            if key not in actors:
                entity = gazetteer.entities[key]
                actors[key] = Actor(key, entity.name, entity.kind)
            actors[key].first = min(actors[key].first, actor.first)


def _affiliate_counterpart(actors: dict[str, Actor], chosen: list[Mention], lowers: list[str], gazetteer: Gazetteer):
    """ "He accepted an invitation from his Chinese counterpart. General X issued it ...": the next person
    named without a state, soon after an unnamed counterpart of a known state, is that counterpart."""
    pending, since = "", 0
    for m in chosen:
        if m.role == "demonym" and m.b < len(lowers) and lowers[m.b] in ("counterpart", "counterparts"):
            following = m.b + 1
            if not any(x.a == following and x.role == "person" for x in chosen):
                entity = gazetteer.entities.get(m.key)
                if entity is not None and entity.kind == "state":
                    pending, since = m.key, m.a
            continue
        if pending and m.role == "person":
            if m.a - since > 80:
                pending = ""
                continue
            actor = actors[m.key]
            if not actor.affiliation and actor.first >= m.start:
                actor.affiliation = pending
                pending = ""
