"""extract never crashes or hangs, whatever it is given, and its offsets always point into the text."""

import sys
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


def _lines_run(text: str) -> int:
    """Lines of the reader run while reading `text`, each turn of a loop counted: work, without a clock."""
    count = 0

    def line(frame, event, arg):
        nonlocal count
        count += event == "line"
        return line

    def call(frame, event, arg):
        return line if "tracker/extraction" in frame.f_code.co_filename.replace("\\", "/") else None

    sys.settrace(call)
    try:
        extract(text, PUBLISHED)
    finally:
        sys.settrace(None)
    return count


def _shapes(size: int) -> dict[str, str]:
    """Articles of about `size` characters shaped as real and pasted text can be."""
    base = "\n\n".join(parse_article(p.read_text(encoding="utf-8")).body for p in sorted(CORPUS.glob("*.txt")))
    words = " ".join("".join(c if c.isalnum() else " " for c in base).split()) + " "
    dated = "The ministers met on Monday, March {d}, {y}, and will meet again in {w} weeks, note {i} said. "
    names = "President Anna Bee{i} met Prime Minister Carl Dee{i} in Minsk{i} on Monday. "
    return {
        "corpus": (base * (size // len(base) + 1))[:size],
        "one sentence, no punctuation": (words * (size // len(words) + 1))[:size],
        "distinct dated sentences": "".join(
            dated.format(i=i, d=i % 28 + 1, y=1990 + i % 35, w=i % 9 + 2) for i in range(size // 40)
        )[:size],
        "capitalised names": "".join(names.format(i=i) for i in range(size // 40))[:size],
    }


def test_work_grows_linearly_with_length():
    # Counted in lines run rather than timed (house rule: no timed tests); work done inside one C call, such
    # as building a set, is not seen here, and `bench/extraction.py --hostile` times 1 MB of each shape.
    small, large = _shapes(8_000), _shapes(64_000)
    for name in small:
        ratio = _lines_run(large[name]) / _lines_run(small[name])
        assert ratio < 8 * 1.5, f"{name}: 8 times the text cost {ratio:.1f} times the work"
