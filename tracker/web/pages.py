"""The article in a web page: its text, title, publisher and publication date.

trafilatura finds the main text and the metadata; htmldate looks further (the text, the URL)
when the metadata has no date. Both run on the page Parley already has: neither downloads
anything here. What a page does not say is left empty for the editor, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from tracker.web.fetch import HTML_TYPES, fetch

NO_ARTICLE = "There is no article on this page: Parley found no text to read in it. Paste the article’s text instead."
# What a page without an article leaves behind (form labels, a cookie notice) is a few words; an article is more.
MIN_ARTICLE_WORDS = 20


class NoArticle(Exception):
    """The page holds no article text."""


@dataclass(frozen=True)
class Page:
    text: str
    title: str = ""
    publisher: str = ""
    url: str = ""
    published: date | None = None

    @property
    def missing(self) -> list[str]:
        """The details the page did not give, in the words of the import form."""
        found = {"title": self.title, "publisher": self.publisher, "publication date": self.published}
        return [name for name, value in found.items() if not value]


def read_page(html: bytes | str, *, url: str = "") -> Page:
    """The article in `html`; NoArticle when there is none."""
    import htmldate
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, include_tables=False
    )
    title = " ".join((document.title or "").split()) if document is not None else ""
    text = article_text(document.text or "", title) if document is not None else ""
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise NoArticle(NO_ARTICLE)
    published = iso_day(document.date)
    if published is None:
        published = iso_day(htmldate.find_date(html, url=url or None, extensive_search=True, original_date=True))
    return Page(
        text=text,
        title=title,
        publisher=site_name(document.sitename, url),
        url=url or (document.url or ""),
        published=published,
    )


def fetch_page(url: str) -> Page:
    """The article at `url`, fetched safely; FetchRefused or NoArticle saying why not."""
    fetched = fetch(url, kinds=HTML_TYPES)
    return read_page(fetched.content, url=fetched.url)


def article_text(text: str, title: str) -> str:
    """trafilatura's text as an editor would paste it: blank lines between paragraphs, no headline.

    Its one line per block would run the headline and the paragraphs together into one sentence
    for the reader, which the title field already holds.
    """
    blocks = [" ".join(line.split()) for line in text.splitlines()]
    blocks = [block for block in blocks if block]
    if blocks and title and blocks[0].casefold() == title.casefold():
        blocks = blocks[1:]
    return "\n\n".join(blocks)


def site_name(name: str | None, url: str) -> str:
    """The publisher the page names; trafilatura falls back on the URL's host, which is a guess, not a name."""
    name = " ".join((name or "").split())
    parts = urlsplit(url)
    return "" if name.lower() in {parts.netloc.lower(), (parts.hostname or "").lower()} else name


def iso_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
