"""What every dashboard view shares: htmx requests, query strings, the page cache and the response around a panel."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from tracker.models import Revision

# A page and its fragment share a URL, so caches must key on the headers htmx sends.
HTMX_VARY = ("HX-Request", "HX-History-Restore-Request")
CACHE_SECONDS = 600


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Send browsers that ask for /favicon.ico (JSON files, the admin's error pages) to Parley's icon."""
    # Resolved per request, not at import: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def is_fragment(request: HtmxHttpRequest) -> bool:
    """Whether htmx asks for a fragment; a history restore asks for the whole page, which htmx swaps in as the body."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def wants_more(request: HtmxHttpRequest) -> bool:
    """Whether htmx asks for the next page of a day list (the "More events" link)."""
    return is_fragment(request) and bool(request.GET.get("after"))


def query_string(params: QueryDict, **changes: Any) -> str:
    """`params` with some parameters changed (None removes one), as "?…", like {% querystring %}.

    Built from pairs rather than a copied QueryDict: a dense chart makes one link per bucket.
    """
    pairs: list[tuple[str, str]] = []
    for key, values in params.lists():
        if key not in changes:
            pairs += [(key, value) for value in values]
            continue
        pairs += _changed(key, changes[key])
    for key, value in changes.items():
        if key not in params:
            pairs += _changed(key, value)
    return f"?{urlencode(pairs)}" if pairs else "?"


def _changed(key: str, value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [(key, str(v)) for v in value]
    return [(key, str(value))]


def without(params: QueryDict, key: str) -> QueryDict:
    params = params.copy()
    params.pop(key, None)
    return params


@dataclass
class Panel:
    """The rendered part of a page that every reader shares: kept in the page cache, wrapped per request."""

    html: str
    title: str = ""
    push: str = ""  # the canonical URL htmx puts in the address bar
    page: dict[str, SafeString] = field(default_factory=dict)  # more rendered parts of the whole page


def page_cache(variant: Callable[[HtmxHttpRequest], str]) -> Callable:
    """Keep what the decorated function makes for a URL (a Panel) until the next write to the timeline.

    The key holds the revision that database triggers change on every write, today's date (the chart
    marks today) and `variant(request)`, which names the part of the page asked for. A response the
    function returns instead (a redirect) is passed on, not kept. Only markup shared by every reader is
    kept: the page around it (CSRF token, user menu) is made per request.
    """

    def decorator(build: Callable[..., Panel | HttpResponse]) -> Callable[..., Panel | HttpResponse]:
        @wraps(build)
        def cached(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> Panel | HttpResponse:
            revision = Revision.objects.current()
            if revision is None:
                return build(request, *args, **kwargs)
            raw = f"{revision}|{timezone.localdate()}|{variant(request)}|{request.get_full_path()}"
            key = "parley:" + hashlib.sha256(raw.encode()).hexdigest()
            entry = cache.get(key)
            if entry is None:
                entry = build(request, *args, **kwargs)
                if isinstance(entry, Panel):
                    cache.set(key, entry, CACHE_SECONDS)
            return entry

        return cached

    return decorator


def respond(request: HtmxHttpRequest, template: str, panel: Panel | HttpResponse, *, push: bool = True) -> HttpResponse:
    """The panel alone for htmx, or the whole page around it; a response (a redirect) as it is."""
    if isinstance(panel, HttpResponse):
        return panel
    if is_fragment(request):
        response = HttpResponse(panel.html)
        if push and panel.push:
            push_url(response, panel.push)
    else:
        response = render(request, template, {**panel.page, "panel": mark_safe(panel.html), "title": panel.title})
    patch_vary_headers(response, HTMX_VARY)
    return response


def render_part(request: HtmxHttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The page, or for htmx its named partial, from one template."""
    name = f"{template}#{partial}" if is_fragment(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, HTMX_VARY)
    return response
