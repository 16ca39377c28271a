from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source


def generate(**options) -> str:
    out = StringIO()
    call_command("generate_timeline", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """Everything generated except creation times, to compare two runs."""
    return {
        "actors": list(Actor.objects.order_by("pk").values_list("name", "slug", "kind", "title", "affiliation__slug")),
        "aliases": list(Alias.objects.order_by("pk").values_list("actor__slug", "name")),
        "meetings": list(
            Meeting.objects.order_by("pk").values_list(
                "slug", "kind", "status", "start", "precision", "end", "location", "summary"
            )
        ),
        "drills": list(Drill.objects.order_by("pk").values_list("slug", "name", "status", "start", "end", "troops")),
        "participants": list(
            Participant.objects.order_by("pk").values_list("actor__slug", "meeting__slug", "drill__slug", "role")
        ),
        "sources": list(Source.objects.order_by("pk").values_list("title", "publisher", "published", "url", "text")),
        "evidence": list(
            Evidence.objects.order_by("pk").values_list("source__title", "meeting__slug", "drill__slug", "sentence")
        ),
    }


@pytest.mark.django_db
def test_generate_timeline_creates_the_requested_numbers_of_events_and_actors():
    output = generate(events=500, actors=120, seed=7)

    assert Meeting.objects.count() + Drill.objects.count() == 500
    assert Actor.objects.count() == 120
    assert set(Actor.objects.values_list("kind", flat=True)) == set(Actor.Kind.values)
    assert 300 < Meeting.objects.count() < 500 and Drill.objects.count() > 50
    assert output.startswith("Generated 120 actors, ")


@pytest.mark.django_db
def test_generated_meetings_have_two_to_twenty_participants_mostly_two_to_four():
    generate(events=1000, actors=200, seed=3)

    sizes = list(Meeting.objects.annotate(n=Count("participants")).values_list("n", flat=True))
    assert min(sizes) >= 2 and max(sizes) <= 20
    assert sum(2 <= n <= 4 for n in sizes) / len(sizes) > 0.75
    assert max(sizes) >= 8


@pytest.mark.django_db
def test_generated_participation_has_a_long_tail():
    generate(events=2000, actors=300, seed=5)

    counts = sorted(Counter(Participant.objects.values_list("actor_id", flat=True)).values(), reverse=True)
    assert counts[0] > 10 * counts[len(counts) // 2]


@pytest.mark.django_db
def test_generated_drills_have_ranges_and_mostly_troop_numbers():
    generate(events=1000, actors=100, seed=2)

    drills = Drill.objects.all()
    assert drills.filter(end__isnull=False).count() > drills.count() / 2
    assert all(drill.end >= drill.start for drill in drills.filter(end__isnull=False))
    assert drills.filter(troops__gt=0).count() > drills.count() / 2


@pytest.mark.django_db
def test_generated_dates_spread_over_many_years():
    generate(events=1000, actors=100, seed=2)

    years = {start.year for start in Meeting.objects.filter(start__isnull=False).values_list("start", flat=True)}
    assert len(years) > 25


@pytest.mark.django_db
def test_every_generated_event_has_evidence_that_quotes_its_source():
    generate(events=400, actors=80, seed=11)

    assert not Meeting.objects.filter(evidence__isnull=True).exists()
    assert not Drill.objects.filter(evidence__isnull=True).exists()
    for evidence in Evidence.objects.select_related("source")[:200]:
        assert evidence.source.text[evidence.start_offset : evidence.end_offset] == evidence.sentence


@pytest.mark.django_db
def test_a_sample_of_generated_rows_passes_full_clean():
    generate(events=300, actors=80, seed=13)

    for model in (Actor, Alias, Meeting, Drill, Participant, Source, Evidence):
        sample = list(model.objects.order_by("?")[:40])
        assert sample, model
        for obj in sample:
            obj.full_clean()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_timeline():
    generate(events=300, actors=60, seed=21, clear=True)
    first = snapshot()
    generate(events=300, actors=60, seed=21, clear=True)

    assert snapshot() == first


@pytest.mark.django_db
def test_a_different_seed_gives_a_different_timeline():
    generate(events=100, actors=40, seed=1, clear=True)
    first = snapshot()
    generate(events=100, actors=40, seed=2, clear=True)

    assert snapshot()["meetings"] != first["meetings"]


@pytest.mark.django_db
def test_a_second_run_without_clear_adds_to_the_timeline_with_unique_names_and_slugs():
    generate(events=200, actors=50, seed=1)
    generate(events=200, actors=50, seed=1)

    assert Meeting.objects.count() + Drill.objects.count() == 400
    assert Actor.objects.count() == 100
    names = [name.lower() for name in Actor.objects.values_list("name", flat=True)]
    assert len(set(names)) == len(names)
    assert not set(names) & {name.lower() for name in Alias.objects.values_list("name", flat=True)}


@pytest.mark.django_db
def test_clear_replaces_the_timeline_and_keeps_actors_created_later_usable():
    generate(events=200, actors=50, seed=1)
    generate(events=50, actors=20, seed=9, clear=True)

    assert Meeting.objects.count() + Drill.objects.count() == 50
    assert Actor.objects.count() == 20
    Actor.objects.create(name="A brand new actor", slug="a-brand-new-actor", kind=Actor.Kind.STATE)
    Meeting.objects.create(slug="made-by-hand", kind=Meeting.Kind.TALKS)


def test_generate_timeline_refuses_a_negative_number_of_events():
    with pytest.raises(CommandError, match="--events must be 0 or more and --actors at least 4."):
        generate(events=-1)
