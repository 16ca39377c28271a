import json
import re
from datetime import date

import pytest
from django.core.management import call_command

from tests.conftest import DEMO_FIXTURE
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source

MODELS = [Actor, Alias, Meeting, Drill, Participant, Source, Evidence]


def load() -> None:
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model, with every value, so a reload that changes anything shows."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
    rows["members"] = list(Actor.members.through.objects.order_by("pk").values())
    return rows


def test_the_fixture_uses_natural_keys_only():
    records = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
    assert all("pk" not in record for record in records)
    for record in records:
        for name in ("actor", "affiliation", "meeting", "drill", "source"):
            value = record["fields"].get(name)
            assert value is None or isinstance(value, list), f"{record['model']}.{name} is not a natural key"


@pytest.mark.django_db
def test_the_fixture_loads_the_february_2022_timeline():
    load()
    assert {model.__name__: model.objects.count() for model in MODELS} == {
        "Actor": 24,
        "Alias": 66,
        "Meeting": 9,
        "Drill": 1,
        "Participant": 24,
        "Source": 1,
        "Evidence": 10,
    }
    assert sorted(Actor.objects.get(slug="normandy-quartet").members.values_list("name", flat=True)) == [
        "France",
        "Germany",
        "Russia",
        "Ukraine",
    ]


@pytest.mark.django_db
def test_every_loaded_object_passes_full_clean():
    load()
    for model in MODELS:
        for instance in model.objects.all():
            instance.full_clean()


@pytest.mark.django_db
def test_every_event_is_traced_to_the_article_without_carrying_its_sentences():
    load()
    source = Source.objects.get()
    assert (source.title, source.publisher, source.published) == (
        "Russia Begins Military Drills with Belarus, Despite Ukraine Tensions",
        "Financial Times (as republished)",
        date(2022, 2, 10),
    )
    assert (source.text, source.url) == ("", "")
    assert set(Evidence.objects.values_list("sentence", flat=True)) == {""}
    assert not Meeting.objects.filter(evidence=None).exists()
    assert not Drill.objects.filter(evidence=None).exists()


def test_the_fixture_copies_no_sentence_of_the_article(seed_article_text):
    body = seed_article_text.split("\n---\n", 1)[1]
    words = re.findall(r"[\w’']+", body.lower())
    fixture = " ".join(re.findall(r"[\w’']+", DEMO_FIXTURE.read_text(encoding="utf-8").lower()))
    # No run of seven words of the article's text appears in the fixture.
    copied = {" ".join(words[i : i + 7]) for i in range(len(words) - 6) if " ".join(words[i : i + 7]) in fixture}
    assert copied == set()


@pytest.mark.django_db
def test_loading_the_fixture_twice_changes_nothing():
    load()
    first = snapshot()
    load()
    assert snapshot() == first


@pytest.mark.django_db
def test_loading_the_fixture_into_a_database_with_other_data_keeps_that_data():
    ruritania = Actor.objects.create(
        name="Ruritania", slug="ruritania", kind=Actor.Kind.STATE, description="A kingdom."
    )
    Alias.objects.create(actor=ruritania, name="Strelsau")
    coronation = Meeting.objects.create(
        slug="coronation", kind=Meeting.Kind.SUMMIT, start=date(1894, 5, 1), location="Strelsau"
    )
    Participant.objects.create(actor=ruritania, meeting=coronation, role=Participant.Role.HOST)
    source = Source.objects.create(title="Court circular", publisher="Strelsau Gazette", published=date(1894, 5, 2))
    Evidence.objects.create(source=source, meeting=coronation, sentence="The king was crowned.")
    before = snapshot()

    load()

    after = snapshot()
    for name, rows in before.items():
        assert all(row in after[name] for row in rows), name
    assert Meeting.objects.count() == 10
    assert list(Meeting.objects.get(slug="coronation").actors.all()) == [ruritania]
