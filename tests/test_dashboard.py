from collections import Counter
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from tracker.dashboard import (
    LABEL_WIDTH,
    PLOT_WIDTH,
    RIGHT_PAD,
    Item,
    LaneActor,
    Window,
    crossings,
    format_span,
    lane_order,
    layout_timeline,
    readable_date,
    ticks_for,
)
from tracker.exports import CSV_COLUMNS, csv_lines, csv_row, ics_event, ics_text, neutralise


def item(
    key,
    *actor_ids,
    start=date(2022, 2, 10),
    type="meeting",
    status="held",
    precision="day",
    end=None,
    end_precision="day",
    text="",
):
    return Item(
        key=key,
        type=type,
        status=status,
        start=start,
        precision=precision,
        end=end,
        end_precision=end_precision,
        actor_ids=actor_ids,
        label=key,
        href=f"/{key}/",
        text=text,
    )


ACTORS = {i: LaneActor(i, f"a{i}", name) for i, name in enumerate(["Ann", "Bob", "Cy", "Di", "Ed"], start=1)}


# Dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "precision", "end", "end_precision", "text"),
    [
        (date(2022, 2, 10), "day", None, "day", "10 February 2022"),
        (date(2022, 2, 1), "month", None, "day", "February 2022"),
        (date(2022, 1, 1), "year", None, "day", "2022"),
        (date(2022, 2, 10), "day", date(2022, 2, 20), "day", "10–20 February 2022"),
        (date(2022, 2, 25), "day", date(2022, 3, 2), "day", "25 February – 2 March 2022"),
        (date(2022, 2, 1), "month", date(2022, 3, 1), "month", "February–March 2022"),
        (date(2014, 1, 1), "year", date(2015, 1, 1), "year", "2014 – 2015"),
        (None, "day", None, "day", "date unknown"),
    ],
)
def test_dates_read_as_precisely_as_they_are_known(start, precision, end, end_precision, text):
    assert format_span(start, precision, end, end_precision) == text


@pytest.mark.parametrize(
    ("precision", "end", "start_cell", "end_cell"),
    [
        ("day", date(2022, 2, 20), "2022-02-10", "2022-02-20"),
        ("month", None, "2022-02", ""),
        ("year", None, "2022", ""),
    ],
)
def test_csv_dates_are_iso_cut_to_their_precision_and_blank_when_unknown(precision, end, start_cell, end_cell):
    event = SimpleNamespace(
        kind="talks",
        status="held",
        start=date(2022, 2, 10),
        precision=precision,
        end=end,
        end_precision="day",
        date_text="",
        location="",
        summary="",
    )
    card = SimpleNamespace(event=event, type="meeting", url="/meetings/s/", names=[], evidence=[])
    row = dict(zip(CSV_COLUMNS, csv_row(card, "")))
    assert (row["start"], row["end"]) == (start_cell, end_cell)


# Windows ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zoom", "first", "last", "label"),
    [
        ("day", date(2022, 2, 10), date(2022, 2, 10), "Thursday 10 February 2022"),
        ("week", date(2022, 2, 7), date(2022, 2, 13), "Week of 7 February 2022"),
        ("month", date(2022, 2, 1), date(2022, 2, 28), "February 2022"),
        ("year", date(2022, 1, 1), date(2022, 12, 31), "2022"),
    ],
)
def test_a_zoom_period_around_a_day(zoom, first, last, label):
    window = Window.around(date(2022, 2, 10), zoom)
    assert (window.first, window.last, window.label) == (first, last, label)


def test_stepping_a_month_keeps_the_day_where_it_can():
    window = Window.around(date(2022, 1, 31), "month")
    assert window.step(1).at == date(2022, 2, 28)
    assert window.step(-1).label == "December 2021"


def test_custom_ranges_step_by_their_length_and_zoom_to_their_middle():
    window = Window.between(date(2022, 2, 1), date(2022, 2, 10))
    assert (window.step(1).first, window.step(1).last) == (date(2022, 2, 11), date(2022, 2, 20))
    assert window.params() == {"zoom": None, "at": None, "from": "2022-02-01", "to": "2022-02-10"}
    assert window.zoomed("day").first == date(2022, 2, 5)


def test_custom_ranges_are_cut_at_twenty_years():
    window = Window.between(date(1900, 1, 1), date(2100, 1, 1))
    assert window.last.year == 1920


