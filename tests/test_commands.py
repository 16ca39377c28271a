import json
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from tests.conftest import DEMO_FIXTURE
from tests.seed_expectations import DRILLS, MEETINGS, ORGANISATIONS, PEOPLE, STATES
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source

MODELS = [Evidence, Participant, Meeting, Drill, Source, Alias, Actor]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def export() -> str:
    return run("export_timeline", "--format", "json")


def empty_database() -> None:
    for model in MODELS:
        model.objects.all().delete()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)


def test_the_export_of_the_demo_data_lists_every_meeting_and_drill_of_the_seed_article(demo):
    data = json.loads(export())

    meetings = Counter(
        (m["kind"], m["status"], m["start"], m["end"], frozenset(m["participants"]), m["location"])
        for m in data["meetings"]
    )
    drills = [
        (d["name"], d["status"], d["start"], d["end"], frozenset(d["participants"]), d["location"], d["troops"])
        for d in data["drills"]
    ]
    assert meetings == Counter(MEETINGS)
    assert drills == DRILLS
    for event in data["meetings"] + data["drills"]:
        assert event["participants"] == sorted(event["participants"], key=str.casefold)


def test_the_export_of_the_demo_data_names_every_actor_with_title_and_affiliation(demo):
    actors = {actor["name"]: actor for actor in json.loads(export())["actors"]}

    assert {name: (actors[name]["title"], actors[name]["affiliation"]) for name in PEOPLE} == PEOPLE
    assert {name for name, actor in actors.items() if actor["kind"] == "state"} == STATES
    assert {name for name, actor in actors.items() if actor["kind"] == "organisation"} == ORGANISATIONS
    assert actors["Normandy quartet"]["members"] == ["France", "Germany", "Russia", "Ukraine"]
    assert {"Moscow", "the Kremlin", "Russian", "Russian Federation"} <= set(actors["Russia"]["aliases"])
    assert {"Truss", "Ms Truss"} <= set(actors["Liz Truss"]["aliases"])


def test_every_exported_event_cites_the_article(demo):
    data = json.loads(export())
    for event in data["meetings"] + data["drills"]:
        assert [(s["title"], s["published"]) for s in event["sources"]] == [
            ("Russia Begins Military Drills with Belarus, Despite Ukraine Tensions", "2022-02-10")
        ]


def test_the_export_is_indented_utf8_and_ends_with_a_newline(demo):
    Actor.objects.filter(slug="philippe-etienne").update(name="Philippe Étienne")
    text = export()
    assert text.startswith('{\n  "version": 2,\n  "actors": [\n')
    assert "Philippe Étienne" in text
    assert text.endswith("}\n")


def test_the_export_can_be_written_to_a_file(demo, tmp_path):
    target = tmp_path / "timeline.json"
    assert run("export_timeline", "--output", str(target)) == ""
    assert target.read_text(encoding="utf-8") == export()


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_file(demo, tmp_path):
    first = export()
    (tmp_path / "timeline.json").write_text(first, encoding="utf-8")
    empty_database()

    output = run("import_timeline", str(tmp_path / "timeline.json"))

    assert "actors: 24 created, 0 already known; meetings: 9 created, 0 already known; drills: 1 created" in output
    assert export() == first
    assert Meeting.objects.filter(slug="2022-02-10-talks-liz-truss-russia").exists()


def test_importing_the_export_into_the_same_database_changes_nothing(demo, tmp_path):
    (tmp_path / "timeline.json").write_text(export(), encoding="utf-8")
    before = counts()

    output = run("import_timeline", str(tmp_path / "timeline.json"))

    assert "actors: 0 created, 24 already known; meetings: 0 created, 9 already known" in output
    assert counts() == before


def version_1(data: dict) -> dict:
    """A timeline as Parley wrote it before version 2: no version, meetings' days as date and end_date."""
    meetings = [
        {("date" if k == "start" else "end_date" if k == "end" else k): v for k, v in meeting.items()}
        for meeting in data["meetings"]
    ]
    return {key: value for key, value in data.items() if key != "version"} | {"meetings": meetings}


