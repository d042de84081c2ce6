"""Who may run the digest: Efus staff with powers (DOMAIN.md §2: preview and send digests)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.permissions import allowed
from accounts.roles import has_staff_powers

rules.add_rule("digests.manage", has_staff_powers)


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in (else the login page), and Efus staff with powers (else 404)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not allowed("digests.manage", request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