def test_ticks_suit_the_window_length():
    assert [t.label for t in ticks_for(Window.around(date(2022, 2, 10), "week"))][:2] == ["Mon 7", "Tue 8"]
    month = [t.label for t in ticks_for(Window.around(date(2022, 2, 10), "month")) if t.label]
    assert month == ["1 Feb", "7 Feb", "14 Feb", "21 Feb", "28 Feb"]
    year = [t.label for t in ticks_for(Window.around(date(2022, 2, 10), "year"))]
    assert year[0] == "Jan 2022" and year[-1] == "Dec" and len(year) == 12
    decade = [t.label for t in ticks_for(Window.between(date(2010, 1, 1), date(2019, 12, 31)))]
    assert decade[0] == "2010" and decade[-1] == "2019"


# Geometry --------------------------------------------------------------------------------------------


def test_busiest_actors_get_lanes_and_co_participants_sit_together():
    items = [item("m1", 1, 2), item("m2", 3, 4), item("m3", 3, 5), item("m4", 3, 1)]
    lanes, total = lane_order(items, ACTORS, limit=3)
    assert total == 5
    # Cy (3 events), Ann (2) and Bob (first by name of those with 1) get lanes; Ann met both, so she sits between.
    assert [a.name for a, _ in lanes][1] == "Ann"
    assert {a.name for a, _ in lanes} == {"Ann", "Bob", "Cy"}


def test_lanes_are_ordered_so_that_connectors_cross_no_outsider_where_possible():
    # Met in pairs along a chain, first seen out of order: 1-3, 2-4, 3-5, 4-1, 5-2.
    items = [item("m1", 1, 3), item("m2", 2, 4), item("m3", 3, 5), item("m4", 4, 1), item("m5", 2, 5)]
    lanes, _ = lane_order(items, ACTORS)
    order = [a.id for a, _ in lanes]
    groups = Counter(frozenset(i.actor_ids) for i in items)
    assert crossings(order, groups) < crossings([1, 2, 3, 4, 5], groups)
    assert crossings(order, groups) == 3  # a ring of five cannot be laid flat: one pair is three lanes apart


def test_crossings_count_the_lanes_of_outsiders_a_connector_passes():
    groups = Counter({frozenset({1, 3}): 2, frozenset({1, 2}): 1})
    assert crossings([1, 2, 3], groups) == 2  # the 1-3 meetings pass lane 2, twice
    assert crossings([2, 1, 3], groups) == 0


def test_focused_actors_come_first():
    lanes, _ = lane_order([item("m1", 1, 2), item("m2", 2, 3)], ACTORS, focus=[3])
    assert [a.name for a, _ in lanes][0] == "Cy"


def test_a_meeting_is_one_mark_spanning_its_participants_lanes():
    chart = layout_timeline([item("m1", 1, 2, 3)], ACTORS, Window.around(date(2022, 2, 10), "month"))
    assert len(chart.meetings) == 1
    mark = chart.meetings[0]
    assert len(mark.ys) == 3 and mark.y1 < mark.y2
    day = PLOT_WIDTH / 28
    assert mark.x == pytest.approx(LABEL_WIDTH + 9 * day + day / 2)


def test_a_drill_is_a_bar_from_its_first_to_its_last_day_on_each_lane():
    chart = layout_timeline(
        [item("d1", 1, 2, type="drill", end=date(2022, 2, 19))], ACTORS, Window.around(date(2022, 2, 10), "month")
    )
    bar = chart.drills[0]
    day = PLOT_WIDTH / 28
    assert (bar.x, bar.x_end) == (pytest.approx(LABEL_WIDTH + 9 * day), pytest.approx(LABEL_WIDTH + 19 * day))
    assert len(bar.bar_y) == 2


def test_events_running_past_the_window_are_clipped_and_marked():
    chart = layout_timeline(
        [item("d1", 1, type="drill", start=date(2022, 1, 20), end=date(2022, 3, 5))],
        ACTORS,
        Window.around(date(2022, 2, 10), "month"),
    )
    bar = chart.drills[0]
    assert (bar.x, bar.x_end) == (pytest.approx(LABEL_WIDTH), pytest.approx(LABEL_WIDTH + PLOT_WIDTH))
    assert bar.clipped_left and bar.clipped_right


