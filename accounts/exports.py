"""A person's data export ("download my data"): one JSON document built from named sections.

Each app contributes the data it holds about a person by registering a *section*: a name and a
callable that takes the user and returns something JSON-serialisable (dicts, lists, strings,
numbers, booleans, ``None``; dates, datetimes, decimals and UUIDs are converted by
``DjangoJSONEncoder``). Register from your ``AppConfig.ready``::

    # practices/apps.py
    def ready(self) -> None:
        from accounts import exports

        from .exports import practices_section

        exports.register("practices", practices_section)

    # practices/exports.py
    def practices_section(user: User) -> list[dict]:
        return list(Practice.objects.filter(author=user).values("title", "created_at"))

Rules for a section: it only reads; it returns what the person themselves entered or what is
recorded about them (never other people's personal data, never secrets such as password hashes
or TOTP seeds); it keeps its query count independent of the amount of data (``values()``,
``select_related``). Section names are unique; registering a name again replaces the section.

``build_export(user)`` returns the whole document; the ``accounts:export`` view serves it as an
attachment. The sections of this app (profile, email addresses, memberships, two-factor
authentication, emails) are registered in ``AccountsConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from .models import Membership, User

Section = Callable[[User], Any]

FORMAT_VERSION = 1

_sections: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    """Add (or replace) a named section of the export."""
    if not name or not callable(section):
        raise ValueError("A section needs a name and a callable taking the user.")
    _sections[name] = section


def unregister(name: str) -> None:
    _sections.pop(name, None)


def section_names() -> list[str]:
    return list(_sections)


def build_export(user: User) -> dict[str, Any]:
    """The whole export for one person, sections in registration order."""
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        **{name: section(user) for name, section in _sections.items()},
    }


# --- This app's sections -------------------------------------------------------------------------


def profile_section(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "position": user.position,
        "language": user.language,
        "languages": list(user.languages or []),
        "gender": user.gender,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def email_addresses_section(user: User) -> list[dict[str, Any]]:
    from allauth.account.models import EmailAddress

    return list(
        EmailAddress.objects.filter(user=user)
        .order_by("-primary", "email")
        .values("email", "verified", "primary")
    )


def memberships_section(user: User) -> list[dict[str, Any]]:
    memberships = Membership.objects.filter(user=user).select_related("body__city")
    return [
        {
            "organisation": m.body.official_name,
            "city": m.body.city.name,
            "role": m.role,
            "status": m.status,
            "requested_at": m.created_at,
            "decided_at": m.decided_at,
        }
        for m in memberships.order_by("created_at")
    ]


def mfa_section(user: User) -> list[dict[str, Any]]:
    """Which second factors are set up, and when: never their secrets."""
    from allauth.mfa.models import Authenticator

    return list(
        Authenticator.objects.filter(user=user)
        .order_by("created_at")
        .values("type", "created_at", "last_used_at")
    )


def emails_section(user: User) -> list[Any]:
    """The emails sent or waiting for the person: what and when, never their content."""
    from django.db.models import Q

    from .models import OutboundEmail

    return list(
        OutboundEmail.objects.filter(Q(user=user) | Q(about=f"accounts.user:{user.pk}"))
        .order_by("created_at")
        .values("kind", "recipient", "status", "created_at", "sent_at")
    )


def certificates_section(user: User) -> list[Any]:
    """The certificates issued to the person: what each certifies (the PDF is on ``/me/``)."""
    from .models import Certificate

    return list(
        Certificate.objects.held_by(user)
        .order_by("issued_at")
        .values(
            "kind", "title", "host", "start", "end", "hours", "code", "language", "issued_at",
            "sha256",
        )
    )  # fmt: skip


def register_account_sections() -> None:
    register("profile", profile_section)
    register("email_addresses", email_addresses_section)
    register("memberships", memberships_section)
    register("two_factor_authentication", mfa_section)
    register("emails", emails_section)
    register("certificates", certificates_section)
