"""The list pattern: a filtered, sorted, paged list of cards, whose rendering is shared by every
reader who may see the same rows.

An app declares its list once, with its queryset, its filters and its card template::

    practice_list = ListPage(
        content="practices",                      # what its renderings follow (lists.cache)
        queryset=Practice.objects.listed_to,      # user -> the rows a list shows them
        scope=listing_scope,                      # user -> the key of those rows
        filterset=PracticeFilter,                 # a lists.filters.ListFilterSet
        card_template="practices/includes/practice_card.html",
        card_objects=card_practices,              # ids -> the objects a card shows
        template="practices/practice_list.html",
        form_template="practices/includes/practice_filters.html",
        parts={"count": ..., "results": ...},
    )
    path("practices/", require_safe(practice_list.view), name="list")

Beyond the page, ``shared`` keeps any rendering of the content per scope (the home page's newest
cards, a practice's related lists) and ``common`` one that is the same for every reader who may
see it (a practice's body, once the caller has checked that the reader may).

``queryset`` and ``scope`` must come from the same rule (for moderated content,
``moderation.models``: ``listed_to`` and ``listing_scope``): readers with the same scope share a
rendering because they are listed the same rows.

What a request costs:

- Below the page's title, every part (``parts``: the result count, the results...) is rendered
  once per scope, language and query string and kept (``lists.cache``) until the content
  changes: a page already rendered for any reader with the same scope costs no query.
- The filter form (``form_template``) shows the same to every reader: it is kept apart, per
  language and the values given for its fields, so that other pages, sorts and scopes of the same
  filters reuse it. It is the list's most expensive part (Django renders every ``<option>`` of
  its selects through a template: bench/README.md).
- The shared parts are rendered without the request, so nothing personal (the user, the CSRF
  token, messages) can get into them; the page around them (``template``, which extends the
  site's layout) is rendered for each request.
- A page not kept yet counts the matches once per scope and filters (``COUNT_CAP``: "more than
  1,000" beyond), reads only the ids of its rows, and takes each card from the cache, where it
  is kept per language (one card shows the same to every reader): only the cards never rendered
  are read (``card_objects``, a fixed number of queries) and rendered (``card_template``, with
  the object as ``object``).
- With htmx, only the results and the count (out of band) are sent (``partial_template``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from math import ceil
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .cache import Renderings
from .filters import ListFilterSet

T = TypeVar("T")

PER_PAGE = 20
COUNT_CAP = 1000
MAX_PAGE = 5000  # OFFSET 100,000: deeper pages are for exports


def capped_count(results: QuerySet) -> int:
    """The number of results, up to ``COUNT_CAP`` + 1 (``SELECT COUNT(*) FROM (... LIMIT 1001)``,
    no ordering): an exact figure beyond that tells a reader nothing more and costs a scan of
    every matching row at 100,000 rows."""
    return results.order_by()[: COUNT_CAP + 1].count()


class ResultsPage:
    """One page of the list, given the results' ``capped_count``: exact up to ``COUNT_CAP``,
    "more than 1,000" beyond it. Beyond the cap, the page fetches one row more than it shows to
    know whether a next page exists. It reads only the ids of its rows; ``cards`` turns them
    into rendered cards. The interface is the subset of Django's ``Page`` that templates use.
    """

    def __init__(
        self,
        results: QuerySet,
        counted: int,
        number: Any,
        per_page: int,
        cards: Callable[[list[int]], list[SafeString]],
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
        ids = (
            list(results.values_list("pk", flat=True)[start : start + per_page + 1])
            if counted
            else []
        )
        self.cards = cards(ids[:per_page]) if ids else []
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


@dataclass
class ListPage:
    """A list, as its app declares it (see the module's docstring)."""

    content: str
    queryset: Callable[[Any], QuerySet]
    scope: Callable[[Any], str]
    filterset: type[ListFilterSet]
    card_template: str
    card_objects: Callable[[list[int]], Iterable[Model]]
    template: str
    form_template: str
    parts: Mapping[str, str]
    partial_template: str = "lists/results_partial.html"
    # filterset -> what the parts show besides the form, the page and the count.
    context: Callable[[Any], dict[str, Any]] | None = None
    per_page: int = PER_PAGE

    def filters(self, request: HttpRequest) -> ListFilterSet:
        """The list's filters over what the reader may see (also for exports, uncached)."""
        return self.filterset(request.GET, queryset=self.queryset(request.user), request=request)

    def shared(self, request: HttpRequest, parts: Iterable[str], build: Callable[[], T]) -> T:
        """A rendering of this list's content kept for every reader with the same scope and
        language (``parts``: what else it depends on), built by ``build()`` when missing."""
        return Renderings.of(request, self.content).get(
            [*parts, self.scope(request.user), get_language()], build
        )

    def common(self, request: HttpRequest, parts: Iterable[str], build: Callable[[], T]) -> T:
        """A rendering of this list's content that shows the same to every reader who may see
        it (the caller has checked that this one may), kept per language."""
        return Renderings.of(request, self.content).get([*parts, get_language()], build)

    def render_cards(self, objects: Iterable[Model]) -> list[SafeString]:
        """The cards of these objects (loaded as ``card_objects`` loads them), rendered."""
        template = get_template(self.card_template)
        return [SafeString(template.render({"object": obj})) for obj in objects]

    def cards(self, request: HttpRequest, ids: list[int]) -> list[SafeString]:
        """The rendered cards of these rows, in this order, from the cache (per language) or,
        for those missing, read in one go and rendered."""
        language = get_language()

        def key(pk: int) -> str:
            return f"card-{language}-{pk}"

        def render_missing(missing: list[str]) -> dict[str, SafeString]:
            objects = list(self.card_objects([int(k.rsplit("-", 1)[1]) for k in missing]))
            keys = [key(obj.pk) for obj in objects]
            return dict(zip(keys, self.render_cards(objects), strict=True))

        renderings = Renderings.of(request, self.content)
        cards = renderings.get_many([key(pk) for pk in ids], render_missing)
        return [cards[key(pk)] for pk in ids if key(pk) in cards]

    def view(self, request: HttpRequest) -> HttpResponse:
        """The list page, or with htmx its results and count (``partial_template``)."""
        body = self.shared(
            request, ["list", request.GET.urlencode()], lambda: self._render_parts(request)
        )
        template = self.template
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.history_restore_request:
            template = self.partial_template
        response = render(request, template, body)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def _render_parts(self, request: HttpRequest) -> dict[str, SafeString]:
        filterset = self.filters(request)
        # The count depends on the filters only: pages and sorts reuse it.
        counted = self.shared(
            request, ["count", filterset.filters_key], lambda: capped_count(filterset.matches)
        )
        page = ResultsPage(
            filterset.qs,
            counted,
            request.GET.get("page"),
            self.per_page,
            lambda ids: self.cards(request, ids),
        )
        context = {
            "form": filterset.form,
            "page_obj": page,
            "cards": page.cards,
            "result_count": page.total,
            "count_cap": COUNT_CAP,
            "query": request.GET,
            "has_filters": filterset.has_filters,
            **(self.context(filterset) if self.context else {}),
        }
        rendered = {
            f"{name}_html": render_to_string(template, context)
            for name, template in self.parts.items()
        }
        rendered["form_html"] = self.common(
            request,
            ["form", filterset.form_key],
            lambda: render_to_string(self.form_template, context),
        )
        return rendered
