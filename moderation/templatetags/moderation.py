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
