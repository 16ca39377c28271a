"""Load the demo story into an empty database, and only there, so `make run` never undoes an editor's work."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker.models import Actor, Drill, Meeting, Source

DEMO_FIXTURE = settings.BASE_DIR / "fixtures" / "february-2022.json"


class Command(BaseCommand):
    help = "Load the demo data (fixtures/february-2022.json) if the database holds no actors, events or sources yet."

    def handle(self, *args, **options) -> None:
        held = {
            "actors": Actor.objects.count(),
            "meetings": Meeting.objects.count(),
            "drills": Drill.objects.count(),
            "sources": Source.objects.count(),
        }
        if any(held.values()):
            counts = ", ".join(f"{n} {what}" for what, n in held.items() if n)
            self.stdout.write(
                f"Demo data not loaded: the database already holds {counts}. "
                f"To load it on purpose (it overwrites the demo records): manage.py load_fixture {DEMO_FIXTURE.relative_to(settings.BASE_DIR)}"
            )
            return
        call_command("load_fixture", str(DEMO_FIXTURE), stdout=self.stdout, stderr=self.stderr)
