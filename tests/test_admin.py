import re
from datetime import date, timedelta

import pytest
from django import forms
from django.contrib.admin import helpers
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from tests.conftest import DEMO_FIXTURE
from tracker.models import Actor, Alias, Drill, Evidence, Meeting, Participant, Source

MODELS = [Actor, Alias, Meeting, Drill, Participant, Source, Evidence]
AUTOCOMPLETE_FIELDS = [
    ("actor", "affiliation", "rus", "Russia"),
    ("actor", "members", "fra", "France"),
    ("alias", "actor", "truss", "Liz Truss"),
    ("participant", "actor", "kremlin", "Russia"),
    ("participant", "meeting", "moscow", "Liz Truss meets her Russian counterpart in Moscow."),
    ("participant", "drill", "belarus", "Russia and Belarus begin a ten-day joint exercise on Belarusian soil."),
    (
        "evidence",
        "source",
        "drills",
        "Russia Begins Military Drills with Belarus, Despite Ukraine Tensions (Financial Times (as republished), 10 Feb 2022)",
    ),
    ("evidence", "meeting", "warsaw", "Boris Johnson travels to Warsaw to back NATO allies."),
    ("evidence", "drill", "belarus", "Russia and Belarus begin a ten-day joint exercise on Belarusian soil."),
]


@pytest.fixture(scope="module")
def demo_rows(django_db_setup, django_db_blocker):
    """The demo timeline, loaded once for this module; each test's own changes are rolled back."""
    with django_db_blocker.unblock():
        call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    yield
    with django_db_blocker.unblock():
        for model in (Evidence, Participant, Meeting, Drill, Source, Alias, Actor):
            model.objects.all().delete()


@pytest.fixture
def demo(db, demo_rows):
    pass


def url(model, view: str, *args) -> str:
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


