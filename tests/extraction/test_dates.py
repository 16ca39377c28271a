from datetime import date

import pytest

from tracker.extraction import dates
from tracker.extraction.dates import TimeExpression, find_dates, last_day_of, tense_of

THU = date(2022, 2, 10)  # the seed article's publication day, a Thursday


def only(text: str, published: date = THU) -> TimeExpression:
    """The single expression found in `text`."""
    found = find_dates(text, published)
    assert len(found) == 1, found
    return found[0]


def named(text: str, fragment: str, published: date = THU) -> TimeExpression:
    """The expression whose text is exactly `fragment`."""
    matches = [e for e in find_dates(text, published) if e.text == fragment]
    assert len(matches) == 1, find_dates(text, published)
    return matches[0]


def day(text: str, published: date = THU) -> date:
    expression = only(text, published)
    assert expression.precision == "day" and expression.first == expression.last
    return expression.first


# --- tense ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "tense"),
    [
        ("the ministers will meet on Thursday", "future"),
        ("diplomats are due to meet", "future"),
        ("the envoys are set to have talks", "future"),
        ("the president is scheduled to visit Warsaw", "future"),
        ("she'll fly to Kyiv", "future"),
        ("the ministers met on Thursday", "past"),
        ("the summit was called off on Monday", "past"),
        ("the drills began Monday", "past"),
        ("the drills have begun", "past"),
        ("Russia has consistently denied any plan", "past"),
        ("the alliance is worried", "present"),
        ("diplomats meet in Geneva", "present"),
    ],
)
def test_tense_of_reads_the_verb_group(clause, tense):
    assert tense_of(clause) == tense


def test_tense_of_near_an_offset_takes_the_closest_verb_group():
    clause = "He said on Monday that the envoys will meet on Friday"
    assert tense_of(clause, near=clause.index("Monday")) == "past"
    assert tense_of(clause, near=clause.index("Friday")) == "future"


def test_adjectives_that_look_like_past_verbs_do_not_make_a_clause_past():
    assert tense_of("an armed insurgency and a disputed election are the issue") == "present"


# --- weekdays --------------------------------------------------------------------


def test_a_weekday_in_the_future_tense_looks_forward():
    assert day("The ministers will meet on Saturday.") == date(2022, 2, 12)


def test_a_weekday_in_the_past_tense_looks_back():
    assert day("The ministers met on Saturday.") == date(2022, 2, 5)


def test_a_weekday_equal_to_the_publication_weekday_is_that_day_whatever_the_tense():
    assert day("On Thursday, diplomats are due to meet.") == THU
    assert day("The ministers met on Thursday.") == THU


def test_began_monday_published_on_a_friday_is_the_monday_before():
    assert day("The drills began Monday.", date(2022, 2, 11)) == date(2022, 2, 7)


def test_a_monday_in_the_future_published_on_friday_31_december_is_in_the_new_year():
    assert day("The leaders will meet on Monday.", date(2021, 12, 31)) == date(2022, 1, 3)


def test_a_monday_in_the_past_published_on_saturday_1_january_is_in_the_old_year():
    assert day("The leaders met on Monday.", date(2022, 1, 1)) == date(2021, 12, 27)


@pytest.mark.parametrize(
    "sentence",
    [
        "She is due to arrive on Tuesday.",
        "They are set to have talks on Tuesday.",
        "He is scheduled to fly to Kyiv on Tuesday.",
        "Talks are expected to open on Tuesday.",
        "On Tuesday he flies to Kyiv.",
    ],
)
def test_plans_and_schedules_look_forward(sentence):
    assert day(sentence) == date(2022, 2, 15)


def test_a_cancellation_looks_back():
    assert day("The summit was called off on Tuesday.") == date(2022, 2, 8)


def test_one_sentence_can_point_both_ways():
    text = "Foreign ministers said on Monday that they will meet again on Wednesday."
    assert named(text, "Monday").first == date(2022, 2, 7)
    assert named(text, "Wednesday").first == date(2022, 2, 16)


def test_a_participle_after_the_weekday_does_not_outweigh_the_planned_verb():
    text = "Later on Friday, envoys known as the contact group are set to have talks."
    expression = only(text)
    assert (expression.text, expression.first) == ("Later on Friday", date(2022, 2, 11))


