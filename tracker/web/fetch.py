"""Fetching a page or a feed from a server without letting a URL reach what it should not.

A URL given to a server is a classic way in (server-side request forgery): every request and
every redirect is checked before Parley connects. Only http and https; no loopback, private,
link-local (cloud metadata), multicast or reserved address unless the host is listed in
PARLEY_FETCH_ALLOWED_HOSTS; the address checked is the address connected to, so a name that
resolves differently the second time cannot slip through. Connect and read timeouts, a
deadline for the whole body, the article size limit, HTML and XML content types only.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

USER_AGENT = "Parley/0.1 (diplomatic timeline; article import)"
MAX_REDIRECTS = 5
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset(
    {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "application/rdf+xml"}
)
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


class FetchRefused(Exception):
    """Parley would not fetch this URL, or gave up on it; the message says why, for the editor."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the content came from, after redirects
    status: int  # 200, or 304 when a conditional request found nothing new
    content: bytes = b""
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def address_problem(address: str) -> str | None:
    """Why Parley may not connect to this IP address, or None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


def allowed_hosts() -> set[str]:
    return {host.strip().lower() for host in settings.PARLEY_FETCH_ALLOWED_HOSTS if host.strip()}


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a URL Parley may request, or FetchRefused saying why not."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchRefused(f"“{url}” is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        shown = f"“{parts.scheme}:”" if parts.scheme else "no scheme"
        raise FetchRefused(f"Refused {url}: only http:// and https:// links can be fetched, not {shown}.")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused(f"Refused {url}: the link names no host.")
    if parts.username or parts.password:
        raise FetchRefused(f"Refused {url}: links with a user name or password are not fetched.")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def safe_addresses(url: str, host: str, port: int) -> list[tuple]:
    """The addresses `host` resolves to, each one checked; FetchRefused when any is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(f"Could not fetch {url}: the host “{host}” was not found.") from None
    if host not in allowed_hosts():
        for *_, sockaddr in infos:
            problem = address_problem(sockaddr[0])
            if problem:
                raise FetchRefused(
                    f"Refused {url}: “{host}” is {problem} ({sockaddr[0]}), which Parley does not fetch from. "
                    "List the host in PARLEY_FETCH_ALLOWED_HOSTS to allow it."
                )
    return infos


def connector(url: str, host: str, port: int):
    """A socket factory for http.client that connects only to the addresses checked here."""

    def create_connection(_address, _timeout=None, source_address=None, *args, **kwargs):
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in safe_addresses(url, host, port):
            sock = socket.socket(family, kind, proto)
            sock.settimeout(settings.PARLEY_FETCH_CONNECT_TIMEOUT)
            try:
                sock.connect(sockaddr)
                sock.settimeout(settings.PARLEY_FETCH_READ_TIMEOUT)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or OSError("no address")

    return create_connection


def fetch(
    url: str, *, kinds: frozenset[str] = HTML_TYPES | XML_TYPES, headers: dict[str, str] | None = None
) -> Fetched:
    """GET `url` safely, following checked redirects; FetchRefused with the reason when Parley will not."""
    current = url.strip()
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = request(current, headers or {})
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(f"Could not fetch {current}: a redirect without a destination.")
                current = urljoin(current, location.strip())
                check_url(current)
                continue
            if response.status == 304:
                return Fetched(url=current, status=304, headers=dict(response.getheaders()))
            if response.status != 200:
                raise FetchRefused(
                    f"Could not fetch {current}: the server answered {response.status} {response.reason}."
                )
            content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
            if content_type not in kinds:
                shown = f"“{content_type}”" if content_type else "no content type"
                raise FetchRefused(f"Refused {current}: it is {shown}, not an HTML page or an XML feed.")
            return Fetched(
                url=current,
                status=200,
                content=read_body(current, response),
                content_type=content_type,
                headers=dict(response.getheaders()),
            )
        finally:
            response.close()
            connection.close()
    raise FetchRefused(f"Refused {url}: more than {MAX_REDIRECTS} redirects.")


def request(url: str, headers: dict[str, str]) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    scheme, host, port = check_url(url)
    read_timeout = settings.PARLEY_FETCH_READ_TIMEOUT
    kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    connection = kind(host, port, timeout=read_timeout)
    connection._create_connection = connector(url, host, port)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "GET",
            target,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.1",
                "Accept-Encoding": "identity",
                **headers,
            },
        )
        return connection.getresponse(), connection
    except FetchRefused:
        connection.close()
        raise
    except TimeoutError:
        connection.close()
        raise FetchRefused(f"Could not fetch {url}: the server did not answer within {read_timeout:g} s.") from None
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise FetchRefused(f"Could not fetch {url}: {error.__class__.__name__}: {error}.") from None


def read_body(url: str, response: http.client.HTTPResponse) -> bytes:
    """The body, within the article size limit and a deadline for the whole transfer."""
    limit = settings.PARLEY_ARTICLE_MAX_BYTES
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchRefused(too_big(url, limit))
    deadline = time.monotonic() + settings.PARLEY_FETCH_READ_TIMEOUT * 3
    body = bytearray()
    try:
        while True:
            chunk = response.read1(CHUNK)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > limit:
                raise FetchRefused(too_big(url, limit))
            if time.monotonic() > deadline:
                raise FetchRefused(f"Could not fetch {url}: the page took too long to arrive.")
    except TimeoutError:
        raise FetchRefused(
            f"Could not fetch {url}: the server stopped sending for {settings.PARLEY_FETCH_READ_TIMEOUT:g} s."
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchRefused(f"Could not fetch {url}: {error.__class__.__name__}: {error}.") from None


def too_big(url: str, limit: int) -> str:
    from tracker.forms import human_size

    return (
        f"Refused {url}: the page is larger than the article limit of {human_size(limit)} (PARLEY_ARTICLE_MAX_BYTES)."
    )
