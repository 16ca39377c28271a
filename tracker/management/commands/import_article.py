"""Saves what extract_article proposes for an article, through the admin's import service."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import services
from tracker.admin_import import found_nothing, propose, saved_message
from tracker.forms import NOTHING_FOUND
from tracker.management.article_file import add_article_arguments, read_article


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
        proposals = propose(text=article.body, published=article.published)
        if found_nothing(proposals):
            raise CommandError(NOTHING_FOUND)
        source = services.ArticleInput(
            title=options["title"] or header.get("title", "").strip() or Path(file).stem,
            publisher=options["publisher"] or header.get("source", "").strip(),
            url=options["url"] or header.get("url", "").strip(),
            published=article.published,
            text=article.body,
        )
        try:
            report = services.article_import(article=source, proposals=proposals)
        except services.TimelineError as error:
            raise CommandError(f"Nothing was saved: {error}") from None
        self.stdout.write(saved_message(report, source.title))
