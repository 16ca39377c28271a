"""Events per day and per actor and day (DayTally, ActorDayTally) follow every write, whoever writes it."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.conftest import DEMO_FIXTURE
from tracker.models import Actor, ActorDayTally, DayTally, Drill, Meeting, Participant

pytestmark = pytest.mark.django_db


def from_scratch() -> tuple[Counter, Counter]:
    """Events per (type, day) and participations per (actor, type, day), counted in Python from the events."""
    days: Counter = Counter()
    actors: Counter = Counter()
    for kind, model in (("meeting", Meeting), ("drill", Drill)):
        starts = dict(model.objects.exclude(start=None).values_list("pk", "start"))
        days.update((kind, start) for start in starts.values())
        for event, actor in Participant.objects.filter(**{f"{kind}__isnull": False}).values_list(
            f"{kind}_id", "actor_id"
        ):
            if event in starts:
                actors[(actor, kind, starts[event])] += 1
    return days, actors


def stored() -> tuple[dict, dict]:
    """The tallies as the triggers keep them."""
    days = {(t, d): n for t, d, n in DayTally.objects.values_list("type", "day", "events")}
    actors = {(a, t, d): n for a, t, d, n in ActorDayTally.objects.values_list("actor_id", "type", "day", "events")}
    return dict(days), dict(actors)


def actor(name: str) -> Actor:
    return Actor.objects.create(name=name, slug=name.lower(), kind=Actor.Kind.STATE)


def meeting(day: date | None, *actors: Actor, slug: str) -> Meeting:
    event = Meeting.objects.create(slug=slug, kind=Meeting.Kind.TALKS, start=day)
    Participant.objects.bulk_create([Participant(meeting=event, actor=a) for a in actors])
    return event


def test_a_new_meeting_and_drill_count_on_their_first_day_for_them_and_each_participant():
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="talks")
    drill = Drill.objects.create(slug="drill", start=date(2022, 2, 10), end=date(2022, 2, 20))
    Participant.objects.create(drill=drill, actor=russia)

    assert sorted(DayTally.objects.counts(date(2022, 2, 1), date(2022, 2, 28))) == [
        ("drill", date(2022, 2, 10), 1),
        ("meeting", date(2022, 2, 10), 1),
    ]
    assert sorted(ActorDayTally.objects.counts([russia.pk], date(2022, 2, 1), date(2022, 2, 28))) == [
        (russia.pk, "drill", date(2022, 2, 10), 1),
        (russia.pk, "meeting", date(2022, 2, 10), 1),
    ]
    assert DayTally.objects.counts(date(2022, 2, 1), date(2022, 2, 28), types=["drill"]) == [
        ("drill", date(2022, 2, 10), 1)
    ]
    assert stored() == from_scratch()


def test_a_meeting_moved_to_another_day_moves_its_counts():
    russia, belarus = actor("Russia"), actor("Belarus")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="talks")

    talks.start = date(2022, 3, 1)
    talks.save()

    assert DayTally.objects.counts(date(2022, 2, 1), date(2022, 2, 28)) == []
    assert DayTally.objects.counts(date(2022, 3, 1), date(2022, 3, 1)) == [("meeting", date(2022, 3, 1), 1)]
    assert stored() == from_scratch()


def test_a_meeting_that_loses_or_gains_its_date_leaves_or_joins_the_counts():
    russia = actor("Russia")
    talks = meeting(None, russia, slug="talks")
    assert stored() == ({}, {})

    Meeting.objects.filter(pk=talks.pk).update(start=date(2022, 2, 10))
    assert stored() == from_scratch() and sum(stored()[1].values()) == 1
    Meeting.objects.filter(pk=talks.pk).update(start=None)
    assert stored() == ({}, {})


def test_deleting_events_and_participants_takes_their_counts_away():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    for day in range(1, 6):
        meeting(date(2022, 2, day), russia, belarus, ukraine, slug=f"m{day}")

    Meeting.objects.filter(start__gte=date(2022, 2, 4)).delete()
    Participant.objects.filter(meeting__slug="m1", actor=ukraine).delete()
    Meeting.objects.get(slug="m2").delete()

    assert stored() == from_scratch()
    assert sum(stored()[0].values()) == 2


def test_participants_moved_to_another_actor_or_event_move_their_counts():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    first = meeting(date(2022, 2, 1), russia, belarus, slug="first")
    meeting(date(2022, 2, 9), russia, slug="second")
    drill = Drill.objects.create(slug="drill", start=date(2022, 2, 5))

    Participant.objects.filter(meeting=first, actor=belarus).update(actor=ukraine)
    Participant.objects.filter(meeting__slug="second").update(meeting=None, drill=drill)

    assert stored() == from_scratch()
    assert sorted(ActorDayTally.objects.counts([russia.pk], date(2022, 2, 1), date(2022, 2, 28))) == [
        (russia.pk, "drill", date(2022, 2, 5), 1),
        (russia.pk, "meeting", date(2022, 2, 1), 1),
    ]


def test_the_tallies_match_a_count_from_scratch_after_many_mixed_writes():
    for number in f.mixed_meeting_writes(11, states=6, days=20, most=3):
        assert stored() == from_scratch(), f"after step {number}"


def test_djangos_loaddata_fills_the_tallies():
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)

    assert stored() == from_scratch()
    assert (
        sum(stored()[0].values())
        == Meeting.objects.exclude(start=None).count() + Drill.objects.exclude(start=None).count()
    )


def test_a_generated_timeline_comes_with_correct_tallies():
    call_command("generate_timeline", events=300, actors=40, seed=5, stdout=StringIO())

    assert stored() == from_scratch()


def test_an_article_import_counts_the_events_it_saves():
    f.imported_talks(date(2022, 2, 10))

    assert DayTally.objects.counts(date(2022, 2, 10), date(2022, 2, 10)) == [("meeting", date(2022, 2, 10), 1)]
    assert stored() == from_scratch()


def test_merging_actors_moves_their_counts_to_the_one_kept():
    from tracker.services import merge_actors

    russia, rossiya, belarus = actor("Russia"), actor("Rossiya"), actor("Belarus")
    meeting(date(2022, 2, 1), russia, belarus, slug="first")
    meeting(date(2022, 2, 1), rossiya, belarus, slug="second")

    merge_actors(keep=russia, duplicates=[rossiya])

    assert stored() == from_scratch()
    assert ActorDayTally.objects.counts([russia.pk], date(2022, 2, 1), date(2022, 2, 1)) == [
        (russia.pk, "meeting", date(2022, 2, 1), 2)
    ]


def test_deletes_after_the_tallies_were_emptied_leave_no_rows_behind():
    # As a flush of the test database or generate_timeline --clear does: the tallies first, then the events.
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="talks")
    drill = Drill.objects.create(slug="drill", start=date(2022, 2, 11))
    Participant.objects.create(drill=drill, actor=russia)
    DayTally.objects.all().delete()
    ActorDayTally.objects.all().delete()

    Participant.objects.filter(actor=belarus).delete()
    Meeting.objects.all().delete()
    Drill.objects.all().delete()

    assert (DayTally.objects.count(), ActorDayTally.objects.count()) == (0, 0)
