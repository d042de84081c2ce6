"""Reading practices: the filtered list (with its htmx partial), the detail page, feeds, exports.

Every read starts from ``Practice.objects.visible_to(request.user)`` (through
``selectors.listed_practices`` or ``permissions.get_practice_for_user``); nothing here decides
visibility on its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from math import ceil
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe
from django_htmx.middleware import HtmxDetails

from moderation.cache import Renderings
from moderation.models import VISIBILITY_HELP, Visibility, visibility_scope
from pactesur.spreadsheets import BOM, CSV_TYPE, Echo, csv_cell

from .. import permissions
from ..cards import practice_cards
from ..feeds import LatestPracticesAtom, LatestPracticesRss, ThemePracticesAtom, ThemePracticesRss
from ..filters import FIRST_YEAR, LAST_YEAR, PracticeFilter
from ..models import BODY_FIELDS, Practice
from ..selectors import (
    EXPORT_COLUMNS,
    export_rows,
    listed_practices,
    practice_page_data,
)
from ..signals import LIST_CACHE

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

PER_PAGE = 20
COUNT_CAP = 1000
MAX_PAGE = 5000  # OFFSET 100,000: deeper pages are for the exports
JSON_EXPORT_LIMIT = 5000


class HtmxHttpRequest(HttpRequest):
    """For type checkers: ``django_htmx``'s middleware adds ``request.htmx``."""

    htmx: HtmxDetails


def capped_count(results: QuerySet) -> int:
    """The number of results, up to ``COUNT_CAP`` + 1 (``SELECT COUNT(*) FROM (... LIMIT 1001)``,
    no ordering, no joins): an exact figure beyond that tells a reader nothing more and costs a
    scan of every matching row at 100,000 practices."""
    return results.order_by()[: COUNT_CAP + 1].count()


class ResultsPage:
    """One page of the list, given the results' ``capped_count``: exact up to ``COUNT_CAP``,
    "more than 1,000" beyond it. Beyond the cap, the page fetches one row more than it shows to
    know whether a next page exists. The page reads only the ids of its practices; their cards
    come from the list cache (``cards.practice_cards``). The interface is the subset of Django's
    ``Page`` that the template uses.
    """

    def __init__(
        self, results: QuerySet, counted: int, number: Any, per_page: int, renderings: Renderings
    ) -> None:
        self.total: int | None = counted if counted <= COUNT_CAP else None
        self.num_pages = max(1, ceil(counted / per_page)) if self.total is not None else None
        try:
            number = max(1, min(int(number), MAX_PAGE))
        except (TypeError, ValueError):
            number = 1
        if self.num_pages is not None:
            number = min(number, self.num_pages)
        self.number = number
        start = (number - 1) * per_page
        ids = list(results.values_list("pk", flat=True)[start : start + per_page + 1])
        self.cards = practice_cards(ids[:per_page], renderings) if counted else []
        self._more = len(ids) > per_page
        self.start_index = start + 1
        # Only beyond the cap can a page number point past the last row (it is not counted).
        self.past_end = not ids and number > 1

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _filterset(request: HttpRequest, renderings: Renderings | None = None) -> PracticeFilter:
    return PracticeFilter(
        request.GET,
        queryset=listed_practices(request.user),
        request=request,
        renderings=renderings,
    )


def _list_body(request: HttpRequest, renderings: Renderings) -> dict[str, str]:
    """What the list page shows below its title, rendered: the filter form, the result count,
    the results (cards, pagination) and the head links to the chosen themes' feeds."""
    filterset = _filterset(request, renderings)
    results = filterset.qs
    # The count depends on the filters only: paging and sorting reuse it.
    counted = renderings.get(
        ["count", visibility_scope(request.user), filterset.filters_key],
        lambda: capped_count(results),
    )
    page = ResultsPage(results, counted, request.GET.get("page"), PER_PAGE, renderings)
    selected = request.GET.getlist("theme")
    context = {
        "form": filterset.form,
        "page_obj": page,
        "cards": page.cards,
        "result_count": page.total,
        "count_cap": COUNT_CAP,
        "search_query": filterset.search_query,
        "has_filters": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        "feed_themes": [t for t in filterset.themes if t.slug in selected],
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
    }
    return {
        f"{name}_html": render_to_string(f"practices/includes/{template}.html", context, request)
        for name, template in (
            ("form", "practice_filters"),
            ("count", "practice_count"),
            ("results", "practice_results"),
            ("feeds", "practice_theme_feeds"),
        )
    }


@require_GET
def practice_list(request: HtmxHttpRequest) -> HttpResponse:
    """Public: published practices the reader may see, searched, filtered, sorted and paged.
    With htmx, only the results region (and the count, out of band) is returned.

    Below its title, the page is rendered once per visibility scope, language and query string,
    and kept in the list cache until a practice, an attachment, a theme or a city changes
    (``moderation.cache``, ``practices.signals``): a cached page costs no query."""
    renderings = Renderings(LIST_CACHE)
    body = renderings.get(
        ["list", visibility_scope(request.user), get_language(), request.GET.urlencode()],
        lambda: _list_body(request, renderings),
    )
    # Rendered by our own templates, which escaped every value.
    context = {name: mark_safe(html) for name, html in body.items()}
    template = "practices/practice_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template = "practices/includes/practice_results_partial.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def practice_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """A practice for anyone who may see it (404 otherwise); any URL but the canonical one
    (no slug, an old or wrong slug) redirects there."""
    practice = permissions.get_practice_for_user(request.user, pk)
    if slug != (practice.slug or "practice"):
        return redirect(practice.get_absolute_url(), permanent=True)
    context = {
        "practice": practice,
        "sections": [
            {
                "name": name,
                "title": capfirst(getattr(Practice._meta.get_field(name), "verbose_name", name)),
                "text": getattr(practice, name),
            }
            for name in BODY_FIELDS
        ],
        "flags": permissions.practice_flags(request.user, practice),
        "visibility_help": VISIBILITY_HELP.get(Visibility(practice.visibility), ""),
        "language": practice.get_original_language_display(),
        **practice_page_data(request.user, practice),
    }
    return render(request, "practices/practice_detail.html", context)


# --- Exports -----------------------------------------------------------------------------------


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
    queryset = _filterset(request).qs
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
    queryset = _filterset(request).qs
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
