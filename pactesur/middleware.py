"""Site-wide request checks (wiring)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

NUL = "\x00"


def _has_nul(items: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in items)


class RejectNulMiddleware:
    """A NUL character in the path, a query parameter or a form field (name or value) gets the
    site's 400 page, before any view runs. PostgreSQL refuses NUL in text
    (a 500 wherever a value reaches a query), and no one types it: it comes from probes and
    broken clients. A cookie holding NUL is ignored, as if it were not sent (the session and
    CSRF cookies come from the browser, which never puts NUL in them).

    It sits before the session middleware, which reads the cookies, so the 400 page
    (``400.html``) is rendered in the visitor's language but without their session: it shows
    only the public links."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if NUL in name + value]:
            del request.COOKIES[name]
        if self._rejected(request):
            with translation.override(translation.get_language_from_request(request)):
                return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _rejected(request: HttpRequest) -> bool:
        if NUL in request.path_info or _has_nul(request.GET.lists()):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return False
        # Django removes non-printable characters from the names of uploaded files.
        return _has_nul(request.POST.lists()) or any(NUL in key for key in request.FILES)
