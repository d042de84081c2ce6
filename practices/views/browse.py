"""Reading practices: the filtered list (with its htmx partial), the detail page, feeds, exports.

Every read starts from the one visibility rule: ``Practice.objects.listed_to(request.user)`` for
lists and exports (``practices.listing``, ``selectors.listed_practices``),
``permissions.get_practice_for_user`` for a practice's page; nothing here decides visibility on
its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from moderation.models import VISIBILITY_HELP, Visibility
from pactesur.spreadsheets import BOM, CSV_TYPE, Echo, csv_cell

from .. import permissions
from ..feeds import LatestPracticesAtom, LatestPracticesRss, ThemePracticesAtom, ThemePracticesRss
from ..listing import PRACTICES
from ..models import BODY_FIELDS, Practice
from ..selectors import EXPORT_COLUMNS, export_rows, more_practices, practice_page_data

__all__ = [
    "LatestPracticesAtom",
    "LatestPracticesRss",
    "ThemePracticesAtom",
    "ThemePracticesRss",
    "practice_detail",
    "practice_export_csv",
    "practice_export_json",
    "practice_list",
]

JSON_EXPORT_LIMIT = 5000

# The list page: ``practices.listing.PRACTICES`` (``lists.pages.ListPage``) says how it is kept.
practice_list = require_safe(PRACTICES.view)


@require_safe
def practice_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """A practice for anyone who may see it (404 otherwise); any URL but the canonical one
    (no slug, an old or wrong slug) redirects there.

    Its body (sections, facts, attachments, adoptions) is the same for every reader who may see
    it, and the short lists below it the same for every reader with the same scope: both are
    kept like the list (``practices.listing.PRACTICES``). What this reader may do (``flags``)
    is worked out on every request."""
    practice = permissions.get_practice_for_user(request.user, pk)
    if slug != (practice.slug or "practice"):
        return redirect(practice.get_absolute_url(), permanent=True)

    def render_body() -> SafeString:
        context = {
            "practice": practice,
            "summary": practice.stored_html("summary"),
            "sections": [
                {
                    "name": name,
                    "title": capfirst(
                        getattr(Practice._meta.get_field(name), "verbose_name", name)
                    ),
                    "html": practice.stored_html(name),
                }
                for name in BODY_FIELDS
            ],
            "visibility_help": VISIBILITY_HELP.get(Visibility(practice.visibility), ""),
            "language": practice.get_original_language_display(),
            **practice_page_data(practice),
        }
        return render_to_string("practices/includes/practice_body.html", context)

    def render_more() -> SafeString:
        same_city, related = more_practices(request.user, practice)
        context = {"practice": practice, "same_city": same_city, "related": related}
        return render_to_string("practices/includes/practice_more.html", context)

    context = {
        "practice": practice,
        "flags": permissions.practice_flags(request.user, practice),
        "body": PRACTICES.common(request, ["practice", str(practice.pk)], render_body),
        "more": PRACTICES.shared(request, ["more", str(practice.pk)], render_more),
    }
    return render(request, "practices/practice_detail.html", context)


# --- Exports -----------------------------------------------------------------------------------


def _export_queryset(request: HttpRequest) -> QuerySet:
    """The filtered list in its order; a search by relevance ranks every match."""
    filterset = PRACTICES.filters(request)
    return filterset.order(filterset.matches, bounded=False)


def _export_filename(extension: str) -> str:
    return f"pactesur-practices-{timezone.localdate():%Y-%m-%d}.{extension}"


def _attachment(response: HttpResponse | StreamingHttpResponse, extension: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{_export_filename(extension)}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ["Cookie"])


JSON_TYPE = "application/json; charset=utf-8"


@require_safe
def practice_export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered list as CSV, streamed (100,000 rows never sit in memory). With ``excel=1``,
    the file starts with a UTF-8 byte order mark, for Excel. ``HEAD`` gets the headers only,
    without running the query."""
    if request.method == "HEAD":
        response: HttpResponse | StreamingHttpResponse = HttpResponse(content_type=CSV_TYPE)
        _attachment(response, "csv")
        return response
    queryset = _export_queryset(request)
    excel = request.GET.get("excel") == "1"

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo())
        yield (BOM if excel else "") + writer.writerow(EXPORT_COLUMNS)
        for row in export_rows(queryset):
            yield writer.writerow([csv_cell(row[column]) for column in EXPORT_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    _attachment(response, "csv")
    return response


@require_safe
def practice_export_json(request: HttpRequest) -> HttpResponse:
    """The filtered list as JSON, at most ``JSON_EXPORT_LIMIT`` practices (``truncated`` says
    when there were more: the CSV export has no limit). ``HEAD`` gets the headers only."""
    if request.method == "HEAD":
        response = HttpResponse(content_type=JSON_TYPE)
        _attachment(response, "json")
        return response
    queryset = _export_queryset(request)
    rows = list(export_rows(queryset, limit=JSON_EXPORT_LIMIT + 1))
    truncated = len(rows) > JSON_EXPORT_LIMIT
    document: dict[str, Any] = {
        "generated_at": timezone.now(),
        "count": min(len(rows), JSON_EXPORT_LIMIT),
        "truncated": truncated,
        "limit": JSON_EXPORT_LIMIT,
        "practices": rows[:JSON_EXPORT_LIMIT],
    }
    if truncated:
        document["note"] = _(
            "Only the first %(limit)s practices are included: narrow the filters, "
            "or download the CSV export, which has them all."
        ) % {"limit": JSON_EXPORT_LIMIT}
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type=JSON_TYPE,
    )
    _attachment(response, "json")
    return response
