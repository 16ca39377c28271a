"""Exercise reports, in sentences of our own: one named exercise is one drill, with its sides, dates and status."""

from datetime import date

from tracker.extraction import extract

PUBLISHED = date(2026, 6, 1)


def drills(text: str, published: date = PUBLISHED):
    return extract(text, published).drills


def test_every_report_of_a_named_exercise_makes_one_drill_with_its_range_and_troops():
    found = drills(
        "Poland and Lithuania began Exercise Amber Shield 2026 on Monday near Suwalki. "
        "The drills involve some 4,000 troops. "
        "Amber Shield runs through June 12, 2026, officials said. "
        "Observers from several countries watched the exercise."
    )
    assert len(found) == 1
    drill = found[0]
    assert drill.name == "Amber Shield 2026"
    assert (drill.start, drill.end) == ("2026-06-01", "2026-06-12")
    assert set(drill.participants) == {"Poland", "Lithuania"}
    assert drill.troops == 4000
    assert drill.status == "ongoing"


def test_a_range_overrides_a_duration_and_a_ceremony_day():
    found = drills(
        "Navies of Chile and Peru opened the two-week exercise Pacific Anchor with a ceremony on June 2. "
        "Pacific Anchor, held June 1-12, 2026, is the largest in the region."
    )
    assert [(d.name, d.start, d.end) for d in found] == [("Pacific Anchor", "2026-06-01", "2026-06-12")]


def test_forces_from_a_list_of_states_are_the_drills_sides():
    (drill,) = drills(
        "Naval forces from Ghana, Nigeria, Togo and the United States joined the multinational exercise "
        "Gulf Sentinel 26 on May 20."
    )
    assert set(drill.participants) == {"Ghana", "Nigeria", "Togo", "United States"}
    assert drill.start == "2026-05-20"


def test_a_list_after_a_colon_names_the_participating_states():
    (drill,) = drills(
        "Five nations will take part in Exercise Desert Key from June 15 to 25: Egypt, Jordan, Greece, Cyprus "
        "and France."
    )
    assert set(drill.participants) == {"Egypt", "Jordan", "Greece", "Cyprus", "France"}
    assert (drill.start, drill.end, drill.status) == ("2026-06-15", "2026-06-25", "planned")


def test_its_own_drills_are_another_drill_and_a_past_edition_is_none():
    found = drills(
        "Japan and Australia began joint naval drills in the Coral Sea on Monday. "
        "Previous exercises of this kind were smaller. "
        "China announced its own naval drills for later this week."
    )
    assert len(found) == 2
    assert set(found[0].participants) == {"Japan", "Australia"}
    assert found[1].participants == ("China",)


def test_a_cancellation_only_asked_for_leaves_the_drill_planned():
    (drill,) = drills("Pyongyang urged Seoul to call off its annual military drills, set to begin on June 20.")
    assert drill.status == "planned"
    assert drill.start == "2026-06-20"
    assert drill.participants == ("South Korea",)


def test_a_drill_that_will_not_be_held_is_cancelled():
    (drill,) = drills("The United States will not conduct the Silver Arrow training exercise scheduled for August.")
    assert (drill.name, drill.status, drill.participants) == ("Silver Arrow", "cancelled", ("United States",))


def test_a_name_in_apposition_is_the_drills_name_not_a_stray_capitalised_word():
    found = drills(
        "Next comes Iron Lotus — an exercise testing air defences. "
        "Officials said the exercise would start in July. "
        "Local Residents were told to expect noise from the drills."
    )
    assert [d.name for d in found] == ["Iron Lotus"]


def test_repeated_identical_drill_sentences_make_one_drill():
    sentence = "Russia and Belarus began joint military exercises near Brest on Monday, involving 30,000 troops. "
    found = drills(sentence * 300, date(2022, 2, 10))
    assert len(found) == 1
    assert found[0].troops == 30000


def test_a_sea_named_after_a_state_is_the_drills_place():
    (drill,) = drills("India and France will hold joint naval exercises in the Bay of Bengal next week.")
    assert drill.location == "Bay of Bengal"
    assert set(drill.participants) == {"India", "France"}
    assert drill.status == "planned"


def test_a_later_duration_gives_the_end_of_a_drill_already_dated():
    (drill,) = drills("Greece staged its annual Storm Gate drills on Tuesday. The five-day exercise ended on schedule.")
    assert (drill.name, drill.start, drill.end) == ("Storm Gate", "2026-05-26", "2026-05-30")


def test_an_edition_name_just_before_the_drill_word_names_the_drill():
    (drill,) = drills(
        "NORDSTAR 26 kicked off in Oslo on May 28. Forces from 9 nations, including Norway, Denmark and Iceland, "
        "take part in the two-week exercise."
    )
    assert drill.name == "NORDSTAR 26"
    assert set(drill.participants) == {"Norway", "Denmark", "Iceland"}
    assert (drill.start, drill.end) == ("2026-05-28", "2026-06-10")


def test_an_edition_name_with_no_sides_and_a_stray_drill_word_is_no_drill():
    assert drills("Expo 2026 opened in Lyon on Friday. Visitors said the drills at the gates were slow.") == []


def test_the_states_of_two_officers_who_discussed_a_drill_take_part_in_it():
    (drill,) = drills(
        "Maj. Gen. Paul Rivers, the U.S. Army Africa commander, and Brig. Gen. Amadou Sall, the Senegalese chief "
        "of army staff, discussed the Sahel Shield exercise that is slated for September."
    )
    assert (drill.name, set(drill.participants)) == ("Sahel Shield", {"United States", "Senegal"})


def test_the_states_a_drill_is_held_in_together_take_part_in_it():
    (drill,) = drills(
        "Nordic Shield began on Monday. The exercise spans training areas in Norway, Sweden and Finland "
        "and involves about 3,000 personnel."
    )
    assert {"Norway", "Sweden", "Finland"} <= set(drill.participants)


def test_service_members_of_a_state_who_will_join_a_drill_bring_their_state():
    (drill,) = drills("Over the next month, thousands of Dutch service members will join the NATO exercise Cold Tide.")
    assert set(drill.participants) == {"NATO", "Netherlands"}
