"""Windows over events stay exact while reading only the window: bounded index ranges and probes, not scans."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.models import Actor, Drill, Evidence, Meeting, Participant, Source

pytestmark = pytest.mark.django_db


def talks(slug: str, start: date | None, end: date | None = None, **fields) -> Meeting:
    return Meeting.objects.create(slug=slug, kind=Meeting.Kind.TALKS, start=start, end=end, **fields)


def slugs(queryset) -> list[str]:
    return list(queryset.chronological().values_list("slug", flat=True))


def test_a_window_finds_events_inside_it_and_those_overlapping_either_edge():
    talks("before", date(2022, 1, 31))
    talks("reaching-in", date(2022, 1, 20), date(2022, 2, 1))
    talks("inside", date(2022, 2, 10))
    talks("reaching-out", date(2022, 2, 28), date(2022, 3, 5))
    talks("after", date(2022, 3, 1))
    talks("undated", None)

    assert slugs(Meeting.objects.between(date(2022, 2, 1), date(2022, 2, 28))) == [
        "reaching-in",
        "inside",
        "reaching-out",
    ]


def test_a_window_finds_an_event_that_began_years_before_it():
    Drill.objects.create(slug="long-deployment", start=date(2015, 1, 1), end=date(2024, 1, 1))
    Drill.objects.create(slug="short-drill", start=date(2015, 1, 1), end=date(2015, 1, 10))

    assert slugs(Drill.objects.between(date(2022, 2, 1), date(2022, 2, 28))) == ["long-deployment"]
    assert slugs(Drill.objects.between(date(2022, 2, 1), None)) == ["long-deployment"]


def test_a_window_bounded_by_the_longest_span_read_first_finds_the_same_events():
    Drill.objects.create(slug="long-deployment", start=date(2015, 1, 1), end=date(2024, 1, 1))
    Drill.objects.create(slug="short-drill", start=date(2022, 1, 25), end=date(2022, 2, 3))
    Drill.objects.create(slug="ended-before", start=date(2022, 1, 1), end=date(2022, 1, 31))

    longest = Drill.objects.longest_span()

    assert longest == (date(2024, 1, 1) - date(2015, 1, 1)).days
    assert Meeting.objects.longest_span() == 0
    window = (date(2022, 2, 1), date(2022, 2, 28))
    assert (
        slugs(Drill.objects.between(*window, longest=longest))
        == slugs(Drill.objects.between(*window))
        == ["long-deployment", "short-drill"]
    )


def test_the_span_column_counts_days_from_start_to_the_last_day():
    talks("one-day", date(2022, 2, 10))
    talks("three-days", date(2022, 2, 10), date(2022, 2, 13))
    talks("across-a-leap-day", date(2024, 2, 28), date(2024, 3, 1))

    assert dict(Meeting.objects.values_list("slug", "span")) == {"one-day": 0, "three-days": 3, "across-a-leap-day": 2}


def test_an_event_with_an_unknown_start_has_no_span():
    talks("undated", None)

    assert Meeting.objects.get().span is None


def test_involving_and_mentioning_keep_their_meaning():
    russia = Actor.objects.create(name="Russia", slug="russia", kind=Actor.Kind.STATE)
    belarus = Actor.objects.create(name="Belarus", slug="belarus", kind=Actor.Kind.STATE)
    both = talks("both", date(2022, 2, 10), summary="Talks in Minsk")
    alone = talks("alone", date(2022, 2, 11), location="Moscow")
    Participant.objects.bulk_create(
        [
            Participant(meeting=both, actor=russia),
            Participant(meeting=both, actor=belarus),
            Participant(meeting=alone, actor=russia),
        ]
    )
    source = Source.objects.create(title="Report", published=date(2022, 2, 12))
    Evidence.objects.create(source=source, meeting=alone, sentence="The envoy flew to Minsk afterwards.")

    assert slugs(Meeting.objects.involving(russia)) == ["both", "alone"]
    assert slugs(Meeting.objects.involving(russia, belarus)) == ["both"]
    assert slugs(Meeting.objects.mentioning("minsk")) == ["both", "alone"]
    assert slugs(Meeting.objects.mentioning("Moscow")) == ["alone"]


def query_plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")


@sqlite_only
def test_a_window_reads_one_bounded_range_of_the_start_index():
    plan = query_plan(Meeting.objects.between(date(2022, 2, 1), date(2022, 2, 28)).chronological()[:100])

    assert "USING INDEX meeting_start_last_idx (start>? AND start<?)" in plan
    assert "TEMP B-TREE" not in plan
    assert "SCAN tracker_meeting" not in plan


@sqlite_only
def test_an_actors_events_in_a_window_are_probed_not_listed_in_full():
    russia = Actor.objects.create(name="Russia", slug="russia", kind=Actor.Kind.STATE)

    plan = query_plan(
        Meeting.objects.between(date(2022, 2, 1), date(2022, 2, 28)).involving(russia).chronological()[:100]
    )

    assert "CORRELATED" in plan
    assert "participant_once_per_meeting (meeting_id=? AND actor_id=?)" in plan
    assert "LIST SUBQUERY" not in plan


@sqlite_only
def test_text_in_a_window_reads_the_evidence_of_the_window_only():
    plan = query_plan(
        Meeting.objects.between(date(2022, 2, 1), date(2022, 2, 28)).mentioning("summit").chronological()[:100]
    )

    assert "CORRELATED" in plan
    assert "SCAN U0" not in plan and "SCAN tracker_evidence" not in plan


def test_a_window_costs_the_same_number_of_queries_however_many_events_there_are(django_assert_num_queries):
    for day in range(60):
        talks(f"t{day}", date(2022, 1, 1) + timedelta(days=day))

    with django_assert_num_queries(1):
        assert len(list(Meeting.objects.between(date(2022, 2, 1), date(2022, 2, 28)))) == 28


# The admin's date hierarchy


@pytest.fixture
def spread():
    days = [
        date(2014, 9, 5),
        date(2014, 9, 5),
        date(2014, 11, 30),
        date(2021, 1, 1),
        date(2022, 2, 10),
        date(2022, 2, 14),
        date(2022, 12, 31),
    ]
    for number, day in enumerate(days):
        talks(f"t{number}", day, status="held" if number % 2 else "planned")
    talks("undated", None)


@pytest.mark.parametrize("kind", ["year", "month", "day"])
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_the_date_hierarchy_lists_the_same_dates_as_django_would(spread, kind, order):
    for queryset in (
        Meeting.admin_objects.all(),
        Meeting.admin_objects.filter(status="held"),
        Meeting.admin_objects.filter(start__year=2022),
    ):
        assert queryset.dates("start", kind, order) == list(super(type(queryset), queryset).dates("start", kind, order))


def test_the_date_hierarchy_of_an_empty_selection_is_empty(spread):
    assert Meeting.admin_objects.filter(status="cancelled").dates("start", "year") == []


def test_the_date_hierarchy_bounds_are_the_same_as_djangos(spread):
    from django.db.models import Max, Min

    for queryset in (
        Meeting.admin_objects.all(),
        Meeting.admin_objects.filter(status="held"),
        Meeting.admin_objects.none(),
    ):
        expected = super(type(queryset), queryset).aggregate(first=Min("start"), last=Max("start"))
        assert queryset.aggregate(first=Min("start"), last=Max("start")) == expected


def test_the_default_managers_keep_djangos_own_dates_and_aggregate():
    from tracker.models import DatesFromIndexQuerySet, Source

    for model in (Meeting, Drill, Source):
        assert not isinstance(model.objects.all(), DatesFromIndexQuerySet)
        assert isinstance(model.admin_objects.all(), DatesFromIndexQuerySet)


def test_the_date_hierarchy_takes_one_query_for_its_years_and_one_for_its_bounds(spread, django_assert_num_queries):
    from django.db.models import Max, Min

    with django_assert_num_queries(1):
        assert Meeting.admin_objects.dates("start", "year") == [date(2014, 1, 1), date(2021, 1, 1), date(2022, 1, 1)]
    with django_assert_num_queries(1):
        assert Meeting.admin_objects.aggregate(first=Min("start"), last=Max("start")) == {
            "first": date(2014, 9, 5),
            "last": date(2022, 12, 31),
        }


@sqlite_only
def test_the_date_hierarchy_seeks_the_index_instead_of_reading_every_row(spread):
    from django.db.models import Max, Min

    from tracker.models import Source

    with connection.cursor() as cursor, CaptureQueriesContext(connection) as captured:
        Meeting.admin_objects.dates("start", "year")
        Meeting.admin_objects.aggregate(first=Min("start"), last=Max("start"))
        Source.admin_objects.dates("published", "month")
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "SCAN tracker_" not in plan, plan
            assert "django_date_trunc" not in query["sql"]


# Where the timeline opens: the latest event that passes the filters


@pytest.fixture
def busy_and_rare():
    busy = Actor.objects.create(name="Busy", slug="busy", kind=Actor.Kind.STATE)
    rare = Actor.objects.create(name="Rare", slug="rare", kind=Actor.Kind.STATE)
    for day in range(400):
        event = talks(f"t{day}", date(2020, 1, 1) + timedelta(days=day))
        Participant.objects.create(meeting=event, actor=busy)
    old = talks("old", date(2001, 5, 5), status="cancelled")
    Participant.objects.bulk_create([Participant(meeting=old, actor=rare), Participant(meeting=old, actor=busy)])
    drill = Drill.objects.create(slug="drill", start=date(2019, 1, 1))
    Participant.objects.create(drill=drill, actor=busy)
    return busy, rare


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=busy", date(2021, 2, 3)),
        ("actor=rare", date(2001, 5, 5)),
        ("actor=busy&actor=rare&match=all", date(2001, 5, 5)),
        ("actor=busy&actor=rare", date(2021, 2, 3)),
        ("status=cancelled", date(2001, 5, 5)),
        ("kind=drill", date(2019, 1, 1)),
        ("actor=nobody", date(2021, 2, 3)),
        ("", date(2021, 2, 3)),
    ],
)
def test_the_timeline_opens_at_the_latest_event_that_passes_the_filters(
    busy_and_rare, query, expected, django_assert_num_queries
):
    from django.http import QueryDict

    from tracker.filters import parse_filters

    filters = parse_filters(QueryDict(query))
    with django_assert_num_queries(2 if filters.wants_meetings and filters.wants_drills else 1):
        assert filters.latest_start() == expected


@pytest.mark.parametrize("few", [0, 1, 3, 400, 401])
def test_an_actor_is_busy_when_it_takes_part_in_more_than_a_few_events_of_a_kind(busy_and_rare, monkeypatch, few):
    monkeypatch.setattr("tracker.models.FEW_EVENTS", few)

    busy = {actor.slug: (actor.busy_in_meeting, actor.busy_in_drill) for actor in Actor.objects.with_busyness()}

    # Busy takes part in 401 meetings and 1 drill; rare in 1 meeting and no drill.
    assert busy == {"busy": (401 > few, 1 > few), "rare": (1 > few, False)}


@pytest.mark.parametrize(
    "query",
    [
        "actor=busy",
        "actor=rare",
        "actor=busy&actor=rare",
        "actor=busy&actor=rare&match=all",
        "actor=rare&status=cancelled",
    ],
)
def test_rare_and_busy_actors_find_the_same_events_whichever_way_they_are_read(busy_and_rare, monkeypatch, query):
    from django.http import QueryDict

    from tracker.filters import parse_filters

    windows = (
        (date(2001, 1, 1), date(2001, 12, 31)),
        (date(2020, 3, 1), date(2020, 3, 31)),
        (date(2019, 1, 1), date(2019, 1, 1)),
    )
    found = []
    # Every actor probed per event; busy probed and rare listed; every actor listed.
    for few in (0, 10, 10**6):
        monkeypatch.setattr("tracker.models.FEW_EVENTS", few)
        filters = parse_filters(QueryDict(query))
        found.append(
            [
                (slugs(filters.meetings().between(*window)), slugs(filters.drills().between(*window)))
                for window in windows
            ]
        )

    assert found[0] == found[1] == found[2]
    assert found[0][0] == (["old"], [])


@sqlite_only
def test_a_rare_actors_window_is_read_from_its_participations_and_a_busy_ones_probed(busy_and_rare, monkeypatch):
    from django.http import QueryDict

    from tracker.filters import parse_filters

    monkeypatch.setattr("tracker.models.FEW_EVENTS", 10)
    plans = {
        slug: query_plan(
            parse_filters(QueryDict(f"actor={slug}"))
            .meetings()
            .between(date(2020, 3, 1), date(2020, 3, 31))
            .chronological()[:26]
        )
        for slug in ("busy", "rare")
    }

    assert "CORRELATED" in plans["busy"]
    assert "CORRELATED" not in plans["rare"]
    assert "participant_actor_meeting_idx (actor_id=?" in plans["rare"]


def test_the_timeline_has_nowhere_to_open_when_nothing_passes(busy_and_rare):
    from django.http import QueryDict

    from tracker.filters import parse_filters

    assert parse_filters(QueryDict("actor=rare&kind=drill")).latest_start() is None


# Admin pagination on large tables


def test_a_filtered_admin_list_is_counted_exactly_up_to_a_few_pages_ahead():
    from tracker.paging import LargeTablePaginator

    Meeting.objects.bulk_create(
        [Meeting(slug=f"m{n}", kind="talks", status="held" if n % 3 else "cancelled") for n in range(300)]
    )

    assert LargeTablePaginator(Meeting.objects.filter(status="cancelled").order_by("pk"), 50).count == 100
    assert LargeTablePaginator(Meeting.objects.order_by("pk"), 50).count == 300


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite counts a whole table from an index in milliseconds"
)
def test_postgresql_estimates_a_whole_large_table_instead_of_reading_it():
    from tracker.paging import LargeTablePaginator

    Meeting.objects.bulk_create([Meeting(slug=f"m{n}", kind="talks") for n in range(12_000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_meeting")
    # Rows the statistics have not seen yet: an exact count would include them.
    Meeting.objects.bulk_create([Meeting(slug=f"late{n}", kind="talks") for n in range(3_000)])

    with CaptureQueriesContext(connection) as queries:
        count = LargeTablePaginator(Meeting.objects.order_by("-start", "-id"), 50).count

    assert abs(count - 12_000) < 600
    assert len(queries.captured_queries) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_postgresql_runs_parleys_short_queries_without_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
