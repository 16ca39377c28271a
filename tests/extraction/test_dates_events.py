"""The dates events get: TIMEX3 types in the JSON, and the ranges issue 10 asks of meetings and drills."""

from datetime import date

from tracker.extraction import extract

THU = date(2022, 2, 10)  # sentences written for these tests, published on Thursday 10 February 2022


def dates_of(text: str) -> list[tuple[str, str, str]]:
    return [(d["text"], d["type"], d["value"]) for d in extract(text, THU).to_json()["dates"]]


def test_the_json_dates_carry_their_timex3_type():
    assert dates_of("The envoys meet every month. Their last round lasted three days and ended on Monday morning.") == [
        ("every month", "SET", "P1M"),
        ("three days", "DURATION", "P3D"),
        ("Monday morning", "TIME", "2022-02-07TMO"),
    ]
    assert dates_of("The talks resumed on 3 February.") == [("3 February", "DATE", "2022-02-03")]


def test_a_meeting_next_week_runs_from_that_mondays_to_that_sunday():
    (meeting,) = extract("Emmanuel Macron will visit Berlin next week.", THU).meetings
    assert (meeting.start, meeting.end) == ("2022-02-14", "2022-02-20")


def test_a_three_day_visit_starting_monday_ends_on_wednesday():
    (meeting,) = extract("Xi Jinping will begin a three-day visit to Moscow starting Monday.", THU).meetings
    assert (meeting.start, meeting.end) == ("2022-02-14", "2022-02-16")


def test_drills_later_this_month_run_to_the_end_of_the_month():
    (drill,) = extract("Russia and Belarus will hold joint drills later this month.", THU).drills
    assert (drill.start, drill.end) == ("2022-02-11", "2022-02-28")


def test_drills_from_one_day_to_another_keep_both_ends():
    (drill,) = extract("Russia and Belarus will hold joint military exercises from June 5 to 20.", THU).drills
    assert (drill.start, drill.end) == ("2022-06-05", "2022-06-20")


def test_a_visit_later_this_year_is_known_to_the_month():
    (meeting,) = extract("Emmanuel Macron will visit Berlin later this year.", THU).meetings
    assert (meeting.start, meeting.end) == ("2022-02", "2022-12")
