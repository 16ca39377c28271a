from collections import defaultdict
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max

from tests import factories as f
from tests.conftest import DEMO_FIXTURE
from tracker.models import Actor, Drill, Meeting, PairTally, Participant

pytestmark = pytest.mark.django_db


def from_scratch() -> dict[tuple[int, int], tuple[int, date | None]]:
    """Every pair's shared meetings and last date, counted in Python from the participants."""
    people = defaultdict(set)
    for meeting_id, actor_id in Participant.objects.filter(meeting__isnull=False).values_list("meeting_id", "actor_id"):
        people[meeting_id].add(actor_id)
    starts = dict(Meeting.objects.values_list("pk", "start"))
    tally: dict[tuple[int, int], list] = {}
    for meeting_id, actors in people.items():
        for a in actors:
            for b in actors:
                if a <= b:
                    count, last = tally.get((a, b), (0, None))
                    start = starts[meeting_id]
                    tally[(a, b)] = (count + 1, max(filter(None, [last, start]), default=None))
    return tally


def stored() -> dict[tuple[int, int], tuple[int, date | None]]:
    return {(t.actor_a_id, t.actor_b_id): (t.meetings, t.last_met) for t in PairTally.objects.all()}


def actor(name: str) -> Actor:
    return Actor.objects.create(name=name, slug=name.lower(), kind=Actor.Kind.STATE)


def pair(a: Actor, b: Actor) -> tuple[int, date | None] | None:
    tally = PairTally.objects.filter(actor_a=min(a.pk, b.pk), actor_b=max(a.pk, b.pk)).first()
    return (tally.meetings, tally.last_met) if tally else None


def meeting(day: date, *actors: Actor, slug: str) -> Meeting:
    event = Meeting.objects.create(slug=slug, kind=Meeting.Kind.TALKS, start=day)
    Participant.objects.bulk_create([Participant(meeting=event, actor=a) for a in actors])
    return event


def test_a_generated_timeline_comes_with_correct_tallies():
    call_command("generate_timeline", events=400, actors=60, seed=3, stdout=StringIO())

    assert stored() == from_scratch()
    assert PairTally.objects.count() > 100


def test_djangos_loaddata_fills_the_tallies():
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)

    assert stored() == from_scratch() != {}


def test_a_meeting_moved_earlier_gives_the_pair_its_previous_latest_date_back():
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    later = meeting(date(2022, 3, 1), russia, belarus, slug="b")

    Meeting.objects.filter(pk=later.pk).update(start=date(2021, 1, 5))

    assert pair(russia, belarus) == (2, date(2022, 2, 10))
    assert stored() == from_scratch()


def test_a_participant_moved_to_another_meeting_moves_its_pairs():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    first = meeting(date(2022, 2, 10), russia, belarus, slug="a")
    second = meeting(date(2022, 2, 12), ukraine, slug="b")

    Participant.objects.filter(meeting=first, actor=belarus).update(meeting=second)

    assert pair(russia, belarus) is None
    assert pair(belarus, ukraine) == (1, date(2022, 2, 12))
    assert stored() == from_scratch()


def test_deleting_meetings_in_bulk_and_a_participant_moving_to_a_drill_keep_the_tallies():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    for day in range(1, 6):
        meeting(date(2022, 2, day), russia, belarus, ukraine, slug=f"m{day}")
    drill = Drill.objects.create(slug="drill", start=date(2022, 2, 1))

    Meeting.objects.filter(start__gte=date(2022, 2, 4)).delete()
    Participant.objects.filter(meeting__slug="m1", actor=ukraine).update(meeting=None, drill=drill)

    assert pair(russia, belarus) == (3, date(2022, 2, 3))
    assert pair(russia, ukraine) == (2, date(2022, 2, 3))
    assert stored() == from_scratch()


def test_the_tallies_match_a_count_from_scratch_after_many_mixed_writes():
    for number in f.mixed_meeting_writes(7, states=8, days=900, most=4):
        assert stored() == from_scratch(), f"after step {number}"


def test_an_actor_with_itself_counts_its_own_meetings_and_latest_date():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    meeting(date(2022, 2, 14), russia, ukraine, slug="b")

    assert PairTally.objects.get(actor_a=russia, actor_b=russia).meetings == 2
    assert PairTally.objects.get(actor_a=russia, actor_b=russia).last_met == date(2022, 2, 14)
    assert (
        not PairTally.objects.filter(actor_a__in=[belarus, ukraine], actor_b__in=[belarus, ukraine])
        .exclude(actor_a=F("actor_b"))
        .exists()
    )


