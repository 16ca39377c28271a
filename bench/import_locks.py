#!/usr/bin/env python
"""Logins and pages while import_timeline writes a large file to SQLite, before and after batching.

    .venv/bin/python bench/import_locks.py                 # 4,000 actors and 4,000 meetings, both set-ups
    .venv/bin/python bench/import_locks.py --actors 1000   # quicker
    .venv/bin/python bench/import_locks.py --only after --set PARLEY_IMPORT_PAUSE_SECONDS=0.2

"before": the import in one transaction (PARLEY_IMPORT_BATCH_RECORDS=0), the page cache in a database
table, a 20 s busy timeout, as Parley was. "after": the defaults (batches, a file cache). Each run
migrates a fresh SQLite file, starts gunicorn (2 workers, DJANGO_DEBUG=0) and, while the import runs,
logs a reader in over and over in one thread and, in another, searches the timeline (a page not yet in
the page cache each time); it prints logins that
succeeded and failed, login and page times, and how long the import took. Figures are noisy on a
loaded machine: compare the two set-ups measured back to back.

December 2026, 4,000 actors and meetings, 2 cores shared with other jobs (before → after): logins ok 2 → 137,
failed 4 → 0; login median 11.8 s → 1.8 s (1.4 s with no import: the password hash); longest login 24.2 s →
4.6 s; longest page 20.7 s → 0.58 s; the import 109 s → 290 s (alone, no traffic: 129 s → 172 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "a long and good password"

SETUPS = {
    "before": {"PARLEY_IMPORT_BATCH_RECORDS": "0", "PARLEY_SQLITE_BUSY_SECONDS": "20", "cache": "table"},
    "after": {"cache": "directory"},
}


def timeline(actors: int) -> dict:
    names = [f"Bench State {number}" for number in range(1, actors + 1)]
    return {
        "actors": [{"name": name, "kind": "state", "aliases": [f"{name} capital"]} for name in names],
        "meetings": [
            {
                "kind": "talks",
                "status": "held",
                "date": f"{2000 + number // 365}-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
                "participants": [names[number], names[(number + 1) % actors]],
                "location": "Geneva",
                "sources": [{"title": f"Report {number}", "published": "2024-03-01", "evidence": "They met."}],
            }
            for number in range(actors)
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, cookies: str = "") -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, headers={"Cookie": cookies})
        return self.send(request)

    def send(self, request: urllib.request.Request) -> tuple[int, dict, bytes]:
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def log_in(self) -> int:
        status, headers, body = self.get("/accounts/login/")
        token = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
        form = urllib.parse.urlencode(
            {"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=form, headers={"Cookie": f"csrftoken={token}"}
        )
        return self.send(request)[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run(name: str, overrides: dict, actors: int, work: Path) -> dict:
    database = work / f"{name}.sqlite3"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PARLEY_"))}
    environment.pop("DATABASE_URL", None)
    environment |= {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PARLEY_ANONYMOUS_READ": "1",
        "PARLEY_SQLITE_PATH": str(database),
        "PARLEY_LOGIN_ATTEMPTS": "1000000",
        "PARLEY_LOGIN_ADDRESS_ATTEMPTS": "1000000",
        "PARLEY_LOGIN_USERNAME_ATTEMPTS": "1000000",
    }
    environment |= {key: value for key, value in overrides.items() if key != "cache"}
    if overrides["cache"] == "table":
        environment["DJANGO_CACHE_LOCATION"] = "parley_bench_cache"
    else:
        environment["DJANGO_CACHE_LOCATION"] = str(work / f"{name}-cache")

    def manage(*args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=environment, check=True, capture_output=True)

    manage("collectstatic", "--noinput")  # DEBUG off serves hashed names, which need the manifest
    manage("migrate", "--noinput")
    manage("createcachetable")
    manage(
        "shell",
        "-c",
        f"from django.contrib.auth.models import User; User.objects.create_user('reader', password={PASSWORD!r})",
    )
    path = work / "timeline.json"
    path.write_text(json.dumps(timeline(actors)))
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "-c", "python:tracker.gunicorn", "tracker.wsgi", "--workers", "2", "--timeout", "120",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    site = Site(port)
    for _ in range(200):
        try:
            site.get("/")
            break
        except OSError:
            time.sleep(0.1)
    idle = []
    for _ in range(5):
        begun = time.perf_counter()
        site.log_in()
        idle.append(time.perf_counter() - begun)
    logins: list[tuple[int, float]] = []
    pages: list[tuple[int, float]] = []
    importing = threading.Event()

    def keep_doing(what, results) -> None:
        while importing.is_set():
            started = time.perf_counter()
            try:
                status = what()
            except OSError:
                status = 0
            results.append((status, time.perf_counter() - started))

    started = time.perf_counter()
    importer = subprocess.Popen(
        [PY, "manage.py", "import_timeline", str(path)], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL
    )
    importing.set()
    threads = [
        threading.Thread(target=keep_doing, args=(site.log_in, logins)),
        # A new search each time: a page not cached yet, which the page cache then stores.
        threading.Thread(target=keep_doing, args=(lambda: site.get(f"/?q=Report+{len(pages)}")[0], pages)),
    ]
    for thread in threads:
        thread.start()
    importer.wait()
    import_seconds = time.perf_counter() - started
    importing.clear()
    for thread in threads:
        thread.join()
    server.terminate()
    server.wait()
    ok = [seconds for status, seconds in logins if status == 302]
    return {
        "set-up": name,
        "import exit code": importer.returncode,
        "import seconds": round(import_seconds, 1),
        "logins ok": len(ok),
        "logins failed": len(logins) - len(ok),
        "login median ms, no import": round(statistics.median(idle) * 1000),
        "login median ms": round(statistics.median(ok) * 1000) if ok else None,
        "login longest ms": round(max(seconds for _, seconds in logins) * 1000) if logins else None,
        "pages": len(pages),
        "pages failed": sum(status != 200 for status, _ in pages),
        "page median ms": round(statistics.median(seconds for _, seconds in pages) * 1000) if pages else None,
        "page longest ms": round(max(seconds for _, seconds in pages) * 1000) if pages else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=4000, help="actors in the file, and as many meetings")
    parser.add_argument("--only", choices=sorted(SETUPS), help="run one set-up only")
    parser.add_argument(
        "--set", action="append", default=[], help="a setting for 'after', e.g. PARLEY_IMPORT_PAUSE_SECONDS=0.2"
    )
    options = parser.parse_args()
    SETUPS["after"] |= dict(setting.split("=", 1) for setting in options.set)
    with tempfile.TemporaryDirectory(prefix="parley-import-locks-") as work:
        for name, overrides in SETUPS.items():
            if options.only in (None, name):
                print(json.dumps(run(name, overrides, options.actors, Path(work))), flush=True)


if __name__ == "__main__":
    main()
