"""The timeline chart as the page draws it: labels on marks, same-day meetings apart, range bars, the selected event."""

import re
from datetime import date

import pytest

from tests import factories as f
from tracker.models import Alias

pytestmark = pytest.mark.django_db

WEEK = "/?at=2022-02-10&zoom=week"


@pytest.fixture(autouse=True)
def anonymous_read(settings):
    settings.PARLEY_ANONYMOUS_READ = True


@pytest.fixture
def week():
    """A busy Thursday: a bilateral, two unrelated talks, a three-day state visit and a named drill."""
    truss, lavrov = f.actor("Liz Truss"), f.actor("Sergei Lavrov")
    Alias.objects.create(actor=truss, name="Truss")
    Alias.objects.create(actor=truss, name="Ms Truss")
    Alias.objects.create(actor=lavrov, name="the Russian minister")  # not a word of his name: no short name
    russia, belarus = f.actor("Russia", kind="state"), f.actor("Belarus", kind="state")
    chile, peru = f.actor("Chile", kind="state"), f.actor("Peru", kind="state")
    kenya, ghana = f.actor("Kenya", kind="state"), f.actor("Ghana", kind="state")
    f.meeting(truss, lavrov, slug="truss-lavrov", summary="Truss meets Lavrov.")
    f.meeting(chile, peru, slug="andes-talks", summary="Chile and Peru talk trade.")
    f.meeting(kenya, ghana, slug="coast-talks", summary="Kenya and Ghana talk ports.")
    f.meeting(
        chile,
        ghana,
        slug="state-visit",
        kind="visit",
        start=date(2022, 2, 11),
        end=date(2022, 2, 13),
        summary="Chile's president spends three days in Ghana.",
    )
    f.drill(
        russia, belarus, slug="allied-resolve", name="Allied Resolve", start=date(2022, 2, 8), end=date(2022, 2, 12)
    )


def chart_of(client, url=WEEK):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<svg class="chart"') : html.index("</svg>", html.index('<svg class="chart"')) + 6]


def mark(svg, href):
    found = re.search(rf'<a class="mark[^"]*" href="{re.escape(href)}".*?</a>', svg, re.S)
    assert found, f"no mark links to {href}"
    return found.group(0)


def test_marks_carry_short_labels_of_the_kind_and_the_first_participant(client, week):
    svg = chart_of(client)
    assert '<text class="mark-label"' in mark(svg, "/meetings/truss-lavrov/")
    assert ">Talks · Truss</text>" in mark(svg, "/meetings/truss-lavrov/")
    assert ">Allied Resolve</text>" in mark(svg, "/drills/allied-resolve/")
    # A label is drawn for the eye; the link's own name already says everything to a screen reader.
    assert 'aria-hidden="true">Talks · Truss' in svg


def test_an_actor_without_a_one_word_alias_is_labelled_by_name(client):
    lavrov, russia = f.actor("Sergei Lavrov"), f.actor("Russia", kind="state")
    Alias.objects.create(actor=lavrov, name="the Russian minister")
    f.meeting(lavrov, russia, slug="at-home", kind="call")
    assert ">Call · Sergei Lavrov</text>" in chart_of(client)


def test_unrelated_meetings_of_one_day_stand_in_separate_columns(client, week):
    svg = chart_of(client)
    xs = {
        slug: re.search(r'<line class="connector" x1="([\d.]+)"', mark(svg, f"/meetings/{slug}/")).group(1)
        for slug in ("truss-lavrov", "andes-talks", "coast-talks")
    }
    assert len(set(xs.values())) == 3, xs


def test_a_crowded_day_summarises_the_labels_it_cannot_show(client):
    pool = [f.actor(name) for name in ("Anna Ames", "Bert Bolt", "Cora Cole")]
    for n in range(6):
        f.meeting(pool[0], pool[1], pool[2], slug=f"round-{n}", start=date(2022, 2, 10))
    svg = chart_of(client, "/?at=2022-02-10&zoom=month")
    assert svg.count('class="mark-label"') == 1
    assert '<text class="mark-summary"' in svg and ">+5 more</text>" in svg


def test_a_range_with_exact_ends_is_a_range_bar_not_the_imprecise_band(client, week):
    visit = mark(chart_of(client), "/meetings/state-visit/")
    assert visit.count('<rect class="range"') == 2  # one bar on each participant's lane
    assert 'class="band"' not in visit
    assert "fuzzy" not in visit.split(">", 1)[0]


def test_a_meeting_known_to_the_month_keeps_the_faint_band(client):
    a, b = f.actor("Anna Ames"), f.actor("Bert Bolt")
    f.meeting(a, b, slug="some-day", start=date(2022, 2, 1), precision="month")
    fuzzy = mark(chart_of(client, "/?at=2022-02-10"), "/meetings/some-day/")
    assert 'class="band"' in fuzzy and 'class="range"' not in fuzzy


def test_the_legend_tells_a_range_bar_from_an_imprecise_date(client, week):
    html = client.get(WEEK).content.decode()
    assert "Meeting over several days (bar)" in html
    assert "only the month or year is known (faint span)" in html


def test_the_event_named_in_the_url_is_highlighted_on_the_chart(client, week):
    svg = chart_of(client, WEEK + "&event=meeting-andes-talks")
    assert 'aria-current="true"' in mark(svg, "/meetings/andes-talks/")
    assert svg.count('aria-current="true"') == 1
    assert "aria-current" not in chart_of(client)


def test_the_drawing_scales_to_its_box_and_says_it_scrolls_only_when_script_finds_it_wider(client, week):
    html = client.get(WEEK).content.decode()
    opening = chart_of(client).split(">", 1)[0]
    assert 'viewBox="0 0 896.0 ' in opening
    assert " width=" not in opening and " height=" not in opening
    assert '<p class="scroll-cue" id="chart-scroll-cue" hidden>' in html
    assert '<script src="/static/js/chart.js" defer></script>' in html


def test_an_event_page_links_back_to_the_timeline_with_the_event_highlighted(client, week):
    html = client.get("/meetings/andes-talks/").content.decode()
    back = re.search(r'<a href="(/\?at=2022-02-10&amp;event=meeting-andes-talks)">', html)
    assert back, "no link back to the timeline around the meeting"
    svg = chart_of(client, back.group(1).replace("&amp;", "&"))
    assert 'aria-current="true"' in mark(svg, "/meetings/andes-talks/")
