"""Classes of meeting reports, each told in sentences written for these tests."""

from datetime import date

from tracker.extraction import extract

PUBLISHED = date(2024, 3, 18)  # a Monday


def meetings(text: str) -> list[tuple[str, str, str | None, frozenset[str], str]]:
    return [
        (m.kind, m.status, m.date, frozenset(m.participants), m.location) for m in extract(text, PUBLISHED).meetings
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