def test_a_trailing_attribution_does_not_give_its_tense_to_the_date_before_it():
    assert (
        only("The envoy is expected to meet her counterpart in the Iranian capital in June, her office said.").value
        == "2022-06"
    )
    assert only("The two leaders are to meet on Tuesday, a spokesman told reporters.").first == date(2022, 2, 15)


def test_had_been_due_to_is_a_plan_that_still_lay_ahead():
    text = "A summit that had been due to take place in the Peruvian capital on Saturday has been called off."
    assert named(text, "Saturday").first == date(2022, 2, 12)
    assert named("Ministers who met on Monday will meet again next week.", "Monday").first == date(2022, 2, 7)
    assert tense_of("the vote had been scheduled to take place") == "future"


def test_a_plan_for_a_month_names_the_month():
    assert only("Naval drills planned for October were cancelled.").value == "2022-10"
    assert only("The summit is scheduled for September.").value == "2022-09"
    assert find_dates("Voters who had campaigned for May lost.", THU) == []


def test_last_and_next_weekday_are_strictly_before_and_after_publication():
    assert day("They spoke last Thursday.") == date(2022, 2, 3)
    assert day("They will speak next Thursday.") == date(2022, 2, 17)
    assert day("They speak this Monday.") == date(2022, 2, 7)


def test_a_weekday_with_a_date_is_one_expression_with_the_date():
    expression = only("The talks on Thursday, February 17 will be decisive.")
    assert (expression.text, expression.value) == ("Thursday, February 17", "2022-02-17")


# --- days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("today", date(2022, 2, 10)),
        ("tonight", date(2022, 2, 10)),
        ("yesterday", date(2022, 2, 9)),
        ("tomorrow", date(2022, 2, 11)),
        ("this morning", date(2022, 2, 10)),
        ("last night", date(2022, 2, 9)),
        ("the day after tomorrow", date(2022, 2, 12)),
        ("two days ago", date(2022, 2, 8)),
    ],
)
def test_days_relative_to_publication(word, expected):
    expression = only(f"The envoy spoke {word} in Minsk.")
    assert (expression.text, expression.value[:10], expression.first) == (word, expected.isoformat(), expected)


def test_yesterday_on_new_years_day_is_in_the_old_year():
    assert day("The envoy arrived yesterday.", date(2022, 1, 1)) == date(2021, 12, 31)


# --- weeks -----------------------------------------------------------------------


def test_last_this_and_next_week_are_iso_weeks():
    found = find_dates("Troops moved last week, move this week and will move next week.", THU)
    assert [e.value for e in found] == ["2022-W05", "2022-W06", "2022-W07"]
    assert (found[0].first, found[0].last) == (date(2022, 1, 31), date(2022, 2, 6))
    assert {e.precision for e in found} == {"week"}


def test_last_week_in_the_first_days_of_january_is_the_last_week_of_the_old_year():
    expression = only("The talks stalled last week.", date(2022, 1, 3))
    assert (expression.value, expression.first, expression.last) == ("2021-W52", date(2021, 12, 27), date(2022, 1, 2))


def test_this_week_in_an_iso_week_53_year_keeps_the_iso_year():
    assert only("The talks stall this week.", date(2021, 1, 2)).value == "2020-W53"
    assert only("The talks stalled last week.", date(2021, 1, 5)).value == "2020-W53"


def test_later_this_week_starts_after_publication():
    expression = only("Later this week the envoys meet.")
    assert (expression.value, expression.first, expression.last) == ("2022-W06", date(2022, 2, 11), date(2022, 2, 13))


def test_weeks_ago_and_weeks_ahead_name_the_week():
    assert only("It happened three weeks ago.").value == "2022-W03"
    expression = only("Talks will resume in two weeks' time.")
    assert (expression.text, expression.value) == ("in two weeks' time", "2022-W08")


def test_this_weekend_is_the_weekend_of_the_publication_week():
    expression = only("Protests are planned this weekend.")
    assert (expression.value, expression.first, expression.last) == (
        "2022-W06-WE",
        date(2022, 2, 12),
        date(2022, 2, 13),
    )