def test_a_month_only_meeting_is_drawn_as_a_faint_span_across_the_month():
    chart = layout_timeline(
        [item("m1", 1, 2, start=date(2022, 2, 1), precision="month")], ACTORS, Window.around(date(2022, 2, 10), "month")
    )
    mark = chart.meetings[0]
    assert mark.fuzzy and mark.band
    assert (mark.band_x, mark.x_end) == (pytest.approx(LABEL_WIDTH), pytest.approx(LABEL_WIDTH + PLOT_WIDTH))
    assert mark.x == pytest.approx(LABEL_WIDTH + PLOT_WIDTH / 2)
    assert mark.range_x is None


def test_meetings_of_the_same_day_stand_side_by_side_even_when_unrelated():
    chart = layout_timeline(
        [item("m1", 1, 2), item("m2", 3, 4), item("m3", 1, 4)], ACTORS, Window.around(date(2022, 2, 10), "week")
    )
    xs = sorted(m.x for m in chart.meetings)
    assert len(set(xs)) == 3
    day = PLOT_WIDTH / 7
    assert xs[-1] - xs[0] < day  # still inside their day
    assert all(LABEL_WIDTH + 3 * day < x < LABEL_WIDTH + 4 * day for x in xs)


def test_a_meeting_over_exact_days_is_a_range_bar_not_the_faint_band():
    week = Window.around(date(2022, 2, 10), "week")
    chart = layout_timeline([item("m1", 1, 2, end=date(2022, 2, 12))], ACTORS, week)
    mark = chart.meetings[0]
    day = PLOT_WIDTH / 7
    assert not mark.fuzzy and not mark.band
    assert mark.range_x == pytest.approx(LABEL_WIDTH + 3 * day)
    assert mark.range_width == pytest.approx(3 * day)
    assert len(mark.range_y) == 2


def test_marks_are_labelled_where_there_is_room():
    week = Window.around(date(2022, 2, 10), "week")
    chart = layout_timeline(
        [
            item("m1", 1, 2, text="Talks · Ann"),
            item("d1", 3, type="drill", start=date(2022, 2, 7), end=date(2022, 2, 8), text="Shield 22"),
        ],
        ACTORS,
        week,
    )
    meeting, drill = chart.meetings[0], chart.drills[0]
    assert meeting.text == "Talks · Ann" and meeting.text_x > meeting.x and meeting.text_y < meeting.y1
    assert drill.text == "Shield 22" and drill.x <= drill.text_x < drill.x_end
    assert chart.summaries == []


def test_a_day_too_crowded_for_labels_says_how_many_more():
    month = Window.around(date(2022, 2, 10), "month")
    items = [item(f"m{n}", 1, 2, text=f"Talks · number {n}") for n in range(4)]
    chart = layout_timeline(items, ACTORS, month)
    labelled = [m for m in chart.meetings if m.text]
    assert len(labelled) == 1
    assert [s.text for s in chart.summaries] == ["+3 more"]


def test_labels_stay_inside_the_drawing():
    week = Window.around(date(2022, 2, 10), "week")
    chart = layout_timeline([item("m1", 1, 2, start=date(2022, 2, 13), text="Summit · " + "x" * 40)], ACTORS, week)
    assert chart.meetings[0].text == ""
    assert chart.width == LABEL_WIDTH + PLOT_WIDTH + RIGHT_PAD


def test_events_with_nobody_on_a_lane_are_left_for_the_list():
    chart = layout_timeline([item("m1"), item("m2", 1)], ACTORS, Window.around(date(2022, 2, 10), "month"))
    assert [i.key for i in chart.unplaced] == ["m1"]


def test_lanes_are_capped():
    items = [item(f"m{i}", i) for i in range(1, 6)]
    chart = layout_timeline(items, ACTORS, Window.around(date(2022, 2, 10), "month"), max_lanes=2)
    assert len(chart.lanes) == 2 and chart.hidden_lanes == 3


def test_today_is_marked_only_inside_the_window():
    window = Window.around(date(2022, 2, 10), "month")
    assert layout_timeline([], ACTORS, window, today=date(2022, 2, 1)).today_x is not None
    assert layout_timeline([], ACTORS, window, today=date(2022, 3, 1)).today_x is None


# Exports ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_an_apostrophe(value):
    assert neutralise(value) == "'" + value


def test_plain_cells_are_left_alone():
    assert [neutralise(v) for v in ("Moscow", "2022-02-10", None, 3)] == ["Moscow", "2022-02-10", "", "3"]


def test_csv_lines_quote_as_rfc_4180():
    lines = list(csv_lines([["a,b", 'say "hi"']]))
    assert lines[1] == '"a,b","say ""hi"""\r\n'


