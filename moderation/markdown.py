"""Markdown written by members, rendered safely: markdown-it-py ("commonmark" + tables), then nh3.

Two layers: markdown-it escapes raw HTML (``html`` is off) and refuses ``javascript:`` links; nh3
then keeps only a small set of tags, no attributes except ``href`` on links, only http, https and
mailto URLs, and adds ``rel="nofollow noopener"`` to every link. Headings are shifted so that the
text's highest heading sits just under the page's own (``h3`` by default, never above ``h2`` or
below ``h4``), and images become their alt text: pictures are shown only as moderated attachments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "a",
        "blockquote",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "hr",
    }
)
ALLOWED_SCHEMES = ("http:", "https:", "mailto:")
LINK_REL = "nofollow noopener"
HIGHEST_HEADING, LOWEST_HEADING = 2, 4


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: an ``href`` survives only with an allowed scheme (no relative
    links); ``rel`` is nh3's own ``link_rel`` (a ``rel`` in the input is not allowed)."""
    if tag == "a" and attribute == "href":
        return value if value.strip().lower().startswith(ALLOWED_SCHEMES) else None
    if tag == "a" and attribute == "rel":
        return value
    return None


def _shift_headings(tokens: list[Token], top: int) -> None:
    """The text's highest heading becomes ``h<top>`` and the others follow (no level skipped
    under the page's own headings); images become their alt text."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    offset = top - min(levels) if levels else 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1]) + offset
            token.tag = f"h{min(max(level, HIGHEST_HEADING), LOWEST_HEADING)}"
        elif token.type == "inline" and token.children:
            token.children = [
                Token("text", "", 0, content=child.content) if child.type == "image" else child
                for child in token.children
            ]


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        attribute_filter=_keep_attribute,
        url_schemes={scheme.rstrip(":") for scheme in ALLOWED_SCHEMES},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str | None, *, top_heading: int = 3) -> str:
    """Safe HTML for ``text``; its highest heading becomes ``h<top_heading>`` (all within h2-h4)."""
    if not text or not text.strip():
        return ""
    md = _parser()
    tokens = md.parse(text)
    _shift_headings(tokens, top_heading)
    return sanitize(md.renderer.render(tokens, md.options, {}))


def render_fields(obj: Any, names: Iterable[str]) -> dict[str, str]:
    """The HTML of each Markdown field of ``obj`` (``Moderated.html``); empty fields left out."""
    rendered = {name: render_markdown(getattr(obj, name)) for name in names}
    return {name: html for name, html in rendered.items() if html}


def stored_html(html: str) -> SafeString:
    """HTML made by ``render_markdown`` (sanitised by nh3) and stored, ready to show. The one
    place where stored HTML is trusted: it never holds anything but the renderer's output."""
    return mark_safe(html)


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARKERS = re.compile(r"^[ ]{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)", re.MULTILINE)
_UNDERSCORES = re.compile(r"(?<!\w)_+|_+(?!\w)")  # emphasis, not snake_case
_MARKS = str.maketrans("", "", "*`~")


def markdown_to_text(text: str | None) -> str:
    """The words of a Markdown text on one line, without markup: for excerpts on cards and in
    feeds. Plain string work (a few microseconds), not a parse: a list page shows 20 of them."""
    if not text:
        return ""
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    text = _LINE_MARKERS.sub("", text).translate(_MARKS)
    if "_" in text:
        text = _UNDERSCORES.sub("", text)
    return " ".join(text.split())


def excerpt(text: str, words: int) -> str:
    """The first ``words`` words of a one-line text, with an ellipsis when cut."""
    parts = text.split(maxsplit=words)
    if len(parts) <= words:
        return text
    return " ".join(parts[:words]) + "…"