def management_form(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def meeting_form(**fields) -> dict:
    data = {
        "kind": "talks",
        "status": "planned",
        "start": "2022-02-10",
        "precision": "day",
        "end": "",
        "end_precision": "day",
        "date_text": "",
        "location": "Geneva",
        "summary": "Talks in Geneva.",
        "slug": "",
        **management_form("participants", 0),
        **management_form("evidence", 0),
    }
    data.update(fields)
    return data


def errors_of(response) -> str:
    """Every error message on an admin form page, as the editor reads them."""
    assert response.status_code == 200, "the form was accepted"
    return response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_add_change_and_delete_pages_open_for_a_superuser(admin_client, demo, model):
    instance = model.objects.order_by("pk").first()
    for page in (
        url(model, "changelist"),
        url(model, "add"),
        url(model, "change", instance.pk),
        url(model, "delete", instance.pk),
    ):
        assert admin_client.get(page).status_code == 200, page


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        (Actor, "kremlin", "Russia"),
        (Actor, "Ms Truss", "Liz Truss"),
        (Alias, "downing", "Downing Street"),
        (Meeting, "Frederiksen", "Olaf Scholz and Mette Frederiksen speak to the press"),
        (Meeting, "warsaw", "Boris Johnson travels to Warsaw"),
        (Drill, "belarus", "Russia and Belarus begin a ten-day"),
        (Participant, "wallace", "Ben Wallace"),
        (Source, "financial", "Russia Begins Military Drills"),
        (Evidence, "minsk", "Minsk accords"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_searching_each_changelist_finds_the_row(admin_client, demo, model, term, expected):
    response = admin_client.get(url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    assert expected in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_filter_choice_of_every_changelist_opens(admin_client, demo, model):
    response = admin_client.get(url(model, "changelist"))
    changelist = response.context["cl"]
    links = [choice["query_string"] for spec in changelist.filter_specs for choice in spec.choices(changelist)]
    assert links, "each changelist has filters"
    for link in links:
        assert admin_client.get(url(model, "changelist") + link).status_code == 200, link


def test_filtering_meetings_by_kind_and_date_hierarchy_shows_only_those(admin_client, demo):
    response = admin_client.get(url(Meeting, "changelist"), {"kind__exact": "signing"})
    assert [meeting.slug for meeting in response.context["cl"].result_list] == [
        "2014-signing-france-germany-russia-ukraine"
    ]

    response = admin_client.get(
        url(Meeting, "changelist"), {"start__year": "2022", "start__month": "2", "start__day": "9"}
    )
    assert [meeting.kind for meeting in response.context["cl"].result_list] == ["press_conference"]


def test_the_changelist_shows_dates_at_their_precision_and_who_took_part(admin_client, demo):
    content = admin_client.get(url(Meeting, "changelist")).content.decode()
    assert "2014 – 2015" in content
    assert "France, Germany, Russia, Ukraine" in content


@pytest.mark.parametrize(("model_name", "field_name", "term", "expected"), AUTOCOMPLETE_FIELDS)
def test_autocomplete_endpoints_answer_with_matching_rows(admin_client, demo, model_name, field_name, term, expected):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tracker", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    assert expected in [result["text"] for result in response.json()["results"]]


def add_rows(number: int) -> None:
    """`number` meetings, drills, sources and actors with an alias, each event with a participant and evidence."""
    russia = Actor.objects.get(slug="russia")
    for n in range(number):
        source = Source.objects.create(title=f"Bulletin {n}", publisher="Wire", published=date(2022, 3, 1))
        actor = Actor.objects.create(
            name=f"Envoy {number}-{n}", slug=f"envoy-{number}-{n}", kind="person", affiliation=russia
        )
        Alias.objects.create(actor=actor, name=f"E{number}-{n}")
        meeting = Meeting.objects.create(slug=f"m-{number}-{n}", kind="call", start=date(2022, 3, 1))
        drill = Drill.objects.create(slug=f"d-{number}-{n}", start=date(2022, 3, 1), troops=n)
        for event in ({"meeting": meeting}, {"drill": drill}):
            Participant.objects.create(actor=actor, **event)
            Evidence.objects.create(source=source, sentence="Reported.", **event)


CHANGELIST_QUERIES = {Actor: 5, Alias: 4, Meeting: 7, Drill: 7, Participant: 4, Source: 6, Evidence: 4}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_query_counts_are_fixed_whatever_the_number_of_rows(
    admin_client, demo, model, django_assert_num_queries
):
    # Session, user, one count for the paginator, the page's rows, one prefetch where a column lists
    # related rows, and two for the date hierarchy (its bounds, then its years).
    expected = CHANGELIST_QUERIES[model]
    admin_client.get(url(model, "changelist"))  # warm the content-type cache
    with django_assert_num_queries(expected):
        assert admin_client.get(url(model, "changelist")).status_code == 200
    add_rows(60)
    with django_assert_num_queries(expected):
        response = admin_client.get(url(model, "changelist"))
    assert len(response.context["cl"].result_list) == 50


def test_a_large_lists_selection_boxes_are_djangos_own(admin_client, demo):
    response = admin_client.get(url(Meeting, "changelist"))
    meeting = response.context["cl"].result_list[0]
    label = format_html(gettext("Select this object for an action - {}"), str(meeting))
    expected = forms.CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False).render(
        helpers.ACTION_CHECKBOX_NAME, str(meeting.pk)
    )
    assert expected in response.content.decode()


def test_the_source_changelist_does_not_read_article_texts(admin_client, demo):
    Source.objects.update(text="A long article. " * 10_000)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(url(Source, "changelist"))
    page_query = next(query["sql"] for query in queries.captured_queries if '"tracker_source"."title"' in query["sql"])
    assert '"tracker_source"."text"' not in page_query


# What an editor sees when a constraint is broken -------------------------------------------------


def test_a_meeting_that_ends_before_it_starts_is_refused_with_a_message(admin_client, db):
    response = admin_client.post(url(Meeting, "add"), meeting_form(end="2022-02-01"))
    assert "The end date cannot be before the start date." in errors_of(response)
    assert not Meeting.objects.filter(location="Geneva").exists()


def test_a_drill_with_negative_troops_is_refused_with_a_message(admin_client, db):
    data = {
        "name": "",
        "status": "held",
        "start": "2022-02-10",
        "precision": "day",
        "end": "",
        "end_precision": "day",
        "date_text": "",
        "location": "",
        "troops": "-5",
        "summary": "",
        "slug": "",
        **management_form("participants", 0),
        **management_form("evidence", 0),
    }
    response = admin_client.post(url(Drill, "add"), data)
    assert "Troop numbers cannot be negative." in errors_of(response)
    assert not Drill.objects.filter(troops__lt=0).exists()


def actor_form(**fields) -> dict:
    data = {
        "name": "",
        "slug": "",
        "kind": "state",
        "title": "",
        "affiliation": "",
        "description": "",
        **management_form("aliases", 0),
    }
    data.update(fields)
    return data


def test_an_actor_named_like_another_in_other_case_is_refused_with_a_message(admin_client, demo):
    response = admin_client.post(url(Actor, "add"), actor_form(name="RUSSIA", slug="russia-again"))
    assert "There is already an actor with this name (names are compared ignoring case)." in errors_of(response)


def test_an_actor_named_like_another_actors_alias_is_refused_with_a_message(admin_client, demo):
    response = admin_client.post(url(Actor, "add"), actor_form(name="the kremlin", slug="kremlin"))
    assert "“the kremlin” is already an alias of Russia." in errors_of(response)


def test_an_alias_already_used_by_another_actor_is_refused_with_a_message(admin_client, demo):
    data = actor_form(name="Muscovy", slug="muscovy", **management_form("aliases", 1), **{"aliases-0-name": "MOSCOW"})
    content = errors_of(admin_client.post(url(Actor, "add"), data))
    assert "“MOSCOW” is already an alias of Russia." in content
    assert not Actor.objects.filter(name="Muscovy").exists()


def test_an_alias_that_is_another_actors_name_is_refused_with_a_message(admin_client, demo):
    alias = Alias.objects.get(name="Kyiv")
    response = admin_client.post(url(Alias, "change", alias.pk), {"actor": alias.actor_id, "name": "france"})
    assert "“france” is the name of France." in errors_of(response)


def test_the_same_actor_twice_in_a_new_meeting_is_refused_with_a_message(admin_client, demo):
    russia = Actor.objects.get(slug="russia").pk
    data = meeting_form(
        **management_form("participants", 2),
        **{
            "participants-0-actor": russia,
            "participants-0-role": "host",
            "participants-1-actor": russia,
            "participants-1-role": "",
        },
    )
    response = admin_client.post(url(Meeting, "add"), data)
    assert "This actor already takes part in this meeting." in errors_of(response)
    assert not Meeting.objects.filter(location="Geneva").exists()


def test_an_actor_added_again_to_a_known_drill_is_refused_with_a_message(admin_client, demo):
    drill = Drill.objects.get()
    rows = list(drill.participants.order_by("pk"))
    data = {
        "name": "",
        "status": "ongoing",
        "start": "2022-02-10",
        "precision": "day",
        "end": "2022-02-19",
        "end_precision": "day",
        "date_text": "",
        "location": "Belarus",
        "troops": "30000",
        "summary": "",
        "slug": drill.slug,
        **management_form("participants", len(rows) + 1, len(rows)),
        **management_form("evidence", 0, 0),
    }
    for index, row in enumerate(rows):
        data |= {
            f"participants-{index}-id": row.pk,
            f"participants-{index}-drill": drill.pk,
            f"participants-{index}-actor": row.actor_id,
            f"participants-{index}-role": row.role,
        }
    data |= {f"participants-{len(rows)}-actor": rows[0].actor_id, f"participants-{len(rows)}-role": "host"}
    response = admin_client.post(url(Drill, "change", drill.pk), data)
    assert "This actor already takes part in this drill." in errors_of(response)
    assert drill.participants.count() == len(rows)


def test_a_participant_already_in_the_meeting_is_refused_on_its_own_page(admin_client, demo):
    meeting = Meeting.objects.get(slug="2022-02-10-talks-liz-truss-russia")
    data = {"actor": Actor.objects.get(slug="russia").pk, "meeting": meeting.pk, "drill": "", "role": ""}
    response = admin_client.post(url(Participant, "add"), data)
    assert "This actor already takes part in this meeting." in errors_of(response)


def test_a_participant_needs_exactly_one_event(admin_client, demo):
    data = {"actor": Actor.objects.get(slug="russia").pk, "meeting": "", "drill": "", "role": ""}
    response = admin_client.post(url(Participant, "add"), data)
    assert "A participant belongs to exactly one meeting or drill." in errors_of(response)


def test_evidence_for_a_meeting_and_a_drill_at_once_is_refused_with_a_message(admin_client, demo):
    data = {
        "source": Source.objects.get().pk,
        "meeting": Meeting.objects.first().pk,
        "drill": Drill.objects.get().pk,
        "sentence": "",
        "start_offset": "",
        "end_offset": "",
    }
    response = admin_client.post(url(Evidence, "add"), data)
    assert "Evidence supports exactly one meeting or drill." in errors_of(response)


def test_a_source_reporting_a_meeting_twice_is_refused_with_a_message(admin_client, demo):
    meeting = Meeting.objects.get(slug="2022-02-10-talks")
    data = {
        "source": Source.objects.get().pk,
        "meeting": meeting.pk,
        "drill": "",
        "sentence": "",
        "start_offset": "",
        "end_offset": "",
    }
    response = admin_client.post(url(Evidence, "add"), data)
    assert "This source already reports this meeting." in errors_of(response)


def test_a_meeting_added_without_a_slug_gets_one_from_its_date_kind_and_summary(admin_client, db):
    response = admin_client.post(url(Meeting, "add"), meeting_form(start="2014-06-15", precision="year"))
    assert response.status_code == 302
    meeting = Meeting.objects.get(location="Geneva")
    assert meeting.slug == "2014-talks-talks-in-geneva"
    assert meeting.start == date(2014, 1, 1)


# Merging duplicate actors ----------------------------------------------------------------------


def test_merging_asks_which_actor_to_keep_then_moves_everything_to_it(admin_client, demo):
    russia = Actor.objects.get(slug="russia")
    twin = Actor.objects.create(name="Russian Federation (entered twice)", slug="rf", kind="state")
    Alias.objects.create(actor=twin, name="RF")
    envoy = Actor.objects.create(name="Sergei Lavrov", slug="sergei-lavrov", kind="person", affiliation=twin)
    group = Actor.objects.create(name="CSTO", slug="csto", kind="group")
    group.members.add(twin)
    call = Meeting.objects.create(slug="call", kind="call", start=date(2022, 2, 12))
    Participant.objects.create(meeting=call, actor=twin)
    Evidence.objects.create(meeting=call, source=Source.objects.get(), sentence="They spoke.")
    drill = Drill.objects.get()
    Participant.objects.create(drill=drill, actor=twin, role="host")
    events_before = {*russia.meetings.values_list("pk", flat=True), call.pk}
    selection = {"action": "merge_selected", "_selected_action": [russia.pk, twin.pk]}

    page = admin_client.post(url(Actor, "changelist"), selection)

    assert page.status_code == 200
    content = page.content.decode()
    assert "Keep which actor?" in content
    assert f'name="keep" value="{russia.pk}"' in content and f'name="keep" value="{twin.pk}"' in content

    response = admin_client.post(url(Actor, "changelist"), {**selection, "post": "yes", "keep": russia.pk}, follow=True)

    assert "Merged Russian Federation (entered twice) into Russia." in response.content.decode()
    assert not Actor.objects.filter(pk=twin.pk).exists()
    assert set(russia.meetings.values_list("pk", flat=True)) == events_before
    assert call.evidence.get().sentence == "They spoke."
    assert {"RF", "Russian Federation (entered twice)", "Moscow"} <= set(russia.aliases.values_list("name", flat=True))
    assert Actor.objects.get(pk=envoy.pk).affiliation == russia
    assert list(group.members.all()) == [russia]
    assert drill.participants.get(actor=russia).role == "host"
    assert drill.participants.count() == 2


def test_merging_without_choosing_the_actor_to_keep_changes_nothing(admin_client, demo):
    ids = list(Actor.objects.filter(slug__in=["latvia", "lithuania"]).values_list("pk", flat=True))
    response = admin_client.post(
        url(Actor, "changelist"), {"action": "merge_selected", "_selected_action": ids, "post": "yes"}
    )
    assert "Choose the actor to keep." in response.content.decode()
    assert Actor.objects.filter(pk__in=ids).count() == 2


def test_merging_a_single_actor_is_refused_with_a_message(admin_client, demo):
    russia = Actor.objects.get(slug="russia")
    response = admin_client.post(
        url(Actor, "changelist"), {"action": "merge_selected", "_selected_action": [russia.pk]}, follow=True
    )
    assert "Select at least two actors to merge." in response.content.decode()


def searched(admin_client, model, term: str) -> list[str]:
    response = admin_client.get(url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return [event.slug for event in response.context["cl"].result_list]


def test_searching_meetings_by_a_summary_word_finds_those_meetings_once(admin_client, demo):
    slugs = searched(admin_client, Meeting, "warsaw")
    assert slugs == list(
        Meeting.objects.filter(summary__icontains="warsaw").order_by("-start", "-id").values_list("slug", flat=True)
    )
    assert slugs and len(slugs) == len(set(slugs))


def test_searching_meetings_by_place_finds_the_meetings_held_there(admin_client, demo):
    place = Meeting.objects.exclude(location="").values_list("location", flat=True).first()
    slugs = searched(admin_client, Meeting, place)
    assert set(slugs) >= set(Meeting.objects.filter(location=place).values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))


def test_searching_meetings_by_a_participant_name_or_alias_lists_each_meeting_once(admin_client, demo):
    truss = Actor.objects.get(name="Liz Truss")
    hers = set(Meeting.objects.involving(truss).values_list("slug", flat=True))
    alias = truss.aliases.first().name
    for term in ("Liz Truss", alias):
        slugs = searched(admin_client, Meeting, term)
        assert len(slugs) == len(set(slugs))
        assert set(slugs) >= hers
    busy = Meeting.objects.filter(participants__actor__slug="russia").distinct().count()
    assert len(searched(admin_client, Meeting, "Russia")) >= busy


def test_searching_drills_by_name_finds_the_drill(admin_client, demo):
    Drill.objects.create(slug="2021-zapad", name="Zapad 2021", start=date(2021, 9, 10))
    assert searched(admin_client, Drill, "zapad") == ["2021-zapad"]


@pytest.fixture(params=["sorted", "walked"])
def search_plan(request, monkeypatch):
    """Both ways a search reads its matches: through the words' indexes and sorted, or walking the events newest first."""
    if request.param == "walked":
        # Every word now counts as common: the list walks the (start, id) index, and a busy actor's
        # participants are probed event by event.
        monkeypatch.setattr("tracker.admin.SORT_UP_TO", 3)
        monkeypatch.setattr("tracker.admin.WALK_FROM_PER_MILLE", 0)
    return request.param


def test_a_searched_changelist_reads_a_fixed_number_of_queries_and_no_date_hierarchy(
    admin_client, demo, search_plan, django_assert_num_queries
):
    # The unsearched list's queries less the date hierarchy's two, which a search does without, plus
    # one that sizes each word's matches to choose how to read them.
    expected = CHANGELIST_QUERIES[Meeting] - 2 + 1
    admin_client.get(url(Meeting, "changelist"), {"q": "russia"})
    with django_assert_num_queries(expected):
        response = admin_client.get(url(Meeting, "changelist"), {"q": "russia"})
    assert response.context["cl"].date_hierarchy is None
    assert admin_client.get(url(Meeting, "changelist")).context["cl"].date_hierarchy == "start"
    add_rows(60)
    with django_assert_num_queries(expected):
        response = admin_client.get(url(Meeting, "changelist"), {"q": "envoy"})
    assert len(response.context["cl"].result_list) == 50


# Searching a long list --------------------------------------------------------------------------


def summits(count: int, *, word: str = "Zanzibar", model=Meeting, **fields) -> list[str]:
    """`count` events mentioning `word`, several a day and two undated, among as many that do not; their slugs as the list orders them."""
    extra = {"kind": "summit"} if model is Meeting else {}
    model.objects.bulk_create(
        model(
            slug=f"{word.lower()}-{n}" if n % 2 else f"call-{n}",
            start=None if n < 4 else date(2020, 1, 1) + timedelta(days=n // 7),
            summary=f"Leaders met at a summit in {word}." if n % 2 else "Leaders spoke by phone.",
            **extra,
            **fields,
        )
        for n in range(2 * count)
    )
    return list(model.objects.filter(summary__icontains=word).order_by("-start", "-id").values_list("slug", flat=True))


def page_of(admin_client, model, term: str, page: int = 1):
    response = admin_client.get(url(model, "changelist"), {"q": term, "p": page})
    assert response.status_code == 200
    return response


def slugs_of(response) -> list[str]:
    return [event.slug for event in response.context["cl"].result_list]


def page_links(response) -> list[int]:
    """The page numbers the paginator links to, in order."""
    paginator = re.search(r'<p class="paginator">(.*?)</p>', response.content.decode(), re.S).group(1)
    return [int(number) for number in re.findall(r'<a href="\?[^"]*\bp=(\d+)', paginator)]


def test_a_searched_list_shows_every_match_once_newest_first_across_its_pages(admin_client, db, search_plan):
    expected = summits(120)

    pages = [page_of(admin_client, Meeting, "zanzibar", number) for number in (1, 2, 3)]

    assert [slug for response in pages for slug in slugs_of(response)] == expected
    assert [len(slugs_of(response)) for response in pages] == [50, 50, 20]
    content = pages[2].content.decode()
    assert "120 meetings" in content and "120 results" in content
    assert page_links(pages[2]) == [1, 2]


def test_a_search_with_more_matches_than_it_counts_says_so_and_its_pages_reach_further_as_you_go(
    admin_client, db, search_plan
):
    expected = summits(330)

    first = page_of(admin_client, Meeting, "zanzibar")
    content = first.content.decode()
    assert "250+ meetings" in content and "250+ results" in content and "Select all 250+ meetings" in content
    assert page_links(first) == [2, 3, 4, 5]
    assert slugs_of(first) == expected[:50]

    fifth = page_of(admin_client, Meeting, "zanzibar", 5)
    assert slugs_of(fifth) == expected[200:250]
    assert "330 meetings" in fifth.content.decode()
    assert page_links(fifth) == [1, 2, 3, 4, 6, 7]

    last = page_of(admin_client, Meeting, "zanzibar", 7)
    assert slugs_of(last) == expected[300:]
    assert admin_client.get(url(Meeting, "changelist"), {"q": "zanzibar", "p": 8}).url.endswith("?e=1")


def test_a_drill_search_pages_the_same_way(admin_client, db, search_plan):
    expected = summits(60, word="Kaliningrad", model=Drill)
    pages = [page_of(admin_client, Drill, "kaliningrad", number) for number in (1, 2)]
    assert [slug for response in pages for slug in slugs_of(response)] == expected
    assert "60 drills" in pages[0].content.decode()


def test_every_word_must_match_the_text_or_someone_taking_part(admin_client, db, search_plan):
    summits(10)
    envoy = Actor.objects.create(name="Amara Okafor", slug="amara-okafor", kind="person")
    Alias.objects.create(actor=envoy, name="The Envoy")
    joined = list(Meeting.objects.filter(summary__icontains="zanzibar").order_by("pk")[:4])
    Participant.objects.bulk_create(Participant(meeting=meeting, actor=envoy) for meeting in joined)
    # Named in the text but not taking part, and taking part but not in Zanzibar.
    Meeting.objects.create(slug="named", kind="talks", start=date(2021, 1, 1), summary="Okafor arrives in Zanzibar.")
    elsewhere = Meeting.objects.create(
        slug="elsewhere", kind="talks", start=date(2021, 1, 2), summary="Talks in Lagos."
    )
    Participant.objects.create(meeting=elsewhere, actor=envoy)

    found = set(slugs_of(page_of(admin_client, Meeting, "okafor zanzibar")))

    assert found == {meeting.slug for meeting in joined} | {"named"}
    assert set(slugs_of(page_of(admin_client, Meeting, '"the envoy" lagos'))) == {"elsewhere"}
    assert slugs_of(page_of(admin_client, Meeting, "okafor nowhere")) == []


def test_a_busy_actors_events_are_listed_once_each_without_distinct(admin_client, db, search_plan):
    expected = summits(40)
    envoy = Actor.objects.create(name="Zanzibar Envoy", slug="zanzibar-envoy", kind="person")
    Participant.objects.bulk_create(
        Participant(meeting=meeting, actor=envoy) for meeting in Meeting.objects.filter(summary__icontains="zanzibar")
    )

    with CaptureQueriesContext(connection) as queries:
        found = slugs_of(page_of(admin_client, Meeting, "zanzibar"))

    assert found == expected[:40]
    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)


def test_a_filtered_search_counts_only_what_both_keep(admin_client, db, search_plan):
    summits(60)
    Meeting.objects.filter(slug__in=["zanzibar-11", "zanzibar-13", "zanzibar-15"]).update(status="cancelled")
    response = admin_client.get(url(Meeting, "changelist"), {"q": "zanzibar", "status__exact": "cancelled"})
    assert slugs_of(response) == ["zanzibar-15", "zanzibar-13", "zanzibar-11"]
    assert "3 meetings" in response.content.decode()


def test_the_meeting_autocomplete_pages_through_a_common_word(admin_client, db, search_plan):
    expected = summits(45)
    found, page, more = [], 1, True
    while more:
        answer = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "tracker",
                "model_name": "participant",
                "field_name": "meeting",
                "term": "zanzibar",
                "page": page,
            },
        ).json()
        found += [result["id"] for result in answer["results"]]
        more, page = answer["pagination"]["more"], page + 1
    assert found == [
        str(pk)
        for pk in Meeting.objects.filter(slug__in=expected).order_by("-start", "-id").values_list("pk", flat=True)
    ]
    assert page == 4


