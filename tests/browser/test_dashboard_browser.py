"""The dashboard in a real browser: HTMX swaps, history, downloads, accessibility, no console errors or CSP violations."""

import csv
import io
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MEETING_LIST = "#timeline-panel .event-list"


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_filter_by_actor_updates_list_and_address_bar_in_place(browser_page):
    page = browser_page.goto("/")
    expect(page.locator(MEETING_LIST)).to_contain_text("Mette Frederiksen")
    page.evaluate("window.__stillHere = 'yes'")

    page.locator("#actor-search").press_sequentially("Trus", delay=30)
    suggestion = page.locator("#suggestion-liz-truss")
    expect(suggestion).to_be_visible()
    suggestion.click()

    expect(page).to_have_url(re.compile(r"/\?actor=liz-truss$"))
    expect(page.locator(MEETING_LIST)).to_contain_text("Liz Truss meets her Russian counterpart")
    expect(page.locator(MEETING_LIST)).not_to_contain_text("Mette Frederiksen")
    expect(page.locator("#actor-liz-truss")).to_be_checked()
    assert page.evaluate("window.__stillHere") == "yes", "the page reloaded instead of swapping the panel"
    expect(page.locator("#actor-search")).to_be_focused()
    browser_page.screenshot("timeline-filtered")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(MEETING_LIST)).to_contain_text("Mette Frederiksen")

    page.go_forward()
    expect(page).to_have_url(re.compile(r"/\?actor=liz-truss$"))
    expect(page.locator(MEETING_LIST)).not_to_contain_text("Mette Frederiksen")


def test_checkbox_filters_apply_on_change_and_reload_shows_the_same_view(browser_page):
    page = browser_page.goto("/")
    page.evaluate("window.__stillHere = 'yes'")
    page.locator("#kind-drill").check()
    expect(page).to_have_url(re.compile(r"kind=drill"))
    expect(page.locator(MEETING_LIST)).to_contain_text("Drill")
    expect(page.locator(MEETING_LIST)).not_to_contain_text("Mette Frederiksen")
    assert page.evaluate("window.__stillHere") == "yes"
    expect(page.locator("#kind-drill")).to_be_focused()
    page.reload()
    expect(page.locator("#kind-drill")).to_be_checked()
    expect(page.locator(MEETING_LIST)).not_to_contain_text("Mette Frederiksen")


def test_an_invalid_filter_shows_a_message(browser_page):
    page = browser_page.goto("/?actor=nobody&from=2022-02-30")
    expect(page.locator(".messages")).to_contain_text("There is no actor “nobody”")
    expect(page.locator(".messages")).to_contain_text("“2022-02-30” is not a date")


def test_selecting_an_event_shows_its_details_in_place(browser_page):
    page = browser_page.goto("/")
    url = page.url
    page.locator(".event-list .event-title").first.click()
    details = page.locator("#event-details")
    expect(details).to_contain_text("Sources")
    expect(details.locator("a", has_text="Permalink to this")).to_be_visible()
    assert page.url == url

    page.locator("svg.chart a.mark.drill rect").first.click()
    expect(details).to_contain_text("Permalink to this drill")
    expect(details).to_contain_text("Troops")
    assert page.url == url
    browser_page.screenshot("timeline-details")


def test_zoom_and_move_through_time(browser_page):
    page = browser_page.goto("/")
    page.evaluate("window.__stillHere = 'yes'")
    page.locator("#zoom-week").click()
    expect(page).to_have_url(re.compile(r"zoom=week"))
    expect(page.locator("#window-label")).to_have_text(re.compile(r"^Week of "))
    label = page.locator("#window-label").inner_text()
    page.locator("#window-earlier").click()
    expect(page.locator("#window-label")).not_to_have_text(label)
    page.locator("#zoom-year").click()
    expect(page.locator("#window-label")).to_have_text("2022")
    assert page.evaluate("window.__stillHere") == "yes"
    browser_page.screenshot("timeline-year")


