"""Validation shared by the practice form and the services (which also serve the demo data)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_LINKS = 20
MAX_LINK_LENGTH = 500

_url = URLValidator(schemes=["http", "https"])


def clean_links(values: list[str] | str) -> list[str]:
    """Web addresses, one per line (or a list): each must be http(s); blanks and repeats dropped.

    ``javascript:``, ``data:`` and other schemes are refused with a message that names the line.
    """
    lines = values.splitlines() if isinstance(values, str) else list(values or [])
    links: list[str] = []
    errors: list[ValidationError] = []
    for number, raw in enumerate(lines, start=1):
        link = str(raw).strip()
        if not link or link in links:
            continue
        scheme = link.split(":", 1)[0].lower() if ":" in link else ""
        if len(link) > MAX_LINK_LENGTH:
            errors.append(
                ValidationError(
                    _("Line %(line)s: the address is longer than %(max)s characters."),
                    code="link_too_long",
                    params={"line": number, "max": MAX_LINK_LENGTH},
                )
            )
            continue
        if scheme not in ("http", "https"):
            errors.append(
                ValidationError(
                    _(
                        "Line %(line)s: only web addresses starting with http:// or https:// "
                        "are accepted (not “%(scheme)s:”)."
                    )
                    if scheme
                    else _("Line %(line)s: a web address must start with http:// or https://."),
                    code="link_scheme",
                    params={"line": number, "scheme": scheme[:20]},
                )
            )
            continue
        try:
            _url(link)
        except ValidationError:
            errors.append(
                ValidationError(
                    _("Line %(line)s: this is not a valid web address."),
                    code="link_invalid",
                    params={"line": number},
                )
            )
            continue
        links.append(link)
    if errors:
        raise ValidationError(errors)
    if len(links) > MAX_LINKS:
        raise ValidationError(
            _("At most %(max)s links, please."), code="too_many_links", params={"max": MAX_LINKS}
        )
    return links
