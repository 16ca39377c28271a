"""Known actors decide who is named, never what happened: an article reads the same once its actors are in the database.

After an import the database holds the article's actors with their aliases (Russia with "Moscow" and "the
Kremlin"), and the next import of that article, or of its follow-up, passes them back in as known actors.
"""

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tracker.extraction import KnownActor, extract, parse_article
from tracker.extraction.gazetteer import load

from .test_seed_article import MEETINGS as SEED_MEETINGS
from .test_seed_article import PUBLISHED as SEED_PUBLISHED

CORPUS = Path(__file__).with_name("corpus")
ARTICLES = sorted(CORPUS.glob("*.txt"))
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "february-2022.json"


def _rich_aliases(actor) -> tuple[str, ...]:
    """The aliases an editor would give: a state's capitals, demonyms and seats ("the Kremlin"); a person's surname."""
    aliases = list(actor.aliases)
    if actor.kind == "person":
        surname = actor.name.split()[-1]
        aliases += [surname, f"Mr {surname}", f"Ms {surname}"]
    else:
        entity = next((e for e in load().entities.values() if e.name == actor.name), None)
        if entity is not None:
            aliases += [*entity.capitals, *entity.demonyms, *(f"the {seat}" for seat in entity.seats)]
    return tuple(dict.fromkeys(a for a in aliases if a != actor.name))


def _as_known(extraction) -> list[KnownActor]:
    return [
        KnownActor(
            name=a.name, slug=a.slug, kind=a.kind, title=a.title, affiliation=a.affiliation, aliases=_rich_aliases(a)
        )
        for a in extraction.actors
    ]


def _events(extraction) -> tuple[list, list]:
    meetings = [(m.kind, m.status, m.start, m.end, sorted(m.participants), m.location) for m in extraction.meetings]
    drills = [
        (d.name, d.status, d.start, d.end, sorted(d.participants), d.location, d.troops) for d in extraction.drills
    ]
    return meetings, drills


def _read_twice(text: str, published: date):
    first = extract(text, published)
    again = extract(text, published, _as_known(first))
    return first, again


def test_a_capital_given_as_an_alias_of_its_state_stays_a_place():
    text = "Foreign Minister Annalena Baerbock will travel to Moscow on Tuesday for talks with her Russian counterpart."
    known = [KnownActor("Russia", "russia", "state", aliases=("Moscow", "Russian", "the Kremlin"))]
    (meeting,) = extract(text, date(2022, 1, 14), known).meetings
    assert (meeting.kind, meeting.location, meeting.start) == ("visit", "Moscow", "2022-01-18")
    assert set(meeting.participants) == {"Annalena Baerbock", "Russia"}


def test_a_known_person_keeps_the_title_and_affiliation_the_article_gives():
    text = "Danish Prime Minister Mette Frederiksen held a joint press conference with German Chancellor Olaf Scholz on Wednesday."
    known = [
        KnownActor(
            "Mette Frederiksen",
            "mette-frederiksen",
            "person",
            title="Prime Minister",
            affiliation="Denmark",
            aliases=("Ms Frederiksen",),
        )
    ]
    extraction = extract(text, date(2022, 2, 10), known)
    (meeting,) = extraction.meetings
    assert set(meeting.participants) == {"Mette Frederiksen", "Olaf Scholz"}
    frederiksen = next(a for a in extraction.actors if a.name == "Mette Frederiksen")
    assert (frederiksen.known, frederiksen.slug, frederiksen.affiliation) == (True, "mette-frederiksen", "Denmark")


