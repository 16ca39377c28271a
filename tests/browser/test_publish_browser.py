"""Publishing in a real browser: the matrix's width, the embed in another site's iframe, axe on every page at
desktop and phone widths, and the screenshots (`make screenshots` also writes the README's)."""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import Count
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Actor, Drill, Meeting

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {1280: 900, 390: 844}
README_SCREENSHOT = Path(__file__).resolve().parent.parent.parent / "docs" / "timeline.png"


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def pages() -> dict[str, str]:
    meeting = (
        Meeting.objects.annotate(people=Count("participants")).filter(people__gte=2).order_by("-start", "pk").first()
    )
    drill = Drill.objects.order_by("-start").first()
    actor, other = Actor.objects.filter(participations__meeting=meeting).order_by("name")[:2]
    at = meeting.start.isoformat()
    return {
        "timeline": "/",
        "who-meets-whom": reverse("who_meets_whom"),
        "who-meets-whom-pair": reverse("who_meets_whom") + f"?a={actor.slug}&b={other.slug}",
        "actor": reverse("actor_detail", args=[actor.slug]),
        "meeting": reverse("meeting_detail", args=[meeting.slug]),
        "drill": reverse("drill_detail", args=[drill.slug]),
        "embed": reverse("embed") + f"?at={at}",
        "login": reverse("login"),
    }


def page_width(page) -> dict[str, float]:
    return page.evaluate(
        """(() => ({
            scroll: document.documentElement.scrollWidth,
            client: document.documentElement.clientWidth,
            header: document.querySelector('.site-header')?.getBoundingClientRect().width ?? null,
            footer: document.querySelector('.site-footer')?.getBoundingClientRect().width ?? null,
        }))()"""
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_has_no_accessibility_violation_and_is_photographed(browser_page, width):
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    found = {}
    for name, path in pages().items():
        page = browser_page.goto(path)
        expect(page.locator("main")).to_be_visible()
        browser_page.screenshot(f"{name}-{width}")
        if seen := violations(page):
            found[name] = seen
    assert found == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_matrix_never_widens_the_page(browser_page, width):
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page = browser_page.goto(reverse("who_meets_whom"))
    expect(page.locator("table.matrix")).to_be_visible()
    sizes = page_width(page)
    assert sizes["scroll"] <= sizes["client"] <= width
    assert sizes["header"] == sizes["footer"] == sizes["client"]
    # The table scrolls inside its own box, and no column label is cut short.
    box = page.locator(".matrix-scroll")
    assert box.evaluate("e => e.scrollWidth >= e.clientWidth")
    clipped = page.locator("table.matrix thead th a").evaluate_all(
        "links => links.filter(a => a.scrollHeight > a.parentElement.clientHeight + 1).map(a => a.textContent)"
    )
    assert clipped == []
    # Rows of actors who met nobody else in the matrix name whom they did meet.
    assert page.locator("table.matrix td.others a").count() + page.locator("table.matrix td.others .hint").count() > 0


@pytest.fixture
def newsroom(live_server):
    """A newsroom's story page framing the embed, on an origin of its own (another loopback port): Chromium
    refuses to let a public page frame a local one, so the story is served on this machine too."""
    story = {"html": ""}

    class Story(BaseHTTPRequestHandler):
        def do_GET(self):
            body = story["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Story)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"

    def publish(page, embed_path: str) -> str:
        story["html"] = (
            "<!doctype html><html lang='en'><head><title>A story</title></head><body><main><h1>A story</h1>"
            f"<iframe title='Timeline' src='{live_server.url}{embed_path}' width='640' height='600'></iframe>"
            "</main></body></html>"
        )
        page.goto(f"{origin}/story")
        return origin

    yield origin, publish
    server.shutdown()
    server.server_close()


def test_a_listed_newsroom_can_frame_the_embed_and_readers_use_it_in_place(browser_page, settings, newsroom):
    origin, publish = newsroom
    settings.PARLEY_EMBED_ORIGINS = [origin]
    page = browser_page.page
    publish(page, pages()["embed"])
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1.embed-title")).to_be_visible()
    expect(frame.locator("nav")).to_have_count(0)
    frame.locator(".event-list .event-title").first.click()
    expect(frame.locator("#event-details")).to_contain_text("Sources")
    # Chromium lets no cross-origin frame take the focus by itself; the details are there all the same.
    browser_page.errors[:] = [e for e in browser_page.errors if "autofocusing" not in e or "cross-origin" not in e]
    assert page.url == f"{origin}/story"


def refused(browser_page, page) -> None:
    page.wait_for_load_state("load")
    expect(page.frame_locator("iframe").locator("h1.embed-title")).to_have_count(0)
    assert [frame.url for frame in page.frames][1:] == ["chrome-error://chromewebdata/"]
    # Chromium says why on the console: that line is the expected one.
    assert [error for error in browser_page.errors if "frame-ancestors" not in error] == []
    browser_page.errors.clear()


def test_an_unlisted_site_cannot_frame_the_embed(browser_page, settings, newsroom):
    origin, publish = newsroom
    settings.PARLEY_EMBED_ORIGINS = ["https://another.example"]
    page = browser_page.page
    publish(page, pages()["embed"])
    refused(browser_page, page)


def test_by_default_no_site_can_frame_the_embed(browser_page, settings, newsroom):
    origin, publish = newsroom
    settings.PARLEY_EMBED_ORIGINS = []
    page = browser_page.page
    publish(page, pages()["embed"])
    refused(browser_page, page)


@pytest.mark.skipif(not os.environ.get("PARLEY_README_SCREENSHOT"), reason="`make screenshots` writes the README's")
def test_the_readme_screenshot(browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 1360, "height": 1020})
    drill = Drill.objects.order_by("-start").first()
    page = browser_page.goto(f"/?at={drill.start.isoformat()}")
    expect(page.locator(".chart-figure svg.chart").first).to_be_visible()
    page.screenshot(path=str(README_SCREENSHOT), caret="initial")
