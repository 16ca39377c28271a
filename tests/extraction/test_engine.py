"""The engine's smaller promises: header parsing, sentences, the gazetteer, known actors, JSON shape."""

from datetime import date

from tracker.extraction import KnownActor, extract, parse_article
from tracker.extraction.gazetteer import load
from tracker.extraction.sentences import sentence_starts, split_sentences

PUBLISHED = date(2021, 3, 4)


def test_header_block_gives_headers_and_the_body_after_the_dashes():
    raw = "title: Talks resume\nsource: Wire\npublished: 2021-03-04\n---\nThe body starts here."
    article = parse_article(raw)
    assert article.headers == {"title": "Talks resume", "source": "Wire", "published": "2021-03-04"}
    assert article.body == "The body starts here."
    assert raw[article.body_offset :] == article.body


def test_text_without_a_header_block_is_all_body():
    raw = "Leaders met in Geneva on Monday.\n---\nMore text."
    assert parse_article(raw).headers == {}
    assert parse_article(raw).body == raw
    assert parse_article("note: no dashes follow\nThe body.").body == "note: no dashes follow\nThe body."


def test_sentences_do_not_break_after_titles_initials_or_abbreviations():
    text = "Mr. Smith met Gen. Jones in the U.S. capital on Feb. 3. They spoke for an hour."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Mr. Smith met Gen. Jones in the U.S. capital on Feb. 3.",
        "They spoke for an hour.",
    ]


def test_sentence_starts_are_the_starts_of_the_same_sentences():
    text = "Mr. Smith met Gen. Jones on Feb. 3. They spoke for an hour.\n\nTalks resume today."
    assert [text[a:] for a in sentence_starts(text)] == [
        text,
        "They spoke for an hour.\n\nTalks resume today.",
        "Talks resume today.",
    ]


def test_gazetteer_holds_every_un_member_and_both_observers():
    states = [e for e in load().entities.values() if e.kind == "state"]
    names = {e.name for e in states}
    assert len(states) >= 195
    assert {"Holy See", "Palestine", "Tuvalu", "Eswatini", "Ivory Coast", "North Korea"} <= names


def test_capitals_seats_and_demonyms_stand_for_their_state():
    text = "The Kremlin said Moscow would answer. Downing Street and the Elysee disagreed, and Kyiv and Washington too. Danish officials stayed silent."
    names = {a.name for a in extract(text, PUBLISHED).actors}
    assert names == {"Russia", "United Kingdom", "France", "Ukraine", "United States", "Denmark"}


def test_phone_call_is_proposed_with_both_people_and_no_place():
    text = "German Chancellor Olaf Scholz spoke by phone with French President Emmanuel Macron on Tuesday about the crisis in Mali."
    (call,) = extract(text, date(2022, 2, 17)).meetings
    assert (call.kind, call.status, call.start, call.location) == ("call", "held", "2022-02-15", "")
    assert set(call.participants) == {"Olaf Scholz", "Emmanuel Macron"}


def test_will_meet_and_met_on_thursday_land_on_different_days():
    published = date(2021, 3, 4)  # a Thursday
    planned = extract(
        "Foreign Minister Sergei Lavrov of Russia will meet his Chinese counterpart on Thursday next week.", published
    )
    held = extract("President Joe Biden met Japanese Prime Minister Yoshihide Suga on Monday.", published)
    assert planned.meetings[0].status == "planned"
    assert (held.meetings[0].status, held.meetings[0].start) == ("held", "2021-03-01")


def test_cancelled_and_postponed_meetings_keep_their_status():
    text = (
        "A summit between Serbia and Kosovo planned for June 27 in Washington was called off on Monday. "
        "Talks between Armenia and Azerbaijan have been postponed until next month."
    )
    summit, talks = extract(text, date(2020, 6, 25)).meetings
    assert (summit.kind, summit.status, summit.start, summit.location) == (
        "summit",
        "cancelled",
        "2020-06-27",
        "Washington",
    )
    assert set(summit.participants) == {"Serbia", "Kosovo"}
    assert (talks.status, set(talks.participants)) == ("postponed", {"Armenia", "Azerbaijan"})


def test_interviews_and_statements_are_not_meetings():
    text = "Russia's ambassador to the UN, Vassily Nebenzia, told reporters that Moscow had no plans. The minister gave an interview to CNN."
    assert extract(text, PUBLISHED).meetings == []


