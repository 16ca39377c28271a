"""Bad input is refused whole, and concurrent imports by real parallel processes never duplicate events."""

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from tests import factories
from tests.conftest import DEMO_FIXTURE, SEED_ARTICLE
from tracker.forms import MeetingProposalForm
from tracker.limits import EARLIEST, LATEST, Capped, export_cap_note
from tracker.models import Actor, Drill, Meeting, Source
from tracker.parley_json import dumps, timeline_json

ROOT = Path(__file__).resolve().parent.parent


def export() -> str:
    return dumps(timeline_json(actors=Actor.objects.all(), meetings=Meeting.objects.all(), drills=Drill.objects.all()))


# Refusing bad input


BAD_TIMELINE = {
    "actors": [
        {
            "name": "Ruritania",
            "slug": "ruritania",
            "kind": "state",
            "title": "",
            "affiliation": "Nowhere Land",
            "aliases": [],
            "description": "",
        },
        {
            "name": "Rudolf Rassendyll",
            "slug": "rudolf",
            "kind": "king",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "description": "",
        },
    ],
    "meetings": [
        {
            "kind": "talks",
            "status": "held",
            "date": "2022-02-30",
            "end_date": None,
            "date_text": "",
            "participants": ["Ruritania", "Atlantis"],
            "location": "Strelsau",
            "summary": "",
            "sources": [],
        },
    ],
    "drills": [
        {
            "name": "Zenda",
            "status": "held",
            "start": "2022-02-10",
            "end": "2022-02-01",
            "date_text": "",
            "participants": ["Ruritania"],
            "location": "",
            "troops": "many",
            "summary": "",
            "sources": [{"title": "Zenda drills", "published": 20220210}],
        },
    ],
}


@pytest.fixture
def demo(db) -> str:
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    return export()


def test_a_timeline_with_errors_is_refused_with_every_record_and_field_named_and_nothing_changes(demo, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD_TIMELINE))

    with pytest.raises(CommandError) as error:
        call_command("import_timeline", str(path), stdout=StringIO())

    message = str(error.value)
    assert message.startswith(f"{path} was not imported; nothing changed. Fix these first:")
    for expected in [
        'meetings[0].date: "2022-02-30" is not a valid date',
        'meetings[0].participants[1]: "Atlantis" is neither an actor in this file nor one already known',
        'actors[0].affiliation: "Nowhere Land" is neither an actor in this file nor one already known',
        "actors[1].kind:",
        "drills[0].troops: expected a whole number or null, got a string",
        "drills[0].end:",
        "drills[0].sources[0].published:",
    ]:
        assert expected in message
    assert export() == demo


