from django import template

from digests import links
from digests.models import Subscriber

register = template.Library()


@register.filter
def preferences_path(subscriber: Subscriber) -> str:
    """The signed link to a subscription's preferences page."""
    return links.path(subscriber, "preferences")
