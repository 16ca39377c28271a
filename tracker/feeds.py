"""Feeds and the inbox: read each active feed, fetch its new articles and queue them for review.

fetch_feeds (the command) and the feed admin's "Fetch now" both call read_feeds(). Each feed is
read with a conditional request, so an unchanged feed costs one 304; each item's page is fetched
once, since every fetched link is kept in the inbox (articles with nothing to propose arrive
dismissed, articles already imported arrive imported). One bad feed or item is reported and the
rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tracker.article_import import article_text_hash
from tracker.limits import DATE_RANGE_TEXT, EARLIEST, LATEST
from tracker.models import Actor, Feed, InboxItem, Source
from tracker.web.fetch import XML_TYPES, FetchRefused, fetch
from tracker.web.pages import NoArticle, fetch_page

logger = logging.getLogger(__name__)
# Some servers label their feeds text/html; feedparser decides whether it is a feed.
FEED_TYPES = XML_TYPES | {"text/html"}


@dataclass
class FeedReport:
    """What one read of a feed did, in words for the command's output and the admin's messages."""

    feed: Feed
    unchanged: bool = False
    queued: int = 0
    empty: int = 0
    known: int = 0
    error: str = ""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.error:
            return f"{self.feed.name}: failed. {self.error}"
        if self.unchanged:
            return f"{self.feed.name}: unchanged since the last check."
        parts = [f"{self.queued} new {'article' if self.queued == 1 else 'articles'} in the inbox"]
        if self.empty:
            parts.append(f"{self.empty} with nothing to propose (dismissed)")
        if self.known:
            parts.append(f"{self.known} already seen")
        if self.problems:
            parts.append(f"{len(self.problems)} not read")
        return f"{self.feed.name}: " + ", ".join(parts) + "."


def read_feeds(feeds: Iterable[Feed] | None = None) -> list[FeedReport]:
    """Read each feed (every active one by default) into the inbox; one report per feed."""
    feeds = Feed.objects.filter(active=True) if feeds is None else feeds
    return [read_feed(feed) for feed in feeds]


def read_feed(feed: Feed) -> FeedReport:
    report = FeedReport(feed=feed)
    try:
        queue_new_items(feed, report)
    except FetchRefused as error:
        report.error = str(error)
    except Exception as error:  # a bad feed must never stop the others; say what happened and go on
        logger.exception("Reading the feed %s failed", feed.url)
        report.error = f"Unexpected error: {error.__class__.__name__}: {error}"
    feed.last_checked = timezone.now()
    feed.last_error = report.error or "\n".join(report.problems)
    feed.save(update_fields=["last_checked", "last_error", "etag", "modified"])
    return report


def queue_new_items(feed: Feed, report: FeedReport) -> None:
    import feedparser

    conditions = {}
    if feed.etag:
        conditions["If-None-Match"] = feed.etag
    if feed.modified:
        conditions["If-Modified-Since"] = feed.modified
    fetched = fetch(feed.url, kinds=FEED_TYPES, headers=conditions)
    if fetched.status == 304:
        report.unchanged = True
        return
    parsed = feedparser.parse(fetched.content, response_headers={"content-location": fetched.url})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        raise FetchRefused(f"{fetched.url} is not an RSS or Atom feed Parley can read.")
    for entry in parsed.entries:
        queue_entry(feed, entry, report)
    headers = {name.lower(): value for name, value in fetched.headers.items()}
    feed.etag = headers.get("etag", "")[:300]
    feed.modified = headers.get("last-modified", "")[:100]


def queue_entry(feed: Feed, entry: Any, report: FeedReport) -> None:
    """Fetch one item's page and queue its article, unless its link was seen before."""
    link = (entry.get("link") or "").strip()
    if not link:
        report.problems.append(f"An item without a link: “{entry.get('title', '')}”.")
        return
    if InboxItem.objects.filter(url=link).exists() or Source.objects.filter(url=link).exists():
        report.known += 1
        return
    try:
        page = fetch_page(link)
    except (FetchRefused, NoArticle) as error:
        report.problems.append(f"{link}: {error}")
        return
    title = page.title or " ".join((entry.get("title") or "").split())
    publisher = page.publisher or feed.name
    published = page.published or entry_day(entry)
    if not title or published is None:
        missing = " and ".join(name for name, value in (("title", title), ("publication date", published)) if not value)
        report.problems.append(f"{link}: Parley found no {missing} on the page or in the feed.")
        return
    if not EARLIEST <= published <= LATEST:
        # Stored, it would break every page that does date arithmetic on it; no feed means year 9999.
        dated_by = "page" if page.published else "feed"
        report.problems.append(
            f"{link}: the {dated_by} dates it {published.isoformat()}, which is outside the dates Parley keeps "
            f"({DATE_RANGE_TEXT}); the item was skipped."
        )
        return
    if InboxItem.objects.same_article(url=link, publisher=publisher, title=title, published=published).exists():
        report.known += 1
        return
    item = arrived_item(feed=feed, url=link, title=title, publisher=publisher, published=published, text=page.text)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # another fetch_feeds run queued the same link a moment ago
        report.known += 1
        return
    if item.dismissed_at:
        report.empty += 1
    elif already_imported(item):
        report.known += 1
    else:
        report.queued += 1


def arrived_item(*, feed: Feed, url: str, title: str, publisher: str, published: date, text: str) -> InboxItem:
    """An inbox item with what the reader proposes for the article; dismissed when it proposes nothing."""
    from tracker.article_import import found_nothing, propose

    proposals = propose(text=text, published=published)
    names = [actor.get("name", "") for actor in proposals.get("actors", [])]
    known = Actor.objects.by_names(names)
    return InboxItem(
        feed=feed,
        url=url,
        title=title[:300],
        publisher=publisher[:200],
        published=published,
        text=text,
        text_hash=article_text_hash(text),
        proposals=proposals,
        meetings=len(proposals.get("meetings", [])),
        drills=len(proposals.get("drills", [])),
        new_actors=sum(1 for name in names if name.strip().lower() not in known),
        dismissed_at=timezone.now() if found_nothing(proposals) else None,
    )


def already_imported(item: InboxItem) -> bool:
    return Source.objects.filter(
        Q(text_hash=item.text_hash) | Q(publisher=item.publisher, title=item.title, published=item.published)
    ).exists()


def entry_day(entry: Any) -> date | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return date(moment.tm_year, moment.tm_mon, moment.tm_mday) if moment else None


def dismiss(items: Iterable[InboxItem]) -> int:
    """Dismiss the items still waiting; how many were."""
    pks = [item.pk for item in items]
    return InboxItem.objects.filter(pk__in=pks, dismissed_at__isnull=True).update(dismissed_at=timezone.now())
