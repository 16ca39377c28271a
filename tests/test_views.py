import csv
import io
import json
import re
from datetime import date

import pytest
from django.db import connection

from tests import factories as f

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def anonymous_read(settings):
    settings.PARLEY_ANONYMOUS_READ = True


@pytest.fixture
def crisis():
    """A small February 2022: a four-party meeting, a bilateral, a cancelled visit, a drill and a month-only summit."""
    truss = f.actor("Liz Truss", title="Foreign Secretary")
    lavrov = f.actor("Sergei Lavrov")
    russia = f.actor("Russia", kind="state")
    belarus = f.actor("Belarus", kind="state")
    ukraine = f.actor("Ukraine", kind="state")
    france = f.actor("France", kind="state")
    germany = f.actor("Germany", kind="state")
    report = f.source("Drills begin near Ukraine", url="https://news.example/drills", publisher="Example Wire")
    normandy = f.meeting(
        russia,
        ukraine,
        france,
        germany,
        slug="normandy-talks",
        start=date(2022, 2, 10),
        status="planned",
        location="Berlin",
        summary="Normandy format envoys hold talks.",
        source=report,
        evidence="Envoys of the four countries meet in Berlin.",
    )
    moscow = f.meeting(
        truss,
        lavrov,
        slug="truss-lavrov",
        start=date(2022, 2, 10),
        location="Moscow",
        summary="Truss meets Lavrov.",
        source=report,
        evidence="Truss sat down with Lavrov.",
        roles={"sergei-lavrov": "host", "liz-truss": "guest"},
    )
    visit = f.meeting(
        truss,
        ukraine,
        slug="kyiv-visit",
        kind="visit",
        start=date(2022, 2, 17),
        status="cancelled",
        summary="Truss visits Kyiv.",
        source=report,
        evidence="A trip to Kyiv was called off.",
    )
    drills = f.drill(
        russia,
        belarus,
        slug="allied-resolve",
        name="Allied Resolve",
        start=date(2022, 2, 10),
        end=date(2022, 2, 20),
        status="ongoing",
        location="Belarus",
        troops=30000,
        source=report,
        evidence="Ten days of joint drills began.",
    )
    summit = f.meeting(
        france,
        germany,
        slug="spring-summit",
        kind="summit",
        start=date(2022, 2, 1),
        precision="month",
        status="planned",
        summary="A Franco-German summit some time in February.",
    )
    return {
        "truss": truss,
        "lavrov": lavrov,
        "russia": russia,
        "belarus": belarus,
        "ukraine": ukraine,
        "france": france,
        "germany": germany,
        "report": report,
        "normandy": normandy,
        "moscow": moscow,
        "visit": visit,
        "drills": drills,
        "summit": summit,
    }


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


# Timeline ------------------------------------------------------------------------------------------


def test_timeline_opens_on_the_month_of_the_newest_events(client, crisis):
    html = page(client, "/")
    assert '<h2 class="window-label" id="window-label">February 2022</h2>' in html
    assert "4 meetings and 1 drill from 1 February 2022 to 28 February 2022." in html


def test_timeline_draws_a_four_party_meeting_as_one_connector(client, crisis):
    html = page(client, "/?at=2022-02-10")
    marks = re.findall(r'<a class="mark meeting[^"]*" href="/meetings/normandy-talks/".*?</a>', html, re.S)
    assert len(marks) == 1
    assert marks[0].count("<circle") == 4
    assert marks[0].count('class="connector"') == 1


def test_timeline_marks_are_links_named_for_screen_readers(client, crisis):
    html = page(client, "/?at=2022-02-10")
    assert 'aria-label="Talks, 10 February 2022, Liz Truss and Sergei Lavrov, held"' in html
    assert 'aria-label="Drill Allied Resolve, 10–20 February 2022, Russia and Belarus, ongoing"' in html
    assert 'hx-get="/drills/allied-resolve/" hx-target="#event-details"' in html


def test_timeline_styles_each_status_and_uncertain_dates_differently(client, crisis):
    html = page(client, "/?at=2022-02-10")
    assert 'class="mark meeting status-cancelled"' in html
    assert 'class="mark meeting status-planned fuzzy"' in html
    assert 'class="mark drill status-ongoing"' in html
    assert html.count('class="strike"') >= 2  # the cancelled visit is struck through on both lanes


def test_timeline_lists_events_by_day_with_who_where_status_and_source(client, crisis):
    html = page(client, "/?at=2022-02-10")
    assert '<time datetime="2022-02-10">Thursday 10 February 2022</time>' in html
    assert '<time datetime="2022-02">February 2022 (day not reported)</time>' in html
    assert html.index("February 2022 (day not reported)") < html.index("Thursday 10 February 2022")
    assert '<a href="/actors/liz-truss/">Liz Truss</a> (guest)' in html
    assert "<dd>Moscow</dd>" in html
    assert (
        '<a href="https://news.example/drills" rel="noopener noreferrer">Drills begin near Ukraine</a>, Example Wire, 10 February 2022'
        in html
    )


def test_timeline_fragment_has_no_page_chrome_but_the_tabs_title(client, crisis):
    response = client.get("/?at=2022-02-10", **HX)
    html = response.content.decode()
    # htmx puts a <title> at the root of a fragment on the browser tab.
    assert html.lstrip().startswith('<title>Timeline · February 2022 · Parley</title>\n<div id="timeline-panel"')
    assert "<html" not in html and "site-header" not in html
    assert "Truss meets Lavrov." in html
    assert response.headers["HX-Push-Url"] == "/?at=2022-02-10"


