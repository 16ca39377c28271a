"""Actor suggestions for the filter's search field."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from tracker.filters import parse_filters
from tracker.models import Actor
from tracker.views.http import HtmxHttpRequest, query_string, without

SUGGESTION_CAP = 10


@require_safe
def actor_suggestions(request: HtmxHttpRequest) -> HttpResponse:
    """A short list of actors whose name or alias contains the typed text, each a link that adds it to the filter."""
    filters = parse_filters(without(request.GET, "add"))
    text = request.GET.get("add", "").strip()[:100]
    found = (
        list(Actor.objects.search(text).exclude(pk__in=[a.pk for a in filters.actors])[:SUGGESTION_CAP]) if text else []
    )
    state = filters.query()
    suggestions = [(actor, query_string(state, actor=[*filters.actor_slugs, actor.slug])) for actor in found]
    response = render(request, "tracker/_filters.html#actor-suggestions", {"suggestions": suggestions, "text": text})
    patch_vary_headers(response, ("HX-Request",))
    return response
