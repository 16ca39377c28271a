"""python manage.py backup [PATH]: a consistent copy of the whole database, taken while Parley runs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

DEFAULT_DIRECTORY = settings.BASE_DIR / "var" / "backups"


def postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} was not found on PATH: install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) in the same major version as the server."
        )
    return path


def postgres_arguments() -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, the password passed in the environment, not argv."""
    database = connection.settings_dict
    arguments = ["--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments += [option, str(database[key])]
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return arguments, environment


def run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def backup_path(target: Path | None, suffix: str) -> Path:
    """`target` itself, or a file named by the current UTC time inside it (or var/backups) when it is a directory."""
    if target is None or target.is_dir() or str(target).endswith(os.sep):
        directory = target or DEFAULT_DIRECTORY
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"parley-{datetime.now(UTC):%Y%m%d-%H%M%S}{suffix}"
    if target.exists():
        raise CommandError(f"{target} already exists; choose another name or a directory.")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def backup_sqlite(path: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(path)
    try:
        # The online backup API copies a consistent snapshot page by page, while others keep writing.
        connection.connection.backup(destination, pages=4096)
        result = destination.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        destination.close()
    if result != "ok":
        path.unlink(missing_ok=True)
        raise CommandError(f"The backup failed its integrity check ({result}); nothing was kept.")


def backup_postgresql(path: Path) -> None:
    arguments, environment = postgres_arguments()
    run([postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *arguments], environment)


class Command(BaseCommand):
    help = "Back up the database: SQLite with its online backup API, PostgreSQL with pg_dump (custom format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help=f"File to write, or a directory for a timestamped file (default: {DEFAULT_DIRECTORY}).",
        )

    def handle(self, *args, path: Path | None, **options) -> None:
        if connection.vendor == "sqlite":
            path = backup_path(path, ".sqlite3")
            backup_sqlite(path)
        elif connection.vendor == "postgresql":
            path = backup_path(path, ".dump")
            backup_postgresql(path)
        else:
            raise CommandError(f"Backups of {connection.vendor} databases are not supported.")
        self.stdout.write(self.style.SUCCESS(f"Backed up the database to {path} ({path.stat().st_size:,} bytes)."))
