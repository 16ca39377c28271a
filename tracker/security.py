"""Admin login throttling: a cool-down after repeated failures, per username and per client address.

The counters live in the database, not in the per-process cache, so that every gunicorn worker
and every app server behind a load balancer sees the same count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
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


def throttle_keys(username: str, address: str) -> list[str]:
    keys = [f"user:{username.strip().casefold()[:250]}"] if username.strip() else []
    return keys + ([f"address:{address}"] if address else [])


def seconds_locked(keys: list[str]) -> int:
    """How long these keys must still wait before another attempt, 0 when they may try."""
    moment = now()
    until = (
        LoginThrottle.objects.filter(key__in=keys, locked_until__gt=moment)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return math.ceil((until - moment).total_seconds()) if until else 0


def record_failure(keys: list[str]) -> None:
    moment = now()
    window = cooldown()
    with transaction.atomic():
        # Forget what is over, so guessing random usernames cannot grow the table without bound.
        LoginThrottle.objects.filter(window_start__lte=moment - window).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lte=moment)
        ).exclude(key__in=keys).delete()
        for key in keys:
            throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"window_start": moment}
            )
            if throttle.window_start <= moment - window:
                throttle.failures, throttle.window_start = 0, moment
            throttle.failures += 1
            if throttle.failures >= settings.PARLEY_LOGIN_ATTEMPTS:
                throttle.locked_until = moment + window
            throttle.save()


def record_success(username: str) -> None:
    LoginThrottle.objects.filter(key__in=throttle_keys(username, "")).delete()


def wait_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    wait = (
        f"{minutes} minute{'s' if minutes != 1 else ''}"
        if seconds > 60
        else f"{seconds} second{'s' if seconds != 1 else ''}"
    )
    return f"Too many failed logins for this username or from this address. Try again in {wait}."


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, refusing attempts during a cool-down after PARLEY_LOGIN_ATTEMPTS failures."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": "%(message)s"}

    def clean(self) -> dict:
        keys = throttle_keys(self.cleaned_data.get("username") or "", client_address(self.request))
        locked = seconds_locked(keys)
        if locked:
            # The password is not even checked, so a guess made during the cool-down tells nothing.
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"message": wait_message(locked)}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(keys)
            locked = seconds_locked(keys)
            if locked:
                raise ValidationError(
                    self.error_messages["throttled"], code="throttled", params={"message": wait_message(locked)}
                ) from None
            raise
        record_success(self.cleaned_data.get("username") or "")
        return cleaned
