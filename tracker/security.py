"""Login throttling: a cool-down after repeated failures, per username and address, per address, per username.

The counters live in the database, not in the per-process cache, so that every gunicorn worker
and every app server behind a load balancer sees the same count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from tracker.models import LoginThrottle


def now() -> datetime:
    return timezone.now()


def cooldown() -> timedelta:
    return timedelta(seconds=settings.PARLEY_LOGIN_COOLDOWN_SECONDS)


def client_address(request: HttpRequest | None) -> str:
    """The client's address; behind a trusted proxy, the header it sets (PARLEY_CLIENT_ADDRESS_HEADER)."""
    if request is None:
        return ""
    header = settings.PARLEY_CLIENT_ADDRESS_HEADER
    if header and request.META.get(header):
        # X-Forwarded-For lists hops left to right; the proxy appends the address it saw last.
        return request.META[header].split(",")[-1].strip()[:100]
    return request.META.get("REMOTE_ADDR", "")[:100]


def throttle_keys(username: str, address: str) -> list[tuple[str, int]]:
    """The counters one attempt counts against, each with its limit.

    Failures are counted per username from one address (the tight limit), per address for any username
    (looser: several people may share an office's address) and per username from anywhere (loosest: it
    takes that many addresses, each locked on its own, before a username is locked for everyone).
    """
    name = username.strip().casefold()[:190]
    keys = []
    if name:
        keys.append((f"pair:{name}|{address}", settings.PARLEY_LOGIN_ATTEMPTS))
        keys.append((f"user:{name}", settings.PARLEY_LOGIN_USERNAME_ATTEMPTS))
    if address:
        keys.append((f"address:{address}", settings.PARLEY_LOGIN_ADDRESS_ATTEMPTS))
    return keys


def seconds_locked(keys: list[tuple[str, int]]) -> int:
    """How long these keys must still wait before another attempt, 0 when they may try."""
    moment = now()
    until = (
        LoginThrottle.objects.filter(key__in=[key for key, _ in keys], locked_until__gt=moment)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return math.ceil((until - moment).total_seconds()) if until else 0


def reserve_attempt(keys: list[tuple[str, int]]) -> int:
    """Count an attempt against every key before its password is checked; 0 if it may go ahead, else the wait.

    Counting first, with the keys' rows locked, is what makes the limit hold under a burst of parallel
    attempts: each reserves its place in turn, and the one that reaches a limit locks the key for the
    others. A successful login gives its place back (release_attempt).
    """
    moment = now()
    window = cooldown()
    with transaction.atomic():
        # Forget what is over, so guessing random usernames cannot grow the table without bound.
        LoginThrottle.objects.filter(window_start__lte=moment - window).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=moment)
        ).exclude(key__in=[key for key, _ in keys]).delete()
        rows = []
        # Always in the same order, so two attempts never wait on each other's rows in a cycle.
        for key, limit in sorted(keys):
            throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"window_start": moment}
            )
            if throttle.locked_until and throttle.locked_until > moment:
                return math.ceil((throttle.locked_until - moment).total_seconds())
            if throttle.window_start <= moment - window:
                throttle.failures, throttle.window_start, throttle.locked_until = 0, moment, None
            rows.append((throttle, limit))
        for throttle, limit in rows:
            throttle.failures += 1
            if throttle.failures >= limit:
                throttle.locked_until = moment + window
            throttle.save()
    return 0


def release_attempt(keys: list[tuple[str, int]]) -> None:
    """Give back the place a successful login reserved; its username and address start afresh together."""
    with transaction.atomic():
        for key, limit in sorted(keys):
            if key.startswith("pair:"):
                LoginThrottle.objects.filter(key=key).delete()
                continue
            throttle = LoginThrottle.objects.select_for_update().filter(key=key).first()
            if throttle is None:
                continue
            throttle.failures = max(throttle.failures - 1, 0)
            if throttle.failures < limit:
                throttle.locked_until = None
            throttle.save()


def wait_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    wait = (
        f"{minutes} minute{'s' if minutes != 1 else ''}"
        if seconds > 60
        else f"{seconds} second{'s' if seconds != 1 else ''}"
    )
    return f"Too many failed logins for this username or from this address. Try again in {wait}."


class ThrottledLoginMixin:
    """Refuses attempts during a cool-down after too many failures (see throttle_keys), without checking the password."""

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        if not username:
            return super().clean()
        keys = throttle_keys(username, client_address(self.request))
        locked = reserve_attempt(keys)
        if locked:
            # The password is not even checked, so a guess made during the cool-down tells nothing.
            raise self.throttled(locked)
        try:
            cleaned = super().clean()
        except ValidationError:
            locked = seconds_locked(keys)
            if locked:
                raise self.throttled(locked) from None
            raise
        release_attempt(keys)
        return cleaned

    def throttled(self, seconds: int) -> ValidationError:
        return ValidationError("%(message)s", code="throttled", params={"message": wait_message(seconds)})


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin login form, throttled."""


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The readers' login form, throttled like the admin's: both check the same passwords."""
