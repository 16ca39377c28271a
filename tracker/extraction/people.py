"""What a person's name is written with: ranks, honorifics and suffixes, from nameparser's lists.

nameparser keeps the titles ("Gen.", "Adm.", "Lt.", "Sheikh", "Dr.", "Brig.") and the suffixes ("Jr.", "III")
that people carry in English text; the reader uses them to find a person named after a rank, and loads
them once per process.
"""

from __future__ import annotations

from functools import cache

from nameparser.config import CONSTANTS

# Words nameparser counts as titles that in news copy are ordinary capitalised words or institutions,
# so that "Air Force" or "Chief of Staff" before a name is read by the titles the gazetteer knows.
NOT_RANKS = frozenset(
    """air first second third chief deputy head king queen prince princess lord lady the his her
    president minister secretary chancellor premier ambassador spokesman spokeswoman spokesperson
    leader governor mayor director commander""".split()
)


@cache
def ranks() -> frozenset[str]:
    """Lower-case rank and honorific words ("gen", "maj", "sheikh") that may stand before a name."""
    # nameparser has "brigadier" but not its common abbreviation
    return frozenset(t for t in CONSTANTS.titles if t.isalpha() and t not in NOT_RANKS) | {"brig"}


@cache
def suffixes() -> frozenset[str]:
    return frozenset(s.lower() for s in CONSTANTS.suffix_acronyms | CONSTANTS.suffix_not_acronyms)
