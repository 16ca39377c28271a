"""The seed article from ../shared yields exactly the events and people that the project's notes list for it
(tests/seed_expectations.py)."""

from collections import Counter
from datetime import date

import pytest

from tests.seed_expectations import DRILLS, MEETINGS, ORGANISATIONS, PEOPLE, STATES
from tracker.extraction import extract, parse_article

PUBLISHED = date(2022, 2, 10)


@pytest.fixture
def seed(seed_article_text):
    article = parse_article(seed_article_text)
    return article, extract(article.body, PUBLISHED)


def test_seed_article_header_gives_the_publication_date(seed_article_text):
    article = parse_article(seed_article_text)
    assert article.headers["published"] == "2022-02-10"
    assert seed_article_text[article.body_offset :] == article.body


def test_seed_article_yields_every_meeting_of_the_notes_and_nothing_else(seed):
    _, extraction = seed
    found = Counter(
        (m.kind, m.status, m.start, m.end, frozenset(m.participants), m.location) for m in extraction.meetings
    )
    assert found == Counter(MEETINGS)


def test_seed_article_yields_one_merged_drill_with_dates_troops_and_place(seed):
    _, extraction = seed
    found = [
        (d.name, d.status, d.start, d.end, frozenset(d.participants), d.location, d.troops) for d in extraction.drills
    ]
    assert found == DRILLS


def test_seed_article_names_every_person_with_title_and_affiliation(seed):
    _, extraction = seed
    people = {a.name: (a.title, a.affiliation) for a in extraction.actors if a.kind == "person"}
    assert people == PEOPLE


def test_seed_article_proposes_the_states_organisations_and_group_it_mentions(seed):
    _, extraction = seed
    by_kind: dict[str, set[str]] = {}
    for actor in extraction.actors:
        by_kind.setdefault(actor.kind, set()).add(actor.name)
    assert by_kind["state"] == STATES
    assert by_kind["organisation"] == ORGANISATIONS
    assert by_kind["group"] == {"Normandy quartet"}
    quartet = next(a for a in extraction.actors if a.kind == "group")
    assert set(quartet.members) == {"Russia", "Ukraine", "France", "Germany"}


def test_seed_article_later_mentions_resolve_to_the_people_already_named(seed):
    _, extraction = seed
    aliases = {a.name: a.aliases for a in extraction.actors if a.kind == "person"}
    assert "Ms Truss" in aliases["Liz Truss"]
    assert "Mr Johnson" in aliases["Boris Johnson"]
    assert "Mr Lukashenko" in aliases["Alexander Lukashenko"]


def test_seed_article_evidence_is_the_sentence_at_its_offsets(seed):
    article, extraction = seed
    for proposal in [*extraction.meetings, *extraction.drills]:
        assert article.body[proposal.evidence_start : proposal.evidence_end] == proposal.evidence
        assert proposal.evidence.endswith((".", "”"))
        assert proposal.summary and proposal.summary != proposal.evidence


def test_seed_article_interview_is_no_meeting(seed):
    _, extraction = seed
    assert not any("Vladimir Chizhov" in m.participants for m in extraction.meetings)


def test_seed_article_json_has_the_parley_keys_and_the_dates(seed):
    _, extraction = seed
    data = extraction.to_json()
    assert set(data) == {"actors", "meetings", "drills", "dates"}
    assert {"text": "Wednesday", "value": "2022-02-09"}.items() <= next(
        d for d in data["dates"] if d["text"] == "Wednesday"
    ).items()
    meeting = data["meetings"][0]
    assert {"evidence", "evidence_start", "evidence_end", "date_text", "sources"} <= set(meeting)
    assert meeting["sources"] == []
    assert data["drills"][0]["troops"] == 30000
