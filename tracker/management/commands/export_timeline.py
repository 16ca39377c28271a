"""python manage.py export_timeline --format json [--output FILE]: the whole database as Parley JSON."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from tracker.models import Actor, Drill, Meeting
from tracker.parley_json import dumps, timeline_json


class Command(BaseCommand):
    help = "Print every actor, meeting and drill as Parley JSON, in a stable order so exports can be compared."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json"], default="json", help="Output format (only json so far).")
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args, **options) -> None:
        text = dumps(
            timeline_json(actors=Actor.objects.all(), meetings=Meeting.objects.all(), drills=Drill.objects.all())
        )
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
