"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live_server."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.conftest import DEMO_FIXTURE

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless told it is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Collects Content-Security-Policy violations; injected through the DevTools protocol, so the CSP does not block it.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160) : "";
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI || "inline"} ${where}`);
});
"""


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page with the console errors and CSP violations seen on it, checked when the test ends."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        self.csp: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script(CSP_WATCH)

    def goto(self, path: str):
        self.collect_csp()
        self.page.goto(self.base_url + path)
        return self.page

    def collect_csp(self) -> None:
        try:
            self.csp.extend(self.page.evaluate("window.__cspViolations || []"))
            self.page.evaluate("window.__cspViolations = []")
        except Exception:  # the page may be mid-navigation; what it saw is then gone with it
            pass

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret makes Playwright inject a <style>, which the CSP rightly blocks.
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def demo_data(transactional_db):
    """The demo fixture when it exists, else a small timeline made with the factories."""
    if DEMO_FIXTURE.exists():
        call_command("loaddata", str(DEMO_FIXTURE), verbosity=0)
    else:
        truss, lavrov = f.actor("Liz Truss"), f.actor("Sergei Lavrov")
        scholz, frederiksen = f.actor("Olaf Scholz"), f.actor("Mette Frederiksen")
        russia, belarus = f.actor("Russia", kind="state"), f.actor("Belarus", kind="state")
        report = f.source("Drills begin", url="https://news.example/drills")
        f.meeting(
            truss,
            lavrov,
            summary="Liz Truss meets her Russian counterpart in Moscow.",
            status="planned",
            source=report,
            evidence="Truss meets Lavrov.",
        )
        f.meeting(
            scholz,
            frederiksen,
            start=date(2022, 2, 9),
            kind="press_conference",
            summary="Olaf Scholz and Mette Frederiksen speak to the press together.",
            source=report,
            evidence="They spoke.",
        )
        f.drill(
            russia,
            belarus,
            end=date(2022, 2, 19),
            status="ongoing",
            summary="Joint drills in Belarus.",
            source=report,
            evidence="Drills began.",
        )


@pytest.fixture
def browser_page(chromium, live_server, settings, demo_data):
    settings.PARLEY_ANONYMOUS_READ = True
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    watched = Watched(page, live_server.url)
    yield watched
    watched.collect_csp()
    context.close()
    assert watched.errors == [], f"console errors: {watched.errors}"
    assert watched.csp == [], f"CSP violations: {watched.csp}"
