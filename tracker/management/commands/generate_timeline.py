"""Fill the database with a large synthetic timeline, for benchmarks and load tests."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.import_runs import ImportBusy, import_lock
from tracker.synthetic_timeline import generate_timeline


class Command(BaseCommand):
    help = "Generate a large synthetic timeline (actors, meetings, drills, sources) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, required=True, help="How many meetings and drills to create.")
        parser.add_argument("--actors", type=int, default=3000, help="How many actors to create (default 3000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same timeline.")
        parser.add_argument("--clear", action="store_true", help="Delete the whole timeline first.")

    def handle(self, *args, events: int, actors: int, seed: int, clear: bool, verbosity: int, **options) -> None:
        if events < 0 or actors < 4:
            raise CommandError("--events must be 0 or more and --actors at least 4.")
        try:
            # Queued with the imports, so --clear never empties the tables under an import's batches.
            with import_lock():
                self.generate(events=events, actors=actors, seed=seed, clear=clear, verbosity=verbosity)
        except ImportBusy as error:
            raise CommandError(f"No timeline was generated. {error}") from None

    def generate(self, *, events: int, actors: int, seed: int, clear: bool, verbosity: int) -> None:
        began = time.perf_counter()

        def progress(done: int) -> None:
            if verbosity > 1 or (verbosity and done % 100_000 == 0):
                self.stdout.write(f"  {done:,} events in {time.perf_counter() - began:.0f} s")

        totals = generate_timeline(events=events, actors=actors, seed=seed, clear=clear, progress=progress)
        elapsed = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {totals['actors']:,} actors, {totals['meetings']:,} meetings, {totals['drills']:,} drills, "
                f"{totals['participants']:,} participants, {totals['sources']:,} sources and {totals['evidence']:,} evidence "
                f"in {elapsed:.1f} s."
            )
        )
