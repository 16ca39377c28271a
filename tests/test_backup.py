import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import DEMO_FIXTURE
from tracker.management.commands.backup import postgres_tool
from tracker.models import Actor, Drill, Meeting
from tracker.parley_json import dumps, timeline_json

pytestmark = pytest.mark.django_db(transaction=True)


def export() -> str:
    return dumps(timeline_json(actors=Actor.objects.all(), meetings=Meeting.objects.all(), drills=Drill.objects.all()))


def backup(*args) -> str:
    out = StringIO()
    call_command("backup", *map(str, args), stdout=out)
    return out.getvalue()


def written_path(output: str) -> Path:
    return Path(re.search(r"Backed up the database to (.+) \([\d,]+ bytes\)\.", output).group(1))


@pytest.fixture
def timeline():
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    call_command("generate_timeline", events=60, actors=30, seed=4, stdout=StringIO())
    return export()


def test_restoring_a_backup_gives_back_the_same_timeline(timeline, tmp_path):
    path = written_path(backup(tmp_path / "before-the-mistake.bak"))
    Meeting.objects.filter(pk__in=Meeting.objects.order_by("pk").values("pk")[:20]).delete()
    Actor.objects.create(name="Added after the backup", slug="added-after-the-backup", kind=Actor.Kind.STATE)
    assert export() != timeline

    call_command("restore", str(path), "--noinput", stdout=StringIO())

    assert export() == timeline
    assert not Actor.objects.filter(slug="added-after-the-backup").exists()


def test_a_restored_database_accepts_new_rows(timeline, tmp_path):
    path = written_path(backup(tmp_path / "copy.bak"))
    call_command("restore", str(path), "--noinput", stdout=StringIO())

    Actor.objects.create(name="Written after the restore", slug="written-after-the-restore", kind=Actor.Kind.STATE)

    assert Actor.objects.filter(slug="written-after-the-restore").exists()


def test_backing_up_to_a_directory_names_the_file_by_the_time(timeline, tmp_path):
    output = backup(tmp_path)

    path = written_path(output)
    assert path.parent == tmp_path
    assert re.fullmatch(r"parley-\d{8}-\d{6}\.(sqlite3|dump)", path.name)
    assert path.stat().st_size > 10_000


def test_a_backup_never_overwrites_an_existing_file(timeline, tmp_path):
    existing = tmp_path / "precious.bak"
    existing.write_text("keep me")

    with pytest.raises(CommandError, match="precious.bak already exists; choose another name or a directory."):
        backup(existing)
    assert existing.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(timeline, tmp_path):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"this is not a database at all" * 100)

    with pytest.raises(CommandError):
        call_command("restore", str(junk), "--noinput", stdout=StringIO())
    assert export() == timeline


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="missing.bak is not a file."):
        call_command("restore", str(tmp_path / "missing.bak"), "--noinput")


def test_restore_asks_before_replacing_the_database(timeline, tmp_path, monkeypatch):
    path = written_path(backup(tmp_path / "copy.bak"))
    Actor.objects.create(name="Still here", slug="still-here", kind=Actor.Kind.STATE)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Restore cancelled; nothing changed."):
        call_command("restore", str(path), stdout=StringIO())
    assert Actor.objects.filter(slug="still-here").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an SQLite backup is an SQLite file")
def test_restore_refuses_an_sqlite_file_that_is_not_parley(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as database:
        database.execute("CREATE TABLE notes (text TEXT)")

    with pytest.raises(CommandError, match="other.sqlite3 is an SQLite database but not a Parley backup."):
        call_command("restore", str(other), "--noinput")


def test_a_missing_pg_dump_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(
        CommandError,
        match=r"pg_dump was not found on PATH: install the PostgreSQL client tools \(Debian: apt-get install postgresql-client\)",
    ):
        postgres_tool("pg_dump")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL only")
def test_a_postgresql_backup_without_pg_dump_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        backup(tmp_path)
    assert list(tmp_path.iterdir()) == []


def manage(*args: str, database: Path) -> str:
    import os
    import subprocess
    import sys

    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env={**environment, "PARLEY_SQLITE_PATH": str(database)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_backup_and_restore_of_a_file_database_from_the_command_line(tmp_path):
    database = tmp_path / "parley.sqlite3"
    manage("migrate", "--noinput", database=database)
    manage("loaddata", str(DEMO_FIXTURE), database=database)
    before = manage("export_timeline", database=database)
    output = manage("backup", str(tmp_path / "backups") + "/", database=database)
    manage("flush", "--noinput", database=database)
    assert manage("export_timeline", database=database) != before

    manage("restore", str(written_path(output)), "--noinput", database=database)

    assert manage("export_timeline", database=database) == before
