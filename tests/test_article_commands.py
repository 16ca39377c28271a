"""extract_article prints what Parley proposes without touching the database; import_article saves it."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tracker.models import Actor, Alias, Evidence, Meeting, Source

pytestmark = pytest.mark.django_db

# Written for these tests. Wednesday 5 June 2019 is the publication day in the header.
HEADER = (
    "title: Baltic ministers meet\nsource: Test Gazette\nurl: https://example.org/baltic\npublished: 2019-06-05\n---\n"
)
BODY = (
    "Estonia and Finland held talks in Tallinn on Monday about a new ferry agreement. "
    "The two governments will sign it in Helsinki next month.\n"
)


def write(tmp_path: Path, text: str | bytes, name: str = "article.txt") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def every_row_count() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_extract_article_prints_parley_json_with_dates_and_evidence_and_touches_no_row(tmp_path):
    Actor.objects.create(name="Estonia", slug="estonia", kind=Actor.Kind.STATE)
    before = every_row_count()

    output = run("extract_article", write(tmp_path, HEADER + BODY), "--format", "json")

    assert every_row_count() == before
    data = json.loads(output)
    assert set(data) >= {"actors", "meetings", "drills", "dates"}
    talks = next(meeting for meeting in data["meetings"] if meeting["kind"] == "talks")
    assert talks["date"] == "2019-06-03"
    assert talks["status"] == "held"
    assert talks["location"] == "Tallinn"
    assert sorted(talks["participants"]) == ["Estonia", "Finland"]
    assert talks["evidence"] == BODY[talks["evidence_start"] : talks["evidence_end"]]
    assert talks["evidence"].startswith("Estonia and Finland held talks in Tallinn on Monday")
    assert talks["date_text"]
    monday = next(found for found in data["dates"] if found["text"].endswith("Monday"))
    assert BODY[monday["start"] : monday["end"]] == monday["text"]
    assert monday["value"] == "2019-06-03"
    assert "  " in output and "\n" in output  # indented for reading


def test_extract_article_keeps_non_ascii_text_readable(tmp_path):
    body = "Estonia and Finland held talks in Tallinn on Monday, said minister Jüri Ratas’s office.\n"
    output = run("extract_article", write(tmp_path, body), "--published", "2019-06-05")
    assert "Jüri Ratas’s office" in output
    assert "\\u" not in output


def test_published_on_the_command_line_overrides_the_header(tmp_path):
    path = write(tmp_path, HEADER + BODY)
    from_header = json.loads(run("extract_article", path))
    overridden = json.loads(run("extract_article", path, "--published", "2019-06-12"))
    dates = {m["kind"]: m["date"] for m in from_header["meetings"]}
    later = {m["kind"]: m["date"] for m in overridden["meetings"]}
    assert dates["talks"] == "2019-06-03"
    assert later["talks"] == "2019-06-10"


def test_a_missing_publication_date_is_a_clear_error(tmp_path):
    path = write(tmp_path, BODY)
    with pytest.raises(
        CommandError, match="has no publication date: give --published YYYY-MM-DD or a “published:” header line"
    ):
        run("extract_article", path)


@pytest.mark.parametrize("value", ["2022-02-30", "2022-13-01", "10/02/2022", "yesterday"])
def test_an_impossible_publication_date_is_a_clear_error(tmp_path, value):
    path = write(tmp_path, HEADER + BODY)
    with pytest.raises(CommandError, match=f"--published “{value}” is not a valid date; give it as YYYY-MM-DD."):
        run("extract_article", path, "--published", value)


def test_an_impossible_date_in_the_header_is_a_clear_error(tmp_path):
    path = write(tmp_path, HEADER.replace("2019-06-05", "2019-02-29") + BODY)
    with pytest.raises(CommandError, match="The header's “published: 2019-02-29” is not a valid date"):
        run("extract_article", path)


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = write(tmp_path, "Talks in Tallinn on Monday at the caf\xe9.".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text."):
        run("extract_article", path, "--published", "2019-06-05")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nowhere.txt"):
        run("extract_article", str(tmp_path / "nowhere.txt"), "--published", "2019-06-05")


def test_import_article_saves_the_proposals_and_is_idempotent(tmp_path):
    path = write(tmp_path, HEADER + BODY)
    proposed = json.loads(run("extract_article", path))

    output = run("import_article", path)

    assert output.startswith(f"Saved {len(proposed['meetings'])} meeting")
    assert "from “Baltic ministers meet”." in output
    source = Source.objects.get()
    assert (source.title, source.publisher, source.url) == (
        "Baltic ministers meet",
        "Test Gazette",
        "https://example.org/baltic",
    )
    assert source.text == BODY
    assert Meeting.objects.count() == len(proposed["meetings"])
    talks = Meeting.objects.get(kind="talks")
    assert sorted(talks.actors.values_list("name", flat=True)) == ["Estonia", "Finland"]
    evidence = Evidence.objects.get(meeting=talks)
    assert BODY[evidence.start_offset : evidence.end_offset] == evidence.sentence

    before = every_row_count()
    again = run("import_article", path)
    assert again.startswith("Nothing new in “Baltic ministers meet”: everything kept was already saved.\n")
    assert again.endswith(" reviewed at an earlier import and left as the editor left them.\n")
    assert every_row_count() == before


def test_import_article_names_a_headerless_article_after_its_file(tmp_path):
    run("import_article", write(tmp_path, BODY, name="ferry-talks.txt"), "--published", "2019-06-05")
    assert Source.objects.get().title == "ferry-talks"


def test_import_article_recognises_actors_already_known_by_an_alias(tmp_path):
    estonia = Actor.objects.create(name="Republic of Estonia", slug="estonia", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=estonia, name="Estonia")
    run("import_article", write(tmp_path, HEADER + BODY))
    assert Actor.objects.filter(slug__startswith="estonia").count() == 1
    assert estonia.meetings.filter(kind="talks").exists()


def test_import_article_refuses_an_article_with_nothing_in_it(tmp_path):
    path = write(tmp_path, "The weather stayed mild all week and the shops were busy.\n")
    with pytest.raises(CommandError, match="Parley found no actors, meetings or drills in this article."):
        run("import_article", path, "--published", "2019-06-05")
    assert Source.objects.count() == 0


@pytest.mark.parametrize("command", ["extract_article", "import_article"])
def test_an_article_with_a_header_and_no_text_is_a_clear_error_for_both_commands(tmp_path, command):
    path = write(tmp_path, HEADER + "\n  \n")
    with pytest.raises(CommandError, match="article.txt has no article text."):
        run(command, path)
    assert Source.objects.count() == 0


def test_import_article_gives_the_same_date_errors_as_extract_article(tmp_path):
    path = write(tmp_path, HEADER.replace("2019-06-05", "2019-02-29") + BODY)
    with pytest.raises(CommandError, match="The header's “published: 2019-02-29” is not a valid date"):
        run("import_article", path)
    with pytest.raises(CommandError, match="--published “2019-06-31” is not a valid date; give it as YYYY-MM-DD."):
        run("import_article", path, "--published", "2019-06-31")
