from collections import defaultdict
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from tests.conftest import DEMO_FIXTURE
from tracker.models import Actor, Meeting, PairTally, Participant
from tracker.pairs import rebuild_pair_tallies, refresh_actor_tallies, refresh_pair_tallies

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


def meeting(day: date, *actors: Actor, slug: str) -> Meeting:
    event = Meeting.objects.create(slug=slug, kind=Meeting.Kind.TALKS, start=day)
    Participant.objects.bulk_create([Participant(meeting=event, actor=a) for a in actors])
    return event


def test_a_generated_timeline_comes_with_correct_tallies():
    call_command("generate_timeline", events=400, actors=60, seed=3, stdout=StringIO())

    assert stored() == from_scratch()
    assert PairTally.objects.count() > 100


def test_loading_the_demo_fixture_fills_the_tallies():
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)

    assert stored() == from_scratch() != {}


def test_an_actor_with_itself_counts_its_own_meetings_and_latest_date():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    meeting(date(2022, 2, 14), russia, ukraine, slug="b")
    rebuild_pair_tallies()

    assert PairTally.objects.get(actor_a=russia, actor_b=russia).meetings == 2
    assert PairTally.objects.get(actor_a=russia, actor_b=russia).last_met == date(2022, 2, 14)
    assert not PairTally.objects.filter(actor_a__in=[belarus, ukraine], actor_b__in=[belarus, ukraine]).exclude(actor_a=F("actor_b")).exists()


def test_refreshing_after_a_new_meeting_counts_it():
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    rebuild_pair_tallies()

    later = meeting(date(2022, 2, 20), russia, belarus, slug="b")
    refresh_pair_tallies(meeting_ids=[later.pk])

    pair = PairTally.objects.get(actor_a=min(russia.pk, belarus.pk), actor_b=max(russia.pk, belarus.pk))
    assert (pair.meetings, pair.last_met) == (2, date(2022, 2, 20))
    assert stored() == from_scratch()


def test_refreshing_with_the_actors_who_left_a_meeting_forgets_their_pair():
    russia, belarus, ukraine = actor("Russia"), actor("Belarus"), actor("Ukraine")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="a")
    rebuild_pair_tallies()

    left = list(talks.participants.values_list("actor_id", flat=True))
    talks.participants.filter(actor=belarus).delete()
    Participant.objects.create(meeting=talks, actor=ukraine)
    refresh_pair_tallies(meeting_ids=[talks.pk], actor_ids=left)

    assert stored() == from_scratch()
    assert not PairTally.objects.filter(actor_a__in=[russia, belarus], actor_b__in=[russia, belarus]).exclude(
        actor_a=F("actor_b")
    ).exists()


def test_refreshing_after_a_meeting_moves_in_time_updates_the_last_date():
    russia, belarus = actor("Russia"), actor("Belarus")
    talks = meeting(date(2022, 2, 10), russia, belarus, slug="a")
    rebuild_pair_tallies()

    Meeting.objects.filter(pk=talks.pk).update(start=date(2023, 5, 1))
    refresh_pair_tallies(meeting_ids=[talks.pk])

    assert stored() == from_scratch()
    assert PairTally.objects.filter(last_met=date(2023, 5, 1)).count() == 3


def test_refreshing_one_actor_recounts_all_its_pairs_after_a_merge():
    russia, moscow, belarus, ukraine = actor("Russia"), actor("Moscow"), actor("Belarus"), actor("Ukraine")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    meeting(date(2022, 2, 11), moscow, ukraine, slug="b")
    meeting(date(2022, 2, 12), moscow, belarus, slug="c")
    rebuild_pair_tallies()

    Participant.objects.filter(actor=moscow).update(actor=russia)
    moscow.delete()
    refresh_actor_tallies(russia.pk)

    assert stored() == from_scratch()
    assert PairTally.objects.get(actor_a=min(russia.pk, belarus.pk), actor_b=max(russia.pk, belarus.pk)).meetings == 2


def test_a_refresh_with_nothing_to_do_changes_nothing():
    russia, belarus = actor("Russia"), actor("Belarus")
    meeting(date(2022, 2, 10), russia, belarus, slug="a")
    rebuild_pair_tallies()
    before = stored()

    refresh_pair_tallies(meeting_ids=[], actor_ids=[])

    assert stored() == before
