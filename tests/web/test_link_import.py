"""Importing a link or a saved page, through the admin and the commands, against the test website."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.test_article_import import review_post_data
from tests.website import OSLO_HTML, OSLO_PARAGRAPHS, OSLO_PUBLISHER, OSLO_TITLE, RIGA_TITLE
from tracker.models import Actor, Drill, Meeting, Source
from tracker.web.pages import NO_ARTICLE

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/import-article/"


@pytest.fixture
def staff_client(client):
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    client.force_login(editor)
    return client


def submit(client, **fields):
    return client.post(IMPORT_URL, {"text": "", "title": "", "publisher": "", "url": "", "published": "", **fields})


def saved_events() -> set[tuple]:
    meetings = {
        (
            "meeting",
            m.kind,
            m.status,
            m.start,
            m.end,
            m.location,
            tuple(sorted(p.actor.name for p in m.participants.all())),
        )
        for m in Meeting.objects.all()
    }
    drills = {
        ("drill", d.status, d.start, d.end, d.location, tuple(sorted(p.actor.name for p in d.participants.all())))
        for d in Drill.objects.all()
    }
    return meetings | drills


def forget_everything() -> None:
    for model in (Meeting, Drill, Source, Actor):
        model.objects.all().delete()


def test_pasting_a_link_leads_to_the_review_with_everything_filled_in(staff_client, website):
    url = website.url("/articles/oslo-talks.html")
    response = submit(staff_client, url=url)
    assert response.status_code == 302
    review = staff_client.get(response["Location"])
    page = review.content.decode()
    assert f"Review “{OSLO_TITLE}”" in page
    assert f"<dd>{OSLO_PUBLISHER}</dd>" in page
    assert "<dt>Published</dt><dd>2023-03-14</dd>" in page
    assert f'<a href="{url}"' in page
    assert "Anniken Huitfeldt" in page
    assert "Not found on the page" not in page


def test_confirming_a_linked_article_saves_the_same_events_as_pasting_its_text(staff_client, website):
    response = submit(staff_client, url=website.url("/articles/oslo-talks.html"))
    review = staff_client.get(response["Location"])
    confirmed = staff_client.post(response["Location"], review_post_data(review))
    assert confirmed.status_code == 302
    source = Source.objects.get()
    assert (source.title, source.publisher, source.published) == (OSLO_TITLE, OSLO_PUBLISHER, date(2023, 3, 14))
    assert source.url == website.url("/articles/oslo-talks.html")
    from_link = saved_events()
    assert len(from_link) == 3

    forget_everything()
    text = "\n\n".join(OSLO_PARAGRAPHS)
    response = submit(staff_client, text=text, title=OSLO_TITLE, publisher=OSLO_PUBLISHER, published="2023-03-14")
    review = staff_client.get(response["Location"])
    staff_client.post(response["Location"], review_post_data(review))
    assert saved_events() == from_link


def test_a_date_found_only_in_the_text_is_used_and_a_missing_publisher_is_named(staff_client, website):
    response = submit(staff_client, url=website.url("/articles/riga-talks.html"))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Review “{RIGA_TITLE}”" in page
    assert "<dt>Published</dt><dd>2021-05-03</dd>" in page
    assert "Not found on the page: publisher. Parley left it blank." in page


def test_a_page_without_title_or_date_keeps_its_text_on_the_form_and_asks_for_them(staff_client, website):
    url = website.url("/articles/untitled.html")
    response = submit(staff_client, url=url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Parley found no title on the page; give it here." in page
    assert "Parley found no publication date on the page; give it here." in page
    assert "not found on it, so left for you to fill in: title, publisher, publication date" in page
    form = response.context["form"]
    assert form["text"].value().startswith("Portugal and Spain held talks in Lisbon")

    fetched_before = len(website.seen)
    again = submit(staff_client, text=form["text"].value(), url=url, title="Talks in Lisbon", published="2023-03-17")
    assert again.status_code == 302, "the editor's second submit goes through without fetching again"
    assert len(website.seen) == fetched_before


def test_a_page_with_no_article_says_so(staff_client, website):
    response = submit(staff_client, url=website.url("/sign-in.html"))
    assert response.status_code == 200
    assert NO_ARTICLE in response.content.decode()
    assert "Parley found no title" not in response.content.decode(), "one clear message, not a list of blanks"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/redirect-private", "is a private address (10.20.30.40)"),
        ("/redirect-metadata", "link-local address"),
        ("/huge.html", "larger than the article limit"),
        ("/slow.html", "did not answer within"),
        ("/map.png", "not an HTML page"),
    ],
)
def test_an_unsafe_or_unusable_link_is_refused_on_the_form_with_its_reason(staff_client, website, path, reason):
    response = submit(staff_client, url=website.url(path))
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize("command", ["import_article", "extract_article"])
def test_the_article_commands_refuse_a_page_over_the_size_limit(website, command):
    with pytest.raises(CommandError) as error:
        call_command(command, website.url("/huge.html"), stdout=StringIO())

    assert "the page is larger than the article limit of 1 MB (PARLEY_ARTICLE_MAX_BYTES)" in str(error.value)
    assert not Source.objects.exists()


def test_a_link_to_a_private_address_is_refused_on_the_form(staff_client, website):
    response = submit(staff_client, url="http://192.168.0.1/admin")
    assert "is a private address (192.168.0.1)" in response.content.decode()


def test_a_saved_html_page_is_read_like_a_link(staff_client):
    upload = SimpleUploadedFile("oslo.html", OSLO_HTML.encode(), content_type="text/html")
    response = staff_client.post(
        IMPORT_URL, {"text": "", "file": upload, "title": "", "publisher": "", "url": "", "published": ""}
    )
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Review “{OSLO_TITLE}”" in page
    assert "<dt>Published</dt><dd>2023-03-14</dd>" in page


def test_pasted_text_with_a_url_is_not_fetched(staff_client, website):
    response = submit(
        staff_client,
        text="Portugal and Spain held talks in Lisbon on Thursday.",
        url=website.url("/articles/oslo-talks.html"),
        title="Lisbon",
        published="2023-03-17",
    )
    assert response.status_code == 302
    assert website.seen == []


# -- the commands ----------------------------------------------------------------------------------


def test_extract_article_reads_a_url(website, capsys):
    call_command("extract_article", website.url("/articles/oslo-talks.html"))
    proposals = json.loads(capsys.readouterr().out)
    assert {drill["start"] for drill in proposals["drills"]} == {"2023-03-20"}
    assert any(meeting["date"] == "2023-03-14" for meeting in proposals["meetings"])


def test_import_article_saves_a_url_with_the_pages_details(website, capsys):
    url = website.url("/articles/oslo-talks.html")
    call_command("import_article", url)
    source = Source.objects.get()
    assert (source.title, source.publisher, source.url, source.published) == (
        OSLO_TITLE,
        OSLO_PUBLISHER,
        url,
        date(2023, 3, 14),
    )
    assert f"from “{OSLO_TITLE}”" in capsys.readouterr().out


def test_import_article_reads_a_saved_page_and_published_wins_over_the_pages_date(tmp_path):
    saved = tmp_path / "oslo.html"
    saved.write_text(OSLO_HTML, encoding="utf-8")
    call_command("import_article", str(saved), "--published", "2023-03-15")
    assert Source.objects.get().published == date(2023, 3, 15)


def test_import_article_refuses_an_unsafe_url_with_its_reason(website):
    with pytest.raises(CommandError, match=r"is a private address \(10\.20\.30\.40\)"):
        call_command("import_article", website.url("/redirect-private"))
    assert not Source.objects.exists()


def test_import_article_says_when_a_page_has_no_date(website):
    with pytest.raises(CommandError, match="found no publication date on the page .*: give --published"):
        call_command("import_article", website.url("/articles/untitled.html"))


def test_extract_article_says_when_a_page_has_no_article(website):
    with pytest.raises(CommandError, match="There is no article on this page"):
        call_command("extract_article", website.url("/sign-in.html"))
