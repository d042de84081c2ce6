"""The practice list, declared once (``lists.pages.ListPage``): the list page, the home and city
sections and the detail page's short lists all read it, and share its cached renderings."""

from __future__ import annotations

from typing import Any

from lists.pages import ListPage
from moderation.models import listing_scope

from .filters import PracticeFilter
from .selectors import card_practices, listed_practices
from .signals import LIST_CACHE


def _context(filterset: PracticeFilter) -> dict[str, Any]:
    """What the practice list's parts show besides the form, the page and the count."""
    selected = set(filterset.cleaned_data.get("theme") or [])
    return {
        "search_query": filterset.search_query,
        "ranked_matches": filterset.ranked_matches,
        "feed_themes": [t for t in filterset.themes if t.slug in selected],
    }


PRACTICES = ListPage(
    content=LIST_CACHE,
    queryset=listed_practices,
    scope=listing_scope,
    filterset=PracticeFilter,
    card_template="practices/includes/practice_card.html",
    card_objects=card_practices,
    template="practices/practice_list.html",
    form_template="practices/includes/practice_filters.html",
    parts={
        "count": "practices/includes/practice_count.html",
        "results": "practices/includes/practice_results.html",
        "feeds": "practices/includes/practice_theme_feeds.html",
    },
    context=_context,
)
