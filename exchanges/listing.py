"""The offer list, declared once with the list pattern (``lists.pages.ListPage``): the list page
and the city pages' section read it and share its cached renderings."""

from __future__ import annotations

from lists.pages import ListPage
from moderation.models import listing_scope

from .filters import OfferFilter
from .selectors import card_offers, listed_offers
from .signals import LIST_CACHE

OFFERS = ListPage(
    content=LIST_CACHE,
    queryset=listed_offers,
    scope=listing_scope,
    filterset=OfferFilter,
    card_template="exchanges/includes/offer_card.html",
    card_objects=card_offers,
    template="exchanges/offer_list.html",
    form_template="exchanges/includes/offer_filters.html",
    parts={
        "count": "exchanges/includes/offer_count.html",
        "results": "exchanges/includes/offer_results.html",
    },
)
