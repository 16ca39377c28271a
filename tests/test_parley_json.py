import copy
from datetime import date

import pytest

from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Precision, Source
from tracker.parley_json import dumps, format_date, parse_date, timeline_json, validate_timeline


def everything() -> dict:
    return timeline_json(actors=Actor.objects.all(), meetings=Meeting.objects.all(), drills=Drill.objects.all())


def make_timeline(number: int, first: int = 0) -> None:
    """`number` copies of a small timeline: two states, a person, a meeting and a drill with a source each."""
    for n in range(first, first + number):
        state = Actor.objects.create(name=f"State {n}", slug=f"state-{n}", kind=Actor.Kind.STATE)
        other = Actor.objects.create(name=f"Other {n}", slug=f"other-{n}", kind=Actor.Kind.STATE)
        person = Actor.objects.create(
            name=f"Minister {n}", slug=f"minister-{n}", kind=Actor.Kind.PERSON, title="Minister", affiliation=state
        )
        Alias.objects.create(actor=state, name=f"Capital {n}")
        group = Actor.objects.create(name=f"Pair {n}", slug=f"pair-{n}", kind=Actor.Kind.GROUP)
        group.members.add(state, other)
        source = Source.objects.create(title=f"Report {n}", publisher="Gazette", published=date(2022, 3, 1))
        meeting = Meeting.objects.create(
            slug=f"meeting-{n}", kind=Meeting.Kind.TALKS, status=Meeting.Status.HELD, start=date(2022, 3, 1 + n % 20)
        )
        Participant.objects.create(actor=person, meeting=meeting, role=Participant.Role.GUEST)
        Participant.objects.create(actor=other, meeting=meeting, role=Participant.Role.HOST)
        Evidence.objects.create(
            source=source, meeting=meeting, sentence=f"They met ({n}).", start_offset=0, end_offset=14
        )
        drill = Drill.objects.create(
            slug=f"drill-{n}", status=Drill.Status.HELD, start=date(2022, 3, 2), troops=100 + n
        )
        Participant.objects.create(actor=state, drill=drill)
        Evidence.objects.create(source=source, drill=drill)


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        (date(2022, 2, 10), Precision.DAY, "2022-02-10"),
        (date(2022, 2, 1), Precision.MONTH, "2022-02"),
        (date(2014, 1, 1), Precision.YEAR, "2014"),
        (None, Precision.DAY, None),
    ],
)
def test_dates_are_written_cut_to_their_precision_and_read_back(value, precision, text):
    assert format_date(value, precision) == text
    if text:
        assert parse_date(text) == (value, precision)


@pytest.mark.parametrize(
    "text", ["2022-02-30", "2022-13", "22-02-10", "2022-2-10", "10 February 2022", "2022-02-10T00:00"]
)
def test_impossible_or_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.django_db
def test_an_actor_is_written_with_title_affiliation_aliases_and_members():
    make_timeline(1)
    actors = {record["name"]: record for record in everything()["actors"]}

    assert actors["Minister 0"] == {
        "name": "Minister 0",
        "slug": "minister-0",
        "kind": "person",
        "title": "Minister",
        "affiliation": "State 0",
        "aliases": [],
        "members": [],
        "description": "",
    }
    assert actors["State 0"]["aliases"] == ["Capital 0"]
    assert actors["Pair 0"]["members"] == ["Other 0", "State 0"]


@pytest.mark.django_db
def test_a_meeting_and_a_drill_are_written_with_participants_and_sources():
    make_timeline(1)
    data = everything()

    assert data["meetings"] == [
        {
            "kind": "talks",
            "status": "held",
            "start": "2022-03-01",
            "end": None,
            "date_text": "",
            "participants": ["Minister 0", "Other 0"],
            "location": "",
            "summary": "",
            "sources": [
                {
                    "title": "Report 0",
                    "publisher": "Gazette",
                    "url": "",
                    "published": "2022-03-01",
                    "evidence": "They met (0).",
                    "evidence_start": 0,
                    "evidence_end": 14,
                }
            ],
        }
    ]
    assert data["drills"][0]["troops"] == 100
    assert data["drills"][0]["participants"] == ["State 0"]
    assert data["drills"][0]["sources"][0]["evidence"] == ""


