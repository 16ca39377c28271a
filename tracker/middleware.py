from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers

from tracker.limits import control_character

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends one strict policy on every response: pages, fragments, admin, files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class ControlCharacterMiddleware:
    """Answers 400 to a path or GET parameter holding a control character (NUL above all), before any view runs.

    PostgreSQL refuses NUL in text, so such a filter was a 500 there and a download cut off midway;
    nobody types a control character, so the request is refused whole, with a message that says why.
    Form fields are the forms' business: Django's refuse NUL, with the rest of the form kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            for text in (name, *values):
                if found := control_character(text):
                    where = f"The parameter “{control_character_free(name)}”"
                    return bad_request(request, f"{where} holds a control character ({found}).")
        if found := control_character(request.path):
            return bad_request(request, f"The address holds a control character ({found}).")
        return self.get_response(request)


def control_character_free(text: str) -> str:
    return "".join(c if not control_character(c) else "?" for c in text[:40])


def bad_request(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "400.html", {"reason": reason}, status=400)


class ReadAccessMiddleware:
    """Sends anonymous visitors to the readers' login unless the deployment allows public reading, and
    marks what only logged-in readers may see as private to their browser."""

    open_prefixes = ("/admin/", "/accounts/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.PARLEY_ANONYMOUS_READ
            and not request.user.is_authenticated
            and not request.path.startswith(self.open_prefixes)
        ):
            return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if not settings.PARLEY_ANONYMOUS_READ or request.user.is_authenticated:
            # Only for those allowed to read it: a shared cache must not hand it to anyone else.
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response
