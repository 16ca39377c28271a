"""python manage.py import_timeline FILE: load a Parley JSON timeline, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.parley_json import loads
from tracker.services import TimelineError, import_timeline


class Command(BaseCommand):
    help = "Load a Parley JSON file. Known actors, events and sources are matched, so importing twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A Parley JSON file, as export_timeline writes it.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
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
        self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}."))
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