# --- months, quarters, seasons, years, decades --------------------------------------


def test_last_and_next_month():
    assert only("He left last month.").value == "2022-01"
    assert only("He returns next month.").value == "2022-03"
    assert only("He left last month.", date(2022, 1, 15)).value == "2021-12"


def test_earlier_this_year_ends_before_publication():
    expression = only("Earlier this year they met twice.")
    assert (expression.value, expression.first, expression.last) == ("2022", date(2022, 1, 1), date(2022, 2, 9))


def test_a_month_without_a_year_follows_the_tense():
    assert only("The drills will start in March.").value == "2022-03"
    assert only("The drills started in March.").value == "2021-03"
    assert only("The drills started in February.").value == "2022-02"
    assert only("The talks will resume in January.").value == "2023-01"


def test_early_and_mid_month_keep_the_month_and_narrow_the_days():
    found = find_dates("The drills will run in early March and end mid-March.", THU)
    assert [(e.text, e.value, e.first, e.last) for e in found] == [
        ("early March", "2022-03", date(2022, 3, 1), date(2022, 3, 10)),
        ("mid-March", "2022-03", date(2022, 3, 11), date(2022, 3, 20)),
    ]


def test_the_end_of_the_month_is_the_last_third_of_the_publication_month():
    expression = only("A deal is expected by the end of the month.")
    assert (expression.text, expression.value, expression.last) == (
        "the end of the month",
        "2022-02",
        date(2022, 2, 28),
    )


def test_quarters():
    assert only("Growth in the first quarter of 2022 was weak.").value == "2022-Q1"
    assert only("Growth in Q3 2021 was weak.").value == "2021-Q3"


def test_seasons_resolve_around_the_publication_date():
    found = find_dates("This spring the army will train; last summer it did too; this winter it is cold.", THU)
    assert [e.value for e in found] == ["2022-SP", "2021-SU", "2021-WI"]
    assert (found[2].first, found[2].last) == (date(2021, 12, 1), date(2022, 2, 28))


def test_a_season_with_a_year():
    assert only("The uprising began in the spring of 2011.").value == "2011-SP"


def test_years_after_a_preposition_or_before_an_event_noun():
    assert only("After a disputed election in 2020, riots followed.").value == "2020"
    assert only("Before the 2020 election the border closed.").value == "2020"
    assert only("Before the 2020 election the border closed.").text == "2020"


def test_a_year_range_takes_its_start_as_value_and_spans_both_years():
    for text, span in [
        ("In 2014-2015, the parties approved the agreements.", "2014-2015"),
        ("The accords were revised between 2014 and 2015.", "between 2014 and 2015"),
        ("The accords held from 2014 to 2015.", "from 2014 to 2015"),
        ("The 2014-15 talks failed.", "2014-15"),
    ]:
        expression = only(text)
        assert (expression.text, expression.value) == (span, "2014")
        assert (expression.first, expression.last) == (date(2014, 1, 1), date(2015, 12, 31))


def test_since_runs_to_the_publication_date():
    expression = only("Since 2014, it has backed an insurgency.")
    assert (expression.text, expression.value) == ("Since 2014", "2014")
    assert (expression.first, expression.last) == (date(2014, 1, 1), THU)


def test_decades():
    found = find_dates("Relations were warmer in the 1990s than in the 2010s or the late '80s.", THU)
    assert [(e.text, e.value, e.precision) for e in found] == [
        ("1990s", "199", "decade"),
        ("2010s", "201", "decade"),
        ("late '80s", "198", "decade"),
    ]
    assert (found[1].first, found[1].last) == (date(2010, 1, 1), date(2019, 12, 31))


def test_the_cold_war_is_not_dated():
    assert find_dates("It is the largest deployment since the Cold War.", THU) == []


# --- calendar dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Feb. 10",
        "Feb 10",
        "February 10",
        "10 February 2022",
        "10th of February",
        "February 10, 2022",
        "10 Feb",
        "2022-02-10",
    ],
)
def test_american_and_british_ways_of_writing_a_day(written):
    expression = only(f"The envoys met on {written} in Geneva.")
    assert (expression.text, expression.value) == (written, "2022-02-10")