def test_a_known_person_named_without_a_title_is_found_by_full_name_and_surname():
    text = "Jens Stoltenberg arrived in Kyiv on Thursday. Stoltenberg will hold talks with Polish President Andrzej Duda in Warsaw next week."
    known = [
        KnownActor("Jens Stoltenberg", "jens-stoltenberg", "person", title="Secretary General", affiliation="NATO")
    ]
    visit, talks = extract(text, date(2023, 4, 20), known).meetings
    assert (visit.kind, visit.location, visit.participants) == ("visit", "Kyiv", ("Jens Stoltenberg", "Ukraine"))
    assert (talks.kind, talks.location, talks.participants) == ("talks", "Warsaw", ("Jens Stoltenberg", "Andrzej Duda"))


def test_a_surname_two_known_people_share_names_neither():
    text = "Johnson said the talks in Geneva would resume."
    known = [
        KnownActor("Boris Johnson", "boris-johnson", "person"),
        KnownActor("Lyndon Johnson", "lyndon-johnson", "person"),
    ]
    assert [a.name for a in extract(text, date(2022, 2, 10), known).actors if a.kind == "person"] == []


def test_seed_article_reads_the_same_with_its_own_actors_known(seed_article_text):
    article = parse_article(seed_article_text)
    first, again = _read_twice(article.body, SEED_PUBLISHED)
    assert _events(again) == _events(first)
    assert {a.name for a in again.actors} == {a.name for a in first.actors}
    assert all(a.known for a in again.actors)


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_corpus_article_reads_the_same_with_its_own_actors_known(path):
    article = parse_article(path.read_text(encoding="utf-8"))
    first, again = _read_twice(article.body, date.fromisoformat(article.headers["published"]))
    assert _events(again) == _events(first)
    assert {a.name for a in again.actors} == {a.name for a in first.actors}


def _fixture_actors() -> list[KnownActor]:
    """The demo timeline's actors and aliases, built as the import does from the database."""
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    actors = {r["fields"]["slug"]: r["fields"] for r in records if r["model"] == "tracker.actor"}
    aliases: dict[str, list[str]] = {}
    for r in records:
        if r["model"] == "tracker.alias":
            aliases.setdefault(r["fields"]["actor"][0], []).append(r["fields"]["name"])
    return [
        KnownActor(
            name=fields["name"],
            slug=slug,
            kind=fields["kind"],
            title=fields["title"],
            affiliation=actors[fields["affiliation"][0]]["name"] if fields["affiliation"] else "",
            aliases=tuple(aliases.get(slug, ())),
        )
        for slug, fields in actors.items()
    ]


def test_seed_article_with_the_demo_timeline_known_yields_the_notes_meetings_and_drill(seed_article_text):
    known = _fixture_actors()
    assert any(k.name == "Russia" and {"Moscow", "the Kremlin"} <= set(k.aliases) for k in known)
    article = parse_article(seed_article_text)
    extraction = extract(article.body, SEED_PUBLISHED, known)
    found = Counter(
        (m.kind, m.status, m.start, m.end, frozenset(m.participants), m.location) for m in extraction.meetings
    )
    assert found == Counter(SEED_MEETINGS)
    (drill,) = extraction.drills
    assert (drill.status, drill.start, drill.end, drill.troops, drill.location) == (
        "ongoing",
        "2022-02-10",
        "2022-02-19",
        30000,
        "Belarus",
    )
    assert set(drill.participants) == {"Russia", "Belarus"}
    assert {a.slug for a in extraction.actors if a.known} >= {"russia", "liz-truss", "normandy-quartet"}


def test_thousands_of_known_actors_find_the_two_named():
    known = [
        KnownActor(
            f"Anna Number{i}", f"anna-{i}", "person", title="Minister", affiliation="Chile", aliases=(f"Ms Number{i}",)
        )
        for i in range(3000)
    ]
    known += [KnownActor(f"Forum {i}", f"forum-{i}", "organisation", aliases=(f"F{i}",)) for i in range(2000)]
    text = "Ms Number7 will meet Forum 12 envoys in Santiago on Friday. " * 20
    extraction = extract(text, date(2021, 3, 10), known)
    assert {a.slug for a in extraction.actors if a.known} == {"anna-7", "forum-12"}
