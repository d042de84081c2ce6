"""A page kept in the list cache never reaches a reader with other rights.

Every role fixture reads, in turn and then again in the reverse order, the pages that share
cached renderings (the list, the home page, a city page, the lists below a practice), with the
list cache kept from one reader to the next. Each must see exactly what the visibility rule lists
them (``listed_to``, pinned by ``tests/moderation/test_listing.py``). If the cache key were too
coarse, two readers with different rows would share a rendering and whichever came second would
see the other's rows: ``test_a_coarser_key_is_caught`` proves the check catches it.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from moderation.models import Status, Visibility, tiers_for
from practices.listing import PRACTICES
from practices.models import Practice
from tests.cities.factories import reference_body
from tests.matrix import ALL_ROLES
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

ROLES = list(ALL_ROLES)
CARD = re.compile(r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>')
LINK = re.compile(r'<li><a href="/practices/[^"]+">([^<]+)</a>')


@pytest.fixture
def readers(request):
    return {
        role: AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
        for role in ROLES
    }


@pytest.fixture
def brussels_practice(db):
    """Published practices of every tier in Brussels, Nice and Madrid, each a minute newer than
    the last, on one theme; drafts too. Returns the public Brussels one."""
    theme = reference_body("nice").city.challenges.model.objects.get(slug="major-events")
    now = timezone.now()
    n = 0
    for slug in ("madrid", "nice", "brussels"):
        city = reference_body(slug).city
        for visibility in Visibility.values:
            n += 1
            PracticeFactory(
                title=f"{visibility} practice of {slug}",
                city=city,
                visibility=visibility,
                published_at=now - datetime.timedelta(minutes=n),
                themes=[theme],
            )
        PracticeFactory(title=f"Draft of {slug}", city=city, status=Status.DRAFT, themes=[theme])
    return Practice.objects.get(title="public practice of brussels")


def titles(pattern: re.Pattern, html: str, start: str = "", end: str = "") -> list[str]:
    if start:
        if start not in html:
            return []
        html = html[html.index(start) :]
        html = html[: html.index(end)] if end else html
    return pattern.findall(html)


def expected(user, practice: Practice) -> dict[str, list[str]]:
    """What each page should list this reader, from the rule itself, newest first."""
    listed = Practice.objects.listed_to(user).order_by("-published_at", "-pk")
    others = listed.exclude(pk=practice.pk)
    return {
        "list": sorted(listed.values_list("title", flat=True)),
        "home": list(listed.values_list("title", flat=True)[:6]),
        "city": list(listed.filter(city=practice.city).values_list("title", flat=True)),
        "same city": list(others.filter(city=practice.city).values_list("title", flat=True)[:5]),
        "related": list(others.exclude(city=practice.city).values_list("title", flat=True)[:5]),
    }


def shown(client, practice: Practice) -> dict[str, list[str]]:
    detail = client.get(practice.get_absolute_url()).content.decode()
    return {
        "list": titles(
            CARD, client.get(reverse("practices:list"), {"sort": "title"}).content.decode()
        ),
        "home": titles(CARD, client.get(reverse("cities:home")).content.decode()),
        "city": titles(
            CARD,
            client.get(reverse("cities:detail", args=[practice.city.slug])).content.decode(),
            'id="city-shared-title"',
            "</section>",
        ),
        "same city": titles(LINK, detail, 'id="same-city-title"', "</section>"),
        "related": titles(LINK, detail, 'id="related-title"', "</section>"),
    }


def leaks(client, readers, practice) -> list[tuple[str, str]]:
    """(role, page) for every page that did not show a reader exactly what they are listed,
    the readers taking turns in order and then in the reverse order, the cache kept."""
    found = []
    for role in [*ROLES, *reversed(ROLES)]:
        user = readers[role]
        if role == "anonymous":
            client.logout()
        else:
            client.force_login(user)
        want, got = expected(user, practice), shown(client, practice)
        found += [(role, page) for page in want if want[page] != got[page]]
    return found


def test_no_cached_page_reaches_a_reader_with_other_rights(client, readers, brussels_practice):
    assert leaks(client, readers, brussels_practice) == []


def test_readers_with_the_same_rights_share_the_cached_pages(client, readers, brussels_practice):
    """What makes the check above bite: the data tells the readers apart (four different sets
    of rows), and readers with the same rights read one cached rendering."""
    rows = {
        role: frozenset(Practice.objects.listed_to(user).values_list("pk", flat=True))
        for role, user in readers.items()
    }
    assert len(set(rows.values())) == 4
    client.force_login(readers["coordinator"])
    client.get(reverse("practices:list"))
    client.force_login(readers["efus_staff"])
    response = client.get(reverse("practices:list"))
    assert "form" not in (response.context or {})  # the parts came from the cache


@pytest.mark.parametrize(
    "coarser",
    [
        pytest.param(lambda user: ".".join(tiers_for(user)), id="without-the-city"),
        pytest.param(
            lambda user: "members" if roles.is_member(user) else "public", id="members-alike"
        ),
        pytest.param(lambda user: "everyone", id="one-key"),
    ],
)
def test_a_coarser_key_is_caught(client, readers, brussels_practice, monkeypatch, coarser):
    monkeypatch.setattr(PRACTICES, "scope", coarser)
    cache.clear()
    assert leaks(client, readers, brussels_practice)


def test_a_practice_s_kept_body_is_shown_only_after_the_visibility_check(
    client, coordinator, member, efus_staff
):
    """A practice's body is kept for every reader who may see it: a draft's, kept when its
    coordinator read it, never reaches a visitor or a member (404), nor does an unpublished one's
    after a moderator read it."""
    draft = PracticeFactory(
        title="Draft with a secret plan", status=Status.DRAFT, created_by=coordinator,
        summary="The **secret** route of the convoy.",
    )  # fmt: skip
    client.force_login(coordinator)
    assert (
        "The <strong>secret</strong> route" in client.get(draft.get_absolute_url()).content.decode()
    )
    for reader in (None, member):
        if reader is None:
            client.logout()
        else:
            client.force_login(reader)
        response = client.get(draft.get_absolute_url())
        assert response.status_code == 404
        assert "convoy" not in response.content.decode()
    client.force_login(efus_staff)
    assert client.get(draft.get_absolute_url()).status_code == 200
