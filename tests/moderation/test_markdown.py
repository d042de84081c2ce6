"""Markdown written by members is rendered safely: hostile input is removed or made inert."""

import re

import pytest
from django.template import Context, Template

from moderation.markdown import excerpt, markdown_to_text, render_markdown


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z0-9]+)", html)}


def test_emphasis_lists_quotes_code_and_tables_are_rendered():
    html = render_markdown(
        "Some **strong** and *em* text.\n\n- one\n- two\n\n1. first\n\n> quoted\n\n"
        "`inline`\n\n```\nblock\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\nline  \nbreak"
    )
    for tag in (
        "strong",
        "em",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "br",
    ):
        assert f"<{tag}" in html, tag


def test_script_tag_is_never_output():
    html = render_markdown(
        "Hello <script>alert('x')</script> world\n\n<script>\nalert(1)\n</script>"
    )
    assert "<script" not in html.lower()
    assert "script" not in _tags(html)


def test_raw_html_is_escaped_as_text():
    html = render_markdown('<b>bold</b> <div class="x">block</div>')
    assert "<b>" not in html and "<div" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_event_handlers_are_stripped():
    html = render_markdown(
        '<img src="x" onerror="alert(1)"> <a href="http://e.org" onclick="steal()">x</a>'
    )
    assert "<img" not in html
    assert "<a " not in html  # raw HTML links are text, not tags
    assert not re.search(r"<[^>]+\son\w+=", html)


def test_javascript_and_data_links_are_not_links():
    for url in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ):
        html = render_markdown(f"[click]({url})")
        assert "href" not in html, url


def test_relative_links_lose_their_target():
    assert "href" not in render_markdown("[local](/admin/)")


def test_links_get_nofollow_noopener_and_keep_http_https_mailto():
    html = render_markdown(
        "[a](https://efus.eu) [b](http://example.org) [c](mailto:info@efus.eu) <https://auto.link>"
    )
    assert html.count('rel="nofollow noopener"') == 4
    assert 'href="https://efus.eu"' in html
    assert 'href="mailto:info@efus.eu"' in html


def test_link_titles_and_other_attributes_are_dropped():
    html = render_markdown('[a](https://efus.eu "tooltip")\n\n```python\nx = 1\n```')
    assert "title=" not in html
    assert "class=" not in html


def test_headings_are_shifted_under_the_page_headings():
    html = render_markdown("# One\n\n## Two\n\n### Three\n\n###### Six")
    assert re.findall(r"<(h\d)>", html) == ["h3", "h4", "h4", "h4"]
    assert "<h1" not in html and "<h2" not in html


def test_the_highest_heading_of_the_text_becomes_the_top_level_without_skipping():
    html = render_markdown("## Steps\n\n### First\n\n## Results")
    assert re.findall(r"<(h\d)>", html) == ["h3", "h4", "h3"]


def test_heading_level_can_start_at_h2_and_never_goes_above_it():
    assert re.findall(r"<(h\d)>", render_markdown("# One\n\n## Two", top_heading=2)) == ["h2", "h3"]
    assert re.findall(r"<(h\d)>", render_markdown("# One", top_heading=1)) == ["h2"]


def test_images_become_their_alt_text():
    html = render_markdown("See ![the barrier plan](https://example.org/plan.png).")
    assert "<img" not in html
    assert "the barrier plan" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    assert render_markdown("   \n ") == ""


def test_template_filter_renders_safe_html():
    out = Template("{% load moderation %}{{ text|markdown }}").render(
        Context({"text": "**bold** <script>x</script>"})
    )
    assert "<strong>bold</strong>" in out
    assert "<script" not in out
    assert "&lt;script&gt;" in out  # escaped once, not twice


def test_template_filter_takes_the_top_heading_level():
    out = Template("{% load moderation %}{{ text|markdown:2 }}").render(Context({"text": "# A"}))
    assert "<h2>A</h2>" in out


@pytest.mark.parametrize(
    "source,expected",
    [
        ("# Title\n\n**Bold** and _em_ text", "Title Bold and em text"),
        ("A [link](https://e.org) and ![img](x.png)", "A link and img"),
        ("- one\n- two\n1. three\n> quote", "one two three quote"),
        ("keeps snake_case_names and `code`", "keeps snake_case_names and code"),
        ("", ""),
    ],
)
def test_markdown_to_text_keeps_the_words(source, expected):
    assert markdown_to_text(source) == expected


def test_excerpt_filter_is_plain_text_and_autoescaped():
    out = Template("{% load moderation %}{{ text|markdown_excerpt:3 }}").render(
        Context({"text": "**One** two <b>three</b> four"})
    )
    assert out == "One two &lt;b&gt;three&lt;/b&gt;…"


def test_excerpt_cuts_on_words():
    assert excerpt("a b c", 5) == "a b c"
    assert excerpt("a b c d", 2) == "a b…"