def test_a_version_1_file_is_still_read_as_it_was_written(demo, tmp_path):
    current = export()
    (tmp_path / "old.json").write_text(json.dumps(version_1(json.loads(current))), encoding="utf-8")
    empty_database()

    output = run("import_timeline", str(tmp_path / "old.json"))

    assert "meetings: 9 created, 0 already known; drills: 1 created" in output
    assert export() == current


def test_a_version_1_file_with_a_bad_date_names_the_field_it_has(demo, tmp_path):
    data = version_1(json.loads(export()))
    data["meetings"][0]["date"] = "2022-13-01"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_timeline", str(path))

    assert '  - meetings[0].date: "2022-13-01" is not a valid date' in str(error.value)


def test_a_file_of_an_unknown_version_is_refused(demo, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"version": 3, "actors": [], "meetings": [], "drills": []}), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_timeline", str(path))

    assert "version: 3 is not a version of Parley JSON this Parley reads (1, 2)" in str(error.value)


def test_a_malformed_file_is_refused_with_every_error_and_changes_nothing(demo, tmp_path):
    data = json.loads(export())
    data["meetings"][3]["start"] = "2022-02-30"
    data["drills"][0]["troops"] = -30000
    data["meetings"][0]["participants"].append("Atlantis")
    data["actors"].append({"name": "Ruritania", "kind": "state"})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = counts()

    with pytest.raises(CommandError) as error:
        run("import_timeline", str(path))

    message = str(error.value)
    assert message.startswith(f"{path} was not imported; nothing changed. Fix these first:\n")
    assert '  - meetings[3].start: "2022-02-30" is not a valid date (use YYYY-MM-DD, YYYY-MM or YYYY)' in message
    assert "  - drills[0].troops: -30000 is negative (troop numbers cannot be negative)" in message
    assert '"Atlantis" is neither an actor in this file nor one already known' in message
    assert counts() == before
    assert not Actor.objects.filter(name="Ruritania").exists()


def test_a_file_that_is_not_json_is_refused_with_where_it_breaks(db, tmp_path):
    path = tmp_path / "timeline.json"
    path.write_text('{"actors": [}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"is not valid JSON: Expecting value at line 1, column 13\."):
        run("import_timeline", str(path))


def test_a_missing_file_is_refused_with_a_message(db, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.json: No such file or directory"):
        run("import_timeline", str(tmp_path / "missing.json"))


def test_the_demo_superuser_is_created_once_with_a_password_printed_once(db, settings):
    settings.DEBUG = True

    output = run("create_demo_superuser")

    password = output.split("with password ", 1)[1].split(" ", 1)[0]
    assert len(password) >= 20
    user = get_user_model().objects.get()
    assert (user.username, user.is_superuser, user.is_staff) == ("admin", True, True)
    assert authenticate(username="admin", password=password) == user

    again = run("create_demo_superuser")

    assert again == "No demo superuser created: a superuser already exists.\n"
    assert password not in again
    assert get_user_model().objects.count() == 1


def test_each_demo_superuser_gets_a_different_password(db, settings):
    settings.DEBUG = True
    first = run("create_demo_superuser")
    get_user_model().objects.all().delete()
    assert run("create_demo_superuser") != first


def test_no_demo_superuser_is_created_with_debug_off(db, settings):
    settings.DEBUG = False
    output = run("create_demo_superuser")
    assert output == "No demo superuser created: DEBUG is off, and production accounts are made with createsuperuser.\n"
    assert not get_user_model().objects.exists()


def test_the_demo_loads_into_an_empty_database(db):
    empty_database()
    run("load_demo")
    assert Meeting.objects.count() == len(MEETINGS)
    assert Drill.objects.count() == len(DRILLS)


def test_the_demo_never_undoes_an_editors_work_at_the_next_start(demo):
    meeting = Meeting.objects.order_by("pk").first()
    meeting.summary = "Corrected by an editor."
    meeting.save()
    out = run("load_demo")
    meeting.refresh_from_db()
    assert meeting.summary == "Corrected by an editor."
    assert "Demo data not loaded" in out and "load_fixture fixtures/february-2022.json" in out
