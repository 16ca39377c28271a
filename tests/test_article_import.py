"""The admin's "Import an article", end to end with the test client: paste, review, correct, confirm."""

from __future__ import annotations

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.article_import import ArticleInput, article_import, article_text_hash
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source
from tracker.parley_json import timeline_json
from tracker.services import TimelineError

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/import-article/"

# Short articles written for these tests; Friday 17 March 2023 is their publication day.
LISBON_TALKS = (
    "Portugal and Spain held talks in Lisbon on Thursday about sharing the water of the Tagus river. "
    "Portuguese Foreign Minister Ana Ribeiro said the day had gone well.\n\n"
    "Ms Ribeiro will visit Rabat on Monday to meet Moroccan officials. "
    "Spain and Morocco plan to hold a joint naval exercise in April."
)
LISBON_TALKS_RETOLD = (
    "Spanish and Portuguese negotiators met in Lisbon on Thursday to discuss the river they share. "
    "Officials described the mood as calm."
)
NOTHING_TO_SEE = "The weather stayed mild all week and the shops in the old town were busy.\n"


def tracker_counts() -> dict[str, int]:
    # Revision is bookkeeping for the page cache: any earlier write, even a flush, leaves its one row behind.
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("tracker").get_models()
        if model.__name__ != "Revision"
    }


@pytest.fixture
def staff_client(client):
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    client.force_login(editor)
    return client


@pytest.fixture
def spain():
    return Actor.objects.create(name="Spain", slug="spain", kind=Actor.Kind.STATE)


def paste(client, text: str, **fields: str):
    data = {"text": text, "title": "", "publisher": "", "url": "", "published": "", **fields}
    return client.post(IMPORT_URL, data)


