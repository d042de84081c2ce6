"""RSS and Atom feeds: the newest public practices, whoever asks; per theme too."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import Theme
from moderation.models import Status, Visibility
from tests.practices.factories import PracticeFactory

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314  (our own feed, in a test)


def rss_items(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return parse(response.content).findall("./channel/item")


def rss_titles(response) -> list[str]:
    return [item.findtext("title") for item in rss_items(response)]


def atom_titles(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]


def _hidden_practices(author) -> None:
    PracticeFactory(title="Network only", visibility=Visibility.NETWORK)
    PracticeFactory(title="Police only", visibility=Visibility.POLICE)
    PracticeFactory(title="A draft", status=Status.DRAFT, published_at=None, created_by=author)
    PracticeFactory(
        title="Submitted", status=Status.SUBMITTED, published_at=None, created_by=author
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator", "efus_staff"])
def test_feeds_list_only_public_published_practices_whoever_asks(client, request, role, member):
    PracticeFactory(title="Public one")
    _hidden_practices(member)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert rss_titles(client.get(reverse("practices:feed_rss"))) == ["Public one"]
    assert atom_titles(client.get(reverse("practices:feed_atom"))) == ["Public one"]


@pytest.mark.django_db
def test_rss_has_the_30_newest_with_links_dates_summary_and_themes(client):
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    events = Theme.objects.get(slug="major-events")
    for i in range(32):
        PracticeFactory(
            title=f"Practice {i:02d}",
            summary="**Bold** summary with a [link](https://e.org).",
            published_at=start + datetime.timedelta(days=i),
            themes=[events],
        )
    response = client.get(reverse("practices:feed_rss"))
    items = rss_items(response)
    assert len(items) == 30
    assert [i.findtext("title") for i in items[:2]] == ["Practice 31", "Practice 30"]
    first = items[0]
    assert first.findtext("link").startswith("http://testserver/practices/")
    assert first.findtext("description") == (
        '<p><strong>Bold</strong> summary with a <a href="https://e.org" rel="nofollow noopener">'
        "link</a>.</p>\n"
    )
    assert "2024" in first.findtext("pubDate")
    assert [c.text for c in first.findall("category")] == ["Major events"]
    channel = parse(response.content).find("channel")
    assert channel.findtext("link") == "http://testserver/practices/"


@pytest.mark.django_db
def test_theme_feeds_list_that_theme_only(client):
    PracticeFactory(title="Events", themes=[Theme.objects.get(slug="major-events")])
    PracticeFactory(title="Nightlife", themes=[Theme.objects.get(slug="safe-nightlife")])
    PracticeFactory(
        title="Events, network",
        visibility=Visibility.NETWORK,
        themes=[Theme.objects.get(slug="major-events")],
    )
    rss = client.get(reverse("practices:theme_feed_rss", args=["major-events"]))
    assert rss_titles(rss) == ["Events"]
    assert "Major events" in parse(rss.content).find("channel").findtext("title")
    atom = client.get(reverse("practices:theme_feed_atom", args=["safe-nightlife"]))
    assert atom_titles(atom) == ["Nightlife"]


@pytest.mark.django_db
def test_unknown_theme_feed_is_a_404(client):
    assert (
        client.get(reverse("practices:theme_feed_rss", args=["no-such-theme"])).status_code == 404
    )
    assert (
        client.get(reverse("practices:theme_feed_atom", args=["no-such-theme"])).status_code == 404
    )


FEED_QUERIES = {
    "feed_rss": [
        "the latest public practices",
        "their themes (prefetched)",
    ],
    "theme_feed_atom": [
        "the theme",
        "its latest public practices",
        "their themes (prefetched)",
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,args", [("feed_rss", []), ("theme_feed_atom", ["major-events"])])
def test_feed_costs_the_same_queries_at_1_and_25_items(client, url_name, args):
    themes = list(Theme.objects.filter(slug__in=["major-events", "safe-nightlife"]))
    url = reverse(f"practices:{url_name}", args=args)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    PracticeFactory(themes=themes)
    count()  # warm the site cache (the feed's domain), as on a running server
    one = count()
    PracticeFactory.create_batch(24, themes=themes)
    assert one == count() == len(FEED_QUERIES[url_name])


# --- Stored data that XML cannot carry, and raw HTML ------------------------------------------

HOSTILE_SUMMARY = (
    "Intro <script>alert(1)</script> <img src=x onerror=alert(2)> "
    '<iframe src="javascript:alert(3)"></iframe> [click](javascript:alert(4)) '
    "and the [report](https://example.org/a_b_(2024)) **now**."
)


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The elements of an HTML fragment, as a feed reader would parse them."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Parser().feed(html)
    return found


def _descriptions(response, atom: bool) -> list[str]:
    assert response.status_code == 200
    root = parse(response.content)
    if atom:
        return [e.findtext(f"{ATOM}summary") for e in root.findall(f"{ATOM}entry")]
    return [i.findtext("description") for i in root.findall("./channel/item")]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,atom", [("feed_rss", False), ("feed_atom", True)])
def test_stored_control_characters_do_not_break_the_feeds(client, url_name, atom):
    theme = Theme.objects.get(slug="major-events")
    Theme.objects.filter(pk=theme.pk).update(name="Major\x0bevents")
    PracticeFactory(
        title="Night\x0bmediators\x1b", summary="Line one\x0c\x7f and\ttwo", themes=[theme]
    )
    response = client.get(reverse(f"practices:{url_name}"))
    assert response.status_code == 200
    text = response.content.decode()
    for character in ("\x0b", "\x0c", "\x1b", "\x7f"):
        assert character not in text
    assert "Nightmediators" in text and "Majorevents" in text
    themed = client.get(reverse(f"practices:theme_{url_name}", args=["major-events"]))
    assert themed.status_code == 200 and "\x0b" not in themed.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,atom", [("feed_rss", False), ("feed_atom", True)])
def test_feeds_carry_the_sanitised_html_of_the_page(client, url_name, atom):
    PracticeFactory(title="Hostile", summary=HOSTILE_SUMMARY)
    [description] = _descriptions(client.get(reverse(f"practices:{url_name}")), atom)
    tags = _tags(description)
    assert {tag for tag, _ in tags} <= {"p", "a", "strong"}
    assert [attrs for tag, attrs in tags if tag == "a"] == [
        {"href": "https://example.org/a_b_(2024)", "rel": "nofollow noopener"}
    ]
    assert (
        '<a href="https://example.org/a_b_(2024)" rel="nofollow noopener">report</a>' in description
    )
    assert "<strong>now</strong>" in description
    # The markup Markdown escaped is text for the reader, escaped once more inside the HTML.
    assert "&lt;script&gt;" in description