def test_a_month_day_in_the_future_tense_takes_the_publication_year():
    assert only("The summit will be held on June 28.").value == "2022-06-28"


def test_a_month_day_in_the_past_tense_far_ahead_of_publication_is_last_year():
    assert only("The summit was held on June 28.").value == "2021-06-28"


def test_a_month_day_just_after_publication_stays_in_its_year_even_in_the_past_tense():
    assert only("The summit was held on February 12.").value == "2022-02-12"


def test_a_month_day_crosses_the_year_boundary_by_tense():
    assert only("The talks will resume on January 5.", date(2021, 12, 20)).value == "2022-01-05"
    assert only("The talks ended on December 30.", date(2022, 1, 2)).value == "2021-12-30"


def test_an_impossible_date_is_not_reported():
    assert find_dates("The memo dated February 30, 2022 is fake.", THU) == []


# --- ranges and limits ---------------------------------------------------------------


def test_from_day_to_day_of_a_month_is_a_range():
    expression = only("The drills run from 10 to 20 February.")
    assert (expression.text, expression.value) == ("from 10 to 20 February", "2022-02-10")
    assert (expression.first, expression.last) == (date(2022, 2, 10), date(2022, 2, 20))


def test_american_day_ranges():
    expression = only("The drills run February 10-20.")
    assert (expression.first, expression.last) == (date(2022, 2, 10), date(2022, 2, 20))


def test_from_weekday_to_weekday_is_a_range():
    expression = only("The drills will run from Monday to Wednesday.")
    assert (expression.text, expression.first, expression.last) == (
        "from Monday to Wednesday",
        date(2022, 2, 14),
        date(2022, 2, 16),
    )


def test_a_range_across_new_year_ends_in_the_next_year():
    expression = only("The drills will run from December 28 to January 3.", date(2021, 12, 1))
    assert (expression.first, expression.last) == (date(2021, 12, 28), date(2022, 1, 3))


@pytest.mark.parametrize(
    ("phrase", "last"),
    [
        ("through July 10", date(2022, 7, 10)),
        ("until 20 February", date(2022, 2, 20)),
        ("till Sunday", date(2022, 2, 13)),
    ],
)
def test_until_gives_only_the_last_day(phrase, last):
    expression = only(f"The drills will continue {phrase}.")
    assert (expression.text, expression.first, expression.last) == (phrase, None, last)


# --- durations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "value", "days"),
    [
        ("Ten days of drills have begun.", "Ten days", "P10D", 10),
        ("A 10-day exercise began.", "10-day", "P10D", 10),
        ("A ten-day exercise began.", "ten-day", "P10D", 10),
        ("The troops will stay for two weeks.", "two weeks", "P2W", 14),
        ("She starts a week-long tour.", "week-long", "P1W", 7),
        ("They talked for a week.", "a week", "P1W", 7),
        ("A fortnight of talks ended.", "A fortnight", "P2W", 14),
        ("Twenty-one days of drills ended.", "Twenty-one days", "P21D", 21),
    ],
)
def test_durations(text, span, value, days):
    expression = only(text)
    assert (expression.text, expression.type, expression.value, expression.duration_days) == (
        span,
        "DURATION",
        value,
        days,
    )
    assert (expression.first, expression.last, expression.precision) == (None, None, "duration")


def test_the_first_visit_in_four_years_is_a_period_up_to_now_not_a_future_date():
    expression = only("It will be her first visit to Russia in four years.")
    assert (expression.text, expression.type, expression.value) == ("in four years", "DURATION", "P4Y")
    assert (expression.first, expression.last) == (date(2018, 2, 10), THU)


def test_in_two_weeks_in_the_future_tense_is_a_date():
    expression = only("Talks will resume in two weeks.")
    assert (expression.type, expression.value) == ("DATE", "2022-W08")


def test_the_past_two_weeks_is_a_period_ending_at_publication():
    expression = only("Tensions rose over the past two weeks.")
    assert (expression.text, expression.value, expression.first, expression.last) == (
        "the past two weeks",
        "P2W",
        date(2022, 1, 27),
        THU,
    )