def review_post_data(response, **changes) -> dict[str, str]:
    """What the review page would post as rendered, with `changes` ({"meeting-0-start": "…"}) applied."""
    review = response.context["review"]
    data: dict[str, str] = {}
    for formset in review.formsets:
        for field in formset.management_form:
            data[field.html_name] = str(field.value())
        for form in formset.forms:
            for field in form:
                value = field.value()
                if field.name == "keep":
                    if value:
                        data[field.html_name] = "on"
                    continue
                if isinstance(value, date):
                    value = value.isoformat()
                data[field.html_name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    data["confirm"] = "Confirm and save"
    return data


def proposal_index(response, section: str, **wanted) -> int:
    """The position of the proposal in `section` ("meeting", "drill", "actor") whose initial values match."""
    formset = {"actor": 0, "meeting": 1, "drill": 2}[section]
    forms = response.context["review"].formsets[formset].forms
    for index, form in enumerate(forms):
        if all(form.initial.get(key) == value for key, value in wanted.items()):
            return index
    raise AssertionError(f"no {section} proposal with {wanted} in {[form.initial for form in forms]}")


def test_the_import_form_is_linked_from_the_admin_index_and_the_sources_list(staff_client):
    for page in ("/admin/", "/admin/tracker/source/"):
        response = staff_client.get(page)
        assert response.status_code == 200
        assert f'<a href="{IMPORT_URL}" class="addlink">Import an article</a>' in response.content.decode()


def test_the_import_form_has_the_admin_look_and_every_field(staff_client):
    response = staff_client.get(IMPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Import an article</h1>" in html
    assert 'enctype="multipart/form-data"' in html
    for name in ("text", "file", "title", "publisher", "url", "published"):
        assert f'name="{name}"' in html
    assert "csrfmiddlewaretoken" in html


def test_pasted_article_is_reviewed_corrected_and_saved_with_its_evidence(staff_client, spain):
    response = paste(
        staff_client, LISBON_TALKS, title="Lisbon talks on the Tagus", publisher="Test Wire", published="2023-03-17"
    )
    assert response.status_code == 302
    review = staff_client.get(response["Location"])
    html = review.content.decode()
    assert review.status_code == 200
    assert (
        "<mark>Portugal and Spain held talks in Lisbon on Thursday about sharing the water of the Tagus river.</mark>"
        in html
    )
    assert f'matches existing actor: <a href="/admin/tracker/actor/{spain.pk}/change/">Spain</a>' in html
    assert tracker_counts()["Meeting"] == 0

    talks = proposal_index(review, "meeting", kind="talks", start=date(2023, 3, 16))
    visit = proposal_index(review, "meeting", kind="visit")
    exercise = proposal_index(review, "drill")
    others = [i for i in range(len(review.context["review"].meetings.forms)) if i not in (talks, visit)]
    data = review_post_data(
        review,
        **{
            f"meeting-{talks}-start": "2023-03-15",
            f"meeting-{visit}-participants": "Ana Ribeiro, Morocco, Spain",
            f"drill-{exercise}-keep": None,
            **{f"meeting-{i}-keep": None for i in others},
        },
    )
    confirmed = staff_client.post(review.request["PATH_INFO"], data, follow=True)

    source = Source.objects.get()
    # The timeline, at the days of what was saved: 15 March (corrected) to the visit on Monday 20 March.
    assert confirmed.redirect_chain[-1][0] == "/?from=2023-03-15&to=2023-03-20"
    assert "Saved 2 meetings, 0 drills and " in confirmed.content.decode()
    assert source.title == "Lisbon talks on the Tagus" and source.publisher == "Test Wire"
    assert source.published == date(2023, 3, 17)
    assert source.text == LISBON_TALKS
    assert source.text_hash == hashlib.sha256(LISBON_TALKS.encode()).hexdigest()
    assert Drill.objects.count() == 0
    assert Meeting.objects.count() == 2
    held = Meeting.objects.get(kind="talks")
    assert (held.start, held.status, held.location) == (date(2023, 3, 15), "held", "Lisbon")
    assert sorted(held.actors.values_list("name", flat=True)) == ["Portugal", "Spain"]
    trip = Meeting.objects.get(kind="visit")
    assert (trip.start, trip.status, trip.location) == (date(2023, 3, 20), "planned", "Rabat")
    assert sorted(trip.actors.values_list("name", flat=True)) == ["Ana Ribeiro", "Morocco", "Spain"]
    assert Actor.objects.filter(name__iexact="spain").count() == 1
    for evidence in Evidence.objects.all():
        assert evidence.source == source
        assert LISBON_TALKS[evidence.start_offset : evidence.end_offset] == evidence.sentence
    assert Evidence.objects.get(meeting=held).sentence.startswith("Portugal and Spain held talks in Lisbon")


def test_reimporting_the_same_article_changes_nothing_and_says_it_was_imported(staff_client):
    first = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    staff_client.post(first.request["PATH_INFO"], review_post_data(first))
    before = tracker_counts()
    source = Source.objects.get()

    again = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    html = again.content.decode()
    assert "This article was already imported as" in html
    assert f'<a href="/admin/tracker/source/{source.pk}/change/">' in html
    confirmed = staff_client.post(again.request["PATH_INFO"], review_post_data(again), follow=True)

    assert "Nothing new in “Tagus talks”" in confirmed.content.decode()
    assert tracker_counts() == before


def test_an_article_reporting_a_known_event_adds_a_source_not_a_duplicate(staff_client):
    first = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    staff_client.post(first.request["PATH_INFO"], review_post_data(first))
    talks = Meeting.objects.get(kind="talks")

    second = staff_client.get(
        paste(
            staff_client,
            LISBON_TALKS_RETOLD,
            title="River talks resume",
            publisher="Other Post",
            published="2023-03-18",
        )["Location"]
    )
    confirmed = staff_client.post(second.request["PATH_INFO"], review_post_data(second), follow=True)

    assert "No new meeting, drill or actor in “River talks resume”; 1 event already known gained this source." in (
        confirmed.content.decode()
    )
    assert Meeting.objects.filter(kind="talks").count() == 1
    assert sorted(talks.evidence.values_list("source__title", flat=True)) == ["River talks resume", "Tagus talks"]
    assert Source.objects.count() == 2


def test_cancelling_the_review_saves_nothing_and_forgets_the_article(staff_client):
    before = tracker_counts()
    review = staff_client.get(
        paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"]
    )

    cancelled = staff_client.post(review.request["PATH_INFO"], {"cancel": "Cancel"}, follow=True)

    assert cancelled.redirect_chain[-1][0] == IMPORT_URL
    assert "Import of “Tagus talks” cancelled; nothing was saved." in cancelled.content.decode()
    assert tracker_counts() == before
    gone = staff_client.get(review.request["PATH_INFO"], follow=True)
    assert "This import is no longer waiting for review; start it again." in gone.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "Paste the article or upload it as a .txt file."),
        ({"text": "  \n\t "}, "Paste the article or upload it as a .txt file."),
        (
            {"published": ""},
            "Give the publication date (YYYY-MM-DD), or start the text with a “published:” header line.",
        ),
        ({"published": "2022-02-30"}, "“2022-02-30” is not a valid date; give the publication date as YYYY-MM-DD."),
        ({"published": "10/02/2022"}, "“10/02/2022” is not a valid date; give the publication date as YYYY-MM-DD."),
        (
            {"text": "title: Tagus\npublished: 2023-02-29\n---\n" + LISBON_TALKS, "published": ""},
            "“2023-02-29” in the header is not a valid date; give the publication date as YYYY-MM-DD.",
        ),
        ({"title": ""}, "Give the title of the article (or start the text with a “title:” header line)."),
        ({"text": NOTHING_TO_SEE}, "Parley found no actors, meetings or drills in this article."),
    ],
)
def test_bad_input_is_explained_on_the_form_and_changes_nothing(staff_client, fields, message):
    before = tracker_counts()
    response = paste(staff_client, **{"text": LISBON_TALKS, "title": "Tagus", "published": "2023-03-17", **fields})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Please correct the error below." in response.content.decode()
    assert tracker_counts() == before


