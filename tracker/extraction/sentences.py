"""Sentence boundaries and word tokens, both with character offsets, in one linear pass each."""

from __future__ import annotations

import re
from typing import NamedTuple

# A full stop, question or exclamation mark, optional closing quotes or brackets, then space and
# something that can open a sentence; or a blank line.
BOUNDARY = re.compile(r"[.!?][\"'”’»)\]]*[ \t\r\n]+(?=[\"'“‘«(\[]?[A-Z0-9\u00c0-\u00de])|\n[ \t\r]*\n")
ABBREVIATIONS = frozenset(
    """mr mrs ms dr st gen lt col maj capt sgt adm gov sen rep pres prof rev jr sr
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vs approx est fig cf
    inc ltd co corp mt ft brig cmdr cdr lieut""".split()
)
TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_SENTENCE = 2000


class Token(NamedTuple):
    """A word or a punctuation mark; a named tuple, since a 1 MB article makes a quarter of a million."""

    start: int
    end: int
    text: str
    lower: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences, trimmed of surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in BOUNDARY.finditer(text):
        if match.group().startswith("."):
            word_start = match.start()
            while word_start > start and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
                word_start -= 1
            word = text[word_start : match.start()].lower()
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word:
                continue
        _add(spans, text, start, match.start() + 1 if match.group()[0] in ".!?" else match.start())
        start = match.end()
    _add(spans, text, start, len(text))
    return spans


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences start, 0 first: the same boundaries as `split_sentences`, for readers that
    look a position up with bisect (the date reader's tense markers)."""
    return [0] + [start for start, _ in split_sentences(text) if start > 0]


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    # Closing quotes belong to the sentence they close.
    while end < len(text) and text[end] in "\"'”’»)]":
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # A run-on "sentence" (a table, a log, junk) is cut so that every later step stays local.
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))


def tokenize(text: str) -> list[Token]:
    new = tuple.__new__
    return [new(Token, (*m.span(), word := m.group(), word.lower())) for m in TOKEN.finditer(text)]
