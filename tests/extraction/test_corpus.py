"""Each article of the corpus (written for these tests) yields the proposals listed beside it.

A proposal's `unchecked` fields are known weaknesses, written down with the right value and a
`known_issue`; everything else must match exactly, and there must be no proposal the file does not list.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from tracker.extraction import extract, parse_article

CORPUS = Path(__file__).with_name("corpus")
ARTICLES = sorted(CORPUS.glob("*.txt"))


def _extraction(path: Path):
    article = parse_article(path.read_text(encoding="utf-8"))
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return article, extract(article.body, date.fromisoformat(article.headers["published"])), expected


def _key(item: dict, fields: tuple[str, ...]) -> tuple:
    unchecked = set(item.get("unchecked", ()))
    return tuple(
        None if field in unchecked else frozenset(item[field]) if field == "participants" else item[field]
        for field in fields
    )


def _match(found: list[dict], expected: list[dict], key_fields: tuple[str, ...], other_fields: tuple[str, ...]) -> None:
    remaining = list(found)
    for item in expected:
        unchecked = set(item.get("unchecked", ()))
        fields = tuple(f for f in key_fields + other_fields if f not in unchecked)
        wanted = _key(item, fields)
        hit = next((f for f in remaining if _key(f, fields) == wanted), None)
        assert hit is not None, f"missing {item}\namong {remaining}"
        remaining.remove(hit)
    assert remaining == [], f"unexpected proposals: {remaining}"


def test_corpus_has_at_least_fourteen_articles_with_expectations():
    assert len(ARTICLES) >= 14
    for path in ARTICLES:
        assert path.with_suffix(".expected.json").exists(), path.name
        assert parse_article(path.read_text(encoding="utf-8")).headers["published"]


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_corpus_article_yields_its_expected_meetings(path):
    _, extraction, expected = _extraction(path)
    # The expectations give a meeting's days in the words extract_article still prints beside start/end.
    found = [{**m.to_json(), "date": m.start, "end_date": m.end} for m in extraction.meetings]
    _match(found, expected["meetings"], ("kind", "date", "participants"), ("status", "end_date", "location"))


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_corpus_article_yields_its_expected_drills(path):
    _, extraction, expected = _extraction(path)
    found = [d.to_json() for d in extraction.drills]
    _match(found, expected["drills"], ("name", "start", "participants"), ("status", "end", "location", "troops"))


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_corpus_article_names_its_actors_with_title_and_affiliation(path):
    _, extraction, expected = _extraction(path)
    actors = {a.name: a for a in extraction.actors}
    for item in expected["actors"]:
        assert item["name"] in actors, f"{item['name']} not proposed"
        actor = actors[item["name"]]
        assert actor.kind == item["kind"]
        for field in ("title", "affiliation"):
            if field in item and field not in item.get("unchecked", ()):
                assert getattr(actor, field) == item[field], (item["name"], field)
    people = {a.name for a in extraction.actors if a.kind == "person"}
    assert people == {i["name"] for i in expected["actors"] if i["kind"] == "person"}


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_corpus_article_evidence_is_the_sentence_at_its_offsets(path):
    article, extraction, _ = _extraction(path)
    for proposal in [*extraction.meetings, *extraction.drills]:
        assert article.body[proposal.evidence_start : proposal.evidence_end] == proposal.evidence
        assert proposal.summary and proposal.summary != proposal.evidence
