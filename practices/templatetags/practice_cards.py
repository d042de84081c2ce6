"""``{% load practice_cards %}``: the practice card (``practices.cards``), one line over Python."""

from django import template
from django.utils.safestring import SafeString

from practices.cards import render_practice_card

register = template.Library()


@register.simple_tag
def practice_card(practice, heading: int = 3) -> SafeString:
    """``{% practice_card practice %}``: a card for the list; no query (see ``with_card_data``)."""
    return render_practice_card(practice, heading=heading)
