import threading
from datetime import date

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source
from tracker.services import TimelineError, import_timeline, merge_actors

SOURCE = {"title": "Talks in Moscow", "publisher": "Daily Wire Service", "url": "", "published": "2022-02-10"}


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Actor, Alias, Meeting, Drill, Participant, Source, Evidence)
    }


def timeline(**overrides) -> dict:
    data = {
        "actors": [
            {"name": "Russia", "slug": "russia", "kind": "state", "aliases": ["Moscow", "the Kremlin"]},
            {"name": "United Kingdom", "slug": "united-kingdom", "kind": "state", "aliases": ["UK"]},
            {
                "name": "Liz Truss",
                "slug": "liz-truss",
                "kind": "person",
                "title": "Foreign Secretary",
                "affiliation": "UK",
            },
            {"name": "Ben Wallace", "kind": "person", "title": "Defence Secretary", "affiliation": "United Kingdom"},
        ],
        "meetings": [
            {
                "kind": "talks",
                "status": "planned",
                "date": "2022-02-10",
                "date_text": "on Thursday",
                "participants": ["Liz Truss", "Moscow"],
                "location": "Moscow",
                "summary": "Liz Truss meets her Russian counterpart.",
                "sources": [{**SOURCE, "evidence": "Truss flies to Moscow.", "evidence_start": 10, "evidence_end": 32}],
            },
            {
                "kind": "talks",
                "status": "planned",
                "date": "2022-02-10",
                "participants": ["Ben Wallace", "Russia"],
                "location": "Moscow",
                "sources": [SOURCE],
            },
        ],
        "drills": [
            {
                "name": "",
                "status": "ongoing",
                "start": "2022-02-10",
                "end": "2022-02-19",
                "participants": ["Russia"],
                "location": "Belarus",
                "troops": 30000,
                "sources": [SOURCE],
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_importing_a_timeline_creates_its_actors_events_sources_and_evidence():
    report = import_timeline(data=timeline())

    assert (report.actors_created, report.meetings_created, report.drills_created) == (4, 2, 1)
    assert (report.sources_created, report.evidence_created) == (1, 3)
    truss = Actor.objects.get(slug="liz-truss")
    assert truss.affiliation.name == "United Kingdom"
    assert Actor.objects.get(name="Ben Wallace").slug == "ben-wallace"
    meeting = Meeting.objects.get(slug="2022-02-10-talks-liz-truss-russia")
    assert sorted(meeting.actors.values_list("name", flat=True)) == ["Liz Truss", "Russia"]
    evidence = meeting.evidence.get()
    assert (evidence.sentence, evidence.start_offset, evidence.end_offset) == ("Truss flies to Moscow.", 10, 32)
    assert Drill.objects.get().troops == 30000
    assert Drill.objects.get().end == date(2022, 2, 19)


@pytest.mark.django_db
def test_importing_the_same_timeline_twice_changes_nothing():
    import_timeline(data=timeline())
    before = counts()
    updated = list(Meeting.objects.order_by("pk").values_list("updated_at", flat=True))

    report = import_timeline(data=timeline())

    assert counts() == before
    assert list(Meeting.objects.order_by("pk").values_list("updated_at", flat=True)) == updated
    assert (report.actors_created, report.meetings_created, report.drills_created, report.sources_created) == (
        0,
        0,
        0,
        0,
    )
    assert (report.actors_matched, report.meetings_matched, report.drills_matched, report.evidence_matched) == (
        4,
        2,
        1,
        3,
    )


@pytest.mark.django_db
def test_actors_are_matched_by_name_slug_or_alias_ignoring_case():
    russia = Actor.objects.create(name="Russian Federation", slug="russia", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=russia, name="The Kremlin")
    Alias.objects.create(actor=russia, name="Moscow")
    uk = Actor.objects.create(name="UNITED KINGDOM", slug="uk", kind=Actor.Kind.STATE)
    Actor.objects.create(name="Liz Truss", slug="truss", kind=Actor.Kind.PERSON)

    report = import_timeline(
        data=timeline(
            actors=[
                {"name": "Kremlin", "slug": "russia", "kind": "state"},
                {"name": "the kremlin", "kind": "state"},
                {"name": "United Kingdom", "kind": "state"},
                {"name": "liz truss", "kind": "person", "title": "Foreign Secretary", "affiliation": "united kingdom"},
                {"name": "Ben Wallace", "kind": "person"},
            ]
        )
    )

    assert report.actors_matched == 4 and report.actors_created == 1
    truss = Actor.objects.get(slug="truss")
    assert (truss.name, truss.title, truss.affiliation) == ("Liz Truss", "Foreign Secretary", uk)
    assert Meeting.objects.get(location="Moscow", actors=truss).actors.get(kind=Actor.Kind.STATE) == russia


@pytest.mark.django_db
def test_a_known_actor_keeps_what_an_editor_entered():
    Actor.objects.create(name="Liz Truss", slug="liz-truss", kind=Actor.Kind.PERSON, title="Secretary of State")
    import_timeline(data=timeline())
    assert Actor.objects.get(slug="liz-truss").title == "Secretary of State"


@pytest.mark.django_db
def test_a_new_actor_gets_a_free_slug_when_its_own_is_taken():
    Actor.objects.create(name="Côte d’Ivoire", slug="cote-divoire", kind=Actor.Kind.STATE)
    import_timeline(data=timeline(actors=[{"name": "Cote dIvoire", "kind": "state"}], meetings=[], drills=[]))
    assert Actor.objects.get(name="Cote dIvoire").slug == "cote-divoire-2"


@pytest.mark.django_db
def test_an_alias_another_actor_already_uses_is_skipped_and_reported():
    belarus = Actor.objects.create(name="Belarus", slug="belarus", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=belarus, name="Moscow")

    report = import_timeline(data=timeline(meetings=[], drills=[]))

    assert Alias.objects.get(name="Moscow").actor == belarus
    assert report.notes == ["“Moscow” was not added as an alias of Russia: another actor uses it."]


@pytest.mark.django_db
def test_an_actor_may_keep_its_own_name_in_another_case_as_alias():
    import_timeline(
        data=timeline(actors=[{"name": "NATO", "kind": "organisation", "aliases": ["Nato"]}], meetings=[], drills=[])
    )
    assert list(Alias.objects.values_list("name", flat=True)) == ["Nato"]


@pytest.mark.django_db
def test_two_ministers_meeting_the_same_state_on_the_same_day_stay_two_meetings():
    import_timeline(data=timeline())
    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "2022-02-10-talks-ben-wallace-russia",
        "2022-02-10-talks-liz-truss-russia",
    ]


@pytest.mark.django_db
def test_a_known_meeting_reported_by_a_second_article_gains_the_source_and_new_participants():
    import_timeline(data=timeline())
    lavrov = {"name": "Sergei Lavrov", "kind": "person", "affiliation": "Russia"}
    second = {"title": "Cold talks", "publisher": "Evening Post", "published": "2022-02-11", "evidence": "They met."}
    report = import_timeline(
        data={
            "actors": [lavrov],
            "meetings": [
                {
                    "kind": "talks",
                    "status": "held",
                    "date": "2022-02-10",
                    "participants": ["liz truss", "Sergei Lavrov"],
                    "location": "MOSCOW",
                    "sources": [second],
                }
            ],
        }
    )

    assert (report.meetings_created, report.meetings_matched, report.sources_created) == (0, 1, 1)
    meeting = Meeting.objects.get(slug="2022-02-10-talks-liz-truss-russia")
    assert sorted(meeting.actors.values_list("name", flat=True)) == ["Liz Truss", "Russia", "Sergei Lavrov"]
    assert sorted(meeting.evidence.values_list("source__title", flat=True)) == ["Cold talks", "Talks in Moscow"]
    assert meeting.status == Meeting.Status.PLANNED


@pytest.mark.django_db
def test_a_meeting_elsewhere_or_of_another_kind_is_a_new_meeting():
    import_timeline(data=timeline())
    meeting = timeline()["meetings"][0]
    import_timeline(data={"meetings": [{**meeting, "location": "Kyiv"}, {**meeting, "kind": "call"}]})
    assert Meeting.objects.filter(actors__name="Liz Truss").count() == 3


@pytest.mark.django_db
def test_meetings_without_participants_match_each_other_but_not_one_with_participants():
    anonymous = {"kind": "talks", "status": "planned", "date": "2022-02-10", "participants": [], "location": "Moscow"}
    import_timeline(data=timeline(meetings=[anonymous]))
    import_timeline(data=timeline(meetings=[anonymous]))
    import_timeline(data=timeline())
    assert Meeting.objects.count() == 3
    assert Meeting.objects.filter(slug="2022-02-10-talks-moscow").exists()


@pytest.mark.django_db
def test_a_known_event_gains_what_it_lacked_but_keeps_what_it_had():
    import_timeline(data=timeline())
    drill = timeline()["drills"][0]
    import_timeline(
        data={"drills": [{**drill, "name": "Allied Resolve", "troops": 25000, "summary": "Joint exercise."}]}
    )

    drill = Drill.objects.get()
    assert (drill.name, drill.troops, drill.summary) == ("Allied Resolve", 30000, "Joint exercise.")


@pytest.mark.django_db
def test_known_evidence_without_a_sentence_gains_the_sentence():
    import_timeline(data=timeline())
    wallace = timeline()["meetings"][1]
    wallace["sources"] = [{**SOURCE, "evidence": "Wallace too.", "evidence_start": 40, "evidence_end": 52}]
    report = import_timeline(data={"meetings": [wallace]})

    evidence = Evidence.objects.get(meeting__slug="2022-02-10-talks-ben-wallace-russia")
    assert (evidence.sentence, evidence.start_offset, evidence.end_offset) == ("Wallace too.", 40, 52)
    assert (report.evidence_created, report.evidence_matched) == (0, 1)


@pytest.mark.django_db
def test_event_slugs_are_readable_and_get_a_number_when_taken():
    meeting = {"kind": "press_conference", "status": "held", "date": "2022-02", "participants": ["Liz Truss"]}
    import_timeline(data=timeline(meetings=[meeting, {**meeting, "location": "London"}, {**meeting, "date": None}]))

    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "2022-02-press-conference-liz-truss",
        "2022-02-press-conference-liz-truss-2",
        "undated-press-conference-liz-truss",
    ]
    assert Drill.objects.get().slug == "2022-02-10-drill-russia"


@pytest.mark.django_db
def test_a_timeline_with_errors_raises_them_all_and_changes_nothing():
    Actor.objects.create(name="Belarus", slug="belarus", kind=Actor.Kind.STATE)
    before = counts()
    data = timeline()
    data["meetings"][1]["date"] = "2022-02-30"
    data["drills"][0]["troops"] = -1

    with pytest.raises(TimelineError) as error:
        import_timeline(data=data)

    assert error.value.errors == [
        'meetings[1].date: "2022-02-30" is not a valid date (use YYYY-MM-DD, YYYY-MM or YYYY)',
        "drills[0].troops: -1 is negative (troop numbers cannot be negative)",
    ]
    assert counts() == before


@pytest.mark.django_db
def test_imports_take_the_postgresql_advisory_lock():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with IMMEDIATE transactions instead")
    with CaptureQueriesContext(connection) as queries:
        import_timeline(data=timeline())
    statements = [query["sql"] for query in queries.captured_queries]
    lock = next(index for index, sql in enumerate(statements) if "pg_advisory_xact_lock" in sql)
    assert all(sql.startswith("SAVEPOINT") for sql in statements[:lock])


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_timeline_create_everything_once():
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database cannot be shared between threads")
    barrier = threading.Barrier(4)
    failures = []

    def run() -> None:
        try:
            barrier.wait()
            import_timeline(data=timeline())
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert (Actor.objects.count(), Meeting.objects.count(), Drill.objects.count(), Evidence.objects.count()) == (
        4,
        2,
        1,
        3,
    )


# Merging actors ---------------------------------------------------------------------------------


@pytest.fixture
def duplicates():
    """Russia entered twice ("Russian Federation" too), each with its own events, aliases and people."""
    import_timeline(data=timeline())
    russia = Actor.objects.get(slug="russia")
    twin = Actor.objects.create(
        name="Russian Federation", slug="russian-federation", kind=Actor.Kind.STATE, description="Entered by hand."
    )
    Alias.objects.create(actor=twin, name="RF")
    lavrov = Actor.objects.create(name="Sergei Lavrov", slug="sergei-lavrov", kind=Actor.Kind.PERSON, affiliation=twin)
    group = Actor.objects.create(name="CSTO", slug="csto", kind=Actor.Kind.GROUP)
    group.members.add(twin)
    call = Meeting.objects.create(slug="call", kind=Meeting.Kind.CALL, start=date(2022, 2, 12))
    Participant.objects.create(meeting=call, actor=twin)
    Evidence.objects.create(meeting=call, source=Source.objects.get())
    truss_talks = Meeting.objects.get(slug="2022-02-10-talks-liz-truss-russia")
    Participant.objects.create(meeting=truss_talks, actor=twin, role=Participant.Role.HOST)
    return russia, twin, lavrov, group, call, truss_talks


@pytest.mark.django_db
def test_merging_moves_everything_to_the_actor_kept_and_deletes_the_duplicate(duplicates):
    russia, twin, lavrov, group, call, truss_talks = duplicates

    merge_actors(keep=russia, duplicates=[twin])

    assert not Actor.objects.filter(pk=twin.pk).exists()
    assert sorted(russia.aliases.values_list("name", flat=True)) == [
        "Moscow",
        "RF",
        "Russian Federation",
        "the Kremlin",
    ]
    assert list(call.actors.all()) == [russia]
    assert call.evidence.count() == 1
    assert Actor.objects.get(pk=lavrov.pk).affiliation == russia
    assert list(group.members.all()) == [russia]
    assert Actor.objects.get(pk=russia.pk).description == "Entered by hand."


@pytest.mark.django_db
def test_merging_two_actors_of_the_same_event_keeps_one_participant_with_the_role(duplicates):
    russia, twin, *_, truss_talks = duplicates

    merge_actors(keep=russia, duplicates=[twin])

    rows = Participant.objects.filter(meeting=truss_talks).order_by("actor__name")
    assert [(row.actor.name, row.role) for row in rows] == [("Liz Truss", ""), ("Russia", "host")]


@pytest.mark.django_db
def test_merging_loses_no_participation_of_either_actor(duplicates):
    russia, twin, *_ = duplicates
    events = set(Meeting.objects.filter(actors__in=[russia, twin]).values_list("pk", flat=True))
    drills = set(Drill.objects.filter(actors__in=[russia, twin]).values_list("pk", flat=True))

    merge_actors(keep=twin, duplicates=[russia])

    assert set(Meeting.objects.filter(actors=twin).values_list("pk", flat=True)) == events
    assert set(Drill.objects.filter(actors=twin).values_list("pk", flat=True)) == drills
    assert sorted(twin.aliases.values_list("name", flat=True)) == ["Moscow", "RF", "Russia", "the Kremlin"]


@pytest.mark.django_db
def test_merging_a_person_into_their_own_affiliation_leaves_no_self_affiliation():
    state = Actor.objects.create(name="Ruritania", slug="ruritania", kind=Actor.Kind.STATE)
    copy = Actor.objects.create(name="Kingdom of Ruritania", slug="kingdom", kind=Actor.Kind.STATE, affiliation=state)

    merge_actors(keep=copy, duplicates=[state])

    copy.refresh_from_db()
    assert copy.affiliation is None
    copy.full_clean()