def search_plan_of(admin_client, term: str) -> str:
    """SQLite's plan for the query that reads a searched meeting list's ids."""
    with CaptureQueriesContext(connection) as queries:
        page_of(admin_client, Meeting, term)
    sql = next(
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "tracker_meeting"."id" AS "pk"')
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_a_rare_word_is_read_through_the_search_index_and_a_common_one_walks_the_newest_events(
    admin_client, db, monkeypatch
):
    summits(30)

    rare = search_plan_of(admin_client, "zanzibar")
    monkeypatch.setattr("tracker.admin.SORT_UP_TO", 10)
    common = search_plan_of(admin_client, "zanzibar")

    assert "tracker_meeting_search" in rare and "INTEGER PRIMARY KEY" in rare and "TEMP B-TREE FOR ORDER BY" in rare
    assert "SCAN tracker_meeting USING COVERING INDEX meeting_start_last_idx" in common and "TEMP B-TREE" not in common


def test_the_event_search_reads_the_admins_declared_search_fields(admin_client, monkeypatch):
    from tracker.admin import MeetingAdmin

    ruritania = Actor.objects.create(name="Ruritania", slug="ruritania", kind=Actor.Kind.STATE)
    Alias.objects.create(actor=ruritania, name="Strelsau")
    talks = Meeting.objects.create(slug="talks-in-zenda", kind="talks", start=date(2022, 2, 10), location="Zenda")
    Participant.objects.create(meeting=talks, actor=ruritania)

    def found(term: str) -> list[str]:
        response = admin_client.get("/admin/tracker/meeting/", {"q": term})
        return [meeting.slug for meeting in response.context["cl"].result_list]

    assert found("Strelsau") == ["talks-in-zenda"]
    assert found("Zenda") == ["talks-in-zenda"]
    monkeypatch.setattr(MeetingAdmin, "search_fields", ["slug", "summary", "date_text", "participants__actor__name"])
    assert found("Strelsau") == []
    assert found("Ruritania") == ["talks-in-zenda"]
    monkeypatch.setattr(MeetingAdmin, "search_fields", ["location"])
    assert found("Ruritania") == []
    assert found("Zenda") == ["talks-in-zenda"]
