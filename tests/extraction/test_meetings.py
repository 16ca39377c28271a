"""Classes of meeting reports, each told in sentences written for these tests."""

from datetime import date

from tracker.extraction import extract

PUBLISHED = date(2024, 3, 18)  # a Monday


def meetings(text: str) -> list[tuple[str, str, str | None, frozenset[str], str]]:
    return [
        (m.kind, m.status, m.start, frozenset(m.participants), m.location) for m in extract(text, PUBLISHED).meetings
    ]


def people(text: str) -> dict[str, tuple[str, str]]:
    return {a.name: (a.title, a.affiliation) for a in extract(text, PUBLISHED).actors if a.kind == "person"}


def test_a_readout_call_has_both_sides_and_the_day_of_the_readout():
    text = "Secretary of State Maria Olsen spoke today with Kenyan President Daniel Mwangi about regional security."
    assert meetings(text) == [("call", "held", "2024-03-18", frozenset({"Maria Olsen", "Daniel Mwangi"}), "")]


def test_two_people_who_discussed_plans_held_talks_and_one_who_spoke_to_reporters_did_not():
    text = (
        "Maj. Gen. Paul Rivers and Brig. Gen. Amadou Sall discussed the coming exercise on Monday. "
        "Defence Minister Ivan Petrov spoke with reporters after the parade."
    )
    assert meetings(text) == [("talks", "held", "2024-03-18", frozenset({"Paul Rivers", "Amadou Sall"}), "")]


def test_a_rank_before_a_name_makes_a_person_with_the_state_of_the_apposition():
    text = "Maj. Gen. Kofi Mensah, the Ghanaian chief of army staff, met the visiting delegation."
    assert people(text)["Kofi Mensah"] == ("Maj. Gen.", "Ghana")


def test_a_name_with_a_middle_initial_is_a_person_without_a_title():
    assert "Harold J. Benton" in people("Harold J. Benton will meet the mayor next week.")


def test_a_joined_particle_stays_in_the_name():
    assert "Khalid al-Mansour" in people("Saudi Foreign Minister Khalid al-Mansour arrived on Sunday.")


def test_a_person_takes_the_state_of_the_delegation_he_leads():
    text = "The Japanese delegation is led by senior negotiator Kenji Sato."
    assert people(text)["Kenji Sato"] == ("Senior Negotiator", "Japan")


def test_a_travel_announcement_is_one_visit_per_stop_and_the_meeting_there_joins_its_stop():
    text = (
        "Secretary of State Maria Olsen will travel to Hanoi and Manila from March 20-24. "
        "In Hanoi, Secretary Olsen will meet with Prime Minister Nguyen Van Long."
    )
    found = meetings(text)
    assert [(kind, status, place) for kind, status, _, _, place in found] == [
        ("visit", "planned", "Hanoi"),
        ("visit", "planned", "Manila"),
    ]
    assert "Nguyen Van Long" in found[0][3]
    assert all(when.startswith("2024-03") for _, _, when, _, _ in found)


def test_meetings_with_officials_in_several_states_are_one_meeting_with_each():
    text = "Defense Secretary Harold J. Benton will meet next week with military officials in Peru, Chile and Brazil."
    found = meetings(text)
    assert {frozenset(p) for _, _, _, p, _ in found} == {
        frozenset({"Harold J. Benton", state}) for state in ("Peru", "Chile", "Brazil")
    }
    assert {place for *_, place in found} == {"Peru", "Chile", "Brazil"}


def test_talks_reported_in_the_present_perfect_are_news_of_the_day():
    text = "The leaders of France and Germany have held talks in Berlin on energy prices."
    assert meetings(text) == [("talks", "held", "2024-03-18", frozenset({"France", "Germany"}), "Berlin")]


def test_a_meeting_named_as_a_topic_is_no_meeting():
    text = "President Ana Costa will meet Chancellor Otto Brandt to discuss trade, including the stalled negotiations."
    assert [kind for kind, *_ in meetings(text)] == ["talks"]


