"""Template filters for moderated content: ``{% load moderation %}``."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from moderation.markdown import excerpt, markdown_to_text, render_markdown

register = template.Library()


@register.filter(is_safe=True)
def markdown(text: str | None, top_heading: int = 3) -> SafeString:
    """``{{ practice.problem|markdown }}``: safe HTML; ``|markdown:2`` starts headings at h2."""
    return mark_safe(render_markdown(text, top_heading=int(top_heading)))  # sanitised by nh3


@register.filter
def markdown_text(text: str | None) -> str:
    """``{{ practice.summary|markdown_text|truncatewords:40 }}``: the words, without markup."""
    return markdown_to_text(text)


@register.filter
def markdown_excerpt(text: str | None, words: int = 40) -> str:
    """``{{ practice.summary|markdown_excerpt:40 }}``: the first words, without markup."""
    return excerpt(markdown_to_text(text), int(words))


@register.simple_tag
def moderation_waiting() -> int | None:
    """``{% moderation_waiting as waiting %}``: the queue's cached count (``moderation.queue``;
    never a query), or None when the cache does not hold it."""
    from moderation.queue import waiting_count

    return waiting_count()


@register.filter
def verbose_name_of(obj: object) -> str:
    """``{{ row.obj|verbose_name_of }}``: the item's type ("practice", "bulletin")."""
    meta = getattr(obj, "_meta", None)
    return str(meta.verbose_name) if meta is not None else ""


@register.filter
def label_of(obj: object) -> str:
    """``{{ practice|label_of }}``: "practices.practice", the label of the moderation URLs."""
    meta = getattr(obj, "_meta", None)
    return str(meta.label_lower) if meta is not None else ""


@register.simple_tag
def report_form() -> object:
    """``{% report_form as form %}``: an empty report form for an item's page."""
    from moderation.forms import ReportForm

    return ReportForm(auto_id="report_%s")
