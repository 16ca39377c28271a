"""extract never crashes or hangs, whatever it is given, and its offsets always point into the text."""

import time
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extraction import extract, parse_article

PUBLISHED = date(2022, 2, 10)
CORPUS = Path(__file__).with_name("corpus")
WORDS = [
    "Russia",
    "Russian",
    "Moscow",
    "the",
    "Kremlin",
    "NATO",
    "Nato",
    "talks",
    "met",
    "will",
    "meet",
    "visit",
    "to",
    "Brussels",
    "and",
    "Warsaw",
    ",",
    ".",
    "“",
    "”",
    "Mr",
    "Ms",
    "Prime",
    "Minister",
    "President",
    "Foreign",
    "Secretary",
    "Boris",
    "Johnson",
    "drills",
    "exercises",
    "30,000",
    "troops",
    "on",
    "Thursday",
    "February",
    "30",
    "2014-2015",
    "In",
    "–",
    "signed",
    "the",
    "agreements",
    "with",
    "counterparts",
    "their",
    "phone",
    "call",
    "\n\n",
    "called",
    "off",
    "postponed",
    "summit",
    "of",
    "the",
    "Normandy",
    "quartet",
    "ten",
    "days",
    "’s",
    "Zapad-2021",
]


def _check(text: str) -> None:
    extraction = extract(text, PUBLISHED)
    for proposal in [*extraction.meetings, *extraction.drills]:
        assert 0 <= proposal.evidence_start <= proposal.evidence_end <= len(text)
        assert text[proposal.evidence_start : proposal.evidence_end] == proposal.evidence
    for found in extraction.dates:
        assert text[found.start : found.end] == found.text
    extraction.to_json()


@settings(deadline=500, max_examples=150)
@given(st.text(max_size=400))
def test_any_unicode_text_is_read_quickly_with_consistent_offsets(text):
    _check(text)


@settings(deadline=500, max_examples=150)
@given(st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join))
def test_diplomatic_word_salad_is_read_quickly_with_consistent_offsets(text):
    _check(text)


def test_hostile_inputs_do_not_crash():
    # How fast they are read is measured by `bench/extraction.py --hostile`, not here.
    for text in [
        "\x00\x01\xff binary \ufffd junk" * 500,
        "a" * 200_000,
        "." * 100_000,
        "(" * 50_000 + ")" * 50_000,
        "Mr. " * 20_000,
        "Talks on February 30 and on 31 April 2022. The drills of 99,999,999,999 troops.",
        "President " * 10_000 + "Putin",
        ", and" * 30_000,
        "Russia " * 30_000,
        " ".join(f"Angela Merkel{i} spoke. Mrs Merkel{i} met." for i in range(3000)),
        " ".join(f"President Anna Bee{i} met Prime Minister Carl Dee{i} on Monday." for i in range(3000)),
    ]:
        _check(text)


def test_cost_grows_linearly_with_length():
    base = "\n\n".join(parse_article(p.read_text(encoding="utf-8")).body for p in sorted(CORPUS.glob("*.txt")))
    small = (base * (64_000 // len(base) + 1))[:64_000]
    large = (base * (512_000 // len(base) + 1))[:512_000]
    extract(small, PUBLISHED)

    def timed(text: str) -> float:
        started = time.perf_counter()
        extract(text, PUBLISHED)
        return time.perf_counter() - started

    small_time = min(timed(small) for _ in range(2))
    large_time = timed(large)
    # 8x the text may cost at most ~16x the time (noise allowance), never quadratic (64x).
    assert large_time < 16 * small_time + 0.5
