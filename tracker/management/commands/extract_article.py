"""Prints what Parley proposes for an article, as Parley JSON, without touching the database."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from tracker.article_import import propose
from tracker.management.article_file import add_article_arguments, read_article


class Command(BaseCommand):
    help = (
        "Read a UTF-8 text file (optionally starting with a title:/source:/url:/published: header "
        "ended by ---), a saved .html page or an http(s):// URL, and print the actors, meetings, drills and dates Parley proposes, as Parley JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_article_arguments(parser)
        parser.add_argument("--format", choices=["json"], default="json", help="Output format (json).")

    def handle(self, *args, file: str, published: str | None, **options) -> None:
        article = read_article(file, published)
        proposals = propose(text=article.body, published=article.published, dates=True)
        for meeting in proposals["meetings"]:
            # Compatibility alias: readers of this output written before meetings took start/end
            # (the corpus scorer among them) read a meeting's first and last day as date/end_date.
            meeting["date"], meeting["end_date"] = meeting["start"], meeting["end"]
        self.stdout.write(json.dumps(proposals, indent=2, ensure_ascii=False))
