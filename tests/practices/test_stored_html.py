"""The sections' HTML is rendered once, when the content is saved (``Moderated.html``, through
``on_content_changed``), and pages serve it: no Markdown is rendered on a read.
``manage.py render_markdown`` renders everything again after a change of the renderer."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from moderation import markdown
from moderation.services import moderation_publish, moderation_submit
from practices.models import Practice
from practices.services import practice_create, practice_update
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db


def refuse(*args, **kwargs):
    raise AssertionError("Markdown rendered on a read")


def test_publishing_stores_the_sanitised_html_and_the_page_serves_it(
    client, coordinator, efus_staff, monkeypatch
):
    practice = practice_create(
        by=coordinator,
        data={
            "title": "Stewards at the carnival",
            "summary": "Stewards **guide** crowds.",
            "problem": "## Crushes\n\nExits <script>alert(1)</script> jam.",
            "visibility": "public",
        },
    )
    moderation_submit(obj=practice, by=coordinator)
    moderation_publish(obj=practice, by=efus_staff)
    practice.refresh_from_db()
    assert practice.html["summary"] == "<p>Stewards <strong>guide</strong> crowds.</p>\n"
    assert "<h3>Crushes</h3>" in practice.html["problem"]
    assert "<script>" not in practice.html["problem"]
    assert "mechanism" not in practice.html  # empty sections are not stored

    monkeypatch.setattr(markdown, "_parser", refuse)  # from now on, no Markdown is rendered
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Stewards <strong>guide</strong> crowds." in html
    assert "<h3>Crushes</h3>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    feed = client.get(reverse("practices:feed_rss")).content.decode()
    assert "Stewards &lt;strong&gt;guide&lt;/strong&gt; crowds." in feed


def test_an_edit_in_place_and_a_published_revision_render_again(client, coordinator, efus_staff):
    practice = practice_create(
        by=coordinator, data={"title": "Patrols", "summary": "Old *text*.", "visibility": "public"}
    )
    practice = practice_update(practice=practice, by=coordinator, data={"summary": "Draft *text*."})
    assert Practice.objects.get(pk=practice.pk).html["summary"] == "<p>Draft <em>text</em>.</p>\n"
    moderation_submit(obj=practice, by=coordinator)
    moderation_publish(obj=practice, by=efus_staff)
    practice.refresh_from_db()

    assert "Draft <em>text</em>." in client.get(practice.get_absolute_url()).content.decode()
    practice_update(practice=practice, by=coordinator, data={"summary": "New **text**."})
    assert Practice.objects.get(pk=practice.pk).html["summary"] == "<p>Draft <em>text</em>.</p>\n"
    assert "Draft <em>text</em>." in client.get(practice.get_absolute_url()).content.decode()
    moderation_publish(obj=practice, by=efus_staff)  # the revision
    stored = Practice.objects.get(pk=practice.pk).html["summary"]
    assert stored == "<p>New <strong>text</strong>.</p>\n"
    page = client.get(practice.get_absolute_url()).content.decode()  # the kept body is dropped
    assert "New <strong>text</strong>." in page and "Draft <em>text</em>." not in page


def test_the_command_renders_everything_again_after_a_change_of_the_renderer(monkeypatch):
    first = PracticeFactory(summary="One.", problem="Two.", mechanism="")
    second = PracticeFactory(summary="Three.", problem="", mechanism="")

    out = io.StringIO()
    call_command("render_markdown", stdout=out)
    assert "practices.Practice: 2 rendered, 0 changed." in out.getvalue()

    original = markdown.render_markdown
    monkeypatch.setattr(
        markdown, "render_markdown", lambda text, **kw: original(text, **kw).replace("<p>", "<p>!")
    )
    out = io.StringIO()
    call_command("render_markdown", "--batch", "1", stdout=out)
    assert "practices.Practice: 2 rendered, 2 changed." in out.getvalue()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.html == {"summary": "<p>!One.</p>\n", "problem": "<p>!Two.</p>\n"}
    assert second.html == {"summary": "<p>!Three.</p>\n"}
