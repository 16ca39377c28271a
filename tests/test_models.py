import pytest
from django.core.exceptions import ValidationError

from tracker.models import Actor, Alias


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