def test_an_article_over_the_size_limit_is_refused_with_its_size(staff_client, settings):
    settings.PARLEY_ARTICLE_MAX_BYTES = 1_000_000
    text = LISBON_TALKS + "\n" + ("Nothing else happened that day. " * 37_500)
    response = paste(staff_client, text, title="Long", published="2023-03-17")
    assert "The article is 1.2 MB; the limit is 1 MB." in response.content.decode()
    assert Source.objects.count() == 0


def test_an_uploaded_file_over_the_size_limit_is_refused_before_it_is_read(staff_client, settings):
    settings.PARLEY_ARTICLE_MAX_BYTES = 1_000
    upload = SimpleUploadedFile("long.txt", b"x" * 1_500, content_type="text/plain")
    response = staff_client.post(IMPORT_URL, {"file": upload, "title": "Long", "published": "2023-03-17"})
    assert "The article is 1.5 kB; the limit is 1 kB." in response.content.decode()


def test_an_uploaded_txt_file_with_a_header_fills_the_blank_fields(staff_client):
    body = (
        "title: Tagus talks\nsource: Test Wire\nurl: https://example.org/tagus\npublished: 2023-03-17\n---\n"
        + LISBON_TALKS
    )
    upload = SimpleUploadedFile("tagus.txt", body.encode("utf-8"), content_type="text/plain")
    response = staff_client.post(IMPORT_URL, {"file": upload, "title": "", "publisher": "", "url": "", "published": ""})
    assert response.status_code == 302
    review = staff_client.get(response["Location"])
    html = review.content.decode()
    assert "Review “Tagus talks”" in html
    assert "<dd>Test Wire</dd>" in html and "<dd>2023-03-17</dd>" in html
    assert 'href="https://example.org/tagus"' in html

    staff_client.post(review.request["PATH_INFO"], review_post_data(review))
    source = Source.objects.get()
    assert (source.title, source.publisher, source.url) == ("Tagus talks", "Test Wire", "https://example.org/tagus")
    assert source.text == LISBON_TALKS  # the header block is not part of the article


def test_fields_typed_on_the_form_win_over_the_header(staff_client):
    text = "title: Header title\npublished: 2023-03-24\n---\n" + LISBON_TALKS
    review = staff_client.get(paste(staff_client, text, title="Typed title", published="2023-03-17")["Location"])
    assert "Review “Typed title”" in review.content.decode()
    assert review.context["article"]["published"] == "2023-03-17"
    proposal_index(review, "meeting", kind="talks", start=date(2023, 3, 16))


@pytest.mark.parametrize(
    "content", ["Lisbon on Thursday, caf\xe9 talks".encode("latin-1"), b"\x89PNG\r\n\x1a\n\x00\x00"]
)
def test_an_uploaded_file_that_is_not_utf8_text_is_refused(staff_client, content):
    upload = SimpleUploadedFile("article.txt", content, content_type="text/plain")
    response = staff_client.post(IMPORT_URL, {"file": upload, "title": "T", "published": "2023-03-17"})
    assert (
        "The file is not UTF-8 text. Save it as plain text in UTF-8 and upload it again." in response.content.decode()
    )
    assert tracker_counts() == {name: 0 for name in tracker_counts()}