@pytest.mark.django_db
def test_actors_come_in_name_order_ignoring_case_and_events_chronologically():
    for name in ["zeta", "Alpha", "beta"]:
        Actor.objects.create(name=name, slug=name.lower(), kind=Actor.Kind.STATE)
    for slug, start, precision in [
        ("c", date(2022, 2, 10), "day"),
        ("a", None, "day"),
        ("b", date(2014, 1, 1), "year"),
    ]:
        Meeting.objects.create(slug=slug, kind=Meeting.Kind.CALL, start=start, precision=precision)

    data = everything()

    assert [actor["name"] for actor in data["actors"]] == ["Alpha", "beta", "zeta"]
    assert [meeting["start"] for meeting in data["meetings"]] == ["2014", "2022-02-10", None]


@pytest.mark.django_db
def test_events_on_the_same_day_are_ordered_by_content_not_by_slug():
    Meeting.objects.create(slug="a", kind=Meeting.Kind.VISIT, start=date(2022, 2, 10), location="Warsaw")
    Meeting.objects.create(slug="b", kind=Meeting.Kind.VISIT, start=date(2022, 2, 10), location="Brussels")
    first = dumps(everything())
    Meeting.objects.filter(slug="a").update(slug="z")

    assert [meeting["location"] for meeting in everything()["meetings"]] == ["Brussels", "Warsaw"]
    assert dumps(everything()) == first


@pytest.mark.django_db
def test_the_export_takes_the_same_nine_queries_for_one_row_or_many(django_assert_num_queries):
    make_timeline(1)
    with django_assert_num_queries(9):
        small = everything()
    make_timeline(20, first=1)
    with django_assert_num_queries(9):
        large = everything()
    assert len(small["meetings"]) == 1 and len(large["meetings"]) == 21


@pytest.mark.django_db
def test_the_export_of_a_filtered_queryset_holds_only_those_rows():
    make_timeline(3)
    data = timeline_json(
        actors=Actor.objects.filter(slug="state-1"),
        meetings=Meeting.objects.filter(slug="meeting-1"),
        drills=Drill.objects.none(),
    )
    assert [actor["name"] for actor in data["actors"]] == ["State 1"]
    assert [meeting["participants"] for meeting in data["meetings"]] == [["Minister 1", "Other 1"]]
    assert data["drills"] == []


VALID = {
    "actors": [
        {"name": "Ruritania", "slug": "ruritania", "kind": "state", "aliases": ["Strelsau"]},
        {"name": "Rudolf", "kind": "person", "title": "King", "affiliation": "Ruritania"},
        {"name": "Two Kingdoms", "kind": "group", "members": ["Ruritania", "Borduria"]},
        {"name": "Borduria", "kind": "state"},
    ],
    "meetings": [
        {
            "kind": "visit",
            "status": "planned",
            "date": "2022-02",
            "end_date": None,
            "participants": ["Rudolf", "strelsau"],
            "location": "Strelsau",
            "sources": [{"title": "Royal news", "published": "2022-01-30", "evidence_start": 3, "evidence_end": 9}],
        }
    ],
    "drills": [{"status": "ongoing", "start": "2022", "end": "2023", "participants": ["Borduria"], "troops": 0}],
}