def test_a_vague_number_gives_an_unspecified_duration_or_reference():
    assert only("The talks lasted for several weeks.").value == "PXW"
    assert only("Troops arrived a few days ago.").value == "PAST_REF"


def test_every_thursday_is_a_set():
    expression = only("Leaders meet every Thursday.")
    assert (expression.type, expression.value) == ("SET", "XXXX-WXX-4")


# --- references ------------------------------------------------------------------------


def test_present_past_and_future_references():
    found = find_dates(
        "Prices are high now and currently rising; in the past it was calm, as it may be in the future.", THU
    )
    assert [(e.text, e.value) for e in found] == [
        ("now", "PRESENT_REF"),
        ("currently", "PRESENT_REF"),
        ("in the past", "PAST_REF"),
        ("in the future", "FUTURE_REF"),
    ]
    assert (found[0].first, found[0].last) == (THU, THU)
    assert (found[2].first, found[2].last) == (None, None)


# --- false positives ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The West warns that an assault may occur at any time.",
        "The march through the capital was peaceful.",
        "The March on Washington is remembered.",
        "Ukraine may one day join the alliance.",
        "A second round of talks is planned.",
        "Russia massed 30,000 troops and 100,000 more nearby.",
        "A group of 2000 troops arrived, up to 2000 soldiers.",
        "Talks with May and Johnson stalled.",
        "The Arab Spring changed the region.",
        "The fall of Kabul shocked the capitals.",
        "A 45-year-old diplomat was expelled.",
    ],
)
def test_words_that_only_look_like_dates_are_not_reported(text):
    assert find_dates(text, THU) == []


def test_may_is_the_month_in_a_range_of_months():
    expression = only("Drills are planned between March and May.")
    assert (expression.first, expression.last) == (date(2022, 3, 1), date(2022, 5, 31))


# --- offsets ----------------------------------------------------------------------------


