"""The one email helper: every email is three templates (subject, text, HTML) rendered here.

``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``, rendered in the
recipient's language with ``site_url`` in the context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render_email(
    name: str, context: Mapping[str, Any], *, language: str | None = None
) -> tuple[str, str, str]:
    """Return (subject, text, html) for the named email."""
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}_subject.txt", ctx).strip()
        text = render_to_string(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    return " ".join(subject.split()), text, html


def send_email(
    name: str,
    *,
    to: Sequence[str],
    context: Mapping[str, Any],
    language: str | None = None,
    headers: Mapping[str, str] | None = None,
    reply_to: Sequence[str] | None = None,
) -> int:
    """Render and send one email; call it from a task or after commit, not inside a transaction."""
    recipients = [addr for addr in to if addr]
    if not recipients:
        return 0
    subject, text, html = render_email(name, context, language=language)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=recipients,
        headers=dict(headers or {}),
        reply_to=list(reply_to or []),
    )
    message.attach_alternative(html, "text/html")
    return message.send()