def test_a_timeline_that_is_not_json_is_refused_with_its_position(demo, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"actors": [}')

    with pytest.raises(CommandError, match=r"broken.json is not valid JSON: Expecting value at line 1, column 13."):
        call_command("import_timeline", str(path))
    assert export() == demo


def fixture_file(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "edits.json"
    path.write_text(json.dumps(records))
    return path


ACTOR = {
    "model": "tracker.actor",
    "fields": {
        "name": "Ruritania",
        "slug": "ruritania",
        "kind": "state",
        "title": "",
        "affiliation": None,
        "description": "",
        "members": [],
    },
}
STAMPS = {"created_at": "2022-02-10T00:00:00Z", "updated_at": "2022-02-10T00:00:00Z"}
EVENT = {"precision": "day", "end_precision": "day", "date_text": "", "location": "", "summary": "", **STAMPS}


@pytest.mark.parametrize(
    ("second_record", "message"),
    [
        (
            {
                "model": "tracker.drill",
                "fields": {
                    "slug": "zenda-drill",
                    "start": "2022-02-20",
                    "end": "2022-02-10",
                    "name": "",
                    "status": "held",
                    "troops": None,
                    **EVENT,
                },
            },
            "edits.json, record 2 (tracker.drill “zenda-drill”): The end date cannot be before the start date. Nothing was loaded.",
        ),
        (
            {
                "model": "tracker.drill",
                "fields": {
                    "slug": "zenda-drill",
                    "start": "2022-02-10",
                    "end": None,
                    "name": "",
                    "status": "held",
                    "troops": -5,
                    **EVENT,
                },
            },
            "edits.json, record 2 (tracker.drill “zenda-drill”): Troop numbers cannot be negative. Nothing was loaded.",
        ),
        (
            {
                "model": "tracker.meeting",
                "fields": {
                    "slug": "strelsau-talks",
                    "start": "2022-02-30",
                    "end": None,
                    "kind": "talks",
                    "status": "held",
                    **EVENT,
                },
            },
            "edits.json, record 2 (tracker.meeting “strelsau-talks”): start: “2022-02-30” value has the correct format (YYYY-MM-DD) but it is an invalid date. Nothing was loaded.",
        ),
        (
            {
                "model": "tracker.meeting",
                "fields": {
                    "slug": "strelsau-talks",
                    "start": "2022-02-10",
                    "end": None,
                    "kind": "duel",
                    "status": "held",
                    **EVENT,
                },
            },
            "edits.json, record 2 (tracker.meeting “strelsau-talks”): kind: Value 'duel' is not a valid choice. Nothing was loaded.",
        ),
        (
            {
                "model": "tracker.participant",
                "fields": {
                    "actor": ["atlantis"],
                    "meeting": ["february-2022-no-such-meeting"],
                    "drill": None,
                    "role": "",
                },
            },
            'edits.json, record 2 (tracker.participant): actor: no actor has the natural key ["atlantis"]; '
            'meeting: no meeting has the natural key ["february-2022-no-such-meeting"] Nothing was loaded.',
        ),
        (
            {"model": "tracker.actor", "fields": {**ACTOR["fields"], "name": "RUSSIA", "slug": "russia-again"}},
            "edits.json, record 2 (tracker.actor “russia-again”): There is already an actor with this name (names are compared ignoring case). Nothing was loaded.",
        ),
    ],
    ids=[
        "end-before-start",
        "negative-troops",
        "impossible-date",
        "unknown-kind",
        "broken-references",
        "duplicate-name",
    ],
)
def test_a_fixture_with_an_error_is_refused_naming_the_record_and_field_and_nothing_is_loaded(
    demo, tmp_path, second_record, message
):
    path = fixture_file(tmp_path, [ACTOR, second_record])

    with pytest.raises(CommandError) as error:
        call_command("load_fixture", str(path), verbosity=0)

    assert str(error.value) == message
    assert not Actor.objects.filter(slug="ruritania").exists()
    assert export() == demo


def test_a_deeply_nested_fixture_is_a_clear_message_not_a_traceback(demo, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 200_000 + "]" * 200_000)

    with pytest.raises(CommandError) as error:
        call_command("load_fixture", str(path), verbosity=0)

    assert str(error.value) == (
        "nested.json cannot be read: its lists or objects are nested thousands of levels deep; "
        "a fixture needs five. Nothing was loaded."
    )
    assert export() == demo


def test_a_valid_fixture_still_loads_and_loading_it_again_changes_nothing(demo):
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)

    assert export() == demo


# Concurrent imports by real processes

RACE_TIMELINE = {
    "actors": [
        {
            "name": "Ruritania",
            "slug": "ruritania",
            "kind": "state",
            "title": "",
            "affiliation": "",
            "aliases": ["Strelsau"],
            "description": "",
        },
        {
            "name": "Borduria",
            "slug": "borduria",
            "kind": "state",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "description": "",
        },
        {
            "name": "Syldavia",
            "slug": "syldavia",
            "kind": "state",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "description": "",
        },
        {
            "name": "Flavia Elphberg",
            "slug": "flavia-elphberg",
            "kind": "person",
            "title": "Queen",
            "affiliation": "Ruritania",
            "aliases": [],
            "description": "",
        },
        {
            "name": "Kurvi Tasch",
            "slug": "kurvi-tasch",
            "kind": "person",
            "title": "Marshal",
            "affiliation": "Borduria",
            "aliases": [],
            "description": "",
        },
        {
            "name": "the Balkan Triangle",
            "slug": "balkan-triangle",
            "kind": "group",
            "title": "",
            "affiliation": "",
            "aliases": [],
            "members": ["Ruritania", "Borduria", "Syldavia"],
            "description": "",
        },
    ],
    "meetings": [
        {
            "kind": "talks",
            "status": "held",
            "date": f"2021-03-{day:02d}",
            "end_date": None,
            "date_text": "",
            "participants": participants,
            "location": place,
            "summary": f"Talks in {place}",
            "sources": [
                {
                    "title": f"Talks in {place}",
                    "publisher": "The Zenda Gazette",
                    "url": "",
                    "published": f"2021-03-{day + 1:02d}",
                    "evidence": f"They met in {place}.",
                    "evidence_start": 0,
                    "evidence_end": 20,
                }
            ],
        }
        for day, participants, place in [
            (1, ["Flavia Elphberg", "Kurvi Tasch"], "Strelsau"),
            (2, ["Ruritania", "Syldavia"], "Klow"),
            (3, ["Borduria", "Syldavia", "Ruritania"], "Szohod"),
            (4, ["Flavia Elphberg", "Syldavia"], "Zenda"),
        ]
    ],
    "drills": [
        {
            "name": "Black Elphberg",
            "status": "held",
            "start": "2021-04-01",
            "end": "2021-04-10",
            "date_text": "",
            "participants": ["Borduria"],
            "location": "the northern border",
            "troops": 12000,
            "summary": "",
            "sources": [
                {
                    "title": "Borduria drills",
                    "publisher": "The Zenda Gazette",
                    "url": "",
                    "published": "2021-04-02",
                    "evidence": "Borduria began drills.",
                    "evidence_start": 0,
                    "evidence_end": 22,
                }
            ],
        },
    ],
}

# Each worker sets Django up, waits until every worker is ready, then runs its command at the same moment.
WORKER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
ready, count = Path(sys.argv[1]), int(sys.argv[2])
(ready / str(os.getpid())).touch()
while len(list(ready.iterdir())) < count:
    time.sleep(0.005)
call_command(*sys.argv[3:])
"""


def database_environment(**overrides: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "PARLEY_SQLITE_PATH")}
    return {**environment, "DJANGO_SETTINGS_MODULE": "tracker.settings", **overrides}


def run_together(
    environment: dict[str, str], command: list[str], tmp_path: Path, workers: int = 4
) -> list[subprocess.CompletedProcess]:
    ready = tmp_path / f"ready-{uuid.uuid4().hex}"
    ready.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(ready), str(workers), *command],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return results


def manage(environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def counts(environment: dict[str, str]) -> dict[str, int]:
    script = (
        "import django, json; django.setup(); from tracker import models as m; "
        "print(json.dumps({name: getattr(m, name).objects.count() for name in "
        "['Actor', 'Alias', 'Meeting', 'Drill', 'Participant', 'Source', 'Evidence']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> dict[str, str]:
    """A fresh, migrated database that separate processes share: an SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        environment = database_environment(PARLEY_SQLITE_PATH=str(tmp_path / "shared.sqlite3"))
        manage(environment, "migrate", "--noinput")
        yield environment
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("set DATABASE_URL to a PostgreSQL server to race imports on PostgreSQL")
    import psycopg

    name = f"parley_race_{uuid.uuid4().hex[:12]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        environment = database_environment(DATABASE_URL=f"{server}/{name}")
        manage(environment, "migrate", "--noinput")
        yield environment
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_four_editors_importing_the_same_timeline_at_once_end_with_one_copy_of_each_event(database, tmp_path):
    path = tmp_path / "race.json"
    path.write_text(json.dumps(RACE_TIMELINE))

    results = run_together(database, ["import_timeline", str(path)], tmp_path)

    assert [result.returncode for result in results] == [0, 0, 0, 0], [result.stderr for result in results]
    assert counts(database) == {
        "Actor": 6,
        "Alias": 1,
        "Meeting": 4,
        "Drill": 1,
        "Participant": 10,
        "Source": 5,
        "Evidence": 5,
    }


# An editor confirms the proposals the review page showed: the same proposals, saved as one article.
CONFIRM = """
import json, sys
from pathlib import Path
from tracker import article_import
from tracker.management.article_file import read_article
article = read_article(sys.argv[1], None)
article_import.article_import(
    article=article_import.ArticleInput(title="Russia and Belarus begin drills", publisher="Seed", url="", published=article.published, text=article.body),
    proposals=json.loads(Path(sys.argv[2]).read_text()),
)
"""


@pytest.mark.slow
def test_four_editors_confirming_the_same_article_at_once_end_with_one_copy_of_each_event(database, tmp_path):
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not found at {SEED_ARTICLE}")
    proposals = tmp_path / "proposals.json"
    proposals.write_text(manage(database, "extract_article", str(SEED_ARTICLE)))
    confirm = tmp_path / "confirm.py"
    confirm.write_text(CONFIRM)
    reference = database_environment(PARLEY_SQLITE_PATH=str(tmp_path / "reference.sqlite3"))
    manage(reference, "migrate", "--noinput")
    command = [
        "shell",
        "-c",
        f"import sys; sys.argv = ['', {str(SEED_ARTICLE)!r}, {str(proposals)!r}]; exec(open({str(confirm)!r}).read())",
    ]
    # Serialised imports must give what the same four confirmations give one after another.
    for _ in range(4):
        manage(reference, *command)
    in_turn = counts(reference)

    results = run_together(database, command, tmp_path)

    assert [result.returncode for result in results] == [0, 0, 0, 0], [result.stderr for result in results]
    assert counts(database) == in_turn
    assert in_turn["Meeting"] > 0 and in_turn["Source"] == 1


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs against a file database of its own")
def test_the_timeline_stays_readable_while_an_import_writes(tmp_path):
    environment = database_environment(PARLEY_SQLITE_PATH=str(tmp_path / "busy.sqlite3"))
    manage(environment, "migrate", "--noinput")
    manage(environment, "generate_timeline", "--events", "2000", "--actors", "100")
    reader = (
        "import django, time; django.setup(); from tracker.models import Meeting; "
        "deadline = time.time() + 3; reads = 0\n"
        "while time.time() < deadline:\n"
        "    list(Meeting.objects.chronological()[:50]); reads += 1\n"
        "print(reads)"
    )
    writer = subprocess.Popen(
        [sys.executable, "manage.py", "generate_timeline", "--events", "20000", "--actors", "50", "--seed", "2"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    read = subprocess.run(
        [sys.executable, "-c", reader], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    writer.communicate(timeout=180)

    assert read.returncode == 0, read.stderr
    assert int(read.stdout) > 50
    assert writer.returncode == 0


# Dates at the calendar's edge

EDGE_DAYS = [date(9999, 12, 31), date(1, 1, 1)]
DATE_GUARDS = ["meeting_dates_in_range", "drill_dates_in_range", "source_published_in_range"]


@pytest.fixture
def unguarded_dates(db):
    """The database as one migrated before Parley bounded its dates: the range checks dropped, in this test only."""
    with connection.cursor() as cursor:
        for name in DATE_GUARDS:
            table = f"tracker_{name.split('_')[0]}"
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER {name}_insert")
                cursor.execute(f"DROP TRIGGER {name}_update")
            else:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


EDGE_PAGES = [
    "/",
    "/?zoom=year",
    "/?zoom=week",
    "/?zoom=day",
    "/?kind=talks",
    "/actors/edge-one/",
    "/actors/edge-one/?zoom=year",
    "/who-meets-whom/",
    "/who-meets-whom/?actor=edge-one",
    "/who-meets-whom/?actor=edge-one&a=edge-one&b=edge-two",
    "/?from=1000-01-01&to=8999-12-31",
    "/?from=8999-12-01",
    "/?to=1000-01-31",
    "/export.csv",
    "/export.json",
    "/export.csv?from=1000-01-01&to=8999-12-31",
]


@pytest.mark.parametrize("day", EDGE_DAYS, ids=["last-day", "first-day"])
def test_a_meeting_stored_at_the_calendars_edge_takes_no_page_down(client, settings, unguarded_dates, day):
    settings.PARLEY_ANONYMOUS_READ = True
    one, two = factories.actor("Edge One"), factories.actor("Edge Two")
    factories.meeting(one, two, start=day, summary="A meeting at the edge of time")
    factories.drill(one, start=date(1, 1, 1), end=date(9999, 12, 31), summary="The longest drill there can be")

    for path in EDGE_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content) if response.streaming else response.content


def test_the_database_refuses_a_date_outside_the_range_whoever_writes_it(db):
    for day in EDGE_DAYS:
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.create(slug=f"edge-{day.year}", kind=Meeting.Kind.TALKS, start=day)
        with pytest.raises(IntegrityError), transaction.atomic():
            Drill.objects.create(slug=f"edge-{day.year}", start=date(2022, 1, 1), end=day)
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.source(published=day)
    assert Meeting.objects.create(slug="first", kind=Meeting.Kind.TALKS, start=EARLIEST, end=LATEST).span > 0


def test_model_validation_names_the_range(db):
    meeting = Meeting(slug="far-future", kind=Meeting.Kind.TALKS, start=date(9000, 1, 1))

    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()

    assert refused.value.message_dict["start"] == [
        "9000-01-01 is outside the dates Parley keeps (1000-01-01 to 8999-12-31)."
    ]


@pytest.mark.parametrize("value", ["9999-12-31", "0999-12-31", "9000-01-01"])
def test_a_filter_date_outside_the_range_is_a_message_not_an_error(client, settings, db, value):
    settings.PARLEY_ANONYMOUS_READ = True

    response = client.get(f"/?from={value}")

    assert response.status_code == 200
    assert f"The ‘from’ date “{value}” is not a date Parley keeps: dates run from 1000-01-01 to 8999-12-31." in (
        response.content.decode()
    )


@pytest.mark.parametrize("published", ["9999-06-01", "0500-01-01"])
def test_the_import_form_refuses_a_publication_date_outside_the_range(admin_client, published):
    text = "Portugal and Spain will hold talks in Lisbon next year about the river they share."

    response = admin_client.post(
        "/admin/import-article/", {"text": text, "title": "Far", "publisher": "", "url": "", "published": published}
    )

    assert response.status_code == 200
    assert f"{published} is outside the dates Parley keeps (1000-01-01 to 8999-12-31)." in response.content.decode()
    assert not Source.objects.exists()


def test_the_review_form_refuses_an_event_date_outside_the_range():
    form = MeetingProposalForm(data={"keep": "on", "start": "9999-12-31", "precision": "day", "end_precision": "day"})

    assert not form.is_valid()
    assert form.errors["start"] == ["9999-12-31 is outside the dates Parley keeps (1000-01-01 to 8999-12-31)."]


# How much one download may hold


def test_a_download_is_cut_at_the_row_cap_and_knows_it_was_cut(settings):
    settings.PARLEY_EXPORT_MAX_ROWS = 3

    exact, over = Capped(iter(range(3))), Capped(iter(range(10)))

    assert (list(exact), exact.cut) == ([0, 1, 2], False)
    assert (list(over), over.cut) == ([0, 1, 2], True)
    assert export_cap_note() == (
        "This download holds at most 3 events (PARLEY_EXPORT_MAX_ROWS); "
        "narrow the filters or the date range to download the rest."
    )


def test_the_row_cap_reads_no_further_than_one_row_past_it():
    read = []

    def rows():
        for number in range(1_000_000):
            read.append(number)
            yield number

    list(Capped(rows(), limit=5))

    assert read == [0, 1, 2, 3, 4, 5]


def test_the_row_cap_is_twenty_thousand_events_unless_the_environment_says_otherwise():
    from django.conf import settings

    assert settings.PARLEY_EXPORT_MAX_ROWS == 20_000


# Files that PostgreSQL would refuse are refused on every database, with a message instead of a traceback


def one_meeting_timeline(*, actor: dict | None = None, drill: dict | None = None, **meeting) -> dict:
    """Two states, one of their talks (with `meeting` over its fields), and `actor` and `drill` if given."""
    data = {
        "version": 2,
        "actors": [{"name": "Ruritania", "kind": "state"}, {"name": "Borduria", "kind": "state"}],
        "meetings": [
            {
                "kind": "talks",
                "status": "held",
                "start": "2022-03-01",
                "participants": ["Ruritania", "Borduria"],
                **meeting,
            }
        ],
        "drills": [],
    }
    if actor:
        data["actors"].append({"kind": "person", **actor})
    if drill:
        data["drills"].append({"status": "held", "start": "2022-03-01", "participants": ["Ruritania"], **drill})
    return data


def a_source(**fields) -> list[dict]:
    return [{"title": "Talks in Strelsau", "published": "2022-03-02", **fields}]


REFUSED_FILES = [
    ("edge-of-calendar", one_meeting_timeline(start="9999-12-31"), "meetings[0].start", "is outside the dates"),
    ("first-day", one_meeting_timeline(start="0001-01-01"), "meetings[0].start", "is outside the dates"),
    (
        "published-far",
        one_meeting_timeline(sources=a_source(published="9000-06-01")),
        "meetings[0].sources[0].published",
        "(1000-01-01 to 8999-12-31)",
    ),
    ("troops-2^63", one_meeting_timeline(drill={"troops": 2**63}), "drills[0].troops", "at most 2,147,483,647"),
    ("troops-2^31", one_meeting_timeline(drill={"troops": 2**31}), "drills[0].troops", "at most 2,147,483,647"),
    (
        "offset-2^31",
        one_meeting_timeline(sources=a_source(evidence_start=2**31, evidence_end=2**31 + 5)),
        "meetings[0].sources[0].evidence_start",
        "larger than Parley stores",
    ),
    ("nul-in-name", one_meeting_timeline(actor={"name": "Rudolf\x00"}), "actors[2].name", "control character (U+0000)"),
    (
        "nul-in-evidence",
        one_meeting_timeline(sources=a_source(evidence="They met\x00.")),
        "meetings[0].sources[0].evidence",
        "control character (U+0000)",
    ),
    ("lone-surrogate", one_meeting_timeline(actor={"name": "Rudolf\ud800"}), "actors[2].name", "lone surrogate"),
    (
        "surrogate-participant",
        one_meeting_timeline(participants=["Ruritania", "Bord\udc00uria"]),
        "meetings[0].participants[1]",
        "lone surrogate",
    ),
    (
        "long-title",
        one_meeting_timeline(sources=a_source(title="t" * 301)),
        "meetings[0].sources[0].title",
        "301 characters long (at most 300)",
    ),
    (
        "long-url",
        one_meeting_timeline(sources=a_source(url="https://news.example/" + "a" * 480)),
        "meetings[0].sources[0].url",
        "(at most 500)",
    ),
    (
        "javascript-url",
        one_meeting_timeline(sources=a_source(url="javascript:alert(1)")),
        "meetings[0].sources[0].url",
        "is not a web address (use http:// or https://)",
    ),
]


@pytest.mark.parametrize("data, where, says", [case[1:] for case in REFUSED_FILES], ids=[c[0] for c in REFUSED_FILES])
def test_a_file_another_database_would_refuse_is_refused_here_naming_the_field(demo, tmp_path, data, where, says):
    path = tmp_path / "hostile.json"
    # ensure_ascii writes a lone surrogate as the escape a forged file would carry.
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_timeline", str(path), stdout=StringIO())

    lines = [line for line in str(error.value).splitlines() if line.startswith(f"  - {where}:")]
    assert lines and says in lines[0], str(error.value)
    assert export() == demo


def test_the_largest_number_every_database_stores_is_accepted(db, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(one_meeting_timeline(drill={"name": "Zenda", "troops": 2**31 - 1})))

    call_command("import_timeline", str(path), stdout=StringIO())

    assert Drill.objects.get().troops == 2**31 - 1


def test_a_deeply_nested_file_is_a_clear_message_not_a_traceback(demo, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 200_000 + "]" * 200_000)

    with pytest.raises(CommandError) as error:
        call_command("import_timeline", str(path))

    assert str(error.value) == (
        f"{path} cannot be read: its lists or objects are nested thousands of levels deep; a timeline needs four."
    )
    assert export() == demo


def downloaded(client, path: str):
    response = client.get(path)
    assert response.status_code == 200 and response.streaming, path
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def seven_events(db, settings):
    """Seven events, meetings and drills interleaved by date, with a cap of five."""
    settings.PARLEY_ANONYMOUS_READ = True
    settings.PARLEY_EXPORT_MAX_ROWS = 5
    one, two = factories.actor("Ruritania"), factories.actor("Borduria")
    for day in range(1, 8):
        if day % 2:
            factories.meeting(one, two, start=date(2022, 3, day), summary=f"Talks on day {day}")
        else:
            factories.drill(one, start=date(2022, 3, day), summary=f"Drill on day {day}")


CAP_NOTE = (
    "This download holds at most 5 events (PARLEY_EXPORT_MAX_ROWS); "
    "narrow the filters or the date range to download the rest."
)


def test_every_download_stops_at_the_cap_and_says_so_in_the_file(client, seven_events):
    rows = list(csv.reader(io.StringIO(downloaded(client, "/export.csv"))))
    calendar = downloaded(client, "/export.ics").replace("\r\n ", "")
    data = json.loads(downloaded(client, "/export.json"))

    assert [row[4] for row in rows[1:-1]] == [f"2022-03-0{day}" for day in range(1, 6)]
    assert rows[-1] == [CAP_NOTE]
    assert calendar.count("BEGIN:VEVENT") == 5
    assert f"X-WR-CALDESC:{CAP_NOTE}" in calendar.replace("\\;", ";").replace("\\,", ",")
    assert data["note"] == CAP_NOTE
    assert sorted(event["start"] for event in data["meetings"] + data["drills"]) == [
        f"2022-03-0{day}" for day in range(1, 6)
    ]


def test_a_download_within_the_cap_has_no_note(client, seven_events):
    rows = list(csv.reader(io.StringIO(downloaded(client, "/export.csv?to=2022-03-05"))))
    calendar = downloaded(client, "/export.ics?to=2022-03-05")
    data = json.loads(downloaded(client, "/export.json?to=2022-03-05"))

    assert len(rows) == 6 and rows[-1][4] == "2022-03-05"
    assert "X-WR-CALDESC" not in calendar
    assert "note" not in data and len(data["meetings"] + data["drills"]) == 5


def test_a_capped_json_download_still_imports_on_its_own(client, seven_events, tmp_path):
    path = tmp_path / "capped.json"
    path.write_text(downloaded(client, "/export.json"), encoding="utf-8")
    Meeting.objects.all().delete()
    Drill.objects.all().delete()
    Actor.objects.all().delete()

    call_command("import_timeline", str(path), stdout=StringIO())

    assert Meeting.objects.count() + Drill.objects.count() == 5


def test_the_page_says_how_many_events_a_download_holds(client, seven_events):
    page = client.get("/?from=2022-03-01&to=2022-03-31").content.decode()

    assert "Downloads hold at most 5 events." in page


def test_the_json_download_streams_the_events_the_export_command_writes_in_its_layout(client, db, settings):
    settings.PARLEY_ANONYMOUS_READ = True
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    factories.busy_month(40)

    response = client.get("/export.json")

    assert response.streaming
    text, whole = b"".join(response.streaming_content).decode(), json.loads(export())
    streamed = json.loads(text)
    assert text == dumps(streamed)
    assert (streamed["meetings"], streamed["drills"]) == (whole["meetings"], whole["drills"])
    assert streamed["actors"] == [actor for actor in whole["actors"] if actor in streamed["actors"]]


# The article limits hold for the commands as for the admin


TAGUS_ARTICLE = (
    "title: Tagus talks\nsource: The River Post\npublished: 2023-03-17\n---\n"
    "Portugal and Spain held talks in Lisbon on Thursday about sharing the water of the Tagus river.\n"
)


@pytest.mark.parametrize("command", ["import_article", "extract_article"])
def test_the_article_commands_refuse_a_file_over_the_size_limit_before_reading_it(db, settings, tmp_path, command):
    settings.PARLEY_ARTICLE_MAX_BYTES = 1_000
    path = tmp_path / "long.txt"
    path.write_text(TAGUS_ARTICLE + "They talked on. " * 100, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command(command, str(path), stdout=StringIO())

    assert str(error.value) == (
        f"{path} was not read: The article is 1.8 kB; the limit is 1 kB. (PARLEY_ARTICLE_MAX_BYTES)"
    )
    assert not Source.objects.exists()


@pytest.mark.parametrize("command", ["import_article", "extract_article"])
def test_the_article_commands_refuse_a_saved_page_over_the_size_limit_before_reading_it(
    db, settings, tmp_path, command
):
    settings.PARLEY_ARTICLE_MAX_BYTES = 1_000
    path = tmp_path / "long.html"
    path.write_text("<html><body><article>" + "<p>They talked on.</p>" * 100 + "</article></body></html>")

    with pytest.raises(CommandError) as error:
        call_command(command, str(path), stdout=StringIO())

    assert str(error.value) == (
        f"{path} was not read: The article is 2.2 kB; the limit is 1 kB. (PARLEY_ARTICLE_MAX_BYTES)"
    )
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    "header, says",
    [
        ("title: " + "t" * 301, "The article's title was refused: Ensure this value has at most 300 characters"),
        ("url: javascript:alert(1)", "The article's url was refused: Enter a web address that starts with http"),
        ("url: https://news.example/" + "a" * 490, "The article's url was refused: Ensure this value has at most 500"),
    ],
    ids=["long-title", "javascript-url", "long-url"],
)
def test_the_import_command_holds_the_header_to_the_forms_limits(db, tmp_path, header, says):
    path = tmp_path / "article.txt"
    path.write_text(header + "\n" + TAGUS_ARTICLE.removeprefix("title: Tagus talks\n"), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_article", str(path), stdout=StringIO())

    assert str(error.value).startswith(says)
    assert not Source.objects.exists()


@pytest.mark.parametrize("command", ["import_article", "extract_article"])
def test_the_article_commands_refuse_a_publication_date_outside_the_range(db, tmp_path, command):
    path = tmp_path / "article.txt"
    path.write_text(TAGUS_ARTICLE.replace("2023-03-17", "9999-06-01"), encoding="utf-8")

    with pytest.raises(
        CommandError, match=r"9999-06-01 is outside the dates Parley keeps \(1000-01-01 to 8999-12-31\)"
    ):
        call_command(command, str(path), stdout=StringIO())
    assert not Source.objects.exists()


def test_the_import_form_holds_a_header_title_to_the_title_limit(admin_client):
    text = "title: " + "t" * 301 + "\n" + TAGUS_ARTICLE.split("\n", 1)[1]

    response = admin_client.post(
        "/admin/import-article/", {"text": text, "title": "", "publisher": "", "url": "", "published": ""}
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters (it has 301)." in response.content.decode()
    assert not Source.objects.exists()


def test_an_article_with_more_proposals_than_a_review_holds_is_refused_with_the_count(admin_client, settings):
    settings.PARLEY_REVIEW_MAX_PROPOSALS = 2

    response = admin_client.post(
        "/admin/import-article/",
        {"text": TAGUS_ARTICLE, "title": "", "publisher": "", "url": "", "published": ""},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Parley proposes 3 actors, meetings and drills for this article; one review holds at most 2" in page
    assert "(PARLEY_REVIEW_MAX_PROPOSALS). Split the article into parts and import each one." in page
    assert not admin_client.session.get("article_imports")


# Every command that writes many rows queues on the import lock, and says so when it gives up


BUSY = (
    "Another import or restore is running; this one waited 0.3 seconds for it to finish. "
    "Nothing was written: try again when it has finished."
)


@pytest.mark.django_db(transaction=True)
def test_import_article_says_another_import_is_running_when_the_lock_stays_taken(settings, tmp_path):
    settings.PARLEY_SQLITE_BUSY_SECONDS = 0.3
    path = tmp_path / "tagus.txt"
    path.write_text(TAGUS_ARTICLE, encoding="utf-8")

    with factories.import_lock_held_elsewhere(), pytest.raises(CommandError) as error:
        call_command("import_article", str(path), stdout=StringIO())

    assert str(error.value) == f"{path} was not imported. {BUSY}"
    assert not Source.objects.exists() and not Meeting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_while_another_import_holds_the_lock_and_changes_nothing(settings, tmp_path):
    settings.PARLEY_IMPORT_WAIT_SECONDS = 0.3
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    path = tmp_path / ("demo.sqlite3" if connection.vendor == "sqlite" else "demo.dump")
    call_command("backup", str(path), stdout=StringIO())
    Actor.objects.create(name="Added after the backup", slug="added-after-the-backup", kind=Actor.Kind.STATE)
    before = export()

    with factories.import_lock_held_elsewhere(), pytest.raises(CommandError) as error:
        call_command("restore", str(path), "--noinput", stdout=StringIO())

    assert str(error.value) == f"{path} was not restored. {BUSY}"
    assert export() == before


@pytest.mark.django_db(transaction=True)
def test_load_fixture_refuses_while_another_import_holds_the_lock_and_loads_nothing(settings, tmp_path):
    settings.PARLEY_IMPORT_WAIT_SECONDS = 0.3
    path = fixture_file(tmp_path, [ACTOR])

    with factories.import_lock_held_elsewhere(), pytest.raises(CommandError) as error:
        call_command("load_fixture", str(path), verbosity=0)

    assert str(error.value) == f"{path} was not loaded. {BUSY}"
    assert not Actor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_generate_timeline_refuses_while_another_import_holds_the_lock_and_clears_nothing(settings):
    settings.PARLEY_IMPORT_WAIT_SECONDS = 0.3
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    before = export()

    with factories.import_lock_held_elsewhere(), pytest.raises(CommandError) as error:
        call_command("generate_timeline", events=20, actors=8, clear=True, stdout=StringIO())

    assert str(error.value) == f"No timeline was generated. {BUSY}"
    assert export() == before
