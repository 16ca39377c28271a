from datetime import date, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from tracker.models import Meeting
from tracker.paging import AtLeast, LargeTablePaginator

pytestmark = pytest.mark.django_db


def cancelled_meetings(count: int) -> list[str]:
    """`count` cancelled meetings among as many held ones, several a day; their slugs newest first."""
    Meeting.objects.bulk_create(
        Meeting(
            slug=f"m{n}",
            kind="talks",
            status="held" if n % 2 else "cancelled",
            start=date(2020, 1, 1) + timedelta(days=n // 6),
        )
        for n in range(2 * count)
    )
    return list(Meeting.objects.filter(status="cancelled").order_by("-start", "-id").values_list("slug", flat=True))


def cancelled(number: int = 1, per_page: int = 10) -> LargeTablePaginator:
    return LargeTablePaginator(
        Meeting.objects.filter(status="cancelled").order_by("-start", "-id"), per_page, number=number
    )


def slugs(page) -> list[str]:
    return [meeting.slug for meeting in page.object_list]


def test_a_count_known_only_from_below_prints_with_a_plus_and_still_counts_as_a_number():
    count = AtLeast(250)
    assert Template("{{ n }} meetings").render(Context({"n": count})) == "250+ meetings"
    assert (
        Template(
            "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} result{% plural %}{{ counter }} results{% endblocktranslate %}"
        ).render(Context({"n": count}))
        == "250+ results"
    )
    assert count == 250 and count > 50 and -(-count // 50) == 5


def test_a_filtered_list_shorter_than_a_few_pages_is_counted_exactly_and_paged_in_order():
    expected = cancelled_meetings(35)

    paginator = cancelled()

    assert paginator.count == 35 and type(paginator.count) is int
    assert paginator.num_pages == 4
    assert [slug for number in paginator.page_range for slug in slugs(paginator.page(number))] == expected


def test_a_longer_list_is_counted_a_few_pages_past_the_one_shown_and_says_so():
    expected = cancelled_meetings(120)

    first, sixth = cancelled(1), cancelled(6)

    assert (first.count, str(first.count), first.num_pages) == (50, "50+", 5)
    assert slugs(first.page(5)) == expected[40:50]
    assert (sixth.count, sixth.num_pages) == (100, 10)
    assert slugs(sixth.page(6)) == expected[50:60]
    assert cancelled(9).count == 120


def test_a_page_reads_its_rows_by_id_without_testing_the_filter_again():
    cancelled_meetings(30)
    paginator = cancelled(2)
    assert paginator.count == 30  # counted before the page, so the page query is measured alone
    with CaptureQueriesContext(connection) as queries:
        assert len(paginator.page(2).object_list) == 10
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "cancelled" not in sql


def test_a_page_asked_for_before_the_count_is_counted_up_to_that_page():
    # As a ListView does, such as the admin's autocomplete.
    expected = cancelled_meetings(120)
    paginator = cancelled(per_page=10)

    page = paginator.page(8)

    assert slugs(page) == expected[70:80]
    assert page.has_next()


def test_a_whole_table_is_counted_without_a_cap():
    cancelled_meetings(200)
    assert LargeTablePaginator(Meeting.objects.order_by("-start", "-id"), 10).count == 400
