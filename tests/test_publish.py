"""Publishing a view: who meets whom as an editor reads it, the TimelineJS export and the embeddable timeline."""

import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth.models import User

from tests import factories as f

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "timelinejs.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def anonymous_read(settings):
    settings.PARLEY_ANONYMOUS_READ = True


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


@pytest.fixture
def envoys():
    """Two envoys who met in April 2023 (known to the month), in March on a known day, and plan to meet in May."""
    ana, ben = f.actor("Ana Envoy"), f.actor("Ben Envoy")
    report = f.source("Envoys meet again", url="https://news.example/envoys", published=date(2023, 4, 20))
    f.meeting(ana, ben, slug="march-talks", start=date(2023, 3, 14), source=report, evidence="They met in March.")
    f.meeting(
        ana,
        ben,
        slug="april-talks",
        kind="call",
        start=date(2023, 4, 1),
        precision="month",
        source=report,
        evidence="They spoke in April.",
    )
    f.meeting(ana, ben, slug="may-visit", kind="visit", start=date(2023, 5, 2), status="planned", location="Oslo")
    f.meeting(ana, ben, slug="called-off", start=date(2023, 5, 9), status="cancelled")
    return {"ana": ana, "ben": ben, "report": report}


# Who meets whom -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/who-meets-whom/", "/who-meets-whom/?from=2023-01-01&to=2023-12-31"])
def test_the_matrix_counts_held_meetings_as_met_and_shows_planned_ones_apart(client, envoys, url):
    html = page(client, url)
    assert 'aria-label="Ana Envoy and Ben Envoy: met 2 times, last April 2023; 1 meeting planned"' in html
    assert (
        '<span class="count">2</span> <span class="last">Apr 2023</span> <span class="planned">+1 planned</span>'
        in html
    )
    assert "1 Apr 2023" not in html


@pytest.mark.parametrize("url", ["/who-meets-whom/", "/who-meets-whom/?status=planned&status=held"])
def test_a_pair_that_has_only_planned_to_meet_has_not_met(client, url):
    ana, ben = f.actor("Ana Envoy"), f.actor("Ben Envoy")
    f.meeting(ana, ben, start=date(2023, 5, 2), status="planned")
    html = page(client, url)
    assert 'aria-label="Ana Envoy and Ben Envoy: not met yet; 1 meeting planned"' in html
    assert '<span class="count">' not in html


@pytest.mark.parametrize("url", ["/who-meets-whom/", "/who-meets-whom/?from=2023-01-01&to=2023-12-31"])
def test_the_last_meeting_held_is_dated_even_when_a_later_one_is_only_planned(client, url):
    ana, ben = f.actor("Ana Envoy"), f.actor("Ben Envoy")
    f.meeting(ana, ben, start=date(2023, 1, 1), precision="year")
    f.meeting(ana, ben, start=date(2023, 6, 2), status="postponed")
    html = page(client, url)
    assert 'aria-label="Ana Envoy and Ben Envoy: met 1 time, last 2023; 1 meeting planned"' in html


@pytest.mark.parametrize("url", ["/who-meets-whom/", "/who-meets-whom/?from=2023-01-01&to=2023-12-31"])
def test_rows_name_the_counterparts_outside_the_matrix(client, url):
    hub = f.actor("Hub Envoy")
    # Twelve busy actors fill the matrix; the hub's own counterparts, met once each, stay outside it.
    busy = [f.actor(f"Busy {i:02d}") for i in range(12)]
    for day in range(1, 4):
        for i in range(0, 12, 2):
            f.meeting(busy[i], busy[i + 1], start=date(2023, 2, day))
    f.meeting(hub, busy[0], start=date(2023, 3, 1))
    f.meeting(hub, busy[0], start=date(2023, 3, 2))
    outside = [f.actor(name) for name in ("Far Envoy", "Near Envoy", "Odd Envoy", "Last Envoy")]
    for other in outside:
        f.meeting(busy[0], other, start=date(2023, 3, 5))
    f.meeting(busy[0], outside[1], start=date(2023, 3, 6))
    f.meeting(busy[0], outside[2], start=date(2023, 4, 6), status="planned")
    html = page(client, url)
    row = re.search(r'<th scope="row"><a href="/actors/busy-00/">.*?</tr>', html, re.S).group(0)
    others = re.search(r'<td class="others">(.*?)</td>', row, re.S).group(1)
    names = re.findall(r">([^<]+)</a>", others)
    assert names[:2] == ["Hub Envoy", "Near Envoy"] and len(names) == 3
    assert 'Hub Envoy</a> <span class="hint">(2)</span>' in others
    assert 'Odd Envoy</a> <span class="hint">(1, 1 planned)</span>' in others
    assert "and 2 more" in others
    assert 'href="?' in others and "b=near-envoy" in others


def test_past_the_split_cap_the_unfiltered_matrix_says_its_counts_are_of_any_status(client, envoys, monkeypatch):
    monkeypatch.setattr("tracker.pairs.SPLIT_CAP", 3)
    html = page(client, "/who-meets-whom/")
    assert 'aria-label="Ana Envoy and Ben Envoy: 4 meetings of any status, last 9 May 2023"' in html
    assert "These counts include meetings planned or cancelled" in html
    assert '<a href="?status=held" hx-get="?status=held">filter by status</a>' in html


