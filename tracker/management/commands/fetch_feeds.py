"""Reads every active feed and puts its new articles in the admin's inbox; run it every few minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracker.feeds import read_feeds


class Command(BaseCommand):
    help = (
        "Read every active feed (conditional requests: an unchanged feed costs a 304), fetch each new "
        "item's page once, and put each article with what Parley proposes in the admin's inbox."
    )

    def handle(self, *args, **options) -> None:
        reports = read_feeds()
        for report in reports:
            (self.stderr if report.error else self.stdout).write(report.summary())
            for problem in report.problems:
                self.stderr.write(f"  {problem}")
        failed = [report for report in reports if report.error]
        if not reports:
            self.stdout.write("No active feed: add one in the admin under Feeds.")
        if failed:
            # A non-zero exit, so cron or the systemd timer reports it; the other feeds were read all the same.
            raise CommandError(f"{len(failed)} of {len(reports)} feeds could not be read; see above.")