def test_a_meeting_with_nobody_named_is_not_proposed():
    assert meetings("The talks stemmed from an agreement reached two years ago.") == []


def test_respectively_gives_the_second_group_of_states_the_second_day():
    text = (
        "Gen. Mark Hollis held video meetings with army leaders from Peru and Chile, as well as Brazil, "
        "March 11 and 12, respectively."
    )
    dates = {p - {"Mark Hollis"}: when for _, _, when, p, _ in meetings(text)}
    assert dates == {
        frozenset({"Peru"}): "2024-03-11",
        frozenset({"Chile"}): "2024-03-11",
        frozenset({"Brazil"}): "2024-03-12",
    }


def test_a_later_section_about_a_meeting_the_lead_dated_is_the_same_meeting():
    text = (
        "Gen. Mark Hollis held video meetings with army leaders from Peru and Chile on March 11. "
        "During the meeting with Gen. Luis Vargas, the Peruvian army commander, Hollis praised the relief work."
    )
    found = meetings(text)
    assert len(found) == 2
    assert {"Mark Hollis", "Peru", "Luis Vargas"} in [set(p) for *_, p, _ in found]


def test_talks_between_named_leaders_after_the_day_and_during_talks_take_the_subject():
    text = (
        "The leaders of Spain and Italy have failed to agree on a budget on Portugal during talks in Rome. "
        "An aide described talks Monday between Spanish Prime Minister Luis Ortega and Italian Prime Minister "
        "Carla Bruni as frank."
    )
    found = meetings(text)
    assert len(found) == 1
    kind, status, when, participants, place = found[0]
    assert (kind, status, when, place) == ("talks", "held", "2024-03-18", "Rome")
    assert {"Spain", "Italy", "Luis Ortega", "Carla Bruni"} <= participants
    assert "Portugal" not in participants


def test_a_head_of_government_met_at_a_stop_leads_the_state_visited():
    text = (
        "Secretary of State Maria Olsen will travel to Jerusalem and Amman next week. "
        "In Jerusalem, Secretary Olsen will meet with Prime Minister Avi Levin."
    )
    assert people(text)["Avi Levin"] == ("Prime Minister", "Israel")


def test_the_person_named_after_an_unnamed_counterpart_is_that_counterpart():
    text = (
        "Defense Secretary Tom Hale said he accepted an invitation from his Indian counterpart. "
        "Gen. Arjun Mehta issued the invitation during a meeting today."
    )
    assert people(text)["Arjun Mehta"][1] == "India"


def test_a_visit_by_someone_to_several_places_is_one_visit_per_state():
    text = (
        "The trip follows an early-March visit by Adm. Sarah K. Doyle, head of the fleet, to Fleet Forces Command "
        "in Norfolk, Va., and then to Peru and Chile."
    )
    found = meetings(text)
    assert {place for *_, place in found} >= {"Peru", "Chile"}
    assert all("Sarah K. Doyle" in p and status == "held" for _, status, _, p, _ in found)


def test_a_cancelled_meeting_takes_the_day_of_the_later_report_of_the_cancellations():
    text = (
        "Vice President Li Wen has cancelled a meeting with visiting Foreign Minister Anna Berg. "
        "Officials said his meetings with the Thai prime minister and a Dutch envoy were also cancelled on Monday."
    )
    found = meetings(text)
    assert [(status, when) for _, status, when, _, _ in found] == [("cancelled", "2024-03-18")] * 3


def test_each_stop_of_a_trip_is_its_own_visit_even_where_the_state_is_not_named():
    text = "Secretary of State Maria Olsen will travel to Lusaka, Port Moresby and Manila next week."
    assert {place for *_, place in meetings(text)} == {"Lusaka", "Port Moresby", "Manila"}