def broken(path: str, value, remove: bool = False) -> dict:
    """VALID with one field changed (or removed), `path` like "meetings.0.date"."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if remove:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.django_db
def test_a_valid_timeline_has_no_errors():
    assert validate_timeline(VALID) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "meetings.0.date",
            "2022-02-30",
            'meetings[0].date: "2022-02-30" is not a valid date (use YYYY-MM-DD, YYYY-MM or YYYY)',
        ),
        ("drills.0.end", "2022-13", 'drills[0].end: "2022-13" is not a valid date (use YYYY-MM-DD, YYYY-MM or YYYY)'),
        ("meetings.0.date", 20220210, "meetings[0].date: expected a date string, got a whole number"),
        ("meetings.0.end_date", "2022-01", 'meetings[0].end_date: "2022-01" is before the start date "2022-02"'),
        ("drills.0.start", None, "drills[0].end: an end date needs a start date in start"),
        (
            "meetings.0.kind",
            "dinner",
            'meetings[0].kind: "dinner" is not a kind of meeting (use one of talks, visit, summit, press_conference, call, signing)',
        ),
        (
            "meetings.0.status",
            "done",
            'meetings[0].status: "done" is not a meeting status (use one of planned, held, cancelled, postponed)',
        ),
        (
            "drills.0.status",
            "postponed",
            'drills[0].status: "postponed" is not a drill status (use one of planned, ongoing, held, cancelled)',
        ),
        (
            "actors.1.kind",
            "king",
            'actors[1].kind: "king" is not a kind of actor (use one of person, state, organisation, group)',
        ),
        ("drills.0.troops", -30000, "drills[0].troops: -30000 is negative (troop numbers cannot be negative)"),
        ("drills.0.troops", "30,000", "drills[0].troops: expected a whole number or null, got a string"),
        (
            "meetings.0.participants.1",
            "Atlantis",
            'meetings[0].participants[1]: "Atlantis" is neither an actor in this file nor one already known',
        ),
        (
            "actors.1.affiliation",
            "Atlantis",
            'actors[1].affiliation: "Atlantis" is neither an actor in this file nor one already known',
        ),
        (
            "actors.2.members.1",
            "Atlantis",
            'actors[2].members[1]: "Atlantis" is neither an actor in this file nor one already known',
        ),
        ("meetings.0.participants", "Rudolf", "meetings[0].participants: expected a list of names, got a string"),
        ("actors.0.name", " ", "actors[0].name: must not be blank"),
        ("actors.1.aliases", ["RURITANIA"], 'actors[1].aliases[0]: "RURITANIA" already names the actor at actors[0]'),
        (
            "actors.0.slug",
            "ruri tania",
            'actors[0].slug: "ruri tania" is not a slug (letters, digits, hyphens and underscores)',
        ),
        ("actors.1.members", ["Ruritania"], "actors[1].members: only groups have members, and this actor is a person"),
        ("meetings.0.summary", "x" * 301, "meetings[0].summary: is 301 characters long (at most 300)"),
        (
            "meetings.0.sources.0.published",
            "2022-01",
            'meetings[0].sources[0].published: "2022-01" must be a full date (use YYYY-MM-DD)',
        ),
        ("meetings.0.sources.0.evidence_end", 2, "meetings[0].sources[0].evidence_end: 2 is before evidence_start 3"),
        ("meetings.0.sources.0.evidence_start", -1, "meetings[0].sources[0].evidence_start: -1 is negative"),
        ("meetings.0.sources", {"title": "x"}, "meetings[0].sources: expected a list of sources, got an object"),
        ("meetings.0", "a meeting", "meetings[0]: expected an object, got a string"),
        ("drills", {}, "drills: expected a list, got an object"),
    ],
)
def test_each_mistake_is_reported_with_its_record_and_field(path, value, message):
    assert validate_timeline(broken(path, value)) == [message]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("meetings.0.kind", "meetings[0].kind: required field is missing"),
        ("meetings.0.status", "meetings[0].status: required field is missing"),
        ("actors.1.name", "actors[1].name: required field is missing"),
        ("meetings.0.sources.0.title", "meetings[0].sources[0].title: required field is missing"),
        ("meetings.0.sources.0.published", "meetings[0].sources[0].published: required field is missing"),
    ],
)
def test_missing_required_fields_are_reported(path, message):
    errors = validate_timeline(broken(path, None, remove=True))
    assert message in errors


@pytest.mark.django_db
def test_participants_may_name_actors_already_in_the_database_by_alias_in_any_case():
    ruritania = Actor.objects.create(name="Elbonia", slug="elbonia", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=ruritania, name="the Elbonian Crown")
    data = broken("meetings.0.participants", ["Rudolf", "THE ELBONIAN CROWN", "elbonia"])
    assert validate_timeline(data) == []


def test_a_file_that_is_not_an_object_is_refused_in_one_message():
    assert validate_timeline([1, 2]) == [
        'file: expected an object with "actors", "meetings" and "drills" lists, got a list'
    ]


@pytest.mark.django_db
def test_every_error_of_a_file_is_reported_at_once():
    data = broken("meetings.0.date", "2022-02-30")
    data["drills"][0]["troops"] = -1
    assert len(validate_timeline(data)) == 2