def content_lines(event) -> list[str]:
    """An iCalendar component's content lines, unfolded."""
    return event.to_ical().decode().replace("\r\n ", "").split("\r\n")


def test_ics_text_drops_control_characters_and_keeps_newlines_for_the_library_to_escape():
    assert ics_text("a,b;c\\d\ne\r\nf\x07") == "a,b;c\\d\ne\nf"


def ics_card(**changes):
    event = SimpleNamespace(
        slug="truss-lavrov",
        start=date(2022, 2, 10),
        precision="day",
        end=None,
        end_precision="day",
        status="planned",
        get_status_display=lambda: "planned",
        date_text="on Thursday",
        location="Moscow",
        updated_at=datetime(2022, 2, 9, 12, 0, tzinfo=UTC),
    )
    source = SimpleNamespace(title="Report", publisher="Wire", published=date(2022, 2, 10), url="https://x.example/r")
    return SimpleNamespace(
        event=event,
        type="meeting",
        url="/meetings/truss-lavrov/",
        title="Truss meets Lavrov",
        names=["Liz Truss", "Sergei Lavrov"],
        kind_label="Talks",
        evidence=[SimpleNamespace(source=source, sentence="They met; they talked.")],
        **changes,
    )


def test_ics_text_is_escaped_and_long_lines_folded_within_75_octets_without_splitting_characters():
    card = ics_card()
    card.title = "Лавров, Truss; a\\b " * 10
    raw = ics_event(card, "https://parley.example", datetime(2022, 2, 10, tzinfo=UTC)).to_ical().decode()
    parts = raw.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    summary = next(
        line
        for line in content_lines(ics_event(card, "", datetime(2022, 2, 10, tzinfo=UTC)))
        if line.startswith("SUMMARY:")
    )
    assert summary.startswith("SUMMARY:Лавров\\, Truss\\; a\\\\b Лавров")


def test_an_ics_event_is_all_day_with_a_stable_uid():
    event = SimpleNamespace(
        slug="truss-lavrov",
        start=date(2022, 2, 10),
        precision="day",
        end=None,
        end_precision="day",
        status="planned",
        get_status_display=lambda: "planned",
        date_text="on Thursday",
        location="Moscow",
        updated_at=datetime(2022, 2, 9, 12, 0, tzinfo=UTC),
    )
    source = SimpleNamespace(title="Report", publisher="Wire", published=date(2022, 2, 10), url="https://x.example/r")
    card = SimpleNamespace(
        event=event,
        type="meeting",
        url="/meetings/truss-lavrov/",
        title="Truss meets Lavrov",
        names=["Liz Truss", "Sergei Lavrov"],
        kind_label="Talks",
        evidence=[SimpleNamespace(source=source, sentence="They met; they talked.")],
    )
    lines = content_lines(ics_event(card, "https://parley.example", datetime(2022, 2, 10, tzinfo=UTC)))
    assert "UID:meeting-truss-lavrov@parley" in lines
    assert "DTSTART;VALUE=DATE:20220210" in lines and "DTEND;VALUE=DATE:20220211" in lines
    assert "STATUS:TENTATIVE" in lines and "SUMMARY:Truss meets Lavrov (planned)" in lines
    assert "URL:https://parley.example/meetings/truss-lavrov/" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "They met\\; they talked." in description and "(reported as “on Thursday”)" in description


def test_a_month_only_event_is_one_all_day_entry_saying_so():
    event = SimpleNamespace(
        slug="s",
        start=date(2022, 2, 1),
        precision="month",
        end=None,
        end_precision="day",
        status="held",
        get_status_display=lambda: "held",
        date_text="",
        location="",
        updated_at=datetime(2022, 2, 1, tzinfo=UTC),
    )
    card = SimpleNamespace(
        event=event, type="meeting", url="/meetings/s/", title="Summit", names=[], kind_label="Summit", evidence=[]
    )
    lines = content_lines(ics_event(card, "", datetime(2022, 2, 10, tzinfo=UTC)))
    assert "DTSTART;VALUE=DATE:20220201" in lines and "DTEND;VALUE=DATE:20220202" in lines
    assert "SUMMARY:Summit [February 2022\\, exact day not reported]" in lines


def test_readable_date_defaults_to_the_day():
    assert readable_date(date(2022, 2, 10)) == "10 February 2022"
