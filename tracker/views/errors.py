"""Errors no view answered: 503 "busy, try again" when a write could not get the database, else 500."""

import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from tracker.import_runs import ImportBusy

# Imports commit in batches of a fraction of a second, so the lock is free again long before this.
RETRY_AFTER_SECONDS = 5
# PostgreSQL's "lock_not_available", raised when a lock_timeout runs out.
LOCK_NOT_AVAILABLE = "55P03"


def is_busy(error: BaseException | None) -> bool:
    """Whether `error` means another write held the lock for longer than this one could wait."""
    if isinstance(error, ImportBusy):
        return True
    if not isinstance(error, OperationalError):
        return False
    message = str(error).lower()
    cause = getattr(error.__cause__, "sqlstate", None)
    return "database is locked" in message or "database table is locked" in message or cause == LOCK_NOT_AVAILABLE


def server_error(request: HttpRequest) -> HttpResponse:
    """Parley's 503 page with Retry-After when the database was too busy to write, else its 500 page."""
    # Django calls this handler while it handles the exception, so the exception is at hand.
    if is_busy(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
