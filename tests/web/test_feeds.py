"""fetch_feeds and the inbox, against the test website's RSS 2.0 and Atom feeds."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.test_article_import import review_post_data
from tests.website import OSLO_TITLE, RIGA_TITLE, Answer
from tracker.feeds import read_feeds
from tracker.models import Feed, InboxItem, Source

pytestmark = pytest.mark.django_db

INBOX = "/admin/tracker/inboxitem/"
INBOX_QUERIES = 8
ARTICLES = [
    "/articles/oslo-talks.html",
    "/articles/riga-talks.html",
    "/articles/quiet-week.html",
    "/articles/lisbon-talks.html",
]


@pytest.fixture
def feeds(website):
    return [
        Feed.objects.create(name="North Wire", url=website.url("/feeds/rss.xml")),
        Feed.objects.create(name="Ministry notices", url=website.url("/feeds/atom.xml")),
    ]


@pytest.fixture
def staff_client(client):
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    client.force_login(editor)
    return client


def fetch_feeds() -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("fetch_feeds", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def listed(client, url: str) -> list[str]:
    return [item.title for item in client.get(url).context["cl"].result_list]


def test_fetch_feeds_twice_fetches_each_item_once_and_the_second_run_is_answered_304(website, feeds):
    out, err = fetch_feeds()
    # Feeds are read by name: the Atom feed's link to the Oslo article comes first, the RSS one is then seen.
    assert out.splitlines() == [
        "Ministry notices: 2 new articles in the inbox.",
        "North Wire: 1 new article in the inbox, 1 with nothing to propose (dismissed), 1 already seen.",
    ]
    assert err == ""
    waiting = InboxItem.objects.waiting()
    assert sorted(waiting.values_list("title", flat=True)) == sorted([OSLO_TITLE, RIGA_TITLE, "Talks in Lisbon"])
    assert InboxItem.objects.dismissed().get().title == "A mild week on the coast"

    out, err = fetch_feeds()
    assert "North Wire: unchanged since the last check." in out
    assert "Ministry notices: unchanged since the last check." in out
    for path in ARTICLES + ["/articles/oslo-talks.html?from=atom"]:
        assert len(website.requests_for(path)) == 1, path
    second_rss, second_atom = website.requests_for("/feeds/rss.xml")[1], website.requests_for("/feeds/atom.xml")[1]
    assert second_rss.headers["If-None-Match"] == '"rss-1"'
    assert second_atom.headers["If-Modified-Since"] == "Tue, 14 Mar 2023 12:00:00 GMT"
    assert (second_rss.status, second_atom.status) == (304, 304)
    assert InboxItem.objects.count() == 4


def test_the_inbox_records_what_the_reader_proposes(website, feeds):
    fetch_feeds()
    oslo = InboxItem.objects.get(title=OSLO_TITLE)
    assert oslo.url == website.url("/articles/oslo-talks.html?from=atom")
    assert (oslo.publisher, oslo.published, oslo.feed.name) == ("North Wire", date(2023, 3, 14), "Ministry notices")
    assert (oslo.meetings, oslo.drills) == (2, 1)
    assert oslo.new_actors == 4
    riga = InboxItem.objects.get(title=RIGA_TITLE)
    assert riga.publisher == "North Wire", "a page that names no publisher takes the feed's name"
    assert riga.published == date(2021, 5, 3)


def test_an_article_already_imported_is_never_queued(website, feeds):
    call_command("import_article", website.url("/articles/oslo-talks.html"), stdout=None)
    fetch_feeds()
    assert OSLO_TITLE not in InboxItem.objects.waiting().values_list("title", flat=True)
    assert website.requests_for("/articles/oslo-talks.html")[1:] == [], "a link already imported is not fetched"
    # The Atom feed links the same article under another URL: fetched, recognised, not queued.
    assert InboxItem.objects.with_imported().get(title=OSLO_TITLE).imported


def test_a_bad_feed_never_stops_the_others(website, feeds):
    Feed.objects.create(name="Aaa not a feed", url=website.url("/feeds/not-a-feed.xml"))
    Feed.objects.create(name="Aab private", url="http://10.1.2.3/feed.xml")
    Feed.objects.create(name="Aac slow", url=website.url("/slow.html"))
    Feed.objects.create(name="Inactive", url=website.url("/feeds/none.xml"), active=False)
    with pytest.raises(CommandError, match="3 of 5 feeds could not be read; see above"):
        fetch_feeds()
    assert InboxItem.objects.waiting().count() == 3
    errors = dict(Feed.objects.values_list("name", "last_error"))
    assert "is not an RSS or Atom feed Parley can read" in errors["Aaa not a feed"]
    assert "is a private address (10.1.2.3)" in errors["Aab private"]
    assert "did not answer within 0.5 s" in errors["Aac slow"]
    assert errors["North Wire"] == ""
    assert Feed.objects.get(name="Inactive").last_checked is None
    assert website.requests_for("/feeds/none.xml") == []


def test_the_command_prints_each_refusal(website, feeds, capsys):
    Feed.objects.create(name="Metadata", url="http://169.254.169.254/latest/feed")
    with pytest.raises(CommandError):
        call_command("fetch_feeds")
    err = capsys.readouterr().err
    assert "Metadata: failed. Refused http://169.254.169.254/latest/feed: “169.254.169.254” is a link-local" in err


# -- the inbox in the admin ------------------------------------------------------------------------


def test_the_inbox_lists_waiting_articles_with_their_counts(staff_client, website, feeds):
    fetch_feeds()
    page = staff_client.get(INBOX).content.decode()
    assert OSLO_TITLE in page and RIGA_TITLE in page
    assert "A mild week on the coast" not in page, "dismissed articles are not waiting"
    assert f'aria-label="Review “{OSLO_TITLE}”"' in page
    dismissed = staff_client.get(INBOX + "?status=dismissed").content.decode()
    assert "A mild week on the coast" in dismissed and OSLO_TITLE not in dismissed


def test_reviewing_an_inbox_article_saves_it_and_it_leaves_the_inbox(staff_client, website, feeds):
    fetch_feeds()
    oslo = InboxItem.objects.get(title=OSLO_TITLE)
    response = staff_client.get(f"{INBOX}{oslo.pk}/review/")
    assert response.status_code == 302
    review = staff_client.get(response["Location"])
    assert f"Review “{OSLO_TITLE}”" in review.content.decode()
    confirmed = staff_client.post(response["Location"], review_post_data(review))
    assert confirmed.status_code == 302
    assert Source.objects.get().title == OSLO_TITLE
    assert oslo.pk not in InboxItem.objects.waiting().values_list("pk", flat=True)
    assert OSLO_TITLE not in listed(staff_client, INBOX)
    assert listed(staff_client, INBOX + "?status=imported") == [OSLO_TITLE]


def test_dismissing_takes_articles_out_of_the_inbox(staff_client, website, feeds):
    fetch_feeds()
    riga = InboxItem.objects.get(title=RIGA_TITLE)
    response = staff_client.post(INBOX, {"action": "dismiss_selected", "_selected_action": [riga.pk]}, follow=True)
    assert "Dismissed 1 article." in response.content.decode()
    assert RIGA_TITLE not in InboxItem.objects.waiting().values_list("title", flat=True)
    assert not Source.objects.exists()


def test_articles_arrive_only_from_feeds(staff_client):
    assert staff_client.get(INBOX + "add/").status_code == 403


def test_the_inbox_makes_the_same_few_queries_however_many_articles(
    staff_client, website, feeds, django_assert_num_queries
):
    fetch_feeds()
    with django_assert_num_queries(INBOX_QUERIES):
        assert staff_client.get(INBOX + "?status=all").status_code == 200
    InboxItem.objects.bulk_create(
        InboxItem(
            feed=feeds[0], url=f"https://news.example/{n}", title=f"Story {n}", published=date(2023, 1, 1), text="x"
        )
        for n in range(60)
    )
    with django_assert_num_queries(INBOX_QUERIES):
        response = staff_client.get(INBOX + "?status=all")
    assert len(response.context["cl"].result_list) == 50


def test_fetch_now_in_the_feed_admin_reports_each_feed(staff_client, website, feeds):
    bad = Feed.objects.create(name="Private", url="http://192.168.5.5/rss")
    response = staff_client.post(
        "/admin/tracker/feed/",
        {"action": "fetch_now", "_selected_action": [feeds[0].pk, bad.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "North Wire: 2 new articles in the inbox, 1 with nothing to propose (dismissed)." in page
    assert "Private: failed. Refused http://192.168.5.5/rss: “192.168.5.5” is a private address" in page
    listing = staff_client.get("/admin/tracker/feed/").content.decode()
    assert "is a private address" in listing


def test_read_feeds_leaves_inactive_feeds_alone(website, feeds):
    Feed.objects.filter(pk=feeds[1].pk).update(active=False)
    assert [report.feed.name for report in read_feeds()] == ["North Wire"]


@pytest.mark.parametrize(
    "pub_date, day", [("Fri, 31 Dec 9999 08:00:00 GMT", "9999-12-31"), ("Sat, 01 Jan 0500 08:00:00 GMT", "0500-01-01")]
)
def test_a_feed_item_dated_outside_parleys_range_is_skipped_with_a_clear_message(website, pub_date, day):
    # The Lisbon page gives no date, so the feed's is the one Parley would keep; the Oslo item is fine.
    items = [("/articles/lisbon-talks.html", pub_date), ("/articles/oslo-talks.html", "Tue, 14 Mar 2023 09:30:00 GMT")]
    entries = "".join(
        f"<item><title>Item</title><link>{website.url(path)}</link><pubDate>{pub}</pubDate></item>"
        for path, pub in items
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Far</title>{entries}</channel></rss>'
    website.routes["/feeds/far.xml"] = Answer(body=body.encode(), content_type="application/rss+xml")
    Feed.objects.create(name="Far Wire", url=website.url("/feeds/far.xml"))
    try:
        out, err = fetch_feeds()
    finally:
        del website.routes["/feeds/far.xml"]

    assert out == "Far Wire: 1 new article in the inbox, 1 not read.\n"
    assert err == (
        f"  {website.url('/articles/lisbon-talks.html')}: the feed dates it {day}, which is outside the dates "
        "Parley keeps (1000-01-01 to 8999-12-31); the item was skipped.\n"
    )
    assert list(InboxItem.objects.values_list("title", flat=True)) == [OSLO_TITLE]
