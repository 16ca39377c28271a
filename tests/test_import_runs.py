"""A large import commits in batches, so others can write between them, and is still all or nothing."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client

from tests import factories
from tracker import import_runs, services
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source, TimelineImport
from tracker.models import TimelineImportEntry as Entry
from tracker.services import import_timeline

ROOT = Path(__file__).resolve().parent.parent
MODELS = (Actor, Alias, Meeting, Drill, Participant, Source, Evidence)


def big_timeline(states: int = 8) -> dict:
    """States in a bloc, each meeting the next and drilling with it, every event with its source."""
    names = [f"State {number}" for number in range(1, states + 1)]
    actors = [{"name": name, "kind": "state", "aliases": [f"{name} capital"]} for name in names]
    actors.append({"name": "The Bloc", "kind": "group", "members": names})
    actors.append({"name": "An Envoy", "kind": "person", "title": "Envoy", "affiliation": "State 1"})
    pairs = list(zip(names, names[1:]))
    source = {"title": "Weekly digest", "publisher": "The Gazette", "published": "2024-03-01"}
    meetings = [
        {
            "kind": "talks",
            "status": "held",
            "date": f"2024-02-{day:02d}",
            "participants": list(pair),
            "location": "Geneva",
            "sources": [{**source, "evidence": f"{pair[0]} met {pair[1]}."}],
        }
        for day, pair in enumerate(pairs, start=1)
    ]
    drills = [
        {"name": f"Exercise {day}", "status": "held", "start": f"2024-02-{day:02d}", "participants": list(pair)}
        for day, pair in enumerate(pairs, start=1)
    ]
    return {"actors": actors, "meetings": meetings, "drills": drills}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def batches(settings):
    settings.PARLEY_IMPORT_BATCH_RECORDS = 2
    settings.PARLEY_IMPORT_BATCH_SECONDS = 60
    settings.PARLEY_IMPORT_PAUSE_SECONDS = 0
    return settings


@pytest.fixture
def known_envoy(db) -> Actor:
    """An actor already there, whose blank title and affiliation the import fills in."""
    return Actor.objects.create(name="An Envoy", slug="an-envoy", kind=Actor.Kind.PERSON)


@pytest.mark.django_db(transaction=True)
def test_a_batched_import_ends_as_one_transaction_would_and_leaves_no_journal(batches, known_envoy):
    report = import_timeline(data=big_timeline())

    assert str(report).startswith("actors: 9 created, 1 already known; meetings: 7 created")
    assert counts() == {
        "Actor": 10,
        "Alias": 8,
        "Meeting": 7,
        "Drill": 7,
        "Participant": 28,
        "Source": 1,
        "Evidence": 7,
    }
    envoy = Actor.objects.get(pk=known_envoy.pk)
    assert (envoy.title, envoy.affiliation.name) == ("Envoy", "State 1")
    assert Actor.objects.get(name="The Bloc").members.count() == 8
    assert not TimelineImport.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_reader_can_log_in_while_an_import_pauses_between_batches(batches, django_user_model):
    django_user_model.objects.create_user("reader", password="a long and good password")
    logins = []

    def pause(seconds: float) -> None:
        # What another worker would see between two batches: no transaction open, the database free to write.
        assert not connection.in_atomic_block
        response = Client().post("/accounts/login/", {"username": "reader", "password": "a long and good password"})
        logins.append(response.status_code)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(import_runs.time, "sleep", pause)
        import_timeline(data=big_timeline())

    assert logins and set(logins) == {302}
    assert Meeting.objects.count() == 7


def fail_on_fifth_event(monkeypatch) -> list[int]:
    """Makes the fifth event fail; returns the journal entries that earlier batches had committed by then."""
    committed, calls = [], []
    attach = services._attach_sources

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            committed.append(Entry.objects.count())
            raise OperationalError("disk I/O error")
        return attach(*args, **kwargs)

    monkeypatch.setattr(services, "_attach_sources", failing)
    return committed


@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_undoes_every_batch_committed_before_it(batches, known_envoy, monkeypatch):
    before = counts()
    committed = fail_on_fifth_event(monkeypatch)

    with pytest.raises(OperationalError, match="disk I/O error"):
        import_timeline(data=big_timeline())

    assert committed and committed[0] > 0  # earlier batches were in the database when the fifth event failed
    assert counts() == before
    envoy = Actor.objects.get(pk=known_envoy.pk)
    assert (envoy.title, envoy.affiliation) == ("", None)
    assert not TimelineImport.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_cut_short_is_undone_by_the_next_one(batches, known_envoy, monkeypatch):
    fail_on_fifth_event(monkeypatch)
    # As if the process had died at the fifth event: no chance to undo its batches.
    monkeypatch.setattr(import_runs, "undo", lambda record: None)
    with pytest.raises(OperationalError):
        import_timeline(data=big_timeline())
    monkeypatch.undo()
    assert Meeting.objects.exists() and TimelineImport.objects.filter(finished=False).exists()

    import_timeline(data={"actors": [{"name": "State 9", "kind": "state"}]})

    assert list(Actor.objects.order_by("name").values_list("name", flat=True)) == ["An Envoy", "State 9"]
    assert counts() | {"Actor": 0} == dict.fromkeys(counts(), 0)
    assert Actor.objects.get(pk=known_envoy.pk).title == ""
    assert not TimelineImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_undo_keeps_what_an_editor_changed_meanwhile(batches, known_envoy, monkeypatch):
    fail_on_fifth_event(monkeypatch)
    monkeypatch.setattr(import_runs, "undo", lambda record: None)
    with pytest.raises(OperationalError):
        import_timeline(data=big_timeline())
    monkeypatch.undo()
    Actor.objects.filter(pk=known_envoy.pk).update(title="Special Envoy")

    out = StringIO()
    call_command("import_timeline", "--undo-unfinished", stdout=out)

    assert out.getvalue() == "Undid 1 unfinished import.\n"
    envoy = Actor.objects.get(pk=known_envoy.pk)
    assert (envoy.title, envoy.affiliation) == ("Special Envoy", None)
    assert Meeting.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_with_no_unfinished_import_the_undo_says_so(db):
    out = StringIO()

    call_command("import_timeline", "--undo-unfinished", stdout=out)

    assert out.getvalue() == "No unfinished import to undo.\n"


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_the_running_one_and_gives_up_with_a_clear_message(settings, tmp_path):
    settings.PARLEY_IMPORT_WAIT_SECONDS = 0.3
    path = tmp_path / "second.json"
    path.write_text(json.dumps(big_timeline()))
    with factories.import_lock_held_elsewhere(), pytest.raises(CommandError) as error:
        call_command("import_timeline", str(path))

    assert str(error.value) == (
        f"{path} was not imported. Another import or restore is running; this one waited 0.3 seconds for it to "
        "finish. Nothing was written: try again when it has finished."
    )
    assert Meeting.objects.count() == 0


def table_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM tracker_{table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("actor", "meeting", "drill", "participant", "evidence", "source", "timelineimport")
        }


@pytest.mark.slow
def test_an_import_killed_midway_leaves_nothing_once_undone(tmp_path):
    database = tmp_path / "killed.sqlite3"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PARLEY_"))}
    environment.pop("DATABASE_URL", None)
    environment |= {
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "PARLEY_SQLITE_PATH": str(database),
        "PARLEY_IMPORT_BATCH_RECORDS": "1",
        "PARLEY_IMPORT_PAUSE_SECONDS": "0.2",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=environment, check=True, capture_output=True)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big_timeline(states=30)))

    process = subprocess.Popen([*manage, "import_timeline", str(path)], cwd=ROOT, env=environment)
    try:
        for _ in range(600):
            if table_counts(database)["meeting"] >= 2:
                break
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    killed = table_counts(database)
    assert killed["meeting"] >= 2 and killed["timelineimport"] == 1  # batches were committed when it died
    undo = subprocess.run(
        [*manage, "import_timeline", "--undo-unfinished"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert undo.stdout == "Undid 1 unfinished import.\n", undo.stderr
    assert table_counts(database) == dict.fromkeys(killed, 0)
