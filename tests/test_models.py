from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source


@pytest.mark.django_db
def test_an_actor_cannot_take_a_name_already_used_by_another_actor_in_other_case():
    Actor.objects.create(name="Russia", slug="russia", kind=Actor.Kind.STATE)
    duplicate = Actor(name="RUSSIA", slug="russia-2", kind=Actor.Kind.STATE)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "There is already an actor with this name (names are compared ignoring case)." in str(error.value)


@pytest.mark.django_db
def test_an_alias_cannot_be_another_actors_name():
    Actor.objects.create(name="Russia", slug="russia", kind=Actor.Kind.STATE)
    ukraine = Actor.objects.create(name="Ukraine", slug="ukraine", kind=Actor.Kind.STATE)
    with pytest.raises(ValidationError) as error:
        Alias(actor=ukraine, name="russia").full_clean()
    assert "“russia” is the name of Russia." in str(error.value)


# Every constraint, with the message an editor sees through full_clean() ----------------------


def messages(instance) -> list[str]:
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.messages


@pytest.fixture
def russia(db) -> Actor:
    russia = Actor.objects.create(name="Russia", slug="russia", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=russia, name="the Kremlin")
    return russia


@pytest.fixture
def talks(db) -> Meeting:
    return Meeting.objects.create(slug="talks", kind=Meeting.Kind.TALKS, start=date(2022, 2, 10))


@pytest.fixture
def drill(db) -> Drill:
    return Drill.objects.create(slug="drill", start=date(2022, 2, 10))


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(title="Drills begin", publisher="Wire", published=date(2022, 2, 10))


def test_a_meeting_cannot_end_before_it_starts(db):
    meeting = Meeting(slug="m", kind=Meeting.Kind.SUMMIT, start=date(2022, 2, 10), end=date(2022, 2, 9))
    assert messages(meeting) == ["The end date cannot be before the start date."]


def test_a_drill_cannot_end_before_it_starts_or_end_without_a_start(db):
    assert messages(Drill(slug="d", start=date(2022, 2, 10), end=date(2022, 1, 1))) == [
        "The end date cannot be before the start date."
    ]
    assert messages(Drill(slug="d", end=date(2022, 1, 1))) == ["The end date cannot be before the start date."]


def test_an_event_ending_the_day_it_starts_is_valid(db):
    Meeting(slug="m", kind=Meeting.Kind.CALL, start=date(2022, 2, 10), end=date(2022, 2, 10)).full_clean()


def test_troop_numbers_cannot_be_negative(db):
    assert messages(Drill(slug="d", start=date(2022, 2, 10), troops=-1)) == ["Troop numbers cannot be negative."]
    Drill(slug="d", start=date(2022, 2, 10), troops=0).full_clean()


def test_an_alias_cannot_be_taken_twice_ignoring_case(russia):
    ukraine = Actor.objects.create(name="Ukraine", slug="ukraine", kind=Actor.Kind.STATE)
    assert messages(Alias(actor=ukraine, name="THE KREMLIN")) == ["“THE KREMLIN” is already an alias of Russia."]


def test_an_actor_cannot_be_named_like_another_actors_alias(russia):
    kremlin = Actor(name="The Kremlin", slug="kremlin", kind=Actor.Kind.ORGANISATION)
    assert messages(kremlin) == ["“The Kremlin” is already an alias of Russia."]


def test_an_actor_may_carry_its_own_name_in_another_case_as_alias(db):
    nato = Actor.objects.create(name="NATO", slug="nato", kind=Actor.Kind.ORGANISATION)
    Alias(actor=nato, name="Nato").full_clean()


def test_an_actor_cannot_be_affiliated_to_itself(russia):
    russia.affiliation = russia
    assert messages(russia) == ["An actor cannot be affiliated to itself."]


def test_an_actor_takes_part_once_per_meeting_and_once_per_drill(russia, talks, drill):
    Participant.objects.create(actor=russia, meeting=talks)
    Participant.objects.create(actor=russia, drill=drill)
    assert messages(Participant(actor=russia, meeting=talks)) == ["This actor already takes part in this meeting."]
    assert messages(Participant(actor=russia, drill=drill)) == ["This actor already takes part in this drill."]


def test_a_participant_belongs_to_exactly_one_event(russia, talks, drill):
    message = ["A participant belongs to exactly one meeting or drill."]
    assert messages(Participant(actor=russia, meeting=talks, drill=drill)) == message
    assert messages(Participant(actor=russia)) == message


def test_evidence_supports_exactly_one_event(talks, drill, source):
    message = ["Evidence supports exactly one meeting or drill."]
    assert messages(Evidence(source=source, meeting=talks, drill=drill)) == message
    assert messages(Evidence(source=source)) == message


def test_a_source_reports_an_event_once(talks, drill, source):
    Evidence.objects.create(source=source, meeting=talks)
    Evidence.objects.create(source=source, drill=drill)
    assert messages(Evidence(source=source, meeting=talks)) == ["This source already reports this meeting."]
    assert messages(Evidence(source=source, drill=drill)) == ["This source already reports this drill."]


def test_evidence_cannot_end_before_it_starts(talks, source):
    assert messages(Evidence(source=source, meeting=talks, start_offset=10, end_offset=4)) == [
        "The sentence cannot end before it starts."
    ]


def test_the_same_article_cannot_be_a_source_twice(source):
    assert messages(Source(title="Drills begin", publisher="Wire", published=date(2022, 2, 10))) == [
        "This article is already a source."
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Meeting.objects.create(slug="m", kind="talks", start=date(2022, 2, 10), end=date(2022, 2, 1)),
        lambda: Drill.objects.create(slug="d", start=date(2022, 2, 10), troops=-5),
        lambda: Actor.objects.create(name="rUSSIA", slug="r2", kind="state"),
        lambda: Alias.objects.create(actor=Actor.objects.get(slug="russia"), name="THE kremlin"),
        lambda: Participant.objects.bulk_create(
            [Participant(actor=Actor.objects.get(slug="russia"), meeting=Meeting.objects.get(slug="talks"))] * 2
        ),
        lambda: Participant.objects.create(actor=Actor.objects.get(slug="russia")),
        lambda: Evidence.objects.create(
            source=Source.objects.get(),
            meeting=Meeting.objects.get(slug="talks"),
            drill=Drill.objects.get(slug="drill"),
        ),
    ],
    ids=[
        "end-before-start",
        "negative-troops",
        "actor-name-case",
        "alias-case",
        "participant-twice",
        "participant-no-event",
        "evidence-two-events",
    ],
)
def test_the_database_refuses_what_validation_would_have_caught(russia, talks, drill, source, make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()