def test_timeline_varies_on_htmx_headers_and_sends_the_csp(client, crisis):
    response = client.get("/")
    assert "HX-Request" in response.headers["Vary"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_history_restore_gets_the_whole_page(client, crisis):
    html = page(client, "/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in html and "site-header" in html


def test_timeline_zoom_and_navigation_links_keep_the_filters(client, crisis):
    html = page(client, "/?actor=russia&zoom=week&at=2022-02-10")
    assert "Week of 7 February 2022" in html
    assert 'href="?actor=russia&amp;zoom=week&amp;at=2022-02-03"' in html  # earlier
    assert 'href="?actor=russia&amp;zoom=week&amp;at=2022-02-17"' in html  # later
    assert 'href="?actor=russia&amp;zoom=day&amp;at=2022-02-10"' in html
    assert (
        'id="zoom-week" href="?actor=russia&amp;zoom=week&amp;at=2022-02-10" hx-get="?actor=russia&amp;zoom=week&amp;at=2022-02-10" aria-current="true"'
        in html
    )


def test_day_zoom_shows_only_that_day(client, crisis):
    html = page(client, "/?zoom=day&at=2022-02-17")
    assert "Thursday 17 February 2022" in html
    assert "Truss visits Kyiv." in html
    assert "Truss meets Lavrov." not in html
    assert "Allied Resolve" in html  # still running on the 17th


def test_custom_range_from_to_sets_the_window(client, crisis):
    html = page(client, "/?from=2022-02-15&to=2022-02-28")
    assert "15–28 February 2022" in html
    assert "Truss visits Kyiv." in html and "Truss meets Lavrov." not in html


def test_year_zoom_shows_month_ticks(client, crisis):
    html = page(client, "/?zoom=year&at=2022-02-10")
    assert ">Jan 2022</text>" in html and ">Dec</text>" in html


# Filters -------------------------------------------------------------------------------------------


def test_filter_by_actor_keeps_only_their_events(client, crisis):
    html = page(client, "/?actor=liz-truss&at=2022-02-10")
    assert "Truss meets Lavrov." in html and "Truss visits Kyiv." in html
    assert "Normandy format" not in html and "Allied Resolve" not in html
    assert 'id="actor-liz-truss" name="actor" value="liz-truss" checked' in html


def test_several_actors_match_any_by_default_and_all_on_request(client, crisis):
    any_html = page(client, "/?actor=liz-truss&actor=belarus&at=2022-02-10")
    assert "Truss meets Lavrov." in any_html and "Allied Resolve" in any_html
    all_html = page(client, "/?actor=liz-truss&actor=ukraine&match=all&at=2022-02-10")
    assert "Truss visits Kyiv." in all_html and "Truss meets Lavrov." not in all_html


def test_filter_by_kind_status_and_text(client, crisis):
    assert "Allied Resolve" not in page(client, "/?kind=talks&at=2022-02-10")
    drills_only = page(client, "/?kind=drill&at=2022-02-10")
    assert "Allied Resolve" in drills_only and "Truss meets Lavrov." not in drills_only
    cancelled = page(client, "/?status=cancelled&at=2022-02-10")
    assert "Truss visits Kyiv." in cancelled and "Truss meets Lavrov." not in cancelled
    by_evidence = page(client, "/?q=sat+down&at=2022-02-10")
    assert "Truss meets Lavrov." in by_evidence and "Normandy format" not in by_evidence
    by_place = page(client, "/?q=berlin&at=2022-02-10")
    assert "Normandy format" in by_place and "Truss meets Lavrov." not in by_place


def test_without_at_the_timeline_opens_where_the_filtered_events_are(client, crisis):
    f.meeting(crisis["lavrov"], slug="later-talks", start=date(2022, 5, 3), summary="Lavrov in May.")
    assert "May 2022" in page(client, "/")
    assert "February 2022" in page(client, "/?actor=liz-truss")


def test_invalid_filters_give_messages_not_errors(client, crisis):
    html = page(client, "/?actor=nobody&kind=parade&status=lost&from=2022-13-45&zoom=decade&at=2022-02-10")
    assert "There is no actor “nobody”; it is left out of the filter." in html
    assert (
        "Unknown kind “parade”; the kinds are talks, visit, summit, press_conference, call, signing and drill." in html
    )
    assert "Unknown status “lost”" in html
    assert "The ‘from’ date “2022-13-45” is not a date; write dates as YYYY-MM-DD, e.g. 2022-02-10." in html
    assert "Unknown zoom “decade”; choose day, week, month or year." in html
    assert "Truss meets Lavrov." in html  # the valid rest still applies


def test_a_range_that_ends_before_it_starts_is_explained(client, crisis):
    html = page(client, "/?from=2022-03-01&to=2022-02-01")
    assert "The range starts (2022-03-01) after it ends (2022-02-01); the end date is left out." in html


def test_dates_far_outside_the_calendar_are_refused_politely(client, crisis):
    html = page(client, "/?at=9999-12-31")
    assert "The ‘at’ date “9999-12-31” is not a date" in html


def test_typing_an_actor_name_redirects_to_the_canonical_url(client, crisis):
    response = client.get("/?add=Liz+Truss&kind=&q=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?actor=liz-truss"


def test_typing_an_unknown_name_says_so(client, crisis):
    assert "No actor is called “Boris”." in page(client, "/?add=Boris")


def test_htmx_filter_change_pushes_the_clean_url(client, crisis):
    response = client.get("/?add=Sergei+Lavrov&actor=liz-truss&kind=&from=&to=&q=&zoom=month", **HX)
    assert response.headers["HX-Push-Url"] == "/?actor=liz-truss&actor=sergei-lavrov"


def test_actor_suggestions_link_to_the_view_with_the_actor_added(client, crisis):
    html = page(client, "/actors/suggest/?add=tru&actor=russia&kind=talks", **HX)
    assert 'id="suggestion-liz-truss" href="?actor=russia&amp;actor=liz-truss&amp;kind=talks"' in html
    assert "Foreign Secretary" in html
    assert "No actor matches “zzz”." in page(client, "/actors/suggest/?add=zzz", **HX)


def test_the_list_shows_a_page_and_a_more_link_that_continues_by_keyset(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    html = page(client, "/?at=2022-02-10")
    assert html.count('<li class="event ') == 2
    # The month-only summit, then the 10th's first meeting; the next page starts after that meeting.
    after = f"2022-02-10~m{crisis['normandy'].pk}"
    more = f"?at=2022-02-10&amp;zoom=month&amp;after={after}"
    assert f'<p id="event-more" class="more-events"><a href="{more}" hx-get="{more}" hx-target="#event-more"' in html


@pytest.mark.parametrize("mark_cap", [150, 1], ids=["marks", "counts"])
def test_pages_of_the_list_have_every_event_once_across_same_day_events(client, crisis, monkeypatch, mark_cap):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", mark_cap)
    f.meeting(crisis["france"], slug="same-day-a", start=date(2022, 2, 10), summary="Same day A.")
    f.drill(crisis["france"], slug="same-day-drill", start=date(2022, 2, 10), summary="Same day drill.")
    seen = []
    url = "/?at=2022-02-10"
    for _ in range(10):
        html = page(client, url, **(HX if seen else {}))
        seen += re.findall(r'class="event-title" href="/(?:meetings|drills)/([-\w]+)/"', html)
        found = re.search(r'id="event-more" class="more-events"><a href="([^"]+)"', html)
        if not found:
            break
        url = "/" + found[1].replace("&amp;", "&")
    assert seen == [
        "spring-summit",
        "normandy-talks",
        "truss-lavrov",
        "same-day-a",
        "allied-resolve",
        "same-day-drill",
        "kyiv-visit",
    ]


def test_the_next_page_fragment_is_the_list_alone_and_continues_the_day(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    response = client.get(f"/?at=2022-02-10&after=2022-02-10~m{crisis['normandy'].pk}", **HX)
    html = response.content.decode()
    assert html.startswith('<section class="day">')
    assert "Thursday 10 February 2022 (continued)" in html
    assert "timeline-panel" not in html and "HX-Push-Url" not in response.headers
    assert 'hx-push-url="false" autofocus>Truss meets Lavrov.</a>' in html


def test_the_next_page_without_javascript_is_the_whole_page_with_a_way_back(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    html = page(client, f"/?at=2022-02-10&after=2022-02-10~m{crisis['normandy'].pk}")
    assert "Events after 10 February 2022." in html
    assert '<a href="?at=2022-02-10&amp;zoom=month">Back to the first events of February 2022</a>' in html
    assert "Truss meets Lavrov." in html and "Normandy format envoys hold talks.</a>" not in html


def test_a_list_position_parley_did_not_make_is_explained(client, crisis):
    html = page(client, "/?at=2022-02-10&after=yesterday")
    assert "The list position “yesterday” is not one Parley made; the list starts at the first event." in html


def test_a_crowded_window_is_drawn_as_counts_per_day_and_lane(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", 3)
    html = page(client, "/?at=2022-02-10")
    assert '<a class="mark meeting' not in html
    assert "Too many to draw one by one (over 3): the chart counts them." in html
    # Two meetings and the drill start on the 10th; the link zooms into that day.
    assert 'href="?at=2022-02-10&amp;zoom=day" aria-label="All events, 10 February 2022: 3 events; zoom in"' in html
    assert 'tabindex="-1" aria-label="Russia, 10 February 2022: 2 events; zoom in"' in html
    assert "4 meetings and 1 drill from 1 February 2022 to 28 February 2022" in html
    assert html.count('<li class="event ') == 5


def test_the_density_view_says_where_it_stopped_counting(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", 3)
    monkeypatch.setattr("tracker.views.timeline.DENSITY_SCAN", 2)
    # Filtered by status, the counts are made from the matching events, not read from the day tallies.
    html = page(client, "/?at=2022-02-10&status=held&status=planned&status=cancelled&status=postponed")
    assert "The counts stop at 10 February 2022, after the first 2 events; later days are hatched." in html
    assert 'class="density-cell uncounted"' in html


def test_timeline_lanes_are_capped_with_a_note(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LANE_CAP", 3)
    html = page(client, "/?at=2022-02-10")
    assert "Showing lanes for the 3 busiest actors of 7; the list below has every event." in html


# Escaping ------------------------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere(client, crisis):
    evil = f.actor('<script>alert("x")</script>', slug="evil")
    report = f.source("<img src=x onerror=alert(1)>", url="javascript:alert(1)")
    f.meeting(
        evil,
        crisis["russia"],
        slug="evil-meeting",
        start=date(2022, 2, 11),
        summary='<b onmouseover="x">bold</b>',
        location="<iframe>",
        source=report,
        evidence="<script>bad()</script>",
    )
    for url in ["/?at=2022-02-11", "/meetings/evil-meeting/", "/actors/evil/", "/who-meets-whom/"]:
        html = page(client, url)
        assert "<script>alert" not in html and "<script>bad" not in html
        assert "<b onmouseover" not in html and "<img src=x" not in html and "<iframe>" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page(client, "/actors/evil/")


# Event, actor and matrix pages ---------------------------------------------------------------------


def test_meeting_page_shows_participants_roles_place_and_sources(client, crisis):
    html = page(client, "/meetings/truss-lavrov/")
    assert "Truss meets Lavrov." in html
    assert '<a href="/actors/sergei-lavrov/">Sergei Lavrov</a> <span class="role">host</span>' in html
    assert "<dd>Moscow</dd>" in html
    assert "<p>Truss sat down with Lavrov.</p>" in html
    assert 'cite="https://news.example/drills"' in html


def test_event_page_fragment_is_the_detail_alone(client, crisis):
    html = page(client, "/drills/allied-resolve/", **HX)
    assert html.lstrip().startswith('<article id="event-detail"')
    assert "30000" in html and "Ten days of joint drills began." in html
    assert 'href="/drills/allied-resolve/">Permalink to this drill</a>' in html


def test_unknown_event_is_404(client, crisis):
    assert client.get("/meetings/nope/").status_code == 404


def test_month_only_dates_read_as_the_month(client, crisis):
    html = page(client, "/meetings/spring-summit/")
    assert "<dd>February 2022" in html


def test_actor_page_ranks_counterparts_with_last_meeting(client, crisis):
    f.meeting(crisis["truss"], crisis["lavrov"], slug="second-talks", start=date(2022, 3, 1))
    html = page(client, "/actors/liz-truss/")
    assert "Foreign Secretary" in html
    rows = re.findall(r'<th scope="row"><a href="/actors/([-\w]+)/">', html)
    assert rows == ["sergei-lavrov", "ukraine"]
    assert '<time datetime="2022-03-01">1 March 2022</time>' in html
    assert 'href="?zoom=week&amp;at=' in html  # the actor's own timeline, with its own navigation


def test_actor_page_fragment_is_the_timeline_panel(client, crisis):
    html = page(client, "/actors/russia/?at=2022-02-10", **HX)
    assert html.lstrip().startswith('<div id="timeline-panel"')
    assert "Normandy format envoys hold talks." in html and "Truss meets Lavrov." not in html


def test_unknown_actor_is_404(client, crisis):
    assert client.get("/actors/nobody/").status_code == 404


def test_matrix_counts_pairs_and_last_meeting(client, crisis):
    f.meeting(crisis["france"], crisis["germany"], slug="paris-talks", start=date(2022, 2, 14))
    html = page(client, "/who-meets-whom/")
    # One held, two planned (one known only as "February"): met once, the planned ones apart.
    assert 'aria-label="France and Germany: met 1 time, last 14 February 2022; 2 meetings planned"' in html
    assert 'aria-label="Germany and France: met 1 time, last 14 February 2022; 2 meetings planned"' in html
    assert 'href="?a=france&amp;b=germany" hx-get="?a=france&amp;b=germany" hx-target="#pair-meetings"' in html


def test_matrix_honours_the_filters(client, crisis):
    html = page(client, "/who-meets-whom/?status=held")
    assert "Liz Truss and Sergei Lavrov: met 1 time" in html
    assert "France and Germany" not in html


def test_matrix_cell_lists_the_pairs_meetings(client, crisis):
    html = page(client, "/who-meets-whom/?a=france&b=germany")
    assert "Meetings of France and Germany" in html
    assert "Normandy format envoys hold talks." in html and "Truss meets Lavrov." not in html
    fragment = client.get("/who-meets-whom/?a=france&b=germany", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pair-meetings")
    assert fragment.content.decode().lstrip().startswith('<section id="pair-meetings"')
    assert fragment.headers["HX-Push-Url"] == "/who-meets-whom/?a=france&b=germany"


def test_matrix_with_an_unknown_pair_says_so(client, crisis):
    assert "There is no actor “ghost” to pair; pick a cell of the matrix." in page(
        client, "/who-meets-whom/?a=france&b=ghost"
    )


# Downloads -----------------------------------------------------------------------------------------


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


def test_csv_download_has_the_filtered_events(client, crisis):
    response, text = download(client, "/export.csv?actor=liz-truss")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="parley.csv"'
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["url"] for row in rows] == [
        "http://testserver/meetings/truss-lavrov/",
        "http://testserver/meetings/kyiv-visit/",
    ]
    assert rows[0]["participants"] == "Liz Truss; Sergei Lavrov"
    assert rows[0]["evidence"] == "Truss sat down with Lavrov."
    assert rows[1]["status"] == "cancelled"


def test_a_download_in_several_batches_has_every_event_once_in_date_order(client, monkeypatch):
    monkeypatch.setattr("tracker.views.queries.EXPORT_FIRST_BATCH", 3)
    monkeypatch.setattr("tracker.views.queries.EXPORT_BATCH", 7)
    events = f.busy_month(40)
    undated = [f.meeting(events[0].participants.first().actor, slug=f"undated-{n}", start=None) for n in range(4)]

    _, month = download(client, "/export.csv?from=2022-02-01&to=2022-02-28")
    _, everything = download(client, "/export.csv")

    rows = list(csv.DictReader(io.StringIO(month)))
    assert sorted(row["url"].rsplit("/", 2)[-2] for row in rows) == sorted(event.slug for event in events)
    assert [row["start"] for row in rows] == sorted(row["start"] for row in rows)
    assert all(row["participants"] and row["sources"] for row in rows)
    rows = list(csv.DictReader(io.StringIO(everything)))
    assert len(rows) == len({row["url"] for row in rows}) == 44
    assert [row["url"].rsplit("/", 2)[-2] for row in rows[-4:]] == [event.slug for event in undated]


def test_csv_neutralises_spreadsheet_formulas(client, crisis):
    f.meeting(
        crisis["truss"],
        slug="formula",
        start=date(2022, 2, 12),
        summary='=HYPERLINK("http://evil","x")',
        location="+1-2",
        date_text="@now",
    )
    _, text = download(client, "/export.csv?kind=talks&from=2022-02-12&to=2022-02-12")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["summary"] == '\'=HYPERLINK("http://evil","x")'
    assert row["location"] == "'+1-2" and row["date_text"] == "'@now"


def test_csv_download_of_the_page_window_names_the_range(client, crisis):
    html = page(client, "/?at=2022-02-10&kind=talks")
    assert 'href="/export.csv?kind=talks&amp;from=2022-02-01&amp;to=2022-02-28" download' in html
    response, text = download(client, "/export.csv?kind=talks&from=2022-02-01&to=2022-02-28")
    assert response.headers["Content-Disposition"] == 'attachment; filename="parley-2022-02-01-2022-02-28.csv"'
    assert len(list(csv.DictReader(io.StringIO(text)))) == 2


def test_ics_download_is_rfc_5545(client, crisis):
    response, text = download(client, "/export.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="parley.ics"'
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = text.replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 5
    assert "UID:meeting-truss-lavrov@parley" in unfolded
    assert "UID:drill-allied-resolve@parley" in unfolded
    assert "DTSTART;VALUE=DATE:20220210\r\nDTEND;VALUE=DATE:20220221" in unfolded  # the drill, 10–20 Feb
    assert "STATUS:CANCELLED" in unfolded
    assert (
        "SUMMARY:A Franco-German summit some time in February. (planned) [February 2022\\, exact day not reported]"
        in unfolded
    )
    assert "LOCATION:Moscow" in unfolded


def test_ics_uids_are_stable_between_downloads(client, crisis):
    first = re.findall(r"UID:(.*)\r\n", download(client, "/export.ics")[1])
    second = re.findall(r"UID:(.*)\r\n", download(client, "/export.ics")[1])
    assert first == second and len(set(first)) == 5


def test_json_download_is_parley_json_of_the_filtered_view(client, crisis):
    response, text = download(client, "/export.json?actor=belarus")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="parley.json"'
    data = json.loads(text)
    assert data["meetings"] == []
    assert [d["name"] for d in data["drills"]] == ["Allied Resolve"]
    assert data["drills"][0]["start"] == "2022-02-10" and data["drills"][0]["end"] == "2022-02-20"
    assert sorted(a["name"] for a in data["actors"]) == ["Belarus", "Russia"]


def test_downloads_refuse_bad_filters_with_a_message(client, crisis):
    response = client.get("/export.csv?from=tomorrow")
    assert response.status_code == 400
    assert "The ‘from’ date “tomorrow” is not a date" in response.content.decode()


# Navigation: where the timeline opens, ways out of an empty window, the filters' fields --------------


def test_without_a_date_the_timeline_opens_on_the_newest_additions_and_points_to_later_ones(client, crisis):
    f.meeting(crisis["truss"], crisis["lavrov"], slug="planned-trip", start=date(2026, 12, 3), status="planned")
    f.meeting(crisis["truss"], crisis["ukraine"], slug="fresh-news", start=date(2023, 3, 20), summary="Truss in Kyiv.")
    html = page(client, "/")
    assert '<h2 class="window-label" id="window-label">March 2023</h2>' in html
    assert "Truss in Kyiv." in html
    assert "Opened on the latest additions. 1 event is dated after this window" in html
    assert '<a id="later-next" href="?zoom=month&amp;at=2026-12-03"' in html
    assert "the next on 3 December 2026" in html and "later-latest" not in html
    # A date in the URL is the reader's choice: no note there.
    assert "later-note" not in page(client, "/?at=2023-03-20")


def test_the_note_counts_every_later_event_and_links_the_next_and_the_latest(client, crisis):
    f.meeting(crisis["truss"], slug="planned-a", start=date(2026, 6, 1), status="planned")
    f.drill(crisis["russia"], slug="planned-b", start=date(2026, 9, 1), status="planned")
    f.meeting(crisis["truss"], slug="fresh", start=date(2023, 3, 20))
    html = page(client, "/")
    assert "2 events are dated after this window" in html
    assert "the next on 1 June 2026" in html and "the latest on 1 September 2026" in html


def test_many_later_events_are_counted_up_to_a_cap(client, crisis, monkeypatch):
    monkeypatch.setattr("tracker.filters.LATER_CAP", 2)
    for month in (4, 5, 6):
        f.meeting(crisis["truss"], slug=f"planned-{month}", start=date(2026, month, 1), status="planned")
    f.drill(crisis["russia"], slug="planned-drill", start=date(2026, 7, 1), status="planned")
    f.meeting(crisis["truss"], slug="fresh", start=date(2023, 3, 20))
    html = page(client, "/")
    assert "More than 2 events are dated after this window" in html
    assert "the next on 1 April 2026" in html and "the latest on 1 July 2026" in html


def test_an_actor_without_events_in_the_window_is_offered_the_nearest(client, crisis):
    f.meeting(crisis["truss"], slug="later-talks", start=date(2022, 6, 8), summary="Truss in June.")
    html = page(client, "/?actor=liz-truss&at=2022-04-10")
    assert "Nothing in this window with these filters." in html
    assert '<a id="nearest-before" href="?actor=liz-truss&amp;at=2022-02-17&amp;zoom=month"' in html
    assert "earlier, 17 February 2022" in html
    assert '<a id="nearest-after" href="?actor=liz-truss&amp;at=2022-06-08&amp;zoom=month"' in html
    # The message is page text, not a line drawn under the chart's grid.
    assert 'class="empty" x=' not in html


def test_filters_that_match_nothing_at_any_date_say_so(client, crisis):
    html = page(client, "/?kind=signing")
    assert "Nothing in this window with these filters." in html
    assert "No event matches these filters at any date." in html


def test_the_timeline_fragment_carries_the_title_of_the_window_it_shows(client, crisis):
    assert page(client, "/?at=2022-03-01", **HX).startswith("<title>Timeline · March 2022 · Parley</title>")
    assert "<title>Timeline · February 2022 · Parley</title>" in page(client, "/?at=2022-02-10")


def test_the_date_fields_are_bounded_kept_while_typed_and_checked_by_the_server(client, crisis):
    html = page(client, "/?from=2022-02-01&to=2022-02-20")
    assert '<form id="filters" method="get" action="/" hx-get="/" hx-trigger="change, submit" novalidate>' in html
    assert 'data-from="2022-02-01" data-to="2022-02-20"' in html
    assert (
        '<input type="date" id="filter-from" name="from" value="2022-02-01" min="1000-01-01" max="8999-12-31" '
        'data-date-filter="from" hx-preserve>'
    ) in html
    assert '<script src="/static/js/filters.js" defer></script>' in html


def test_a_skip_link_leads_to_the_chart(client, crisis):
    html = page(client, "/?at=2022-02-10")
    assert '<a class="skip-link" href="#chart">Skip to the chart</a>' in html
    assert '<figure class="chart-figure" id="chart" tabindex="-1">' in html


def test_a_surname_or_part_of_a_name_and_enter_picks_the_one_best_match(client, crisis):
    f.actor("Xi Jinping")
    f.actor("Alexis Xiradakis")
    f.actor("Fumio Kishida")
    response = client.get("/?add=Xi")
    assert response.headers["Location"] == "/?actor=xi-jinping"
    response = client.get("/?add=kish")
    assert response.headers["Location"] == "/?actor=fumio-kishida"
    # Two names start with the text: a tie is the reader's to settle.
    f.actor("Sergei Shoigu")
    html = page(client, "/?add=Serg&at=2022-02-10", **HX)
    assert "“Serg” could be Sergei Lavrov and Sergei Shoigu; pick one from the suggestions." in html


def test_suggestions_put_the_best_match_first_as_options_of_a_listbox(client, crisis):
    from tracker.models import Alias

    f.actor("Alexis Xiradakis")
    xi = f.actor("Xi Jinping")
    Alias.objects.create(actor=xi, name="President Xi")
    html = page(client, "/actors/suggest/?add=xi", **HX)
    names = re.findall(r'role="option"[^>]*>([^<]+) <span', html)
    assert names == ["Xi Jinping", "Alexis Xiradakis"]
    assert '<ul id="actor-listbox" role="listbox" aria-label="Suggested actors">' in html
    assert 'aria-selected="false" tabindex="-1"' in html


# Query counts: fixed, whatever the number of events -----------------------------------------------


# Cold (nothing cached): the first query of each page reads the timeline's revision for the cache key;
# a timeline then reads at most 151 (start, id) keys of each kind, in one query, to choose marks or counts
# and the first events of its list.
PAGES = [
    ("/?at=2022-02-10", {}, 6),
    ("/?at=2022-02-10", HX, 6),
    ("/", {}, 8),
    ("/?actor=envoy-a&at=2022-02-10", HX, 7),
    # An empty window: revision, actor, the (no) keys, and in one query the nearest events before and after.
    ("/?actor=envoy-a&at=2030-01-10", HX, 4),
    ("/?q=took+place&at=2022-02-10", HX, 6),
    # The unfiltered matrix: revision, busiest actors, their tallies, then who took part in their meetings
    # not held or on a pair's last date (held and planned apart, the last date's precision), and the
    # counterparts each met most outside the matrix.
    ("/who-meets-whom/", {}, 5),
    ("/who-meets-whom/?a=envoy-a&b=envoy-b", {}, 9),
    ("/who-meets-whom/?a=envoy-a&b=envoy-b", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "pair-meetings"}, 5),
    ("/actors/envoy-a/?at=2022-02-10", {}, 11),
    ("/actors/envoy-a/?at=2022-02-10", HX, 7),
    ("/meetings/first-meeting/", {}, 3),
    ("/meetings/first-meeting/", HX, 3),
    ("/actors/suggest/?add=envoy", HX, 1),
    ("/export.csv?from=2022-02-01&to=2022-02-28", {}, 8),
    # The calendar says it was cut before its events, so it first counts, per kind, up to one past the cap.
    ("/export.ics?from=2022-02-01&to=2022-02-28", {}, 10),
]


@pytest.mark.parametrize("size", [10, 60])
@pytest.mark.parametrize(("url", "headers", "queries"), PAGES)
def test_query_count_does_not_grow_with_events(client, django_assert_num_queries, size, url, headers, queries):
    pool = [f.actor(name) for name in ("Envoy A", "Envoy B", "Envoy C", "Envoy D", "Envoy E")]
    f.meeting(pool[0], pool[1], slug="first-meeting", start=date(2022, 2, 1), source=f.source(), evidence="Met.")
    f.busy_month(size, actors=pool)
    if url.startswith("/export.") and connection.vendor == "postgresql":
        # A download on PostgreSQL reads in one transaction: inside the test's own, a savepoint and its release.
        queries += 2
    with django_assert_num_queries(queries):
        response = client.get(url, **headers)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


def test_json_download_query_count_is_fixed(client, django_assert_num_queries):
    f.busy_month(30)
    # Nine as before, after the first dates of each kind (up to one past the cap) that say where the cap cuts;
    # on PostgreSQL the stream reads in one transaction, inside the test's own a savepoint and its release.
    with django_assert_num_queries(11 + 2 * (connection.vendor == "postgresql")):
        response = client.get("/export.json")
        json.loads(b"".join(response.streaming_content))
    assert response.status_code == 200


def test_density_query_count_is_fixed(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", 5)
    f.busy_month(40)
    # Revision, the window's first keys (both kinds in one query), the list's events by id, their
    # participants and their sources (one query each for both kinds), the counts per day from the day
    # tallies, and the busiest actors with their counts per lane (one query each for both kinds).
    with django_assert_num_queries(8):
        assert client.get("/?at=2022-02-10", **HX).status_code == 200
    # Filtered by status, per kind the counts per day and per lane from the matching events, in one query.
    with django_assert_num_queries(9):
        assert client.get("/?at=2022-02-10&status=held", **HX).status_code == 200


def test_a_repeated_view_is_one_query_and_the_same_but_for_the_csrf_token(client, django_assert_num_queries, crisis):
    token = re.compile(r'"X-CSRFToken": "\w+"')
    for url, headers in [
        ("/?at=2022-02-10", {}),
        ("/?at=2022-02-10", HX),
        ("/actors/russia/", {}),
        ("/who-meets-whom/", {}),
    ]:
        first = page(client, url, **headers)
        with django_assert_num_queries(1):
            again = page(client, url, **headers)
        assert token.sub("", again) == token.sub("", first)
        assert "Truss meets Lavrov" in again or "Normandy" in again or "France" in again


def test_a_cached_page_changes_after_an_import(client, crisis):
    from tracker.services import import_timeline

    assert "Lavrov in Minsk." not in page(client, "/?at=2022-02-10", **HX)
    import_timeline(
        data={
            "actors": [],
            "meetings": [
                {
                    "kind": "talks",
                    "status": "held",
                    "date": "2022-02-12",
                    "participants": ["Sergei Lavrov", "Belarus"],
                    "location": "Minsk",
                    "summary": "Lavrov in Minsk.",
                    "sources": [],
                }
            ],
            "drills": [],
        }
    )
    assert "Lavrov in Minsk." in page(client, "/?at=2022-02-10", **HX)
    assert "Lavrov in Minsk." in page(client, "/actors/belarus/?at=2022-02-10")


def test_a_cached_page_changes_after_an_edit_in_the_admin(client, crisis, admin_client):
    url = "/?at=2022-02-10"
    assert "Allied Resolve" in page(client, url)
    drill = crisis["drills"]
    response = admin_client.post(f"/admin/tracker/drill/{drill.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert "Allied Resolve" not in page(client, url)
    crisis["russia"].name = "Russian Federation"
    crisis["russia"].save()
    assert "Russian Federation" in page(client, url)


def test_every_write_to_the_timeline_changes_the_revision(crisis):
    from tracker.models import Alias, Evidence, Revision

    seen = {Revision.objects.current()}
    writes = [
        lambda: Alias.objects.create(actor=crisis["russia"], name="the Kremlin"),
        lambda: crisis["report"].save(),
        lambda: Evidence.objects.filter(meeting=crisis["moscow"]).update(sentence="Changed."),
        lambda: crisis["drills"].participants.first().delete(),
        lambda: crisis["truss"].groups.add(crisis["russia"]),
        lambda: crisis["summit"].delete(),
    ]
    for write in writes:
        write()
        seen.add(Revision.objects.current())
    assert None not in seen and len(seen) == len(writes) + 1


def test_the_unfiltered_matrix_from_tallies_equals_live_counts(client):
    from io import StringIO

    from django.core.management import call_command

    from tracker.models import Meeting
    from tracker.views import queries

    call_command("generate_timeline", events=300, actors=25, seed=3, stdout=StringIO())
    html = page(client, "/who-meets-whom/")
    top, pairs = queries.meeting_matrix(Meeting.objects.all())
    shown = re.findall(r'<th scope="row"><a href="/actors/([-\w]+)/">', html)
    assert shown == [row["slug"] for row in top]
    for (a, b), row in list(pairs.items())[:20]:
        names = {r["actor"]: r["name"] for r in top}
        if row["held"]:
            said = f'aria-label="{names[a]} and {names[b]}: met {row["held"]} time'
        else:
            said = f'aria-label="{names[a]} and {names[b]}: not met yet; {row["planned"]} meeting'
        if row["held"] or row["planned"]:
            assert said in html.replace("&#x27;", "'")


def test_a_filtered_matrix_counts_a_default_window_and_offers_a_year(client, crisis):
    html = page(client, "/who-meets-whom/?kind=talks")
    assert "Counting the 90 days up to the latest matching meeting. From 13 November 2021 to 10 February 2022." in html
    assert '<a href="?kind=talks&amp;from=2021-02-10&amp;to=2022-02-10" hx-get=' in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/who-meets-whom/"])
def test_pages_answer_head_requests_so_uptime_monitors_see_them_up(client, path):
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""


# Who meets whom, filtered: counted in one pass -------------------------------------------------------


def counted_the_long_way(meetings, size):
    """The filtered matrix as two SQL aggregates count it: actors ranked by meetings then name, and each pair of them."""
    from django.db.models import Count, F, Max

    from tracker.models import Participant

    top = list(
        Participant.objects.filter(meeting__in=meetings)
        .values("actor", slug=F("actor__slug"), name=F("actor__name"))
        .annotate(meetings=Count("pk"))
        .order_by("-meetings", "name")[:size]
    )
    ids = [row["actor"] for row in top]
    rows = (
        Participant.objects.filter(
            meeting__in=meetings,
            actor__in=ids,
            meeting__participants__actor__in=ids,
            meeting__participants__actor__gt=F("actor"),
        )
        .values("actor", other=F("meeting__participants__actor"))
        .annotate(count=Count("meeting"), last=Max("meeting__start"))
        .order_by()
    )
    pairs = {}
    for row in rows:
        pairs[(row["actor"], row["other"])] = pairs[(row["other"], row["actor"])] = (row["count"], row["last"])
    return top, pairs


@pytest.mark.parametrize(
    "query",
    ["status=held", "kind=talks&kind=summit", "actor={busiest}", "actor={busiest}&actor={second}&match=all", "q=an"],
)
def test_a_filtered_matrix_equals_the_sql_count_of_its_meetings(query):
    from io import StringIO

    from django.core.management import call_command
    from django.http import QueryDict

    from tracker.filters import parse_filters
    from tracker.pairs import busiest_actors
    from tracker.views import queries

    call_command("generate_timeline", events=500, actors=30, seed=5, stdout=StringIO())
    busiest, second = (row["slug"] for row in busiest_actors(2))
    meetings = parse_filters(QueryDict(query.format(busiest=busiest, second=second))).meetings()

    top, pairs = queries.meeting_matrix(meetings, size=8)

    expected_top, expected_pairs = counted_the_long_way(meetings, 8)
    assert top == expected_top and len(top) == 8
    assert {key: (row["count"], row["last"]) for key, row in pairs.items()} == expected_pairs != {}


def test_a_filtered_matrix_breaks_ties_by_name():
    from tracker.models import Meeting
    from tracker.views import queries

    zed, amy, bob, cy = f.actor("Zed"), f.actor("Amy"), f.actor("Bob"), f.actor("Cy")
    f.meeting(zed, bob, start=date(2022, 2, 1))
    f.meeting(zed, amy, start=date(2022, 2, 2))
    f.meeting(zed, cy, start=date(2022, 2, 3))

    top, pairs = queries.meeting_matrix(Meeting.objects.all(), size=3)

    assert [(row["name"], row["meetings"]) for row in top] == [("Zed", 3), ("Amy", 1), ("Bob", 1)]
    assert pairs[(zed.pk, amy.pk)]["count"] == 1 and (amy.pk, bob.pk) not in pairs


def test_one_actors_matrix_over_all_their_meetings_agrees_with_the_tallies():
    from io import StringIO

    from django.core.management import call_command

    from tracker.models import Actor, Meeting
    from tracker.pairs import busiest_actors, counterparts
    from tracker.views import queries

    call_command("generate_timeline", events=500, actors=30, seed=6, stdout=StringIO())
    busiest = busiest_actors(1)[0]

    top, pairs = queries.meeting_matrix(Meeting.objects.involving(Actor.objects.get(pk=busiest["actor"])), size=8)

    assert (top[0]["actor"], top[0]["meetings"]) == (busiest["actor"], busiest["meetings"])
    tallied = {row["actor"]: (row["meetings"], row["last"]) for row in counterparts(busiest["actor"], 100)}
    for row in top[1:]:
        pair = pairs[(busiest["actor"], row["actor"])]
        assert tallied[row["actor"]] == (row["meetings"], pair["last"]) == (pair["count"], pair["last"])


def test_a_filtered_matrix_counts_back_from_the_latest_meeting_not_a_later_drill(client, crisis):
    f.drill(crisis["russia"], crisis["belarus"], start=date(2022, 6, 1))
    html = page(client, "/who-meets-whom/?actor=russia")
    assert "Counting the 90 days up to the latest matching meeting. From 13 November 2021 to 10 February 2022." in html
    # Their one meeting is planned: shown apart, not as met.
    assert 'aria-label="Russia and Ukraine: not met yet; 1 meeting planned"' in html


def test_a_filtered_matrix_with_no_matching_meeting_says_it_counts_up_to_today(client, crisis):
    html = page(client, "/who-meets-whom/?kind=drill")
    assert "Counting the 90 days up to today: no meeting matches." in html


@pytest.mark.parametrize("size", [10, 60])
def test_a_filtered_matrix_takes_the_same_queries_whatever_the_events(client, django_assert_num_queries, size):
    pool = [f.actor(name) for name in ("Envoy A", "Envoy B", "Envoy C", "Envoy D", "Envoy E")]
    f.busy_month(size, actors=pool)
    # Revision, the actor, the latest of their meetings, who took part in the window's meetings, the leaders' names.
    with django_assert_num_queries(5):
        html = page(client, "/who-meets-whom/?actor=envoy-a")
    assert 'aria-label="Envoy A and Envoy B: ' in html


def test_a_filtered_matrix_cell_links_keep_the_filters_and_mark_the_chosen_pair(client, crisis):
    html = page(client, "/who-meets-whom/?status=held&a=liz-truss&b=sergei-lavrov")
    assert (
        '<td class="met selected"><a href="?status=held&amp;a=liz-truss&amp;b=sergei-lavrov" hx-get="?status=held&amp;a=liz-truss&amp;b=sergei-lavrov"'
        ' hx-target="#pair-meetings" hx-swap="outerHTML" aria-label="Liz Truss and Sergei Lavrov: met 1 time, last 10 February 2022">'
        '<span class="count">1</span> <span class="last">10 Feb 2022</span></a></td>'
    ) in html
    assert '<td class="met"><a href="?status=held&amp;a=sergei-lavrov&amp;b=liz-truss"' in html


def test_browsers_asking_for_favicon_ico_get_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_admin_pages_name_the_icon(client):
    page = client.get("/admin/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
