from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails
from django.http import HttpRequest, HttpResponse

from tracker.models import Meeting


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    """The timeline page: every meeting in date order."""
    meetings = Meeting.objects.chronological().prefetch_related("actors")
    return render(request, "tracker/timeline.html", {"meetings": meetings})
