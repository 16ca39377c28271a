"""Importing from the web in a real browser: a link end to end, and the inbox of feed articles."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests import website as test_website
from tests.browser.test_dashboard_browser import serious_violations
from tests.website import OSLO_PUBLISHER, OSLO_TITLE, RIGA_TITLE
from tracker.feeds import read_feeds
from tracker.models import Feed, InboxItem, Source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

running_website = test_website.running_website
website = test_website.website


def log_in(browser_page):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    # The admin's pages name no icon, so Chromium asks for /favicon.ico; that 404 is not this feature's.
    browser_page.page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = browser_page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw-editor-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return page


def test_pasting_a_link_imports_the_article_end_to_end(browser_page, website):
    page = log_in(browser_page)
    page = browser_page.goto("/admin/import-article/")
    page.get_by_label("URL").fill(website.url("/articles/oslo-talks.html"))
    page.get_by_role("button", name="Read the article").click()

    expect(page.get_by_role("heading", name=f"Review “{OSLO_TITLE}”")).to_be_visible()
    facts = page.locator(".article-facts")
    expect(facts).to_contain_text(OSLO_PUBLISHER)
    expect(facts).to_contain_text("2023-03-14")
    expect(page.locator("blockquote.evidence").first).to_contain_text("Anniken Huitfeldt")
    browser_page.screenshot("import-link-review")

    page.get_by_role("button", name="Confirm and save").click()
    expect(page.locator(".messages[role=status]")).to_contain_text(f"from “{OSLO_TITLE}”")
    source = Source.objects.get(title=OSLO_TITLE)
    assert source.url == website.url("/articles/oslo-talks.html")
    assert source.evidence.count() == 3


def test_the_inbox_is_accessible_and_an_article_is_reviewed_from_it(browser_page, website):
    Feed.objects.create(name="North Wire", url=website.url("/feeds/rss.xml"))
    read_feeds()
    page = log_in(browser_page)
    page = browser_page.goto("/admin/tracker/inboxitem/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    assert serious_violations(page) == []
    browser_page.screenshot("inbox")

    page.get_by_role("link", name=f"Review “{RIGA_TITLE}”").click()
    expect(page.get_by_role("heading", name=f"Review “{RIGA_TITLE}”")).to_be_visible()
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.locator(".messages[role=status]")).to_be_visible()

    page = browser_page.goto("/admin/tracker/inboxitem/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).not_to_contain_text(RIGA_TITLE)
    page.locator("#result_list tbody tr").first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("dismiss_selected")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("Dismissed 1 article.")
    expect(page.locator("#result_list")).to_have_count(0)
    assert InboxItem.objects.waiting().count() == 0
    expect(page).to_have_url(re.compile(r"/admin/tracker/inboxitem/"))