def test_the_unfiltered_split_from_tallies_equals_the_live_count():
    from io import StringIO

    from django.core.management import call_command

    from tracker.models import Meeting
    from tracker.pairs import busiest_actors, held_and_planned, pairs_among
    from tracker.views.queries import matrix_with_others

    call_command("generate_timeline", events=400, actors=25, seed=11, stdout=StringIO())
    top = busiest_actors(8)
    ids = [row["actor"] for row in top]
    tallied = pairs_among(ids)
    assert held_and_planned(top, tallied, 3)[0]
    live_top, live, _ = matrix_with_others(Meeting.objects.all(), 8)
    assert [row["actor"] for row in live_top] == ids
    fields = ("count", "held", "planned", "last_held", "last_precision")
    assert {key: tuple(row[k] for k in fields) for key, row in tallied.items()} == {
        key: tuple(row[k] for k in fields) for key, row in live.items()
    }


# TimelineJS ---------------------------------------------------------------------------------------


def timeline(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, json.loads(b"".join(response.streaming_content))


def test_the_timelinejs_export_follows_the_format_and_keeps_date_precision(client, envoys):
    response, data = timeline(client, "/export.timeline.json?actor=ana-envoy")
    jsonschema.validate(data, SCHEMA)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="parley.timeline.json"'
    events = {event["unique_id"]: event for event in data["events"]}
    assert events["meeting-april-talks"]["start_date"] == {"year": 2023, "month": 4}
    assert events["meeting-april-talks"]["display_date"] == "April 2023"
    assert events["meeting-march-talks"]["start_date"] == {"year": 2023, "month": 3, "day": 14}
    assert events["meeting-march-talks"]["group"] == "Talks" and events["meeting-april-talks"]["group"] == "Call"
    assert events["meeting-march-talks"]["media"] == {
        "url": "https://news.example/envoys",
        "caption": "Envoys meet again",
        "credit": "Envoys meet again, Test Wire, 20 April 2023",
    }
    assert "Status: planned" in events["meeting-may-visit"]["text"]["text"]
    assert "Where: Oslo" in events["meeting-may-visit"]["text"]["text"]


def test_a_drill_spans_its_days_and_groups_by_actor_when_asked(client):
    russia, belarus = f.actor("Russia", kind="state"), f.actor("Belarus", kind="state")
    f.drill(russia, belarus, slug="long-drill", name="Long Drill", start=date(2022, 2, 10), end=date(2022, 2, 20))
    _, data = timeline(client, "/export.timeline.json?group=actor")
    jsonschema.validate(data, SCHEMA)
    (event,) = data["events"]
    assert event["start_date"] == {"year": 2022, "month": 2, "day": 10}
    assert event["end_date"] == {"year": 2022, "month": 2, "day": 20}
    assert event["group"] == "Russia" and event["text"]["headline"] == "Long Drill"


def test_the_timelinejs_export_escapes_what_the_data_holds(client):
    ana, ben = f.actor("Ana <b>Envoy</b>"), f.actor("Ben Envoy")
    f.meeting(ana, ben, summary="<script>alert(1)</script> talks", source=f.source("A & B"), evidence="<i>x</i>")
    _, data = timeline(client, "/export.timeline.json")
    jsonschema.validate(data, SCHEMA)
    text = json.dumps(data)
    assert "<script>" not in text and "<b>" not in text and "<i>x" not in text
    assert "&lt;script&gt;" in data["events"][0]["text"]["headline"]


def test_a_timelinejs_export_cut_at_the_cap_says_so(client, envoys, settings):
    settings.PARLEY_EXPORT_MAX_ROWS = 2
    _, data = timeline(client, "/export.timeline.json")
    jsonschema.validate(data, SCHEMA)
    assert len(data["events"]) == 2
    assert "This download holds at most 2 events (PARLEY_EXPORT_MAX_ROWS)" in data["title"]["text"]["text"]


def test_the_timelinejs_export_refuses_an_unknown_grouping_or_bad_filters(client):
    response = client.get("/export.timeline.json?group=colour")
    assert response.status_code == 400
    assert "The grouping “colour” is not one of: kind, actor." in response.content.decode()
    assert client.get("/export.timeline.json?from=tomorrow").status_code == 400


def test_the_timeline_offers_the_timelinejs_download_beside_the_others(client, envoys):
    html = page(client, "/?at=2023-04-10")
    assert re.search(r'<a href="/export.json\?[^"]*" download>Parley JSON</a> · <a href="/export.timeline.json\?', html)


# The embeddable timeline -----------------------------------------------------------------------------


def test_the_embed_shows_the_filtered_timeline_without_navigation_or_admin_links(client, envoys):
    staff = User.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    html = page(client, "/embed/?actor=ana-envoy&at=2023-04-10")
    assert '<h1 class="embed-title">April 2023</h1>' in html
    assert 'class="chart' in html and "Events, April 2023" in html
    assert "/admin/" not in html and "<nav" not in html and "Log out" not in html and 'id="filters' not in html
    assert '<base target="_blank">' in html
    assert '<a href="/?actor=ana-envoy&amp;at=2023-04-10">Parley</a>' in html


def test_the_embed_refuses_to_be_framed_by_default(client, envoys):
    response = client.get("/embed/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_embed_may_be_framed_by_the_listed_origins_only(client, envoys, settings):
    settings.PARLEY_EMBED_ORIGINS = ["https://news.example", "https://www.news.example:8443/", "javascript:alert(1)"]
    response = client.get("/embed/")
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://news.example https://www.news.example:8443;" in policy + ";"
    assert "javascript" not in policy and "script-src 'self'" in policy
    # Every other page still refuses to be framed.
    other = client.get("/")
    assert other["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in other["Content-Security-Policy"]


def test_the_embed_lists_more_events_in_place(client, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.LIST_PAGE", 2)
    f.busy_month(6)
    html = page(client, "/embed/?at=2022-02-10")
    more = re.search(r'<a href="(\?[^"]+)" hx-get="[^"]+" hx-target="#event-more"', html).group(1)
    fragment = page(client, "/embed/" + more.replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    assert "<html" not in fragment and 'class="event' in fragment
