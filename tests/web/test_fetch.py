"""Safe fetching against the test website: what Parley fetches, and each URL it refuses with its reason."""

from __future__ import annotations

import pytest

from tracker.web.fetch import USER_AGENT, FetchRefused, address_problem, fetch


def refusal(url: str, **options) -> str:
    with pytest.raises(FetchRefused) as refused:
        fetch(url, **options)
    return str(refused.value)


def test_a_page_is_fetched_with_a_user_agent_naming_parley(website):
    fetched = fetch(website.url("/articles/oslo-talks.html"))
    assert fetched.status == 200
    assert b"Nordic ministers meet in Oslo" in fetched.content
    assert website.requests_for("/articles/oslo-talks.html")[0].headers["User-Agent"] == USER_AGENT
    assert "Parley" in USER_AGENT


def test_a_redirect_within_the_allowed_host_is_followed(website):
    fetched = fetch(website.url("/redirect-oslo"))
    assert fetched.url == website.url("/articles/oslo-talks.html")
    assert b"Oslo" in fetched.content


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/article.html", "file:///etc/passwd", "javascript:alert(1)"])
def test_schemes_other_than_http_and_https_are_refused(website, url):
    assert "only http:// and https:// links can be fetched" in refusal(url)


def test_loopback_is_refused_unless_its_host_is_listed(website):
    # The website is allowed as 127.0.0.1; the same server named "localhost" is not.
    message = refusal(f"http://localhost:{website.server_address[1]}/articles/oslo-talks.html")
    assert "is a loopback address" in message
    assert "PARLEY_FETCH_ALLOWED_HOSTS" in message
    assert website.seen == []


def test_an_ipv6_loopback_is_refused(website):
    assert "is a loopback address (::1)" in refusal("http://[::1]:8000/")


def test_a_private_address_is_refused_without_connecting(website):
    assert "is a private address (10.20.30.40)" in refusal("http://10.20.30.40/article.html")


def test_the_cloud_metadata_address_is_refused(website):
    assert "is a link-local address (where cloud metadata services live) (169.254.169.254)" in refusal(
        "http://169.254.169.254/latest/meta-data/"
    )


def test_a_redirect_to_a_private_address_is_refused(website):
    message = refusal(website.url("/redirect-private"))
    assert message.startswith("Refused http://10.20.30.40/latest/article")
    assert "private address" in message
    assert [seen.path for seen in website.seen] == ["/redirect-private"]


def test_a_redirect_to_the_metadata_address_is_refused(website):
    assert "link-local address" in refusal(website.url("/redirect-metadata"))


def test_a_page_larger_than_the_article_limit_is_refused(website):
    message = refusal(website.url("/huge.html"))
    assert "larger than the article limit of 1 MB (PARLEY_ARTICLE_MAX_BYTES)" in message


def test_a_page_that_does_not_announce_its_size_is_cut_off_at_the_limit(website, settings):
    settings.PARLEY_ARTICLE_MAX_BYTES = 200_000
    assert "larger than the article limit of 200 kB" in refusal(website.url("/huge-unannounced.html"))


def test_a_slow_page_times_out(website):
    assert "did not answer within 0.5 s" in refusal(website.url("/slow.html"))


def test_content_other_than_html_or_xml_is_refused(website):
    assert "it is “image/png”, not an HTML page or an XML feed" in refusal(website.url("/map.png"))


def test_a_missing_page_is_reported_with_the_servers_answer(website):
    assert "the server answered 404" in refusal(website.url("/nowhere.html"))


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("192.168.1.10", "a private address"),
        ("172.16.0.1", "a private address"),
        ("fd00:ec2::254", "a private address"),
        ("100.64.0.1", "a private address"),
        ("fe80::1", "a link-local address (where cloud metadata services live)"),
        ("0.0.0.0", "a reserved address"),
        ("224.0.0.1", "a reserved address"),
        ("93.184.215.14", None),
    ],
)
def test_addresses_are_told_apart(address, problem):
    assert address_problem(address) == problem


def test_reading_a_saved_page_needs_no_network(monkeypatch):
    from tests.website import OSLO_HTML, OSLO_TITLE
    from tracker.web.pages import read_page

    def no_network(*args, **kwargs):
        raise AssertionError("reading a page tried to open a connection")

    monkeypatch.setattr("socket.socket.connect", no_network)
    monkeypatch.setattr("socket.create_connection", no_network)
    page = read_page(OSLO_HTML.encode())
    assert (page.title, page.publisher, page.published.isoformat()) == (OSLO_TITLE, "North Wire", "2023-03-14")