def test_known_actors_are_matched_first_with_their_slug_and_aliases():
    known = [
        KnownActor(
            "Boris Johnson",
            "boris-johnson",
            "person",
            title="Prime Minister",
            affiliation="United Kingdom",
            aliases=("BoJo",),
        ),
        KnownActor("Russian Federation", "russian-federation", "state", aliases=("Russia",)),
    ]
    text = "BoJo will travel to Moscow on Friday to meet Vladimir Putin, the president of Russia."
    extraction = extract(text, date(2022, 2, 9), known)
    by_name = {a.name: a for a in extraction.actors}
    assert by_name["Boris Johnson"].known and by_name["Boris Johnson"].slug == "boris-johnson"
    assert by_name["Russian Federation"].known and by_name["Russian Federation"].slug == "russian-federation"
    assert by_name["Vladimir Putin"].affiliation == "Russian Federation"
    assert "Russia" not in by_name
    (visit,) = extraction.meetings
    assert set(visit.participants) == {"Boris Johnson", "Russian Federation", "Vladimir Putin"}


def test_new_actors_get_a_slug_proposal():
    extraction = extract("Côte d'Ivoire and São Tomé and Príncipe signed a fisheries agreement on Monday.", PUBLISHED)
    slugs = {a.name: a.slug for a in extraction.actors}
    assert slugs == {"Ivory Coast": "ivory-coast", "Sao Tome and Principe": "sao-tome-and-principe"}
    assert not any(a.known for a in extraction.actors)


def test_empty_and_eventless_text_yield_nothing():
    assert extract("", PUBLISHED).to_json() == {"actors": [], "meetings": [], "drills": [], "dates": []}
    nothing = extract("The weather was mild and markets were calm.", PUBLISHED)
    assert (nothing.actors, nothing.meetings, nothing.drills) == ([], [], [])


def test_the_three_leaders_are_the_three_people_just_listed():
    text = (
        "Chilean President Ana Rojas, Peruvian President Luis Vega and Bolivian President Marta Quispe arrived in Lima on Monday. "
        "Brazil's Foreign Minister Paulo Reis will meet separately with each of the three leaders on Wednesday."
    )
    meetings = extract(text, date(2021, 3, 8)).meetings
    talks = next(m for m in meetings if m.kind == "talks")
    assert talks.participants == ("Paulo Reis", "Ana Rojas", "Luis Vega", "Marta Quispe")


def test_the_four_countries_are_the_four_states_just_enumerated():
    text = (
        "Envoys of Kenya, Uganda, Tanzania and Rwanda met in Arusha on Monday. "
        "The four countries agreed to hold a summit next month."
    )
    first, summit = extract(text, date(2021, 3, 10)).meetings
    assert (summit.kind, summit.status, summit.start) == ("summit", "planned", "2021-04")
    assert summit.participants == ("Kenya", "Uganda", "Tanzania", "Rwanda")


def test_a_plural_reference_without_a_matching_list_names_no_one():
    text = "Kenya and Uganda signed a trade deal on Monday. The three countries will meet again next month."
    signing, talks = extract(text, date(2021, 3, 10)).meetings
    assert (signing.kind, signing.participants) == ("signing", ("Kenya", "Uganda"))
    assert (talks.kind, talks.start, talks.participants) == ("talks", "2021-04", ())


def affiliations(text: str) -> dict[str, str]:
    """Each person the article names, with the state or organisation the engine says they act for."""
    return {a.name: a.affiliation for a in extract(text, date(2021, 3, 10)).actors if a.kind == "person"}


def test_a_president_named_without_a_state_belongs_to_the_state_the_story_is_about():
    text = (
        "Chilean diplomats said on Monday that Chile would host the regional forum in Santiago. "
        "President Ana Rojas will open it, and the Chilean navy will provide security. Peru sent observers."
    )
    people = affiliations(text)
    assert people == {"Ana Rojas": "Chile"}


def test_a_president_is_not_given_a_state_whose_head_is_already_named_or_when_no_state_dominates():
    led = (
        "Peruvian President Luis Vega met President Ana Rojas in Lima. Peru and Peruvian officials welcomed the talks."
    )
    even = "Officials from Chile and Peru met on Monday. President Ana Rojas welcomed the talks."
    for text in (led, even):
        people = affiliations(text)
        assert people["Ana Rojas"] == ""


def test_the_dateline_city_counts_toward_the_story_state():
    text = "SANTIAGO (Wire) - President Ana Rojas opened a regional forum on Monday, the Chilean foreign ministry said."
    people = affiliations(text)
    assert people == {"Ana Rojas": "Chile"}


def test_a_meeting_held_where_the_story_was_filed_takes_the_dateline_city_and_plans_do_not():
    text = (
        "ARUSHA, Tanzania (Wire) - Envoys of Kenya and Uganda held talks on Tuesday about the border. "
        "Kenya and Uganda will meet again next month."
    )
    held, planned = extract(text, date(2021, 3, 10)).meetings
    assert (held.status, held.start, held.location) == ("held", "2021-03-09", "Arusha")
    assert (planned.status, planned.location) == ("planned", "")


def test_a_banner_before_a_dash_is_no_dateline():
    text = "BREAKING - Envoys of Kenya and Uganda held talks on Tuesday about the border."
    (held,) = extract(text, date(2021, 3, 10)).meetings
    assert held.location == ""
