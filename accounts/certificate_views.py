"""HTTP glue for certificates: the public verification pages and the holder's download."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .certificates import normalize_code
from .models import Certificate
from .permissions import get_certificate_for_user

# Only lookups of codes that do not exist are counted (ACCOUNT_RATE_LIMITS["certificate_lookup"]):
# a verifier opening real certificates is never slowed down; guessing codes is.
RATE_LIMIT_ACTION = "certificate_lookup"


def _lookup_allowed(request: HttpRequest, *, count: bool) -> bool:
    """Whether this address may still look codes up; ``count`` counts this lookup as a miss.
    (allauth's public ``consume`` leaves GET requests alone, hence ``limit_get``.)"""
    usage = ratelimit.consume(
        request,
        app="allauth.account",
        action=RATE_LIMIT_ACTION,
        limit_get=True,
        dry_run=not count,
    )
    return usage is not None


def _not_found(request: HttpRequest, typed: str) -> HttpResponse:
    return render(request, "accounts/certificate_not_found.html", {"typed": typed[:40]}, status=404)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


@require_safe
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type a code; a typed code leads to its verification page."""
    typed = request.GET.get("code", "").strip()
    if typed:
        code = normalize_code(typed)
        if code is None:
            if not _lookup_allowed(request, count=True):
                return _too_many(request)
            return _not_found(request, typed)
        return redirect("accounts:certificate_verify", code=Certificate(code=code).display_code)
    return render(request, "accounts/certificate_lookup.html")


@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """What a certificate certifies, and the SHA-256 of its PDF as issued: nothing more."""
    if not _lookup_allowed(request, count=False):
        return _too_many(request)
    normalized = normalize_code(code)
    certificate = (
        Certificate.objects.defer("pdf").filter(code=normalized).first() if normalized else None
    )
    if certificate is None:
        _lookup_allowed(request, count=True)
        return _not_found(request, code)
    return render(request, "accounts/certificate_verify.html", {"certificate": certificate})


@login_required
@never_cache
@require_safe
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF as issued, for its holder (and Efus staff with powers); 404 for anyone else."""
    certificate = get_certificate_for_user(request.user, pk)
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    filename = f"pactesur-certificate-{certificate.display_code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
