"""Moving around the timeline in a real browser: typing dates, the tab's title, the actor combobox, the skip link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched
from tests.browser.test_dashboard_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every value the date fields reported as changed, whoever listened after; added before the page's scripts run.
CHANGE_WATCH = """
window.__dateChanges = [];
window.addEventListener("change", (e) => {
  if (e.target.type === "date") window.__dateChanges.push(e.target.value);
}, true);
"""


@pytest.fixture
def us_page(chromium, live_server, settings, demo_data):
    """A page in US English, so a date field's parts come month, day, year."""
    settings.PARLEY_ANONYMOUS_READ = True
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    watched = Watched(page, live_server.url)
    page.add_init_script(CHANGE_WATCH)
    yield watched
    watched.collect_csp()
    context.close()
    assert watched.errors == [], f"console errors: {watched.errors}"
    assert watched.csp == [], f"CSP violations: {watched.csp}"


def panel_requests(page, into: list[str]) -> None:
    page.on("request", lambda request: request.headers.get("hx-request") and into.append(request.url))


def test_typing_a_date_key_by_key_asks_for_the_view_only_once_it_is_complete(us_page):
    page = us_page.goto("/?at=2022-02-10")
    page.evaluate("window.__stillHere = 'yes'")
    sent: list[str] = []
    panel_requests(page, sent)

    field = page.locator("#filter-from")
    field.focus()
    with page.expect_request(re.compile(r"from=2022-02-09")):
        page.keyboard.type("02092022", delay=60)

    # The browser did report the half-typed years as dates; none of them was sent.
    changes = page.evaluate("window.__dateChanges")
    assert "0002-02-09" in changes, changes
    assert [url for url in sent if "from=" in url] == [sent[-1]]
    expect(page).to_have_url(re.compile(r"from=2022-02-09"))
    expect(page.locator("#window-label")).to_have_text(re.compile(r"^9 February"))
    expect(page.locator(".messages")).to_have_count(0)
    expect(field).to_have_value("2022-02-09")
    expect(field).to_be_focused()
    assert page.evaluate("window.__stillHere") == "yes"


def test_a_date_out_of_range_is_sent_only_when_the_field_is_left(us_page):
    page = us_page.goto("/?at=2022-02-10")
    sent: list[str] = []
    panel_requests(page, sent)
    page.locator("#filter-to").focus()
    page.keyboard.type("0303", delay=60)
    page.keyboard.type("2", delay=60)
    page.wait_for_timeout(1200)  # longer than the pause the field waits for: still nothing may be sent
    assert sent == []
    page.locator("#filter-q").focus()
    expect(page.locator(".messages")).to_contain_text("The ‘to’ date “0002-03-03” is not a date Parley keeps")


def test_the_tab_title_follows_the_window_shown_in_place(us_page):
    page = us_page.goto("/?at=2022-02-10")
    expect(page).to_have_title("Timeline · February 2022 · Parley")
    page.evaluate("window.__stillHere = 'yes'")
    page.locator("#window-earlier").click()
    expect(page).to_have_url(re.compile(r"at=2022-01-10"))
    expect(page).to_have_title("Timeline · January 2022 · Parley")
    page.locator("#zoom-year").click()
    expect(page).to_have_title("Timeline · 2022 · Parley")
    assert page.evaluate("window.__stillHere") == "yes", "the page reloaded instead of swapping the panel"


def test_arrow_keys_move_through_the_actor_suggestions_and_enter_picks_one(us_page):
    page = us_page.goto("/")
    search = page.locator("#actor-search")
    with page.expect_response(re.compile(r"add=Vladimir")):
        search.press_sequentially("Vladimir", delay=30)
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    expect(search).to_have_attribute("aria-expanded", "true")

    page.keyboard.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-vladimir-chizhov")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-vladimir-chizhov")
    page.keyboard.press("ArrowUp")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-vladimir-putin")
    expect(search).to_be_focused()
    assert serious_violations(page) == []

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?actor=vladimir-putin$"))
    expect(page.locator("#actor-vladimir-putin")).to_be_checked()
    expect(page.locator("#actor-search")).to_be_focused()


def test_a_surname_and_enter_adds_the_actor(us_page):
    page = us_page.goto("/")
    page.locator("#actor-search").press_sequentially("lukashenko", delay=20)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?actor=alexander-lukashenko$"))
    expect(page.locator(".messages")).to_have_count(0)


def test_the_skip_link_reaches_the_chart_within_three_tabs(us_page):
    page = us_page.goto("/")
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#chart":
            break
    else:
        pytest.fail("no skip link to the chart among the first Tabs")
    page.keyboard.press("Enter")
    expect(page.locator("#chart")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#chart svg a')"), "the next Tab is not on the chart"


def test_an_empty_window_offers_the_nearest_events_and_stays_accessible(us_page):
    page = us_page.goto("/?actor=liz-truss&at=2021-06-10")
    expect(page.locator("#chart-empty")).to_contain_text("Nothing in this window with these filters.")
    assert serious_violations(page) == []
    us_page.screenshot("timeline-empty-window")
    page.locator("#nearest-after").click()
    expect(page).to_have_url(re.compile(r"actor=liz-truss&at=2022-02-\d\d"))
    expect(page.locator("svg.chart a.mark").first).to_be_visible()
