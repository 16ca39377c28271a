"""An actor's page: who they are, whom they meet most, and their own timeline."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from tracker.filters import parse_filters
from tracker.models import Actor
from tracker.pairs import counterparts
from tracker.views.http import (
    HtmxHttpRequest,
    Panel,
    is_fragment,
    page_cache,
    query_string,
    respond,
    wants_more,
    without,
)
from tracker.views.timeline import more_events, timeline_context

COUNTERPART_CAP = 50


def _variant(request: HtmxHttpRequest) -> str:
    if wants_more(request):
        return "more"
    return "fragment" if is_fragment(request) else "page"


@page_cache(_variant)
def actor_panel(request: HtmxHttpRequest, slug: str) -> Panel:
    """The actor's timeline panel and, for the whole page, the header with their facts and counterparts."""
    header = {}
    if is_fragment(request):
        actor = get_object_or_404(Actor.objects.with_busyness(), slug=slug)
        context = {"actor": actor}
    else:
        brief = Actor.objects.only("slug", "name")
        actor = get_object_or_404(
            Actor.objects.with_busyness()
            .select_related("affiliation")
            .prefetch_related("aliases", Prefetch("members", queryset=brief), Prefetch("groups", queryset=brief)),
            slug=slug,
        )
        # From the tallies that every write keeps (tracker.pairs): one indexed read, not a count of participants.
        met = counterparts(actor.pk, COUNTERPART_CAP + 1)
        context = {
            "actor": actor,
            "counterparts": met[:COUNTERPART_CAP],
            "more_counterparts": len(met) > COUNTERPART_CAP,
            # Everything the counterparts table shows: a write re-renders it only when it changes a row.
            "counterparts_key": (actor.slug, actor.name, [tuple(row.values()) for row in met]),
        }
        header = {"header": mark_safe(render_to_string("tracker/actor.html#actor-header", context, request))}
    filters = parse_filters(without(request.GET, "actor"))
    filters.actors = [actor]
    filters.match = "any"
    if wants_more(request):
        return more_events(request, filters, page="actor")
    context.update(timeline_context(filters, page="actor"))
    html = render_to_string("tracker/actor.html#timeline-panel", context, request)
    push = request.path + query_string(without(filters.query(), "actor"))
    return Panel(html, title=actor.name, push=push, page=header)


@require_safe
def actor_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An actor's page, or for htmx its timeline panel or the next page of its list."""
    return respond(request, "tracker/actor.html", actor_panel(request, slug), push=not wants_more(request))
