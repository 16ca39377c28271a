#!/usr/bin/env python
"""Time and peak memory of one download (CSV, iCalendar, Parley JSON) of a large generated timeline.

    .venv/bin/python bench/exports.py                      # 50,000 events in /tmp, generated if missing
    .venv/bin/python bench/exports.py --cap 50000          # the whole timeline in one download
    .venv/bin/python bench/exports.py --root /tmp/main     # another checkout's code, same database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench .venv/bin/python bench/exports.py

Each download runs in a fresh process, as a gunicorn worker would serve it after a restart: Django's
test client under production settings (DEBUG off), the streamed body read to the end and thrown
away. The figures are the wall time of the request and the process's peak resident memory (ru_maxrss)
before and after it, so the growth is what the download cost a worker. PARLEY_EXPORT_MAX_ROWS is
--cap (default: the setting's own default).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOWNLOADS = ["/export.csv", "/export.ics", "/export.json"]

# Run inside the child process: one download, its time and the memory it took.
CHILD = """
import gc, json, resource, sys, time
import django
django.setup()
from django.test import Client
client = Client()
client.get("/export.csv?to=1000-01-02")  # imports and the first connection, outside the figure
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
response = client.get(sys.argv[1])
size = 0
for chunk in response.streaming_content if response.streaming else [response.content]:
    size += len(chunk)
elapsed = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"status": response.status_code, "streaming": response.streaming, "seconds": elapsed,
                  "bytes": size, "rss_before_kb": before, "rss_peak_kb": after}))
"""


def environment(args: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "PARLEY_ANONYMOUS_READ": "1",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "PYTHONPATH": str(args.root),
    }
    if not os.environ.get("DATABASE_URL"):
        env["PARLEY_SQLITE_PATH"] = args.db or f"/tmp/parley-bench-exports-{args.events}.sqlite3"
    if args.cap:
        env["PARLEY_EXPORT_MAX_ROWS"] = str(args.cap)
    return env


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    manage = [sys.executable, str(args.root / "manage.py")]
    # DEBUG off serves hashed static files, as in production.
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=args.root, env=env, check=True)
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=args.root, env=env, check=True)
    counted = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from tracker.models import Meeting, Drill; print(Meeting.objects.count() + Drill.objects.count())",
        ],
        cwd=args.root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    if int(counted.stdout.strip().splitlines()[-1]) == 0:
        print(f"Generating {args.events:,} events (once; the database is kept for the next run)…", flush=True)
        subprocess.run(
            [*manage, "generate_timeline", "--events", str(args.events), "--seed", "1"],
            cwd=args.root,
            env=env,
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000, help="Events to generate into a new database.")
    parser.add_argument("--db", help="An existing SQLite database (default: one in /tmp per --events).")
    parser.add_argument("--cap", type=int, help="PARLEY_EXPORT_MAX_ROWS for the downloads.")
    parser.add_argument("--root", type=Path, default=ROOT, help="The checkout whose code serves the downloads.")
    parser.add_argument("--only", choices=["csv", "ics", "json"], action="append", help="Time only this download.")
    parser.add_argument("--query", default="", help="Filters for the downloads, as a query string: to=2000-12-31.")
    args = parser.parse_args()
    env = environment(args)
    prepare(args, env)
    print(
        f"{'download':24} {'status':>6} {'stream':>6} {'seconds':>8} {'MB out':>7} {'RSS before':>11} {'RSS peak':>9}"
    )
    for path in DOWNLOADS:
        if args.only and path.rsplit(".", 1)[1] not in args.only:
            continue
        path += f"?{args.query}" if args.query else ""
        child = subprocess.run(
            [sys.executable, "-c", CHILD, path], cwd=args.root, env=env, check=True, capture_output=True, text=True
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{path:24} {result['status']:>6} {'yes' if result['streaming'] else 'no':>6} {result['seconds']:>8.2f} "
            f"{result['bytes'] / 1e6:>7.1f} {result['rss_before_kb'] / 1024:>8.0f} MB {result['rss_peak_kb'] / 1024:>6.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
