"""An article given to a management command as a text file: its arguments, header, body and publication date.

extract_article and import_article read articles the same way, with the same messages, from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

from tracker.article_import import is_html_file, parse_iso_date, split_article
from tracker.limits import too_big_message, validate_date_in_range, validate_web_url


@dataclass(frozen=True)
class ArticleFile:
    header: dict[str, str]
    body: str
    published: date


def add_article_arguments(parser: CommandParser) -> None:
    """The file and its --published date, which every article command takes."""
    parser.add_argument("file", help="The article: a UTF-8 text file, a saved .html page or an http(s):// URL.")
    parser.add_argument("--published", help="Publication date, YYYY-MM-DD (overrides the header's).")


def read_article(path: str, published: str | None) -> ArticleFile:
    """The article in `path` with its publication date: --published first, then the header's (or the page's)."""
    if path.lower().startswith(("http://", "https://")) or is_html_file(path):
        return read_page_article(path, published)
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None
    if "\x00" in text:  # valid UTF-8, but a binary file all the same
        raise CommandError(f"{path} is not UTF-8 text.")
    header, body = split_article(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not body.strip():
        raise CommandError(f"{path} has no article text.")
    return ArticleFile(header=header, body=body, published=publication_date(path, header, published))


def read_bytes(path: str) -> bytes:
    """The file's bytes, refused unread when it is larger than the admin's import accepts (PARLEY_ARTICLE_MAX_BYTES)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        limit = settings.PARLEY_ARTICLE_MAX_BYTES
        if size > limit:
            raise CommandError(f"{path} was not read: {too_big_message(size, limit)} (PARLEY_ARTICLE_MAX_BYTES)")
        return file.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None


def publication_date(path: str, header: dict[str, str], published: str | None) -> date:
    day = given_publication_date(path, header, published)
    try:
        validate_date_in_range(day)
    except ValidationError as error:
        raise CommandError(error.messages[0]) from None
    return day


def given_publication_date(path: str, header: dict[str, str], published: str | None) -> date:
    if published is not None:
        day = parse_iso_date(published)
        if day is None:
            raise CommandError(f"--published “{published}” is not a valid date; give it as YYYY-MM-DD.")
        return day
    written = header.get("published", "").strip()
    if not written:
        raise CommandError(
            f"{path} has no publication date: give --published YYYY-MM-DD or a “published:” header line."
        )
    day = parse_iso_date(written)
    if day is None:
        raise CommandError(
            f"The header's “published: {written}” is not a valid date; fix it or give --published YYYY-MM-DD."
        )
    return day


def read_page_article(path: str, published: str | None) -> ArticleFile:
    """The article in a saved .html page or at an http(s):// URL, fetched safely."""
    from tracker.web.fetch import FetchRefused
    from tracker.web.pages import NoArticle, fetch_page, read_page

    try:
        if is_html_file(path) and not path.lower().startswith(("http://", "https://")):
            page = read_page(read_bytes(path))
        else:
            page = fetch_page(path)
    except (FetchRefused, NoArticle) as error:
        raise CommandError(str(error)) from None
    header = {"title": page.title, "source": page.publisher, "url": page.url}
    if published is None and page.published is None:
        raise CommandError(f"Parley found no publication date on the page {path}: give --published YYYY-MM-DD.")
    if page.published is not None:
        header["published"] = page.published.isoformat()
    return ArticleFile(header=header, body=page.text, published=publication_date(path, header, published))


# The limits of the admin's import form (and of the Source model) on what a header or a page gives.
SOURCE_FIELDS = {"title": 300, "publisher": 200, "url": 500}


def checked_source(*, title: str, publisher: str, url: str) -> dict[str, str]:
    """The source's title, publisher and URL, held to the limits of the admin's import form."""
    if url and "://" not in url:
        url = f"https://{url}"  # as the form reads a link typed without its scheme
    cleaned = {"title": title, "publisher": publisher, "url": url}
    for name, value in cleaned.items():
        validators = [MaxLengthValidator(SOURCE_FIELDS[name]), ProhibitNullCharactersValidator()]
        if name == "url":
            validators.append(validate_web_url)
        try:
            for validate in validators:
                if value:
                    validate(value)
        except ValidationError as error:
            raise CommandError(f"The article's {name} was refused: {error.messages[-1]}") from None
    return cleaned
