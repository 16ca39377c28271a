"""The embeddable timeline: any filtered view, read-only and without the site's navigation, for an iframe."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from tracker.filters import parse_filters
from tracker.middleware import CONTENT_SECURITY_POLICY
from tracker.views.http import HtmxHttpRequest, Panel, is_fragment, page_cache, query_string, respond, wants_more
from tracker.views.timeline import more_events, timeline_context

# An origin as a browser sends it: scheme, host and maybe a port; nothing that could end the header early.
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


def embed_origins() -> list[str]:
    """The origins PARLEY_EMBED_ORIGINS allows to frame the embed; anything not shaped like an origin is left out."""
    return [origin.rstrip("/") for origin in settings.PARLEY_EMBED_ORIGINS if ORIGIN.fullmatch(origin.rstrip("/"))]


def allow_framing(response: HttpResponse) -> HttpResponse:
    """`response` framable by the allowed origins only; with none listed, the site's refusal (DENY, 'none') stands."""
    origins = embed_origins()
    if origins:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "frame-ancestors 'none'", "frame-ancestors " + " ".join(origins)
        )
        # X-Frame-Options can name no origin: frame-ancestors, which every current browser reads, decides.
        response.xframe_options_exempt = True
    return response


@page_cache(lambda request: "more" if wants_more(request) else "embed")
def embed_panel(request: HtmxHttpRequest) -> Panel | HttpResponse:
    """The embed's chart and list for the URL's filters, or a redirect to their canonical URL."""
    filters = parse_filters(request.GET)
    if filters.rewritten and not filters.errors and not is_fragment(request):
        return HttpResponseRedirect(request.path + query_string(filters.query()))
    if wants_more(request):
        return more_events(request, filters, page="embed")
    context = timeline_context(filters, page="embed")
    context["full_view"] = reverse("timeline") + query_string(filters.query())
    html = render_to_string("tracker/embed.html#embed-panel", context, request)
    return Panel(html, title=context["window"].label)


@require_safe
def embed(request: HtmxHttpRequest) -> HttpResponse:
    """The embeddable timeline page, or for htmx the next page of its list."""
    return allow_framing(respond(request, "tracker/embed.html", embed_panel(request), push=False))
