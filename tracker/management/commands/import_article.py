"""Saves what extract_article proposes for an article, through the import service the admin uses too."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.article_import import (
    NOTHING_FOUND,
    ArticleInput,
    article_import,
    found_nothing,
    propose,
    read_proposals,
    saved_message,
)
from tracker.import_runs import ImportBusy
from tracker.management.article_file import add_article_arguments, checked_source, read_article
from tracker.services import TimelineError


class Command(BaseCommand):
    help = (
        "Import an article: save it as a source with every actor, meeting and drill Parley proposes. "
        "Re-importing the same article changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_article_arguments(parser)
        parser.add_argument("--title", help="Title (default: the header's or the page's, else the file name).")
        parser.add_argument("--publisher", help="Publisher (default: the header's “source:”, or the page's site name).")
        parser.add_argument("--url", help="URL (default: the header's, or the page's).")

    def handle(self, *args, file: str, published: str | None, **options) -> None:
        article = read_article(file, published)
        header = article.header
        source = ArticleInput(
            **checked_source(
                title=options["title"] or header.get("title", "").strip() or Path(file).stem,
                publisher=options["publisher"] or header.get("source", "").strip(),
                url=options["url"] or header.get("url", "").strip(),
            ),
            published=article.published,
            text=article.body,
        )
        proposals = propose(text=article.body, published=article.published)
        if found_nothing(proposals):
            raise CommandError(NOTHING_FOUND)
        # As on the admin's review page: what was reviewed at an earlier import stays as the editor left it.
        reading = read_proposals(article=source, proposals=proposals)
        try:
            report = article_import(article=source, proposals=reading["proposals"], reviewed=reading["proposals"])
        except TimelineError as error:
            raise CommandError(f"Nothing was saved: {error}") from None
        except ImportBusy as error:
            raise CommandError(f"{file} was not imported. {error}") from None
        self.stdout.write(saved_message(report, source.title))
        if reading["already"]:
            count = len(reading["already"])
            self.stdout.write(
                f"{count} {'proposal was' if count == 1 else 'proposals were'} reviewed at an earlier import "
                "and left as the editor left them."
            )
