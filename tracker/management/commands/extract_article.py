"""Prints what Parley proposes for an article, as Parley JSON, without touching the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.forms import parse_iso_date, split_article


@dataclass(frozen=True)
class ArticleFile:
    header: dict[str, str]
    body: str
    published: date


def read_article(path: str, published: str | None) -> ArticleFile:
    """The article in `path` with its publication date: --published first, then the header's."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None
    header, body = split_article(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not body.strip():
        raise CommandError(f"{path} has no article text.")
    if published is not None:
        day = parse_iso_date(published)
        if day is None:
            raise CommandError(f"--published “{published}” is not a valid date; give it as YYYY-MM-DD.")
    elif header.get("published", "").strip():
        day = parse_iso_date(header["published"])
        if day is None:
            raise CommandError(
                f"The header's “published: {header['published'].strip()}” is not a valid date; "
                "fix it or give --published YYYY-MM-DD."
            )
    else:
        raise CommandError(
            f"{path} has no publication date: give --published YYYY-MM-DD or a “published:” header line."
        )
    return ArticleFile(header=header, body=body, published=day)


class Command(BaseCommand):
    help = (
        "Read a UTF-8 text file (optionally starting with a title:/source:/url:/published: header "
        "ended by ---) and print the actors, meetings, drills and dates Parley proposes, as Parley JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The article, a UTF-8 text file.")
        parser.add_argument("--published", help="Publication date, YYYY-MM-DD (overrides the header's).")
        parser.add_argument("--format", choices=["json"], default="json", help="Output format (json).")

    def handle(self, *args, file: str, published: str | None, **options) -> None:
        from tracker.article_import import known_actors
        from tracker.extraction import extract

        article = read_article(file, published)
        extraction = extract(article.body, article.published, known_actors())
        self.stdout.write(json.dumps(extraction.to_json(), indent=2, ensure_ascii=False))
