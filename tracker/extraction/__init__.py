"""Parley's extraction engine: reads a news article and proposes actors, meetings and drills.

Pure Python and Django-free, so the admin, the management commands, the tests and the benchmark
all call the same `extract`.
"""

from tracker.extraction.article import parse_article
from tracker.extraction.engine import extract
from tracker.extraction.types import (
    Article,
    Extraction,
    KnownActor,
    ProposedActor,
    ProposedDrill,
    ProposedMeeting,
)

__all__ = [
    "Article",
    "Extraction",
    "KnownActor",
    "ProposedActor",
    "ProposedDrill",
    "ProposedMeeting",
    "extract",
    "parse_article",
]
