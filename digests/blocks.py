"""The digest's pieces, each rendered once and shared by every digest that shows it.

A digest is a small frame of its own (the week, the count, the subscriber's links: a shared
rendering of the outbox, by period and count, with the links filled in) around a *body*: a
heading per section, a block per item, a "more on the site" line. Subscribers choose their
themes, so a week's 10,000 digests show a few thousand different selections of the same few
dozen items: each block is rendered once per language (an item's block shows what any reader of
it sees, its text only when it is public, so one block per item and language serves every access
level) and kept in the process by content; a digest's body is those blocks put end to end. Each
block's HTML has the digest's styles inlined when it is rendered (``emails/digest.css``, the
frame's style sheet), so that a message is never inlined whole.
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts import emails

from . import sources
from .selectors import Selection

BLOCKS_KEPT = 2000  # the latest blocks kept in the process (a week has a few dozen items)
_blocks: OrderedDict[tuple[Hashable, ...], emails.Part] = OrderedDict()


@functools.cache
def _css() -> str:
    """The digest's style sheet (the frame's ``<style>``), for the blocks."""
    return render_to_string("emails/digest.css")


def render_block(template: str, language: str, context: dict[str, Any]) -> emails.Part:
    """One block (``emails/<template>.txt`` and ``.html``) in ``language``, styles inlined."""
    ctx = {"site_url": settings.SITE_URL, "LANGUAGE_CODE": language, **context}
    with translation.override(language):
        text = render_to_string(f"emails/{template}.txt", ctx)
        html = render_to_string(f"emails/{template}.html", ctx)
    return emails.Part(text=text, html=emails.inline_css_fragment(html, _css()))


def _block(
    template: str, where: tuple[str, ...], key: Hashable, context: dict[str, Any]
) -> emails.Part:
    """The block, rendered once per content: ``key`` stands for what ``context`` shows, and
    ``where`` is (language, time zone, site): dates are shown in the current time zone. Safe
    across threads (the staff preview): at worst a block is rendered twice."""
    full = (template, where, key)
    part = _blocks.get(full)
    if part is not None:
        with contextlib.suppress(KeyError):
            _blocks.move_to_end(full)
        return part
    part = _blocks[full] = render_block(template, where[0], context)
    with contextlib.suppress(KeyError):
        while len(_blocks) > BLOCKS_KEPT:
            _blocks.popitem(last=False)
    return part


def body(selection: Selection, language: str) -> emails.Part:
    """The digest's sections for ``selection`` in ``language``, from the shared blocks."""
    where = (language, timezone.get_current_timezone_name(), settings.SITE_URL)
    titles = sources.titles()
    sections: dict[str, list[sources.Item]] = {}
    for item in selection.items:
        sections.setdefault(item.source, []).append(item)
    pieces: list[emails.Part] = []
    for name, items in sections.items():
        with translation.override(language):
            title = str(titles.get(name, name))
        pieces.append(_block("digest_section", where, title, {"title": title}))
        pieces.extend(_block("digest_item", where, item, {"item": item}) for item in items)
    more = selection.total - len(selection.items)
    if more:
        path = reverse("practices:list")
        pieces.append(_block("digest_more", where, (more, path), {"more": more, "more_path": path}))
    return emails.Part(
        text="".join(piece.text for piece in pieces), html="".join(piece.html for piece in pieces)
    )
