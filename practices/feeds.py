"""RSS and Atom feeds of newly published public practices, all themes or one theme.

Feeds are public documents that readers and aggregators cache and pass on: they list what an
anonymous visitor may read, whoever asks (``selectors.feed_practices``). An item's description is
its summary as the page shows it: the sanitised HTML that the one Markdown renderer stored when
the practice was saved (``Moderated.html``), which feed readers display as HTML. Control
characters, which XML 1.0 cannot carry, are removed from everything a feed says
(``pactesur.text``), whatever was stored."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from cities.models import Theme
from pactesur.text import strip_control_characters

from .models import Practice
from .selectors import feed_practices


def _without_control_characters(value: Any) -> Any:
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        return {key: _without_control_characters(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_control_characters(v) for v in value)
    return value


class WithoutControlCharacters(SyndicationFeed):
    """Removes control characters from the feed and its items just before writing them."""

    def write(self, outfile: Any, encoding: str) -> None:
        self.feed = _without_control_characters(self.feed)
        self.items = _without_control_characters(self.items)
        super().write(outfile, encoding)


class RssFeed(WithoutControlCharacters, Rss201rev2Feed):
    pass


class AtomFeed(WithoutControlCharacters, Atom1Feed):
    pass


class PracticeFeed(Feed):
    """What every practice feed says about an item."""

    feed_type: type[SyndicationFeed] = RssFeed

    def item_title(self, item: Practice) -> str:
        return item.title

    def item_description(self, item: Practice) -> str:
        return getattr(item, "summary_html", None) or ""

    def item_link(self, item: Practice) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Practice) -> Any:
        return item.published_at

    def item_updateddate(self, item: Practice) -> Any:
        return item.updated_at

    def item_author_name(self, item: Practice) -> str:
        return item.city.name

    def item_categories(self, item: Practice) -> list[str]:
        return [theme.localized_name for theme in item.themes.all()]


class LatestPracticesRss(PracticeFeed):
    def title(self) -> str:
        return _("PACTESUR 2: new promising practices")

    def description(self) -> str:
        return _(
            "Promising practices for the security of public spaces, newly published by the "
            "local police forces of the PACTESUR 2 network."
        )

    def link(self) -> str:
        return reverse("practices:list")

    def items(self) -> list[Practice]:
        return feed_practices()


class LatestPracticesAtom(LatestPracticesRss):
    feed_type = AtomFeed

    def subtitle(self) -> str:
        return self.description()


class ThemePracticesRss(PracticeFeed):
    def get_object(self, request: Any, theme: str) -> Theme:  # type: ignore[override]
        return get_object_or_404(Theme, slug=theme)

    def title(self, obj: Theme) -> str:
        return _("PACTESUR 2: new promising practices on %(theme)s") % {"theme": obj.localized_name}

    def description(self, obj: Theme) -> str:
        return _("Newly published promising practices on %(theme)s.") % {
            "theme": obj.localized_name
        }

    def link(self, obj: Theme) -> str:
        return f"{reverse('practices:list')}?theme={obj.slug}"

    def items(self, obj: Theme) -> list[Practice]:
        return feed_practices(obj)


class ThemePracticesAtom(ThemePracticesRss):
    feed_type = AtomFeed

    def subtitle(self, obj: Theme) -> str:
        return self.description(obj)
