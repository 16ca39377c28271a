"""python manage.py import_timeline FILE: load a Parley JSON timeline, all or nothing, in batches."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.import_runs import ImportBusy, import_lock, undo_unfinished
from tracker.parley_json import loads
from tracker.services import TimelineError, import_timeline


class Command(BaseCommand):
    help = (
        "Load a Parley JSON file. Known actors, events and sources are matched, so importing twice changes nothing. "
        "A large file is committed in batches (PARLEY_IMPORT_BATCH_RECORDS) and undone whole if it fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?", help="A Parley JSON file, as export_timeline writes it.")
        parser.add_argument(
            "--undo-unfinished",
            action="store_true",
            help="Only undo an import that was cut short (killed, or the machine stopped), without importing.",
        )

    def handle(self, *args, **options) -> None:
        if options["undo_unfinished"]:
            self.undo_unfinished()
            return
        path: Path | None = options["file"]
        if path is None:
            raise CommandError("Name the file to import (or pass --undo-unfinished).")
        try:
            data = loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text.") from error
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from error
        except ValueError as error:
            raise CommandError(f"{path} cannot be read: {error}.") from error
        try:
            report = import_timeline(data=data)
        except TimelineError as error:
            listing = "\n".join(f"  - {message}" for message in error.errors)
            raise CommandError(f"{path} was not imported; nothing changed. Fix these first:\n{listing}") from error
        except ImportBusy as error:
            raise CommandError(f"{path} was not imported. {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}."))
        for note in report.notes:
            self.stdout.write(f"Note: {note}")

    def undo_unfinished(self) -> None:
        try:
            with import_lock():
                undone = undo_unfinished()
        except ImportBusy as error:
            raise CommandError(str(error)) from error
        if undone:
            self.stdout.write(self.style.SUCCESS(f"Undid {undone} unfinished import{'s' if undone != 1 else ''}."))
        else:
            self.stdout.write("No unfinished import to undo.")