def test_a_new_meeting_is_counted_as_it_is_saved():
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")

    meeting(date(2022, 2, 20), russia, belarus, slug="b")

    pair = PairTally.objects.get(actor_a=min(russia.pk, belarus.pk), actor_b=max(russia.pk, belarus.pk))
    assert (pair.meetings, pair.last_met) == (2, date(2022, 2, 20))
    assert stored() == from_scratch()


def test_actors_who_left_a_meeting_lose_their_pair():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="a")

    talks.participants.filter(actor=belarus).delete()
    Participant.objects.create(meeting=talks, actor=ukraine)

    assert stored() == from_scratch()
    assert (
        not PairTally.objects.filter(actor_a__in=[russia, belarus], actor_b__in=[russia, belarus])
        .exclude(actor_a=F("actor_b"))
        .exists()
    )


def test_a_meeting_moved_later_in_time_updates_the_last_date():
    russia, belarus = actor("Russia"), actor("Belarus")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="a")

    Meeting.objects.filter(pk=talks.pk).update(start=date(2023, 5, 1))

    assert stored() == from_scratch()
    assert PairTally.objects.filter(last_met=date(2023, 5, 1)).count() == 3


def test_participations_moved_to_another_actor_move_its_pairs():
    russia, moscow, belarus, ukraine = actor("Russia"), actor("Moscow"), actor("Belarus"), actor("Ukraine")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    meeting(date(2022, 2, 11), moscow, ukraine, slug="b")
    meeting(date(2022, 2, 12), moscow, belarus, slug="c")

    Participant.objects.filter(actor=moscow).update(actor=russia)
    moscow.delete()

    assert stored() == from_scratch()
    assert PairTally.objects.get(actor_a=min(russia.pk, belarus.pk), actor_b=max(russia.pk, belarus.pk)).meetings == 2


# Kept through the services and the admin


TIMELINE = {
    "actors": [
        {"name": "Russia", "slug": "russia", "kind": "state"},
        {"name": "Belarus", "slug": "belarus", "kind": "state"},
        {"name": "Ukraine", "slug": "ukraine", "kind": "state"},
    ],
    "meetings": [
        {
            "kind": "talks",
            "status": "held",
            "date": "2022-02-10",
            "participants": ["Russia", "Belarus"],
            "location": "Minsk",
        },
        {
            "kind": "call",
            "status": "held",
            "date": "2022-02-12",
            "participants": ["Russia", "Belarus", "Ukraine"],
            "location": "",
        },
    ],
    "drills": [
        {
            "name": "Union Resolve",
            "status": "held",
            "start": "2022-02-10",
            "end": "2022-02-20",
            "participants": ["Russia", "Belarus"],
            "location": "",
        },
    ],
}


def test_importing_a_timeline_counts_its_meetings_and_not_its_drills():
    from tracker.services import import_timeline

    import_timeline(data=TIMELINE)

    russia, belarus = Actor.objects.get(slug="russia"), Actor.objects.get(slug="belarus")
    assert pair(russia, belarus) == (2, date(2022, 2, 12))
    assert stored() == from_scratch()


def test_importing_the_same_timeline_again_counts_nothing_twice():
    from tracker.services import import_timeline

    import_timeline(data=TIMELINE)
    import_timeline(data=TIMELINE)

    assert stored() == from_scratch()


def test_an_article_import_counts_the_meetings_it_saves():
    f.imported_talks(date(2022, 2, 10))

    assert pair(Actor.objects.get(name="Russia"), Actor.objects.get(name="Belarus")) == (1, date(2022, 2, 10))
    assert stored() == from_scratch()


def test_merging_actors_moves_their_tallies_to_the_one_kept():
    from tracker.services import import_timeline, merge_actors

    import_timeline(data=TIMELINE)
    minsk = actor("Minsk")
    ukraine = Actor.objects.get(slug="ukraine")
    meeting(date(2022, 3, 1), minsk, ukraine, slug="minsk-kyiv")

    merge_actors(keep=Actor.objects.get(slug="belarus"), duplicates=[minsk])

    assert stored() == from_scratch()
    assert pair(Actor.objects.get(slug="belarus"), ukraine) == (2, date(2022, 3, 1))


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password"))
    return client


def meeting_form(event: Meeting, participants: list[tuple[Participant | None, Actor, bool]]) -> dict:
    data = {
        "kind": event.kind,
        "status": event.status,
        "start": event.start.isoformat(),
        "precision": "day",
        "end": "",
        "end_precision": "day",
        "date_text": "",
        "location": event.location,
        "summary": event.summary,
        "slug": event.slug,
        "participants-TOTAL_FORMS": len(participants),
        "participants-INITIAL_FORMS": sum(1 for p, _, _ in participants if p),
        "participants-MIN_NUM_FORMS": 0,
        "participants-MAX_NUM_FORMS": 1000,
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
        "evidence-MIN_NUM_FORMS": 0,
        "evidence-MAX_NUM_FORMS": 1000,
    }
    for index, (participant, person, delete) in enumerate(participants):
        data |= {
            f"participants-{index}-id": participant.pk if participant else "",
            f"participants-{index}-actor": person.pk,
            f"participants-{index}-role": "",
            f"participants-{index}-meeting": event.pk,
        }
        if delete:
            data[f"participants-{index}-DELETE"] = "on"
    return data


