from datetime import date

import pytest

from tracker.extraction import extract
from tracker.extraction.headlines import drill_headline, join_names, meeting_headline


def test_names_join_like_prose():
    assert [join_names(n) for n in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A and B", "A, B and C"]


@pytest.mark.parametrize(
    ("kind", "participants", "extra", "headline"),
    [
        ("visit", ["Ana Ortiz", "Norway"], {"visitors": ["Ana Ortiz"], "location": "Oslo"}, "Ana Ortiz visits Oslo"),
        ("visit", ["Ana Ortiz", "Norway"], {"visitors": ["Ana Ortiz"]}, "Ana Ortiz visits Norway"),
        (
            "visit",
            ["Ana Ortiz", "Lars Holm"],
            {"visitors": ["Ana Ortiz"], "hosts": ["Lars Holm"], "location": "Oslo"},
            "Ana Ortiz visits Oslo for talks with Lars Holm",
        ),
        ("visit", ["Ana Ortiz"], {}, "Ana Ortiz makes a visit"),
        ("call", ["Ana Ortiz", "Lars Holm"], {}, "Ana Ortiz and Lars Holm speak by phone"),
        ("talks", ["Ana Ortiz", "Lars Holm"], {"location": "Bergen"}, "Ana Ortiz and Lars Holm hold talks in Bergen"),
        ("meeting", ["Ana Ortiz", "Lars Holm"], {}, "Ana Ortiz meets Lars Holm"),
        ("summit", ["Norway", "Chile", "Peru"], {}, "Norway, Chile and Peru hold a summit"),
        ("signing", ["Norway", "Chile"], {}, "Norway and Chile sign an agreement"),
        ("talks", [], {"location": "Bergen"}, "Talks in Bergen between unnamed parties"),
    ],
)
def test_meeting_headlines_read_like_an_editors(kind, participants, extra, headline):
    assert meeting_headline(kind, participants, **extra) == headline


def test_a_headline_never_repeats_the_status_badge():
    assert "planned" not in meeting_headline("talks", ["Ana Ortiz", "Lars Holm"])


def test_drill_headlines_lead_with_the_name():
    assert drill_headline("Northern Gale 2030", ["Norway", "Chile"], location="the Arctic", troops=4000) == (
        "Northern Gale 2030: Norway and Chile in the Arctic, 4,000 troops"
    )
    assert drill_headline("", ["Norway"]) == "Norway hold military exercises"


def test_proposed_events_carry_these_headlines():
    text = (
        "OSLO, March 3 (Parley) - Chilean President Ana Ortiz will arrive in Oslo on Monday for a state visit, "
        "the Norwegian government said. Norway's Prime Minister Lars Holm spoke by phone with Peru's President "
        "Rosa Vidal on Tuesday."
    )
    found = extract(text, date(2031, 3, 3))
    summaries = [m.summary for m in found.meetings]
    assert any(s.startswith("Ana Ortiz visits Oslo") for s in summaries), summaries
    assert "Lars Holm and Rosa Vidal speak by phone" in summaries, summaries
    assert not any("(planned)" in s for s in summaries)
