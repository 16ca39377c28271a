"""A meeting's or a drill's own page: when and where, who took part in what role, and every source with its evidence."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from tracker.views.http import HtmxHttpRequest, is_fragment, render_part
from tracker.views.queries import event_card


def _event_page(request: HtmxHttpRequest, kind: str, slug: str) -> HttpResponse:
    card = event_card(kind, slug)
    if card is None:
        raise Http404(f"No {kind} “{slug}”.")
    return render_part(request, "tracker/event.html", "event-detail", {"card": card, "fragment": is_fragment(request)})


@require_safe
def meeting_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A meeting's permalink page, or for htmx its details to show beside the timeline."""
    return _event_page(request, "meeting", slug)


@require_safe
def drill_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A drill's permalink page (troops included), or for htmx its details to show beside the timeline."""
    return _event_page(request, "drill", slug)