def test_the_leaders_stand_for_the_people_just_listed_together():
    text = (
        "Spanish Prime Minister Ana Ruiz and Italian Prime Minister Marco Bassi arrived in Oslo on Saturday. "
        "The leaders met Norwegian Prime Minister Erik Dahl on Sunday."
    )
    talks = [m for m in meetings(text) if m[0] == "talks"]
    assert talks == [("talks", "held", "2024-03-17", frozenset({"Ana Ruiz", "Marco Bassi", "Erik Dahl"}), "")]


def test_a_news_agency_or_a_palace_after_a_title_word_is_no_person():
    text = (
        "Portugal's official Lusa news agency said the visit went well. "
        "The two presidents met in the Grand Ajuda Palace on Friday."
    )
    assert people(text) == {}


def test_an_agreement_signed_long_ago_is_background_not_a_signing():
    text = "Ghana and Togo signed a border treaty on Friday. A trade pact signed in 2019 has since lapsed."
    assert meetings(text) == [("signing", "held", "2024-03-15", frozenset({"Ghana", "Togo"}), "")]


def test_sources_who_say_what_talks_will_cover_do_not_take_part_in_them():
    text = (
        "Chile and Peru will hold talks in Lima on Thursday. "
        "Argentine sources say those talks will focus on fishing rights."
    )
    assert all("Argentina" not in m[3] for m in meetings(text))


def test_people_named_in_apposition_after_a_title_and_its_remit_are_both_sides():
    text = (
        "The top Chilean diplomat for Asian affairs, Rosa Vega, and Peru's top envoy for U.N. affairs, "
        "Hugo Salas, met in Lima on Friday to open the talks."
    )
    assert meetings(text) == [("talks", "held", "2024-03-15", frozenset({"Rosa Vega", "Hugo Salas"}), "Lima")]
    assert people(text) == {"Rosa Vega": ("Diplomat", "Chile"), "Hugo Salas": ("Envoy", "Peru")}


def test_two_leaders_who_sign_after_their_talks_make_one_meeting():
    text = (
        "Chilean President Rosa Vega and Peruvian President Hugo Salas met in Lima on Friday. "
        "The two leaders signed an agreement at the end of the talks."
    )
    assert meetings(text) == [("talks", "held", "2024-03-15", frozenset({"Rosa Vega", "Hugo Salas"}), "Lima")]


def test_meetings_after_which_someone_travelled_on_are_that_persons_and_were_held():
    text = (
        "Chilean President Rosa Vega Jr. opened a trade fair on Friday. "
        "Vega came to the port the day after meetings with Peruvian President Hugo Salas."
    )
    talks = [m for m in meetings(text) if m[0] == "talks"]
    assert [(m[1], m[3]) for m in talks] == [("held", frozenset({"Rosa Vega Jr", "Hugo Salas"}))]


def test_a_series_of_meetings_is_no_meeting():
    assert meetings("The visit is the latest in a series of meetings between Chile and Peru.") == []


def test_a_quoted_name_of_talks_keeps_the_two_nations_that_held_them():
    text = 'Chile and Peru signed a pact on Friday. Last month, the two nations held "two-plus-two" talks in Lima.'
    talks = [m for m in meetings(text) if m[0] == "talks"]
    assert [(m[2], m[3]) for m in talks] == [("2024-02", frozenset({"Chile", "Peru"}))]


def test_the_date_of_what_two_people_discussed_does_not_date_their_talks():
    text = (
        "Maj. Gen. Paul Rivers spoke by phone with Brig. Gen. Amadou Sall on Monday. "
        "Rivers and Sall discussed plans for the exercise scheduled for 2025."
    )
    assert [(m[0], m[2]) for m in meetings(text)] == [("call", "2024-03-18")]


def test_a_stop_in_a_city_the_data_files_do_not_list_is_a_visit_to_its_state():
    text = "Foreign Minister Ana Ruiz will travel to Surabaya and Medan next week."
    assert {m[4]: m[3] for m in meetings(text)} == {
        "Surabaya": frozenset({"Ana Ruiz", "Indonesia"}),
        "Medan": frozenset({"Ana Ruiz", "Indonesia"}),
    }
