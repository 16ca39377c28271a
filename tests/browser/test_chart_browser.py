"""The timeline chart in a real browser: it fits its box at 1280 px, scrolls to the events with a cue at 390 px,
shows its labels, and highlights the event whose details are open."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WEEK = "/?at=2022-02-10&zoom=week"


@pytest.fixture
def sized_page(chromium, live_server, settings, demo_data):
    """Opens the demo week in a window of the given width; console errors and CSP violations fail the test."""
    settings.PARLEY_ANONYMOUS_READ = True
    opened = []

    def open_at(width: int, path: str = WEEK) -> Watched:
        context = chromium.new_context(viewport={"width": width, "height": 900})
        watched = Watched(context.new_page(), live_server.url)
        opened.append((context, watched))
        watched.goto(path)
        return watched

    yield open_at
    for context, watched in opened:
        watched.collect_csp()
        context.close()
        assert watched.errors == [], f"console errors: {watched.errors}"
        assert watched.csp == [], f"CSP violations: {watched.csp}"


def widths(page) -> dict:
    return page.evaluate(
        """() => {
          const box = document.querySelector('.chart-scroll');
          const svg = box.querySelector('svg.chart').getBoundingClientRect();
          const ends = [...box.querySelectorAll('svg.chart .mark, svg.chart .tick')].map(e => e.getBoundingClientRect().right);
          return {page: document.documentElement.scrollWidth, window: innerWidth, box: box.clientWidth,
                  scroll: box.scrollWidth, svgRight: svg.right, furthest: Math.max(...ends)};
        }"""
    )


def test_at_1280_px_the_chart_fits_its_box_with_every_day_and_the_drill_end(sized_page):
    watched = sized_page(1280)
    page = watched.page
    seen = widths(page)
    assert seen["page"] <= seen["window"], seen
    assert seen["scroll"] <= seen["box"], f"the chart scrolls inside its box: {seen}"
    assert seen["furthest"] <= seen["svgRight"] + 0.5, f"a mark or a day label is cut off: {seen}"
    expect(page.locator("svg.chart .tick", has_text="Sun 13")).to_be_visible()
    expect(page.locator("#chart-scroll-cue")).to_be_hidden()
    watched.screenshot("timeline-chart-1280")


def test_marks_show_their_labels_without_hovering(sized_page):
    page = sized_page(1280).page
    label = page.locator("svg.chart text.mark-label", has_text=re.compile(r"^Talks · .*Truss$"))
    expect(label).to_be_visible()
    box = label.bounding_box()
    assert box and box["width"] > 20 and box["height"] >= 8, box
    expect(page.locator("svg.chart text.mark-label", has_text=re.compile("Press conference"))).to_be_visible()


def test_at_390_px_the_chart_scrolls_to_the_events_and_says_it_scrolls(sized_page):
    watched = sized_page(390)
    page = watched.page
    cue = page.locator("#chart-scroll-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("scroll it sideways")
    seen = widths(page)
    assert seen["page"] <= seen["window"], f"the page, not only the chart, scrolls sideways: {seen}"
    assert seen["scroll"] > seen["box"]
    assert page.evaluate("document.querySelector('.chart-scroll').scrollLeft") > 0
    in_view = page.evaluate(
        """() => {
          const box = document.querySelector('.chart-scroll').getBoundingClientRect();
          return [...document.querySelectorAll('svg.chart .mark')].filter(m => {
            const r = m.getBoundingClientRect();
            return r.right > box.left && r.left < box.right;
          }).length;
        }"""
    )
    assert in_view >= 3, f"only {in_view} events in view"
    cue_box, chart_box = cue.bounding_box(), page.locator(".chart-scroll").bounding_box()
    assert (
        cue_box["x"] >= chart_box["x"] - 1
        and cue_box["x"] + cue_box["width"] <= chart_box["x"] + chart_box["width"] + 1
    )
    watched.screenshot("timeline-chart-390")


def test_the_event_shown_in_the_details_is_highlighted_on_the_chart(sized_page):
    page = sized_page(1280).page
    marks = page.locator("svg.chart a.mark.meeting:has(text.mark-label)")
    first, second = marks.nth(0), marks.nth(1)
    first.locator(".node").first.click()
    expect(page.locator("#event-details h2")).to_be_visible()
    expect(first).to_have_attribute("aria-current", "true")
    # A mark's label is part of its link: picking the label opens the event too.
    second.locator(".mark-label").click()
    expect(second).to_have_attribute("aria-current", "true")
    expect(first).not_to_have_attribute("aria-current", "true")
    assert page.locator('svg.chart [aria-current="true"]').count() == 1