def test_pasting_and_uploading_at_once_is_refused(staff_client):
    upload = SimpleUploadedFile("article.txt", LISBON_TALKS.encode(), content_type="text/plain")
    response = staff_client.post(
        IMPORT_URL, {"text": LISBON_TALKS, "file": upload, "title": "T", "published": "2023-03-17"}
    )
    assert "Paste the article or upload a file, not both." in response.content.decode()


def test_an_unknown_participant_on_confirm_is_explained_and_nothing_is_saved(staff_client):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    talks = proposal_index(review, "meeting", kind="talks")
    data = review_post_data(review, **{f"meeting-{talks}-participants": "Portugal, Atlantis"})

    response = staff_client.post(review.request["PATH_INFO"], data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved. Please correct the errors below." in html
    assert "Unknown actor: “Atlantis”. Use the name of an actor you keep above or of an existing actor." in html
    assert 'value="Portugal, Atlantis"' in html  # the editor's input is kept
    assert tracker_counts() == {name: 0 for name in tracker_counts()}


def test_an_unticked_actor_cannot_stay_a_participant_unless_it_exists(staff_client, spain):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    portugal = proposal_index(review, "actor", name="Portugal")
    spain_row = proposal_index(review, "actor", name="Spain")
    data = review_post_data(review, **{f"actor-{portugal}-keep": None, f"actor-{spain_row}-keep": None})

    response = staff_client.post(review.request["PATH_INFO"], data)

    assert "Unknown actor: “Portugal”." in response.content.decode()
    assert "“Spain”" not in response.content.decode().split("Unknown actor")[1].split("</ul>")[0]
    assert Meeting.objects.count() == 0


def test_an_end_date_before_the_start_is_refused_on_confirm(staff_client):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    talks = proposal_index(review, "meeting", kind="talks")
    data = review_post_data(review, **{f"meeting-{talks}-end": "2023-03-01"})
    response = staff_client.post(review.request["PATH_INFO"], data)
    assert "The end date cannot be before the start date." in response.content.decode()
    assert Meeting.objects.count() == 0


def test_renaming_a_proposed_actor_renames_it_in_the_events_and_keeps_the_old_name_out(staff_client):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    ribeiro = proposal_index(review, "actor", name="Ana Ribeiro")
    data = review_post_data(review, **{f"actor-{ribeiro}-name": "Ana Maria Ribeiro"})
    staff_client.post(review.request["PATH_INFO"], data)
    assert list(Meeting.objects.get(kind="visit").actors.filter(kind="person").values_list("name", flat=True)) == [
        "Ana Maria Ribeiro"
    ]
    assert not Actor.objects.filter(name="Ana Ribeiro").exists()


def test_month_precision_is_saved_as_the_first_of_the_month(staff_client):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    exercise = proposal_index(review, "drill")
    assert review.context["review"].drills.forms[exercise].initial["precision"] == "month"
    staff_client.post(
        review.request["PATH_INFO"], review_post_data(review, **{f"drill-{exercise}-start": "2023-04-12"})
    )
    drill = Drill.objects.get()
    assert (drill.start, drill.precision, drill.status) == (date(2023, 4, 1), "month", "planned")
    assert sorted(drill.actors.values_list("name", flat=True)) == ["Morocco", "Spain"]


def test_article_text_is_escaped_everywhere_on_the_review_page(staff_client):
    text = "Portugal and Spain held talks in Lisbon on Thursday <script>alert('x')</script> about <b>water</b>."
    review = staff_client.get(paste(staff_client, text, title="<i>Tagus</i>", published="2023-03-17")["Location"])
    html = review.content.decode()
    assert "<script>alert" not in html and "<b>water" not in html and "<i>Tagus" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Review “&lt;i&gt;Tagus&lt;/i&gt;”" in html


def test_the_review_page_sends_the_strict_content_security_policy(staff_client):
    review = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus", published="2023-03-17")["Location"])
    assert "script-src 'self'" in review["Content-Security-Policy"]
    assert "style=" not in review.content.decode().split('<div id="content-main">')[1]


def test_a_one_megabyte_article_survives_the_trip_between_the_two_steps(staff_client, settings):
    settings.PARLEY_ARTICLE_MAX_BYTES = 1_000_000
    filler = "The market square was quiet and the trams ran on time. "
    text = LISBON_TALKS + "\n\n" + filler * ((990_000 - len(LISBON_TALKS)) // len(filler))
    assert 900_000 < len(text.encode()) <= 1_000_000
    review = staff_client.get(paste(staff_client, text, title="Long", published="2023-03-17")["Location"])
    staff_client.post(review.request["PATH_INFO"], review_post_data(review))
    assert Source.objects.get().text == text


def test_the_review_page_makes_the_same_few_queries_however_many_proposals(staff_client, django_assert_num_queries):
    small = staff_client.get(
        paste(staff_client, LISBON_TALKS_RETOLD, title="Small", published="2023-03-18")["Location"]
    )
    large = staff_client.get(paste(staff_client, LISBON_TALKS, title="Large", published="2023-03-17")["Location"])
    assert len(large.context["actor_rows"]) > len(small.context["actor_rows"])
    # session, user, existing actors by name, then by alias, the source already imported
    with django_assert_num_queries(5):
        staff_client.get(small.request["PATH_INFO"])
    with django_assert_num_queries(5):
        staff_client.get(large.request["PATH_INFO"])


def test_a_long_article_with_a_hundred_proposals_can_be_confirmed(staff_client):
    from pathlib import Path

    import tracker.extraction

    rows = (Path(tracker.extraction.__file__).parent / "data" / "states.tsv").read_text().splitlines()[1:]
    states = [row.split("\t")[1] for row in rows]
    text = " ".join(
        f"Ministers from {states[i]} and {states[i + 1]} held talks on {1 + i % 28} March." for i in range(100)
    )
    review = staff_client.get(paste(staff_client, text, title="A hundred talks", published="2023-03-31")["Location"])
    data = review_post_data(review)
    # More fields than Django's default limit of 1,000, which would answer 400 Bad Request.
    assert len(data) > 1000

    confirmed = staff_client.post(review.request["PATH_INFO"], data, follow=True)

    assert confirmed.status_code == 200
    assert "Saved 100 meetings, 0 drills and " in confirmed.content.decode()
    assert Meeting.objects.count() == 100


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in (IMPORT_URL, IMPORT_URL + "some-token/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")


def test_users_who_are_not_staff_cannot_import(client):
    reader = get_user_model().objects.create_user("reader", "reader@example.org", "pw-reader-123")
    client.force_login(reader)
    response = client.post(IMPORT_URL, {"text": LISBON_TALKS, "title": "Tagus", "published": "2023-03-17"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert tracker_counts() == {name: 0 for name in tracker_counts()}


def test_posts_without_a_csrf_token_are_refused(client):
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    client.force_login(editor)
    client.handler.enforce_csrf_checks = True
    response = client.post(IMPORT_URL, {"text": LISBON_TALKS, "title": "Tagus", "published": "2023-03-17"})
    assert response.status_code == 403


def test_a_review_of_someone_elses_token_is_not_found(staff_client):
    response = staff_client.get(IMPORT_URL + "not-a-real-token/", follow=True)
    assert "This import is no longer waiting for review; start it again." in response.content.decode()


def test_actors_an_editor_added_are_recognised_by_their_alias_in_the_next_import(staff_client):
    board = Actor.objects.create(name="Iberian Water Board", slug="iberian-water-board", kind=Actor.Kind.ORGANISATION)
    Alias.objects.create(actor=board, name="IWB")
    text = "The IWB and Portugal held talks in Lisbon on Thursday about the river they share."
    review = staff_client.get(paste(staff_client, text, title="Alias", published="2023-03-17")["Location"])
    assert (
        f'matches existing actor: <a href="/admin/tracker/actor/{board.pk}/change/">Iberian Water Board</a>'
        in review.content.decode()
    )
    staff_client.post(review.request["PATH_INFO"], review_post_data(review))
    assert sorted(Meeting.objects.get().actors.values_list("name", flat=True)) == ["Iberian Water Board", "Portugal"]
    assert Participant.objects.filter(actor=board).count() == 1


def test_the_seed_article_goes_through_the_admin_workflow(staff_client, seed_article_text):
    response = staff_client.post(
        IMPORT_URL, {"text": seed_article_text, "title": "", "publisher": "", "url": "", "published": ""}
    )
    assert response.status_code == 302
    review = staff_client.get(response["Location"])
    proposals = review.context["review"]
    # Each list ends with a blank row for an event the reader missed.
    meetings, drills = len(proposals.meetings.forms) - 1, len(proposals.drills.forms) - 1
    assert meetings >= 8 and drills >= 1

    confirmed = staff_client.post(review.request["PATH_INFO"], review_post_data(review), follow=True)

    source = Source.objects.get()
    assert source.published == date(2022, 2, 10)
    first = min(Meeting.objects.values_list("start", flat=True))
    assert confirmed.redirect_chain[-1][0] == f"/?from={first.isoformat()}&to=2022-02-19"
    assert Meeting.objects.count() == meetings and Drill.objects.count() == drills
    drill = Drill.objects.get(troops=30_000)
    assert (drill.start, drill.end) == (date(2022, 2, 10), date(2022, 2, 19))
    assert sorted(drill.actors.values_list("name", flat=True)) == ["Belarus", "Russia"]
    for evidence in Evidence.objects.all():
        assert source.text[evidence.start_offset : evidence.end_offset] == evidence.sentence
    assert Evidence.objects.count() == meetings + drills


# -- the service behind the review page -------------------------------------------------------


def article(text: str = "Portugal and Spain held talks in Lisbon on Thursday.", **fields) -> ArticleInput:
    values = {"title": "Tagus talks", "publisher": "Test Wire", "url": "", "published": date(2023, 3, 17), "text": text}
    return ArticleInput(**{**values, **fields})


TALKS = {
    "actors": [
        {
            "name": "Portugal",
            "slug": "portugal",
            "kind": "state",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "members": [],
            "description": "",
        },
        {
            "name": "Spain",
            "slug": "spain",
            "kind": "state",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "members": [],
            "description": "",
        },
    ],
    "meetings": [
        {
            "kind": "talks",
            "status": "held",
            "date": "2023-03-16",
            "end_date": None,
            "date_text": "on Thursday",
            "participants": ["Portugal", "Spain"],
            "location": "Lisbon",
            "summary": "",
            "evidence": "Portugal and Spain held talks in Lisbon on Thursday.",
            "evidence_start": 0,
            "evidence_end": 52,
            "sources": [],
        }
    ],
    "drills": [],
}


def test_article_import_fills_in_the_text_of_a_source_known_only_by_name():
    Source.objects.create(title="Tagus talks", publisher="Test Wire", published=date(2023, 3, 17))
    report = article_import(article=article(), proposals=TALKS)
    source = Source.objects.get()
    assert source.text == "Portugal and Spain held talks in Lisbon on Thursday."
    assert source.text_hash == article_text_hash(source.text)
    assert (report.meetings_created, report.sources_created, report.evidence_created) == (1, 0, 1)


def test_article_import_recognises_the_same_text_under_another_title():
    article_import(article=article(), proposals=TALKS)
    report = article_import(
        article=article(
            title="Talks on the Tagus", text="\r\nPortugal and Spain held talks in Lisbon on Thursday.\r\n"
        ),
        proposals=TALKS,
    )
    assert Source.objects.get().title == "Tagus talks"
    assert (report.meetings_created, report.meetings_matched, report.evidence_created) == (0, 1, 0)


def test_article_import_refuses_a_different_text_under_a_known_source_and_saves_nothing():
    article_import(article=article(), proposals=TALKS)
    before = tracker_counts()
    with pytest.raises(TimelineError, match="is already a source, with a different text."):
        article_import(article=article(text="Another story entirely, about Spain and Portugal."), proposals=TALKS)
    assert tracker_counts() == before


def test_article_import_is_all_or_nothing():
    broken = {**TALKS, "meetings": [{**TALKS["meetings"][0], "participants": ["Portugal", "Atlantis"]}]}
    with pytest.raises(TimelineError):
        article_import(article=article(), proposals=broken)
    assert tracker_counts() == {name: 0 for name in tracker_counts()}


def test_a_second_reading_that_places_an_event_differently_is_still_the_same_event():
    article_import(article=article(), proposals=TALKS)
    reread = {**TALKS, "meetings": [{**TALKS["meetings"][0], "location": "Portugal", "date": "2023-03"}]}
    report = article_import(article=article(), proposals=reread)
    assert (report.meetings_created, report.meetings_matched) == (0, 1)
    assert Meeting.objects.get().location == "Lisbon"


def test_two_people_meeting_the_same_state_in_one_sentence_stay_two_meetings():
    text = "Ana Ribeiro and Luis Prado will each meet Spanish officials in Madrid on Monday."
    person = {"kind": "person", "title": "", "affiliation": "", "aliases": [], "members": [], "description": ""}
    meeting = {
        "kind": "talks",
        "status": "planned",
        "date": "2023-03-20",
        "end_date": None,
        "date_text": "on Monday",
        "location": "Madrid",
        "summary": "",
        "evidence": text,
        "evidence_start": 0,
        "evidence_end": len(text),
        "sources": [],
    }
    proposals = {
        "actors": [
            {**person, "name": "Ana Ribeiro", "slug": "ana-ribeiro"},
            {**person, "name": "Luis Prado", "slug": "luis-prado"},
            TALKS["actors"][1],
        ],
        "meetings": [
            {**meeting, "participants": ["Ana Ribeiro", "Spain"]},
            {**meeting, "participants": ["Luis Prado", "Spain"]},
        ],
        "drills": [],
    }
    article_import(article=article(text), proposals=proposals)
    article_import(article=article(text), proposals=proposals)
    assert Meeting.objects.count() == 2
    assert Evidence.objects.count() == 2


def test_one_sentence_reporting_visits_to_two_cities_imports_twice_without_mixing_them():
    text = "Ana Ribeiro will travel to Paris and Berlin on Monday."
    person = {"kind": "person", "title": "", "affiliation": "", "aliases": [], "members": [], "description": ""}
    state = {**person, "kind": "state"}
    visit = {
        "kind": "visit",
        "status": "planned",
        "date": "2023-03-20",
        "end_date": None,
        "date_text": "on Monday",
        "summary": "",
        "evidence": text,
        "evidence_start": 0,
        "evidence_end": len(text),
        "sources": [],
    }
    proposals = {
        "actors": [
            {**person, "name": "Ana Ribeiro", "slug": "ana-ribeiro"},
            {**state, "name": "France", "slug": "france"},
            {**state, "name": "Germany", "slug": "germany"},
        ],
        "meetings": [
            {**visit, "participants": ["Ana Ribeiro", "France"], "location": "Paris"},
            {**visit, "participants": ["Ana Ribeiro", "Germany"], "location": "Berlin"},
        ],
        "drills": [],
    }
    article_import(article=article(text=text), proposals=proposals)
    before = tracker_counts()
    report = article_import(article=article(text=text), proposals=proposals)
    assert tracker_counts() == before
    assert (report.meetings_created, report.meetings_matched) == (0, 2)
    visits = {m.location: sorted(m.actors.values_list("name", flat=True)) for m in Meeting.objects.all()}
    assert visits == {"Paris": ["Ana Ribeiro", "France"], "Berlin": ["Ana Ribeiro", "Germany"]}


# Re-importing never undoes an editor's work (issue 9)


def export_timeline() -> dict:
    return timeline_json(actors=Actor.objects.all(), meetings=Meeting.objects.all(), drills=Drill.objects.all())


def test_reimporting_an_edited_article_changes_nothing_the_editor_did(staff_client):
    first = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    drill = proposal_index(first, "drill")
    staff_client.post(first.request["PATH_INFO"], review_post_data(first, **{f"drill-{drill}-keep": None}))
    # Then, in the admin, the editor moves the talks to Porto, takes Spain out of them and deletes the visit.
    talks = Meeting.objects.get(kind="talks")
    Meeting.objects.filter(pk=talks.pk).update(location="Porto")
    talks.participants.get(actor__name="Spain").delete()
    Meeting.objects.get(kind="visit").delete()
    before = export_timeline()

    again = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    html = again.content.decode()
    assert "Reviewed at an earlier import" in html
    assert "Drill" in html and "not kept" in html
    # Nothing is proposed again: each list holds only the blank row for an event the reader missed.
    assert len(again.context["review"].meetings.forms) == 1
    assert len(again.context["review"].drills.forms) == 1
    confirmed = staff_client.post(again.request["PATH_INFO"], review_post_data(again), follow=True)

    assert "Nothing new in “Tagus talks”" in confirmed.content.decode()
    assert export_timeline() == before
    assert Meeting.objects.get(pk=talks.pk).location == "Porto"
    assert not talks.participants.filter(actor__name="Spain").exists()
    assert not Meeting.objects.filter(kind="visit").exists()
    assert Drill.objects.count() == 0


def test_the_import_command_leaves_an_editors_removals_alone_too(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "tagus.txt"
    path.write_text("title: Tagus talks\npublished: 2023-03-17\n---\n" + LISBON_TALKS, encoding="utf-8")
    call_command("import_article", str(path), stdout=StringIO())
    visit = Meeting.objects.get(kind="visit")
    visit.participants.order_by("actor__name").first().delete()
    Drill.objects.all().delete()
    before = export_timeline()

    output = StringIO()
    call_command("import_article", str(path), stdout=output)

    assert export_timeline() == before
    assert "reviewed at an earlier import" in output.getvalue()


def test_the_review_page_says_what_parley_already_holds_of_each_event(staff_client):
    first = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    staff_client.post(first.request["PATH_INFO"], review_post_data(first))
    talks = Meeting.objects.get(kind="talks")

    other = staff_client.get(
        paste(staff_client, LISBON_TALKS_RETOLD, title="River talks", publisher="Other Post", published="2023-03-17")[
            "Location"
        ]
    )

    html = other.content.decode()
    assert f'Same event as <a href="/admin/tracker/meeting/{talks.pk}/change/">{talks}</a>, already in Parley' in html


def test_an_editor_can_add_a_meeting_the_reader_missed(staff_client):
    review = staff_client.get(
        paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"]
    )
    missed = len(review.context["review"].meetings.forms) - 1
    assert "A meeting the reader missed" in review.content.decode()
    data = review_post_data(
        review,
        **{
            f"meeting-{missed}-keep": "on",
            f"meeting-{missed}-kind": "call",
            f"meeting-{missed}-status": "held",
            f"meeting-{missed}-start": "2023-03-10",
            f"meeting-{missed}-participants": "Portugal, Spain",
            f"meeting-{missed}-summary": "A call the article mentions in passing",
        },
    )

    confirmed = staff_client.post(review.request["PATH_INFO"], data, follow=True)

    call = Meeting.objects.get(kind="call")
    assert (call.start, call.summary) == (date(2023, 3, 10), "A call the article mentions in passing")
    assert sorted(call.actors.values_list("name", flat=True)) == ["Portugal", "Spain"]
    assert call.evidence.get().source.title == "Tagus talks"
    assert confirmed.redirect_chain[-1][0].startswith("/?from=2023-03-10&to=")


def test_the_source_page_lists_what_was_reviewed_and_deleting_a_row_proposes_it_again(staff_client):
    from tracker.models import ReviewedProposal

    first = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    drill = proposal_index(first, "drill")
    staff_client.post(first.request["PATH_INFO"], review_post_data(first, **{f"drill-{drill}-keep": None}))
    source = Source.objects.get()

    page = staff_client.get(f"/admin/tracker/source/{source.pk}/change/").content.decode()
    assert "Proposals reviewed at import" in page
    rejected = ReviewedProposal.objects.get(source=source, what="drill")
    assert rejected.kept is False and rejected.description in page
    rejected.delete()

    again = staff_client.get(paste(staff_client, LISBON_TALKS, title="Tagus talks", published="2023-03-17")["Location"])
    assert len(again.context["review"].drills.forms) == 2  # the drill, and the row for a missed one
    assert len(again.context["review"].meetings.forms) == 1


def test_a_reader_that_cuts_the_sentence_differently_does_not_bring_back_what_was_reviewed():
    from tracker.article_import import read_proposals

    text = "Portugal and Spain held talks in Lisbon on Thursday. They agreed to meet again."
    sentence = text.index(".") + 1
    talks = {
        "kind": "talks",
        "status": "held",
        "start": "2023-03-16",
        "end": None,
        "participants": ["Portugal", "Spain"],
        "location": "Lisbon",
        "evidence": text[:sentence],
        "evidence_start": 0,
        "evidence_end": sentence,
    }
    proposals = {"actors": [], "meetings": [talks], "drills": []}
    Actor.objects.create(name="Portugal", slug="portugal", kind="state")
    Actor.objects.create(name="Spain", slug="spain", kind="state")
    first = read_proposals(article=article(text), proposals=proposals)
    # The editor does not keep the talks.
    article_import(
        article=article(text), proposals={"actors": [], "meetings": [], "drills": []}, reviewed=first["proposals"]
    )

    recut = {**talks, "evidence": text[: sentence - 1], "evidence_end": sentence - 1}
    again = read_proposals(article=article(text), proposals={"actors": [], "meetings": [recut], "drills": []})

    assert again["proposals"]["meetings"] == []
    assert [(item["what"], item["kept"]) for item in again["already"]] == [("meeting", False)]
    assert Meeting.objects.count() == 0
