import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from tracker import security
from tracker.middleware import CONTENT_SECURITY_POLICY
from tracker.models import LoginThrottle

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PARLEY_"))}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# Production settings


def test_production_settings_pass_the_deployment_check_without_a_single_warning(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PARLEY_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deployment_check_fails_on_a_weak_secret_key(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="short",
        PARLEY_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", DJANGO_DEBUG="0", PARLEY_SQLITE_PATH=str(tmp_path / "db.sqlite3"))

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off." in result.stderr


# Content-Security-Policy


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("chief", "chief@example.org", "a long and good password")


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


CSP_PATHS = [
    "/",
    "/who-meets-whom/",
    "/export.csv",
    "/export.ics",
    "/export.json",
    "/admin/",
    "/admin/login/",
    "/admin/tracker/",
    "/admin/auth/user/",
    "/admin/auth/user/add/",
    "/no/such/page/",
    "/admin/no/such/page/",
]


@pytest.mark.parametrize("path", CSP_PATHS)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_response_carries_the_strict_content_security_policy(admin_client, path, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = admin_client.get(path, **headers)

    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_content_security_policy_allows_nothing_inline_and_nothing_foreign():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_anonymous_pages_also_carry_security_headers(client, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    response = client.get("/")

    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_is_configured_to_never_evaluate_code_or_inject_styles():
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', (TEMPLATES / "base.html").read_text())

    config = json.loads(meta.group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False


INLINE_SCRIPT = re.compile(r"<script\b[^>]*>\s*[^<\s]", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
HX_ON = re.compile(r"\shx-on[:-]", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What a strict CSP would block in this markup: inline scripts, styles and event handlers."""
    found = []
    for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, STYLE_ELEMENT, HX_ON):
        found += [match.group(0).strip() for match in pattern.finditer(html)]
    # json_script's data block is inert, and the only script body a template may hold.
    return [item for item in found if 'type="application/json"' not in item]


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_no_template_has_inline_scripts_styles_or_event_handlers(template):
    assert inline_code(template.read_text()) == []


def test_the_inline_code_check_finds_what_it_looks_for():
    html = '<script>go()</script><p style="color:red" onclick="x()"><style>p{}</style><a hx-on:click="y">'

    assert len(inline_code(html)) == 5
    assert inline_code('<script src="/static/a.js"></script><script id="d" type="application/json">{}</script>') == []


@pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/", "/admin/auth/user/add/", "/admin/password_change/"])
def test_admin_pages_render_without_inline_code(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


# Who may read and who may write


@pytest.mark.django_db
def test_without_anonymous_reading_a_visitor_is_sent_to_the_login_page(client, settings):
    settings.PARLEY_ANONYMOUS_READ = False

    response = client.get("/?q=talks")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/%3Fq%3Dtalks"


@pytest.mark.django_db
def test_without_anonymous_reading_a_logged_in_reader_sees_the_timeline(client, settings):
    settings.PARLEY_ANONYMOUS_READ = False
    client.force_login(User.objects.create_user("reader", password="a long and good password"))

    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_with_anonymous_reading_a_visitor_sees_the_timeline(client, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("anonymous_read", [True, False])
def test_an_anonymous_visitor_cannot_write_through_the_admin(client, settings, anonymous_read):
    settings.PARLEY_ANONYMOUS_READ = anonymous_read

    response = client.post("/admin/auth/user/add/", {"username": "intruder", "password1": "x", "password2": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(username="intruder").exists()


@pytest.mark.django_db
def test_a_reader_who_is_not_staff_cannot_enter_the_admin(client):
    client.force_login(User.objects.create_user("reader", password="a long and good password"))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_staff_without_permissions_cannot_write(client):
    client.force_login(User.objects.create_user("clerk", password="a long and good password", is_staff=True))

    response = client.post("/admin/auth/user/add/", {"username": "intruder"})

    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()


# CSRF


@pytest.fixture
def csrf_admin_client(superuser) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    return client


USER_FORM = {
    "username": "newcomer",
    "password1": "a long and good password",
    "password2": "a long and good password",
    "usable_password": "true",
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_admin_write_without_a_csrf_token_is_refused(csrf_admin_client, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = csrf_admin_client.post("/admin/auth/user/add/", USER_FORM, **headers)

    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert not User.objects.filter(username="newcomer").exists()


def test_an_admin_write_with_the_csrf_token_in_the_htmx_header_goes_through(csrf_admin_client):
    csrf_admin_client.get("/admin/auth/user/add/")
    token = csrf_admin_client.cookies["csrftoken"].value

    response = csrf_admin_client.post(
        "/admin/auth/user/add/", USER_FORM, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 302
    assert User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
def test_a_login_without_a_csrf_token_is_refused():
    User.objects.create_superuser("chief", "chief@example.org", "a long and good password")
    client = Client(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "chief", "password": "a long and good password"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_base_template_sends_the_csrf_token_with_every_htmx_request():
    assert """hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}'""" in (TEMPLATES / "base.html").read_text()


# Login throttling


def log_in(client: Client, username: str, password: str, address: str = "192.0.2.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def throttle(settings):
    settings.PARLEY_LOGIN_ATTEMPTS = 3
    settings.PARLEY_LOGIN_ADDRESS_ATTEMPTS = 5
    settings.PARLEY_LOGIN_USERNAME_ATTEMPTS = 8
    settings.PARLEY_LOGIN_COOLDOWN_SECONDS = 300
    return settings


def test_the_right_password_logs_in(client, superuser, throttle):
    response = log_in(client, "chief", "a long and good password")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_wrong_password_is_refused_with_the_usual_message_before_the_limit(client, superuser, throttle):
    response = log_in(client, "chief", "guess")

    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account." in response.content.decode()


def test_after_repeated_failures_even_the_right_password_is_refused_during_the_cool_down(client, superuser, throttle):
    for _ in range(2):
        log_in(client, "chief", "guess")

    third = log_in(client, "chief", "guess")
    response = log_in(Client(), "chief", "a long and good password")

    assert (
        "Too many failed logins for this username or from this address. Try again in 5 minutes."
        in third.content.decode()
    )
    assert response.status_code == 200
    assert (
        "Too many failed logins for this username or from this address. Try again in 5 minutes."
        in response.content.decode()
    )
    assert not is_logged_in(client)


def test_the_lock_counts_usernames_ignoring_case(client, superuser, throttle):
    for name in ["chief", "CHIEF", "Chief"]:
        log_in(client, name, "guess")

    response = log_in(client, "chief", "a long and good password")

    assert "Too many failed logins" in response.content.decode()


def test_failures_from_one_address_lock_that_address_for_every_username(client, superuser, throttle):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        log_in(client, name, "guess", address="192.0.2.66")

    from_there = log_in(client, "chief", "a long and good password", address="192.0.2.66")
    elsewhere = log_in(Client(), "chief", "a long and good password", address="192.0.2.67")

    assert "Too many failed logins" in from_there.content.decode()
    assert elsewhere.status_code == 302


def test_the_lock_lifts_when_the_cool_down_has_passed(client, superuser, throttle, monkeypatch):
    for _ in range(3):
        log_in(client, "chief", "guess")
    later = timezone.now() + timedelta(seconds=301)
    monkeypatch.setattr(security, "now", lambda: later)

    response = log_in(client, "chief", "a long and good password")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_wait_is_counted_down_in_the_message(client, superuser, throttle, monkeypatch):
    for _ in range(3):
        log_in(client, "chief", "guess")
    later = timezone.now() + timedelta(seconds=250)
    monkeypatch.setattr(security, "now", lambda: later)

    response = log_in(client, "chief", "a long and good password")

    assert "Try again in 50 seconds." in response.content.decode()


def test_a_successful_login_clears_the_usernames_failures(client, superuser, throttle):
    log_in(client, "chief", "guess")
    log_in(client, "chief", "guess")
    log_in(client, "chief", "a long and good password")
    client.logout()

    log_in(client, "chief", "guess", address="192.0.2.2")
    response = log_in(client, "chief", "a long and good password", address="192.0.2.3")

    assert response.status_code == 302


def test_failures_are_counted_in_the_database_so_every_worker_sees_them(client, superuser, throttle):
    log_in(client, "chief", "guess", address="192.0.2.5")

    assert dict(LoginThrottle.objects.values_list("key", "failures")) == {
        "pair:chief|192.0.2.5": 1,
        "user:chief": 1,
        "address:192.0.2.5": 1,
    }


def test_old_failures_of_other_keys_are_forgotten(client, superuser, throttle, monkeypatch):
    log_in(client, "someone", "guess", address="192.0.2.8")
    later = timezone.now() + timedelta(seconds=400)
    monkeypatch.setattr(security, "now", lambda: later)

    log_in(client, "chief", "guess", address="192.0.2.9")

    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {
        "pair:chief|192.0.2.9",
        "user:chief",
        "address:192.0.2.9",
    }


def test_behind_a_proxy_the_configured_header_gives_the_client_address(client, superuser, throttle):
    throttle.PARLEY_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"

    client.post(
        "/admin/login/",
        {"username": "x", "password": "y"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50, 198.51.100.20",
    )

    assert LoginThrottle.objects.filter(key="address:198.51.100.20").exists()


def test_a_locked_out_attempt_does_not_check_the_password(client, superuser, throttle, monkeypatch):
    for _ in range(3):
        log_in(client, "chief", "guess")
    checked = []
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw) or True)

    log_in(client, "chief", "anything")

    assert checked == []


@pytest.mark.django_db
def test_production_defaults_lock_after_five_failures_for_five_minutes():
    from django.conf import settings

    assert (settings.PARLEY_LOGIN_ATTEMPTS, settings.PARLEY_LOGIN_COOLDOWN_SECONDS) == (5, 300)
    assert (settings.PARLEY_LOGIN_ADDRESS_ATTEMPTS, settings.PARLEY_LOGIN_USERNAME_ATTEMPTS) == (20, 50)


def test_failures_from_one_address_cannot_lock_the_admin_out_of_another(client, superuser, throttle):
    for _ in range(10):
        log_in(client, "chief", "guess", address="203.0.113.66")

    attacker = log_in(Client(), "chief", "a long and good password", address="203.0.113.66")
    owner = Client()
    response = log_in(owner, "chief", "a long and good password", address="192.0.2.1")

    assert "Too many failed logins" in attacker.content.decode()
    assert response.status_code == 302
    assert is_logged_in(owner)


def test_many_addresses_failing_for_one_username_lock_it_at_the_looser_ceiling(client, superuser, throttle):
    for number in range(throttle.PARLEY_LOGIN_USERNAME_ATTEMPTS):
        log_in(Client(), "chief", "guess", address=f"198.51.100.{number}")

    response = log_in(Client(), "chief", "a long and good password", address="192.0.2.1")

    assert "Too many failed logins" in response.content.decode()


def test_an_attempt_is_counted_before_its_password_is_checked(client, superuser, throttle, monkeypatch):
    seen = []

    def check(user, raw):
        # What a parallel attempt would read while this one's password is being checked.
        seen.append(LoginThrottle.objects.get(key="pair:chief|192.0.2.1").failures)
        return False

    monkeypatch.setattr(User, "check_password", check)
    for _ in range(5):
        log_in(client, "chief", "guess")

    assert seen == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_attempts_gets_no_more_password_checks_than_the_limit(settings, monkeypatch):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("needs a database that parallel connections share: PostgreSQL, or SQLite in a file")
    settings.PARLEY_LOGIN_ATTEMPTS = 5
    User.objects.create_superuser("chief", "chief@example.org", "a long and good password")
    checks, lock = [], threading.Lock()

    def slow_check(user, raw):
        with lock:
            checks.append(raw)
        time.sleep(0.05)  # a real hash takes this long: time enough for every other attempt to arrive
        return False

    monkeypatch.setattr(User, "check_password", slow_check)
    start = threading.Barrier(20)

    def attempt(number: int) -> None:
        start.wait()
        try:
            log_in(Client(), "chief", f"guess {number}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(checks) == 5


# Hostile text, everywhere it is shown

import csv  # noqa: E402
import io  # noqa: E402
from datetime import date  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402

from tests.hostile import FORMULA_STARTS, HOSTILE, HTML_DANGERS  # noqa: E402
from tracker.exports import neutralise  # noqa: E402
from tracker.models import Actor, Drill, Evidence, Meeting, Participant, Source  # noqa: E402

DAY = date(2022, 2, 10)


class ActiveMarkup(HTMLParser):
    """Collects what a browser would run: handlers, inline scripts and styles, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction", "hx-get", "hx-post") and value:
                if "".join(value.split()).lower().startswith(("javascript:", "data:text/html", "vbscript:")):
                    self.found.append(f"<{tag} {name}={value[:40]}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            self.script = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self.script is not None and data.strip() and self.script.get("type") != "application/json":
            self.found.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.script = None


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    return parser.found


@pytest.fixture
def hostile_timeline(db) -> dict[str, object]:
    """Every hostile string as an actor's name, title and description, and in a meeting, a drill, a source and its evidence."""
    ordinary = Actor.objects.create(name="Ordinary State", slug="ordinary-state", kind=Actor.Kind.STATE)
    source = Source.objects.create(
        title=HOSTILE["script tag"],
        publisher=HOSTILE["attribute breakout"],
        url=HOSTILE["javascript url"],
        published=DAY,
        text=" ".join(HOSTILE.values()),
    )
    made = {"actors": [], "meetings": [], "drills": []}
    for number, (_label, text) in enumerate(HOSTILE.items()):
        actor = Actor.objects.create(
            name=text[:200],
            slug=f"hostile-{number}",
            kind=Actor.Kind.PERSON,
            title=text[:200],
            description=text,
            affiliation=ordinary,
        )
        meeting = Meeting.objects.create(
            slug=f"hostile-meeting-{number}",
            kind=Meeting.Kind.TALKS,
            start=DAY,
            summary=text[:300],
            location=text[:200],
            date_text=text[:200],
        )
        drill = Drill.objects.create(
            slug=f"hostile-drill-{number}",
            name=text[:200],
            start=DAY,
            end=DAY,
            summary=text[:300],
            location=text[:200],
        )
        Participant.objects.bulk_create(
            [
                Participant(actor=actor, meeting=meeting),
                Participant(actor=ordinary, meeting=meeting),
                Participant(actor=actor, drill=drill),
            ]
        )
        Evidence.objects.bulk_create(
            [
                Evidence(source=source, meeting=meeting, sentence=text),
                Evidence(source=source, drill=drill, sentence=text),
            ]
        )
        made["actors"].append(actor)
        made["meetings"].append(meeting)
        made["drills"].append(drill)
    made["source"] = source
    return made


def hostile_pages(made) -> list[str]:
    at = f"at={DAY.isoformat()}"
    pages = [
        f"/?{at}",
        f"/?{at}&zoom=day",
        f"/?q=%3Cscript%3E&{at}",
        f"/?actor=hostile-0&actor=hostile-1&{at}",
        f"/?{at}&add=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/who-meets-whom/",
        "/who-meets-whom/?a=hostile-0&b=ordinary-state",
        "/actors/suggest/?q=%3C",
        "/actors/suggest/?add=%22%3E",
        "/admin/tracker/actor/",
        "/admin/tracker/actor/?q=%3Cscript%3E",
        "/admin/tracker/meeting/",
        "/admin/tracker/drill/",
        "/admin/tracker/source/",
        "/admin/tracker/evidence/",
        "/admin/tracker/participant/",
        "/admin/tracker/alias/",
        f"/admin/tracker/source/{made['source'].pk}/change/",
    ]
    for actor, meeting, drill in zip(made["actors"], made["meetings"], made["drills"]):
        pages += [
            f"/actors/{actor.slug}/",
            f"/meetings/{meeting.slug}/",
            f"/drills/{drill.slug}/",
            f"/admin/tracker/actor/{actor.pk}/change/",
            f"/admin/tracker/meeting/{meeting.pk}/change/",
            f"/admin/tracker/drill/{drill.pk}/change/",
        ]
    return pages


def test_hostile_text_is_inert_on_every_page_fragment_and_admin_page(admin_client, hostile_timeline, settings):
    settings.PARLEY_ANONYMOUS_READ = True
    checked = 0
    for path in hostile_pages(hostile_timeline):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = admin_client.get(path, follow=True, **headers)
            assert response.status_code == 200, path
            html = response.content.decode()
            assert [danger for danger in HTML_DANGERS if danger in html] == [], path
            assert active_markup(html) == [], path
            assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            checked += 1
    assert checked > 200


def test_hostile_text_is_shown_not_dropped(client, hostile_timeline, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    html = client.get("/meetings/hostile-meeting-0/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_active_markup_check_finds_what_it_looks_for():
    html = '<a href=" JavaScript:alert(1)">x</a><img src=x onerror=alert(1)><p style="x"><script>go()</script><script type="application/json">{"a": "<"}</script>'

    assert len(active_markup(html)) == 4


def test_a_csv_download_never_hands_a_spreadsheet_a_formula(client, hostile_timeline, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    response = client.get("/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response.status_code == 200
    assert len(rows) == 1 + 2 * len(HOSTILE)
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)] == []
    summaries = {row[rows[0].index("summary")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x.example","click")' in summaries
    assert "'-1+1" in summaries and "'@SUM(1)" in summaries


def unfolded(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def test_an_icalendar_download_cannot_be_broken_into_forged_events(client, hostile_timeline, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    response = client.get("/export.ics")
    text = b"".join(response.streaming_content).decode()
    lines = unfolded(text)

    assert response.status_code == 200
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2 * len(HOSTILE)
    assert not any(line.startswith("SUMMARY:forged") for line in lines)
    assert not any(character in text for character in "\x07\x08\x1b\x0c")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_json_download_carries_hostile_text_exactly_as_data(client, hostile_timeline, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    response = client.get("/export.json")
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)

    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    # Data, not markup: with nosniff a browser never renders it, so the text stays exactly as entered.
    assert {meeting["summary"] for meeting in data["meetings"]} == {text[:300] for text in HOSTILE.values()}


# Readers log in without becoming editors


@pytest.fixture
def reader(db) -> User:
    return User.objects.create_user("reader", password="a long and good password")


def test_the_readers_login_is_a_parley_page_not_the_admins(client, db, settings):
    settings.PARLEY_ANONYMOUS_READ = False

    response = client.get("/accounts/login/?next=/who-meets-whom/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Log in to Parley</h1>" in html
    assert 'class="site-header"' in html
    assert "staff account" not in html
    assert 'name="next" value="/who-meets-whom/"' in html


def test_a_reader_logs_in_reads_and_still_cannot_reach_the_admin_or_the_import(client, reader, settings):
    settings.PARLEY_ANONYMOUS_READ = False

    response = client.post(
        "/accounts/login/", {"username": "reader", "password": "a long and good password", "next": "/who-meets-whom/"}
    )

    assert response.status_code == 302 and response["Location"] == "/who-meets-whom/"
    assert client.get("/who-meets-whom/").status_code == 200
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/import-article/")["Location"].startswith("/admin/login/")


def test_a_reader_logs_out_with_a_post_and_is_sent_to_the_login(client, reader, settings):
    settings.PARLEY_ANONYMOUS_READ = False
    client.force_login(reader)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_the_page_offers_a_logout_to_a_reader_and_a_login_to_a_visitor(client, reader, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    assert '<a href="/accounts/login/?next=/">Log in</a>' in client.get("/").content.decode()
    client.force_login(reader)
    assert 'action="/accounts/logout/"' in client.get("/").content.decode()


def test_the_readers_login_is_throttled_like_the_admins(client, superuser, throttle):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "chief", "password": "guess"}, REMOTE_ADDR="192.0.2.1")

    response = client.post(
        "/accounts/login/", {"username": "chief", "password": "a long and good password"}, REMOTE_ADDR="192.0.2.1"
    )

    assert "Too many failed logins" in response.content.decode()
    assert not is_logged_in(client)


@pytest.mark.parametrize("login", ["/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_a_refused_next_after_login_lands_on_the_timeline(client, superuser, login, target):
    response = client.post(login, {"username": "chief", "password": "a long and good password", "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


# Control characters in what a request carries

CONTROL_REQUESTS = [
    ("/", "q"),
    ("/", "actor"),
    ("/", "add"),
    ("/", "from"),
    ("/who-meets-whom/", "a"),
    ("/who-meets-whom/", "b"),
    ("/export.csv", "q"),
    ("/export.ics", "actor"),
    ("/export.json", "q"),
    ("/actors/suggest/", "q"),
    ("/admin/tracker/meeting/", "q"),
]


@pytest.mark.parametrize(("path", "name"), CONTROL_REQUESTS)
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"], ids=["nul", "escape", "delete"])
def test_a_control_character_in_a_parameter_is_a_clear_400_before_any_byte_of_a_download(
    admin_client, settings, path, name, character
):
    settings.PARLEY_ANONYMOUS_READ = True

    response = admin_client.get(path, {name: f"talks{character}"})

    assert response.status_code == 400
    assert not response.streaming
    text = response.content.decode()
    assert (
        f"The parameter “{name}” holds a control character (U+{ord(character):04X}). Remove it and try again." in text
    )
    assert "Content-Disposition" not in response


def test_a_control_character_in_a_parameters_name_or_the_path_is_refused_too(client, db, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    assert client.get("/?q%00=talks").status_code == 400
    assert client.get("/actors/a%00b/").status_code == 400


def test_tabs_and_line_breaks_in_a_search_are_not_control_characters_to_refuse(client, db, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    assert client.get("/", {"q": "talks\tin\r\nLisbon"}).status_code == 200


def test_a_nul_in_a_form_field_is_a_form_error_and_the_rest_is_kept(admin_client):
    response = admin_client.post(
        "/admin/tracker/actor/add/", {"name": "Ruri\x00tania", "slug": "ruritania", "kind": "state"}
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Actor.objects.filter(slug="ruritania").exists()


# Caching and links


@pytest.mark.parametrize("path", ["/", "/who-meets-whom/", "/export.csv", "/export.ics", "/export.json"])
def test_pages_and_downloads_behind_a_login_are_private_to_the_browser(client, reader, settings, path):
    settings.PARLEY_ANONYMOUS_READ = False
    client.force_login(reader)

    response = client.get(path)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_public_pages_are_not_marked_private(client, db, settings):
    settings.PARLEY_ANONYMOUS_READ = True

    assert "private" not in client.get("/").get("Cache-Control", "")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://files.example/a"]
)
def test_a_source_link_that_is_not_a_web_address_is_refused(db, url):
    source = Source(title="Report", publisher="Wire", published=DAY, url=url)

    with pytest.raises(ValidationError) as refused:
        source.full_clean()

    assert "Enter a web address that starts with http:// or https://." in refused.value.message_dict["url"]


def test_the_import_form_refuses_a_javascript_link(admin_client):
    response = admin_client.post(
        "/admin/import-article/",
        {
            "text": "Spain and Portugal held talks.",
            "title": "T",
            "publisher": "",
            "url": "javascript:alert(1)",
            "published": "2023-03-17",
        },
    )

    assert "Enter a web address that starts with http:// or https://." in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize("cell", [" =1+1", "\n=1", "\r\n@SUM(1)", "＝1+1", "﹢1", "\u3000－1", "\u00a0=1"])
def test_a_formula_behind_whitespace_or_a_full_width_sign_is_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_plain_text_is_left_as_it_is_in_a_csv_cell():
    assert [neutralise(cell) for cell in ["talks in Lisbon", " talks", "2022", "＄5"]] == [
        "talks in Lisbon",
        " talks",
        "2022",
        "＄5",
    ]


# The article import writes only for an editor who could write the same by hand

from django.contrib.auth.models import Permission  # noqa: E402

from tests.test_article_import import LISBON_TALKS, review_post_data, tracker_counts  # noqa: E402
from tracker.admin_import import IMPORT_PERMISSIONS  # noqa: E402


def editor_with(*permissions: str) -> User:
    user = User.objects.create_user("clerk", password="a long and good password", is_staff=True)
    codenames = [name.split(".", 1)[1] for name in permissions]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
    return User.objects.get(pk=user.pk)


def paste_article(client: Client):
    data = {"text": LISBON_TALKS, "title": "Tagus talks", "publisher": "", "url": "", "published": "2023-03-17"}
    return client.post("/admin/import-article/", data)


@pytest.mark.django_db
def test_staff_without_any_permission_cannot_import_an_article_or_fill_in_actors(client):
    existing = Actor.objects.create(name="Spain", slug="spain", kind=Actor.Kind.STATE)
    client.force_login(editor_with())
    before = tracker_counts()

    form, pasted = client.get("/admin/import-article/"), paste_article(client)

    assert form.status_code == pasted.status_code == 403
    assert "Can add source" in pasted.content.decode()
    assert tracker_counts() == before
    existing.refresh_from_db()
    assert (existing.title, existing.affiliation) == ("", None)


@pytest.mark.django_db
@pytest.mark.parametrize("missing", IMPORT_PERMISSIONS)
def test_an_editor_missing_one_permission_an_import_needs_is_refused_and_told_which(client, missing):
    client.force_login(editor_with(*IMPORT_PERMISSIONS))
    review = paste_article(client)
    assert review.status_code == 302
    page = client.get(review["Location"])
    codename = missing.split(".", 1)[1]
    User.objects.get(username="clerk").user_permissions.remove(Permission.objects.get(codename=codename))
    client.force_login(User.objects.get(username="clerk"))
    before = tracker_counts()

    confirmed = client.post(review["Location"], review_post_data(page))

    assert confirmed.status_code == 403
    listed = re.findall(r"<li>([^<]+)</li>", confirmed.content.decode().split('class="missing-permissions"')[1])
    assert listed == [Permission.objects.get(codename=codename).name]
    assert tracker_counts() == before
    assert paste_article(client).status_code == 403


@pytest.mark.django_db
def test_an_editor_with_every_permission_an_import_needs_imports(client):
    client.force_login(editor_with(*IMPORT_PERMISSIONS))
    review = paste_article(client)

    confirmed = client.post(review["Location"], review_post_data(client.get(review["Location"])), follow=True)

    assert confirmed.status_code == 200
    assert Source.objects.filter(title="Tagus talks").exists()
    assert Meeting.objects.exists()


@pytest.mark.django_db
def test_an_inbox_article_is_not_read_for_an_editor_who_may_dismiss_it_but_not_import_it(client):
    from tracker.feeds import arrived_item

    item = arrived_item(
        feed=None,
        url="https://news.example/tagus",
        title="Tagus talks",
        publisher="The River Post",
        published=date(2023, 3, 17),
        text=LISBON_TALKS,
    )
    item.save()
    client.force_login(editor_with("tracker.view_inboxitem", "tracker.change_inboxitem"))

    response = client.get(f"/admin/tracker/inboxitem/{item.pk}/review/")

    assert response.status_code == 403
    assert "Can add source" in response.content.decode()
    assert not client.session.get("article_imports")


# A login while the database is busy writing (an import, say)


def test_a_login_that_cannot_get_the_database_is_told_to_retry_not_shown_a_server_error(db, monkeypatch):
    def locked(keys):
        raise OperationalError("database is locked")

    monkeypatch.setattr(security, "reserve_attempt", locked)

    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "chief", "password": "a long and good password"}
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Parley is busy writing, try again in a few seconds" in response.content.decode()
    assert b"<script" not in response.content


def test_other_database_errors_are_still_server_errors(db, monkeypatch):
    def broken(keys):
        raise OperationalError("no such table: tracker_loginthrottle")

    monkeypatch.setattr(security, "reserve_attempt", broken)

    response = Client(raise_request_exception=False).post("/accounts/login/", {"username": "chief", "password": "x"})

    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("location", "backend"),
    [("/var/cache/parley", "filebased.FileBasedCache"), ("parley_cache", "db.DatabaseCache")],
)
def test_the_shared_page_cache_is_a_directory_of_files_unless_a_table_is_named(location, backend):
    result = subprocess.run(
        [sys.executable, "-c", "from tracker import settings; print(settings.CACHES['default']['BACKEND'])"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_CACHE_LOCATION": location},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == f"django.core.cache.backends.{backend}"