def test_the_matrix_lists_a_pairs_meetings(browser_page):
    page = browser_page.goto("/who-meets-whom/")
    cell = page.locator("table.matrix td.met a").first
    expect(cell).to_be_visible()
    cell.click()
    expect(page.locator("#pair-meetings h2")).to_contain_text("Meetings of")
    expect(page).to_have_url(re.compile(r"\?a=[-\w]+&b=[-\w]+$"))
    expect(page.locator("#pair-meetings .event").first).to_be_visible()
    browser_page.screenshot("who-meets-whom")


def test_csv_and_ics_downloads_parse(browser_page):
    page = browser_page.goto("/")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows and all(row["url"].startswith("http") for row in rows)
    assert info.value.suggested_filename.endswith(".csv")

    with page.expect_download() as info:
        page.get_by_role("link", name="iCalendar").click()
    text = Path(info.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") >= 1
    assert re.search(r"UID:(meeting|drill)-[-\w]+@parley", text)


def test_every_page_has_no_serious_accessibility_violations(browser_page):
    page = browser_page.goto("/")
    actor_href = page.locator("svg.chart a.lane-label").first.get_attribute("href")
    meeting_href = page.locator("svg.chart a.mark.meeting").first.get_attribute("href")
    drill_href = page.locator("svg.chart a.mark.drill").first.get_attribute("href")
    pages = {
        "timeline": "/",
        "timeline-week": "/?zoom=week&at=2022-02-10",
        "who-meets-whom": "/who-meets-whom/",
        "actor": actor_href,
        "meeting": meeting_href,
        "drill": drill_href,
    }
    found = {}
    for name, path in pages.items():
        page = browser_page.goto(path)
        expect(page.locator("main")).to_be_visible()
        browser_page.screenshot(name)
        violations = serious_violations(page)
        if violations:
            found[name] = violations
    # The timeline with a selected event and a filter, as HTMX left it.
    page = browser_page.goto("/")
    page.locator(".event-list .event-title").first.click()
    expect(page.locator("#event-details")).to_contain_text("Sources")
    violations = serious_violations(page)
    if violations:
        found["timeline-with-details"] = violations
    assert found == {}


def test_the_not_found_page_is_accessible_and_leads_back(browser_page):
    page = browser_page.goto("/actors/nobody-by-that-name/")

    expect(page.locator("h1")).to_have_text("Nothing at this address")
    assert serious_violations(page) == []
    page.get_by_role("link", name="The timeline").click()
    expect(page.locator("#timeline-panel")).to_be_visible()
    # The browser reports the 404 status itself; that one console line is expected.
    assert browser_page.errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    browser_page.errors.clear()


def test_keyboard_reaches_the_filters_and_the_timeline_marks(browser_page):
    page = browser_page.goto("/")
    reached = []
    for _ in range(120):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement; return (e.id || '') + '|' + (e.getAttribute('class') || '') + '|' + e.tagName; })()"
            )
        )
    assert reached[0].startswith("|skip-link|")
    assert any(r.startswith("kind-talks|") for r in reached)
    assert any(r.startswith("actor-search|") for r in reached)
    assert any("mark meeting" in r for r in reached)
    assert any("mark drill" in r for r in reached)
    # Enter on a focused mark opens its details in place.
    page.locator("svg.chart a.mark.meeting").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#event-details")).to_contain_text("Permalink to this meeting")


def test_the_timeline_reads_well_on_a_phone(browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_page.goto("/")
    expect(page.locator("#window-label")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone (only the chart may)"
    browser_page.screenshot("timeline-phone")


def test_more_events_appends_the_next_page_and_a_crowded_chart_counts(browser_page, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", 2)
    page = browser_page.goto("/")
    url = page.url
    titles = page.locator(f"{MEETING_LIST} .event-title")
    expect(titles).to_have_count(2)
    expect(page.locator("svg.chart a.density-cell").first).to_be_visible()
    assert serious_violations(page) == []
    browser_page.screenshot("timeline-density")

    page.locator("#event-more a").click()
    expect(titles.nth(2)).to_be_visible()
    names = titles.all_inner_texts()
    assert len(names) == len(set(names)), f"an event was listed twice: {names}"
    assert page.url == url
    expect(page.locator(f"{MEETING_LIST} .event-title").nth(2)).to_be_focused()