def test_every_offset_slices_its_own_text():
    text = (
        "Mr. Johnson met Ms. Truss on Feb. 10. On Monday he flies to Kyiv, three weeks ago he did not.\n\n"
        "The drills, which began in early March 2021, ran from 10 to 20 February; since 2014 the war goes on."
    )
    found = find_dates(text, THU)
    assert len(found) >= 6
    assert all(text[e.start : e.end] == e.text for e in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


# --- the seed article ---------------------------------------------------------------------


@pytest.fixture
def seed_body(seed_article_text) -> str:
    return seed_article_text.split("\n---\n", 1)[1]


def at(found: list[TimeExpression], body: str, phrase: str, nth: int = 0) -> TimeExpression:
    """The expression found inside the `nth` occurrence of `phrase` in the body."""
    pos = -1
    for _ in range(nth + 1):
        pos = body.index(phrase, pos + 1)
    inside = [e for e in found if pos <= e.start and e.end <= pos + len(phrase) or e.start <= pos < e.end]
    assert len(inside) == 1, (phrase, inside)
    return inside[0]


def test_seed_article_dates(seed_body):
    found = find_dates(seed_body, THU)
    assert all(seed_body[e.start : e.end] == e.text for e in found)

    assert at(found, seed_body, "On Thursday, diplomats").value == "2022-02-10"
    assert at(found, seed_body, "Later on Thursday").value == "2022-02-10"
    assert at(found, seed_body, "on Thursday, German").value == "2022-02-10"
    assert at(found, seed_body, "in Moscow on Thursday").value == "2022-02-10"
    assert at(found, seed_body, "on Wednesday").value == "2022-02-09"
    assert at(found, seed_body, "in 2020").value == "2020"

    minsk = at(found, seed_body, "In 2014-2015")
    assert (minsk.value, minsk.first, minsk.last) == ("2014", date(2014, 1, 1), date(2015, 12, 31))
    since = at(found, seed_body, "Since 2014")
    assert (since.value, since.first) == ("2014", date(2014, 1, 1))

    drills = at(found, seed_body, "Ten days")
    assert (drills.type, drills.duration_days) == ("DURATION", 10)
    travel = at(found, seed_body, "in four years")
    assert (travel.type, travel.value) == ("DURATION", "P4Y")

    assert not any(e.text.lower() in ("may", "one day", "second") for e in found)
    assert not any("Cold War" in e.text for e in found)


# --- calendar units beyond the day, references, anchored comparisons (our own sentences) ------

OCT = date(2021, 10, 28)  # a Thursday in the fourth quarter


@pytest.mark.parametrize(
    ("sentence", "fragment", "value"),
    [
        ("The bank said third-quarter profit fell sharply.", "third-quarter", "2021-Q3"),
        ("Sales in the first half of 2020 were flat.", "the first half of 2020", "2020-H1"),
        ("Orders will recover in the first quarter of next year.", "the first quarter of next year", "2022-Q1"),
        ("The mill lost money in fiscal 2019.", "fiscal 2019", "2019"),
        ("Exports rose this past spring.", "this past spring", "2021-SP"),
        ("Exports always slow in the summer.", "summer", "2021-SU"),
        ("Prices doubled during the nineties.", "the nineties", "199"),
        ("The fort was built in the 12th century.", "the 12th century", "11"),
        ("The plant opened in nineteen eighty-four.", "nineteen eighty-four", "1984"),
        ("The mine closed, and 2015 was its worst year.", "2015", "2015"),
        ("The envoys talked over the weekend.", "the weekend", "2021-W42-WE"),
        ("The firm blamed its current problems on the weather.", "current", "PRESENT_REF"),
        ("Nobody can say what the future holds.", "the future", "FUTURE_REF"),
    ],
)
def test_calendar_units_beyond_the_day(sentence, fragment, value):
    assert named(sentence, fragment, OCT).value == value


def test_a_year_earlier_takes_the_granularity_of_the_period_it_is_compared_with():
    text = (
        "The brewer said third-quarter profit rose to $5 million from $4 million a year earlier. "
        "In the year-ago quarter, sales were lower. The quarter was its best. Costs rose from a year ago."
    )
    found = {e.text: e.value for e in find_dates(text, OCT)}
    assert found["a year earlier"] == "2020-Q3"
    assert found["the year-ago quarter"] == "2020-Q3"
    assert found["The quarter"] == "2021-Q3"
    assert found["a year ago"] == "2020-Q3"


def test_a_year_earlier_without_a_period_is_the_year_before_the_last_date():
    text = "The treaty was signed in 2014. A year earlier, talks had stalled. Three days later, they resumed."
    found = {e.text: e.value for e in find_dates(text, OCT)}
    assert found["A year earlier"] == "2013"


def test_a_yearless_day_shortly_after_a_past_tense_report_stays_in_its_year():
    assert named("The board said the dividend is payable Dec. 7.", "Dec. 7", OCT).value == "2021-12-07"


def test_a_possessive_weekday_in_the_present_tense_looks_back():
    assert named("The deal follows Tuesday's vote in parliament.", "Tuesday", OCT).value == "2021-10-26"


def test_a_year_inside_an_exercise_name_is_not_a_date():
    assert find_dates("Sailors join Exercise Northern Shield 2021 off the coast.", OCT) == []


def test_a_number_after_resolution_is_not_a_year():
    assert find_dates("The council cited resolution 1998 in its statement.", OCT) == []


@pytest.mark.parametrize(
    ("sentence", "fragment", "kind", "value"),
    [
        ("The ministers met last night.", "last night", "TIME", "2021-10-27TNI"),
        ("The talks lasted three days.", "three days", "DURATION", "P3D"),
        ("Inspectors visit every month.", "every month", "SET", "P1M"),
        ("The ministers met on Tuesday.", "Tuesday", "DATE", "2021-10-26"),
    ],
)
def test_each_expression_carries_its_timex3_type(sentence, fragment, kind, value):
    expression = named(sentence, fragment, OCT)
    assert (expression.type, expression.value) == (kind, value)


def test_ranges_that_events_need():
    assert (only("Ministers will meet next week.").first, only("Ministers will meet next week.").last) == (
        date(2022, 2, 14),
        date(2022, 2, 20),
    )
    later = only("A decision is expected later this month.")
    assert (later.first, later.last) == (date(2022, 2, 11), date(2022, 2, 28))
    both = only("The drills run from June 5 to 20.")
    assert (both.first, both.last, both.precision) == (date(2022, 6, 5), date(2022, 6, 20), "day")


def test_a_duration_anchored_to_its_start_gives_the_last_day():
    found = find_dates("The president begins a three-day visit starting Monday.", THU)
    length = next(e for e in found if e.type == "DURATION")
    monday = next(e for e in found if e.type == "DATE")
    assert last_day_of(length, monday.first) == date(2022, 2, 16)
    assert last_day_of(monday, monday.first) is None


def test_the_extraction_json_lists_each_date_with_its_type_and_ends():
    from tracker.extraction import extract

    dates = extract("The envoys will hold talks for three days next week.", THU).to_json()["dates"]
    assert {(d["text"], d["type"], d["value"]) for d in dates} == {
        ("three days", "DURATION", "P3D"),
        ("next week", "DATE", "2022-W07"),
    }
    week = next(d for d in dates if d["type"] == "DATE")
    assert (week["first"], week["last"], week["precision"]) == ("2022-02-14", "2022-02-20", "week")


def test_a_month_followed_by_last_year_is_that_month_a_year_before_publication():
    assert named("The rebels split in June last year.", "June last year", OCT).value == "2020-06"


def test_a_word_before_a_yearless_date_says_on_which_side_of_publication_it_lies():
    assert only("The new rules were announced, effective Jan. 5.").value == "2023-01-05"
    assert find_dates("In the year ended Nov. 30, the firm lost money.", THU)[-1].value == "2021-11-30"
    assert only("The ceasefire was extended through April.").value == "2022-04"
    assert only("The airline will add ten routes by August.").value == "2022-08"


def test_late_in_a_month_a_past_report_of_the_coming_month_is_that_month():
    found = find_dates("The ministry said output was to be cut in March.", date(2022, 2, 20))
    assert [e.value for e in found] == ["2022-03"]


def test_the_quarter_ended_on_a_day_is_the_quarter_holding_that_day_and_sets_the_comparison():
    found = find_dates(
        "For the quarter ended June 30, the miner earned $4 million, up from $3 million a year earlier.",
        date(2022, 8, 2),
    )
    assert [(e.text, e.value) for e in found] == [
        ("the quarter", "2022-Q2"),
        ("June 30", "2022-06-30"),
        ("a year earlier", "2021-Q2"),
    ]


def test_the_latest_quarter_is_a_closed_one_and_the_current_quarter_the_one_under_way():
    found = find_dates(
        "The charge will fall in the fourth quarter. Profit fell in the latest quarter. "
        "Sales began well in the current quarter.",
        date(2022, 11, 2),
    )
    assert [(e.text, e.value) for e in found] == [
        ("the fourth quarter", "2022-Q4"),
        ("the latest quarter", "2022-Q3"),
        ("the current quarter", "2022-Q4"),
    ]


def test_last_years_quarter_is_the_quarter_under_discussion_a_year_before():
    found = find_dates("Exports rose in the second quarter. Exports in last year's quarter were lower.", THU)
    assert [(e.text, e.value) for e in found] == [("the second quarter", "2021-Q2"), ("last year's quarter", "2020-Q2")]


def test_coming_and_future_periods_without_a_number_are_future_references():
    found = find_dates("Prices should ease in coming months and cut costs in future quarters.", THU)
    assert [(e.text, e.value) for e in found] == [("coming months", "FUTURE_REF"), ("future quarters", "FUTURE_REF")]
    assert only("Margins have shrunk over the past several quarters.").value == "PAST_REF"


def test_a_month_or_season_with_a_spoken_year():
    found = find_dates("March nineteen ninety-nine. Floods again, as in the spring of nineteen eighty-two.", THU)
    assert [(e.text, e.value) for e in found] == [
        ("March nineteen ninety-nine", "1999-03"),
        ("the spring of nineteen eighty-two", "1982-SP"),
    ]


def test_the_previous_weekday_is_the_one_before_the_last_day_named():
    found = find_dates("The index fell on Friday, after a rise from the previous Friday.", THU)
    assert [(e.text, e.value) for e in found] == [("Friday", "2022-02-04"), ("the previous Friday", "2022-01-28")]
    assert only("The envoy left on the following Monday.").value == "2022-02-14"


def test_a_verb_after_could_or_might_tells_no_tense():
    assert only("Officials warned on Wednesday that strikes could do harm.").value == "2022-02-09"
    assert only("The storm may have delayed the convoy on Tuesday.").value == "2022-02-08"


def test_a_year_before_a_capitalised_name_or_a_pronoun_is_still_a_year():
    found = find_dates(
        "For 2019, the utility earned more. Analysts expect 2023 Acme sales to rise. By 2025 it plans to grow.", THU
    )
    assert [(e.text, e.value) for e in found] == [("2019", "2019"), ("2023", "2023"), ("2025", "2025")]


def test_the_year_ended_on_a_day_is_a_twelve_month_duration():
    expression, day = find_dates("Revenue was flat in the year ended March 31.", THU)
    assert day.value == "2021-03-31"
    assert (expression.text, expression.type, expression.value) == ("the year", "DURATION", "P1Y")
    assert (expression.first, expression.last) == (date(2020, 4, 1), date(2021, 3, 31))
    found = find_dates("The shares hit a high for the year of $40 in June.", date(2022, 10, 3))
    assert [(e.text, e.value) for e in found] == [("the year", "2022"), ("June", "2022-06")]


def test_the_past_year_is_dated_as_the_last_calendar_year_but_spans_the_last_twelve_months():
    expression = only("Arms sales doubled over the past year.")
    assert (expression.type, expression.value) == ("DATE", "2021")
    assert (expression.first, expression.last) == (date(2021, 2, 10), THU)
    assert only("Trade grew in the last decade.").value == "201"
    assert only("Trade grew over the past two years.").value == "P2Y"


def test_year_end_after_a_preposition_is_the_thirty_first_of_december():
    assert only("The merger should close by year-end.").value == "2022-12-31"
    assert only("The index has risen 4% since year end.").value == "2021-12-31"


def test_later_in_the_day_is_the_day_last_named():
    found = find_dates("The envoy landed on Monday and met the king later in the day.", THU)
    assert [(e.text, e.value) for e in found] == [("Monday", "2022-02-07"), ("the day", "2022-02-07")]


def test_a_quarter_forecast_ahead_is_not_the_period_a_year_ago_is_measured_from():
    found = find_dates(
        "Profit fell in the third quarter. Analysts see losses through the second quarter of 2023. "
        "In the year-ago period, the mill earned more.",
        date(2022, 10, 27),
    )
    assert [(e.text, e.value) for e in found][-1] == ("the year-ago period", "2021-Q3")


def test_a_decade_word_is_the_one_begun_by_publication_or_about_to_begin():
    assert find_dates("Demand will grow in the nineties.", date(1989, 10, 31))[0].value == "199"
    assert only("Output peaked in the thirties.").value == "193"


def test_a_sentence_repeated_is_read_as_if_it_stood_alone():
    sentence = "The ministers met on Monday, March 3, and will meet again in two weeks, a year earlier than planned. "
    alone = [(e.text, e.value) for e in find_dates(sentence, THU)]
    for before in ("", "Since 2014. ", "In the foreseeable future. ", "Russia's\n"):
        text = before + sentence * 3
        found = [(e.text, e.value) for e in find_dates(text, THU) if e.start >= len(before) + 2 * len(sentence)]
        assert found == alone, before


def test_no_pattern_looks_back_further_than_the_characters_kept_with_a_sentence():
    # A sentence repeated is scanned once; its matches are kept with the characters before it that a
    # look-behind can see, so a longer look-behind would make a repeat read differently.
    from re import _constants as sre
    from re import _parser

    def widths(pattern):
        for op, av in pattern.data if hasattr(pattern, "data") else pattern:
            if op in (sre.ASSERT, sre.ASSERT_NOT):
                if av[0] < 0:
                    yield av[1].getwidth()[1]
                yield from widths(av[1])
            elif op is sre.SUBPATTERN:
                yield from widths(av[3])
            elif op is sre.BRANCH:
                for branch in av[1]:
                    yield from widths(branch)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                yield from widths(av[2])

    longest = max(w for rule in dates._RULES for w in widths(_parser.parse(rule.pattern.pattern, rule.pattern.flags)))
    assert longest <= dates._LOOK_BEHIND
