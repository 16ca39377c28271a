"""Pieces of pages cached by what they show: a write re-renders the pieces it touched and no other."""

from datetime import date

import pytest
from django.core.cache import caches

from tests import factories as f
from tracker.article_import import ArticleInput, article_import

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def anonymous_read(settings):
    settings.PARLEY_ANONYMOUS_READ = True


@pytest.fixture
def rendered(monkeypatch):
    """The names of the fragments rendered (not read from the cache) since the last call."""
    store = caches["fragments"]
    made: list[str] = []
    keep = store.set

    def recording(key, value, *args, **kwargs):
        made.append(key.split(".")[2])  # "template.cache.<name>.<hash>"
        return keep(key, value, *args, **kwargs)

    monkeypatch.setattr(store, "set", recording)

    def since() -> list[str]:
        names = sorted(made)
        made.clear()
        return names

    return since


def article(text: str) -> ArticleInput:
    return ArticleInput(
        title="Envoys meet again",
        publisher="Example Wire",
        url="https://news.example/again",
        published=date(2022, 2, 12),
        text=text,
    )


TEXT = "The two envoys met in Vienna on Friday. Envoy C flew to Oslo for talks with Envoy D."


def proposals(*meetings: dict) -> dict:
    return {"actors": [], "meetings": list(meetings), "drills": []}


def vienna(**changes) -> dict:
    return {
        "kind": "talks",
        "status": "held",
        "start": "2022-02-11",
        "participants": ["Envoy A", "Envoy B"],
        "location": "Vienna",
        "summary": "Envoys A and B meet in Vienna.",
        "evidence": "The two envoys met in Vienna on Friday.",
        "evidence_start": 0,
        "evidence_end": 39,
        **changes,
    }


def test_after_an_import_a_repeated_view_renders_only_the_entries_the_import_touched(client, rendered):
    a, b, c, d = (f.actor(f"Envoy {letter}") for letter in "ABCD")
    report = f.source("Envoys keep talking", published=date(2022, 2, 1))
    f.meeting(
        a,
        b,
        start=date(2022, 2, 11),
        location="Vienna",
        summary="Envoys A and B meet in Vienna.",
        source=report,
        evidence="They met.",
    )
    for day in range(1, 8):
        f.meeting(c, d, start=date(2022, 2, day), summary=f"Talks {day}.", source=report, evidence="They talked.")
    url = "/?at=2022-02-10"

    first = client.get(url, **HX).content.decode()
    assert rendered() == ["chart-axis", "chart-marks", *["event-row"] * 8]
    assert client.get(url, **HX).content.decode() == first and rendered() == []

    # The Vienna talks gain a source; a new meeting in Oslo is added; the seven other talks are untouched.
    article_import(
        article=article(TEXT),
        proposals=proposals(
            vienna(),
            vienna(
                start="2022-02-12",
                participants=["Envoy C", "Envoy D"],
                location="Oslo",
                summary="Envoys C and D meet in Oslo.",
                evidence="Envoy C flew to Oslo for talks with Envoy D.",
                evidence_start=40,
                evidence_end=84,
            ),
        ),
    )
    again = client.get(url, **HX).content.decode()

    # The chart shows a new meeting, so its marks are drawn again; its axis is not.
    assert rendered() == ["chart-marks", *["event-row"] * 2]
    assert "Envoys C and D meet in Oslo." in again and "Envoys keep talking" in again and "Envoys meet again" in again
    assert again.count('<li class="event ') == 9


def test_an_entry_is_rendered_once_and_reused_by_every_page_that_lists_it(client, rendered):
    a, b = f.actor("Envoy A"), f.actor("Envoy B")
    f.meeting(a, b, start=date(2022, 2, 11), summary="Envoys A and B meet.", source=f.source("Wire"), evidence="Met.")

    client.get("/?at=2022-02-10", **HX)
    assert rendered() == ["chart-axis", "chart-marks", "event-row"]
    client.get("/actors/envoy-a/?at=2022-02-10", **HX)
    assert rendered() == ["chart-marks"]  # the same axis; the marks of a filtered chart are its own
    client.get("/?zoom=week&at=2022-02-11", **HX)
    assert rendered() == ["chart-axis", "chart-marks"]  # a new window draws its own chart, not the entry


def test_renaming_an_actor_renders_again_the_entries_that_name_them(client, rendered):
    a, b, c = f.actor("Envoy A"), f.actor("Envoy B"), f.actor("Envoy C")
    f.meeting(a, b, start=date(2022, 2, 11), summary="A and B.")
    f.meeting(b, c, start=date(2022, 2, 12), summary="B and C.")
    client.get("/?at=2022-02-10", **HX)
    rendered()

    c.name = "Envoy Charlie"
    c.save()
    html = client.get("/?at=2022-02-10", **HX).content.decode()

    assert rendered() == ["chart-marks", "event-row"] and "Envoy Charlie" in html


def test_in_a_dense_window_a_write_renders_again_only_the_lanes_whose_counts_it_changed(client, rendered, monkeypatch):
    monkeypatch.setattr("tracker.views.timeline.MARK_CAP", 5)
    pool = [f.actor(f"Envoy {letter}") for letter in "ABCDEF"]
    f.busy_month(40, actors=pool)
    lonely = f.actor("Envoy G")
    url = "/?at=2022-02-10"
    client.get(url, **HX)
    first = rendered()
    # All events, then the six actors of the month; no marks are drawn in a dense window.
    assert first.count("density-row") == 7 and "chart-marks" not in first

    f.meeting(pool[0], lonely, start=date(2022, 2, 20), summary="A meets G.")
    client.get(url, **HX)

    # The total and Envoy A's lane changed, Envoy G's is new; the five others are read from the cache.
    # (Shades are relative to the busiest day: a write that made a new busiest day would change every lane.)
    assert rendered().count("density-row") == 3


def test_an_actors_counterparts_are_rendered_again_only_when_a_write_changes_them(client, rendered):
    a, b, c = f.actor("Envoy A"), f.actor("Envoy B"), f.actor("Envoy C")
    f.meeting(a, b, start=date(2022, 2, 11), summary="A and B.")
    client.get("/actors/envoy-a/")
    assert "counterparts" in rendered()
    f.meeting(b, c, start=date(2022, 2, 12), summary="B and C.")  # not Envoy A's

    client.get("/actors/envoy-a/")
    assert "counterparts" not in rendered()

    f.meeting(a, c, start=date(2022, 2, 13), summary="A and C.")
    html = client.get("/actors/envoy-a/").content.decode()
    assert "counterparts" in rendered() and "1 meeting with Envoy C" in html
