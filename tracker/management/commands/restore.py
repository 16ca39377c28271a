"""python manage.py restore PATH: put a backup made by `manage.py backup` back in place of the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tracker.import_runs import ImportBusy, import_lock
from tracker.management.commands.backup import postgres_arguments, postgres_tool, run


def restore_sqlite(path: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{path} is not an SQLite database: {error}.") from error
    try:
        if not {"django_migrations", "tracker_meeting"} <= tables:
            raise CommandError(f"{path} is an SQLite database but not a Parley backup.")
        connection.ensure_connection()
        # Copied page by page into the open database, so other connections see the restored data at once.
        source.backup(connection.connection)
    finally:
        source.close()


def restore_postgresql(path: Path) -> None:
    # The connection stays open while pg_restore runs: it holds the import lock, which closing would let go.
    arguments, environment = postgres_arguments()
    run(
        [
            postgres_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *arguments,
            str(path),
        ],
        environment,
    )


class Command(BaseCommand):
    help = "Replace the whole database with a backup made by `manage.py backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A backup file written by `manage.py backup`.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )

    def handle(self, *args, path: Path, interactive: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        database = connection.settings_dict["NAME"]
        if interactive:
            answer = input(f"This replaces everything in {database} with {path}. Type 'yes' to continue: ")
            if answer != "yes":
                raise CommandError("Restore cancelled; nothing changed.")
        if connection.vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"Restoring {connection.vendor} databases is not supported.")
        try:
            # Queued with the imports, so none of them writes into the database while it is being replaced.
            with import_lock():
                if connection.vendor == "sqlite":
                    restore_sqlite(path)
                else:
                    restore_postgresql(path)
        except ImportBusy as error:
            raise CommandError(f"{path} was not restored. {error}") from None
        if connection.vendor == "postgresql":
            connection.close()  # the next query opens a new session, which knows nothing of the tables replaced
        self.stdout.write(self.style.SUCCESS(f"Restored {database} from {path}."))
