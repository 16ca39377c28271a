"""A small website on the loopback address, started by the tests: pages and feeds we wrote, and hostile answers.

Every request is logged (path and headers), so tests can say what Parley asked for and how often.
Nothing here reaches beyond this machine: the redirect to a private address is refused by Parley
before any connection is made.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# Articles written for these tests. Tuesday 14 March 2023 is the day of the Oslo talks.
OSLO_PARAGRAPHS = [
    "Norwegian Foreign Minister Anniken Huitfeldt met her Finnish counterpart in Oslo on Tuesday "
    "to discuss security in the north, the ministry said.",
    "The two ministers agreed to meet again in Helsinki in April.",
    "Meanwhile, Sweden and Finland will hold a joint naval exercise in the Baltic Sea from 20 to 24 March, "
    "involving about 3,000 troops.",
]
OSLO_TITLE = "Nordic ministers meet in Oslo"
OSLO_PUBLISHER = "North Wire"

RIGA_PARAGRAPHS = [
    "Published on 3 May 2021.",
    "The defence ministers of Latvia and Estonia met in Riga on Monday to plan the air policing of the region, "
    "officials in both capitals said after the talks.",
    "Both sides called the meeting useful and promised to talk again before the summer.",
]
RIGA_TITLE = "Baltic defence ministers talk in Riga"

QUIET_PARAGRAPHS = [
    "The weather stayed mild all week along the coast, and the harbour cafes were busy from morning to night.",
    "Fishermen said the catch was good and the markets were full of visitors from the islands nearby.",
]

BLANK_PARAGRAPHS = [
    "Portugal and Spain held talks in Lisbon on Thursday about sharing the water of the Tagus river, "
    "and agreed to set up a joint commission to watch its flow through the dry months ahead.",
]

FEED_CHANGED = "Tue, 14 Mar 2023 12:00:00 GMT"


def article_html(
    title: str, paragraphs: list[str], *, site: str = "", published: str = "", with_title: bool = True
) -> str:
    meta = ""
    if site:
        meta += f'<meta property="og:site_name" content="{site}">'
    if published:
        meta += f'<meta property="article:published_time" content="{published}">'
    head_title = f"<title>{title}</title>" if with_title else ""
    heading = f"<h1>{title}</h1>" if with_title else ""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head_title}{meta}</head>'
        f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<main><article>{heading}{body}</article></main><footer>All rights reserved.</footer></body></html>"
    )


OSLO_HTML = article_html(OSLO_TITLE, OSLO_PARAGRAPHS, site=OSLO_PUBLISHER, published="2023-03-14T09:30:00Z")
RIGA_HTML = article_html(RIGA_TITLE, RIGA_PARAGRAPHS)
QUIET_HTML = article_html("A mild week on the coast", QUIET_PARAGRAPHS, site=OSLO_PUBLISHER, published="2023-03-10")
BLANK_HTML = article_html("", BLANK_PARAGRAPHS, with_title=False)
NO_ARTICLE_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>'
    '<body><form method="post"><label>E-mail <input name="email"></label><button>Go</button></form></body></html>'
)


def rss_feed(base: str) -> str:
    items = [
        (OSLO_TITLE, f"{base}/articles/oslo-talks.html", "Tue, 14 Mar 2023 09:30:00 GMT"),
        (RIGA_TITLE, f"{base}/articles/riga-talks.html", "Mon, 03 May 2021 08:00:00 GMT"),
        ("A mild week on the coast", f"{base}/articles/quiet-week.html", "Fri, 10 Mar 2023 08:00:00 GMT"),
    ]
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{day}</pubDate></item>"
        for title, link, day in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>North Wire</title>'
        f"<link>{base}/</link><description>News from the north</description>{entries}</channel></rss>"
    )


def atom_feed(base: str) -> str:
    # The Oslo article again, under a link with a tracking parameter: the same article, queued once.
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Ministry notices</title><id>{base}/feeds/atom.xml</id><updated>2023-03-14T12:00:00Z</updated>"
        f"<entry><title>{OSLO_TITLE}</title><id>urn:parley-test:oslo</id>"
        f'<link href="{base}/articles/oslo-talks.html?from=atom"/><updated>2023-03-14T09:30:00Z</updated></entry>'
        f"<entry><title>Talks in Lisbon</title><id>urn:parley-test:lisbon</id>"
        f'<link href="{base}/articles/lisbon-talks.html"/><updated>2023-03-17T09:00:00Z</updated></entry>'
        "</feed>"
    )


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""
    delay: float = 0.0
    length: bool = True


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: Website

    def do_GET(self) -> None:
        answer = self.server.routes.get(self.path.split("?", 1)[0])
        if answer is None:
            answer = Answer(status=404, body=b"not here")
        status = answer.status
        if status == 200 and (
            (answer.etag and self.headers.get("If-None-Match") == answer.etag)
            or (answer.last_modified and self.headers.get("If-Modified-Since") == answer.last_modified)
        ):
            status = 304
        self.server.seen.append(Seen(self.path, dict(self.headers.items()), status))
        if answer.delay:
            time.sleep(answer.delay)
        self.send_response(status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.etag:
            self.send_header("ETag", answer.etag)
        if answer.last_modified:
            self.send_header("Last-Modified", answer.last_modified)
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Type", answer.content_type)
        if answer.length:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # Parley hung up on a page it refused, as it should

    def log_message(self, format, *args) -> None:
        pass


class Website(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.seen: list[Seen] = []
        huge = ("<p>" + "The talks went on. " * 50 + "</p>") * 1300  # about 1.3 MB
        html = "text/html; charset=utf-8"
        self.routes: dict[str, Answer] = {
            "/articles/oslo-talks.html": Answer(body=OSLO_HTML.encode()),
            "/articles/riga-talks.html": Answer(body=RIGA_HTML.encode()),
            "/articles/quiet-week.html": Answer(body=QUIET_HTML.encode()),
            "/articles/lisbon-talks.html": Answer(
                body=article_html("Talks in Lisbon", BLANK_PARAGRAPHS, site="Iberia Today").encode()
            ),
            "/articles/untitled.html": Answer(body=BLANK_HTML.encode()),
            "/sign-in.html": Answer(body=NO_ARTICLE_HTML.encode()),
            "/redirect-private": Answer(status=302, headers={"Location": "http://10.20.30.40/latest/article"}),
            "/redirect-metadata": Answer(status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/redirect-oslo": Answer(status=302, headers={"Location": "/articles/oslo-talks.html"}),
            "/huge.html": Answer(
                body=f"<html><body><article>{huge}</article></body></html>".encode(), content_type=html
            ),
            "/huge-unannounced.html": Answer(
                body=f"<html><body><article>{huge}</article></body></html>".encode(), content_type=html, length=False
            ),
            "/slow.html": Answer(body=OSLO_HTML.encode(), delay=2.0),
            "/map.png": Answer(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
            "/feeds/rss.xml": Answer(
                body=rss_feed(self.base).encode(),
                content_type="application/rss+xml",
                etag='"rss-1"',
                last_modified=FEED_CHANGED,
            ),
            "/feeds/atom.xml": Answer(
                body=atom_feed(self.base).encode(), content_type="application/atom+xml", last_modified=FEED_CHANGED
            ),
            "/feeds/not-a-feed.xml": Answer(body=b"<html><body><p>No feed here.</p></body></html>"),
        }

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]


@pytest.fixture(scope="session")
def running_website():
    site = Website()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()


@pytest.fixture
def website(running_website, settings):
    """The test website, with Parley allowed to fetch from its loopback address and short timeouts."""
    settings.PARLEY_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PARLEY_FETCH_CONNECT_TIMEOUT = 2
    settings.PARLEY_FETCH_READ_TIMEOUT = 0.5
    running_website.seen.clear()
    return running_website