def test_an_editor_swapping_a_participant_in_the_admin_moves_the_tally(editor):
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="talks")
    kept, dropped = talks.participants.get(actor=russia), talks.participants.get(actor=belarus)

    response = editor.post(
        f"/admin/tracker/meeting/{talks.pk}/change/",
        meeting_form(talks, [(kept, russia, False), (dropped, belarus, True), (None, ukraine, False)]),
    )

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert pair(russia, belarus) is None
    assert pair(russia, ukraine) == (1, date(2022, 2, 10))
    assert stored() == from_scratch()


def test_an_editor_deleting_a_meeting_in_the_admin_removes_its_tally(editor):
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="first")
    second = meeting(date(2022, 2, 11), russia, belarus, slug="second")

    editor.post(f"/admin/tracker/meeting/{second.pk}/delete/", {"post": "yes"})

    assert pair(russia, belarus) == (1, date(2022, 2, 10))
    assert stored() == from_scratch()


def test_an_editor_adding_and_deleting_participants_in_their_own_admin_keeps_the_tally(editor):
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="talks")

    editor.post("/admin/tracker/participant/add/", {"actor": ukraine.pk, "meeting": talks.pk, "role": ""})
    assert pair(ukraine, russia) == (1, date(2022, 2, 10))
    editor.post(
        "/admin/tracker/participant/",
        {
            "action": "delete_selected",
            "_selected_action": [p.pk for p in talks.participants.filter(actor=russia)],
            "post": "yes",
        },
    )

    assert pair(ukraine, russia) is None
    assert stored() == from_scratch()


# Reads for the dashboard


def live_counterparts(actor, cap):
    """What the tallies should hold, counted from participants: the actors `actor` met, most meetings first."""
    return list(
        Participant.objects.filter(meeting__participants__actor=actor)
        .exclude(actor=actor)
        .values("actor", slug=F("actor__slug"), name=F("actor__name"), kind=F("actor__kind"))
        .annotate(meetings=Count("meeting"), last=Max("meeting__start"))
        .order_by("-meetings", F("last").desc(nulls_last=True), "name")[: cap + 1]
    )


def test_an_actors_counterparts_met_only_on_unknown_dates_come_after_the_dated_ones_on_every_database():
    from tracker.pairs import counterparts

    envoy, dated, undated = f.actor("Envoy A"), f.actor("Envoy B"), f.actor("Envoy C")
    f.meeting(envoy, undated, start=None, summary="A and C, date not reported.")
    f.meeting(envoy, dated, start=date(2022, 2, 11), summary="A and B.")

    assert [row["name"] for row in counterparts(envoy.pk, 10)] == ["Envoy B", "Envoy C"]


def test_the_tallies_give_the_same_matrix_and_counterparts_as_counting_participants():
    from tracker.pairs import busiest_actors, counterparts, pairs_among
    from tracker.views import queries

    call_command("generate_timeline", events=600, actors=40, seed=8, stdout=StringIO())
    top, live_pairs = queries.meeting_matrix(Meeting.objects.all(), size=8)

    assert [(row["actor"], row["meetings"]) for row in busiest_actors(8)] == [
        (row["actor"], row["meetings"]) for row in top
    ]
    tallied = pairs_among([row["actor"] for row in top])
    assert {key: (row["count"], row["last"]) for key, row in tallied.items()} == {
        key: (row["count"], row["last"]) for key, row in live_pairs.items()
    }
    for row in top[:3]:
        live = live_counterparts(Actor.objects.get(pk=row["actor"]), cap=10)
        assert [(c["actor"], c["meetings"], c["last"]) for c in counterparts(row["actor"], 10)] == [
            (c["actor"], c["meetings"], c["last"]) for c in live[:10]
        ]


def test_the_tallied_reads_take_one_query_each(django_assert_num_queries):
    from tracker.pairs import busiest_actors, counterparts, pairs_among

    call_command("generate_timeline", events=200, actors=30, seed=8, stdout=StringIO())
    with django_assert_num_queries(3):
        ids = [row["actor"] for row in busiest_actors(12)]
        pairs_among(ids)
        counterparts(ids[0], 50)
