"""Permission matrix of the reading side of practices: list, detail, exports and feeds, for every
role (and a member of a non-police body), on public, network, police-only and draft practices.

``test_permission_matrix`` checks the status codes (``CASES``); ``test_what_each_role_sees``
checks the content: who finds which practice in the list, a search, the exports and the feeds.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from cities.models import Theme
from moderation.models import Status, Visibility
from tests.matrix import WITH_NETWORK, Case, everyone, matrix_params, run_case
from tests.practices.factories import PracticeFactory

ALL_ROLES = WITH_NETWORK
# Who may read each tier (DOMAIN.md §2): members of police bodies and Efus staff read police-only
# material; a member of safe.brussels (a regional prevention agency) reads network material only.
READERS = {
    "public": set(ALL_ROLES),
    "network": {"member", "coordinator", "other_coordinator", "efus_staff", "network_member"},
    "police": {"member", "coordinator", "other_coordinator", "efus_staff"},
    # A draft by the Nice member: its author, the Nice coordinator and Efus staff, nobody else.
    "draft": {"member", "coordinator", "efus_staff"},
}


def readers(tier: str, ok: int | str) -> dict[str, int | str]:
    return {role: ok if role in READERS[tier] else 404 for role in ALL_ROLES}


def practice(tier: str):
    """URL kwargs builder: a Nice practice of the given tier (drafts are the member's)."""

    def build(request: Any) -> dict[str, Any]:
        if tier == "draft":
            obj = PracticeFactory(
                title="Draft practice", status=Status.DRAFT, published_at=None,
                visibility=Visibility.PUBLIC, created_by=request.getfixturevalue("member"),
            )  # fmt: skip
        else:
            obj = PracticeFactory(title=f"{tier} practice", visibility=tier)
        return {"pk": obj.pk, "slug": obj.slug}

    return build


def practice_pk(tier: str):
    def build(request: Any) -> dict[str, Any]:
        return {"pk": practice(tier)(request)["pk"]}

    return build


def theme(slug: str):
    return lambda request: {"theme": slug}


CASES = [
    Case("practices:list", everyone(200, ALL_ROLES)),
    Case(
        "practices:list",
        everyone(200, ALL_ROLES),
        data={"q": "barriers", "outcome": "new"},
        id="list-filtered",
    ),
    Case("practices:export_csv", everyone(200, ALL_ROLES)),
    Case("practices:export_json", everyone(200, ALL_ROLES)),
    Case("practices:feed_rss", everyone(200, ALL_ROLES)),
    Case("practices:feed_atom", everyone(200, ALL_ROLES)),
    Case("practices:theme_feed_rss", everyone(200, ALL_ROLES), kwargs=theme("major-events")),
    Case("practices:theme_feed_atom", everyone(200, ALL_ROLES), kwargs=theme("major-events")),
    Case(
        "practices:theme_feed_rss",
        everyone(404, ALL_ROLES),
        kwargs=theme("nope"),
        id="theme_feed_rss-unknown",
    ),
    Case(
        "practices:theme_feed_atom",
        everyone(404, ALL_ROLES),
        kwargs=theme("nope"),
        id="theme_feed_atom-unknown",
    ),
    *[
        Case("practices:detail", readers(tier, 200), kwargs=practice(tier), id=f"detail-{tier}")
        for tier in READERS
    ],
    *[
        Case(
            "practices:detail_short",
            readers(tier, 301),
            kwargs=practice_pk(tier),
            id=f"detail_short-{tier}",
        )
        for tier in READERS
    ],
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,role", matrix_params(CASES))
def test_permission_matrix(case, role, request, client):
    run_case(case, role, request, client)


# --- Content: what each role finds in lists, search, exports and feeds ---------------------------


def _titles_in_list(client, **params) -> set[str]:
    html = client.get(reverse("practices:list"), params).content.decode()
    return set(re.findall(r'class="practice-card-title"><a href="[^"]+">([^<]+)</a>', html))


def _titles_in_csv(client) -> set[str]:
    response = client.get(reverse("practices:export_csv"))
    body = b"".join(response.streaming_content).decode()
    return {row["title"] for row in csv.DictReader(io.StringIO(body))}


def _titles_in_json(client) -> set[str]:
    return {
        p["title"]
        for p in json.loads(client.get(reverse("practices:export_json")).content)["practices"]
    }


def _titles_in_feed(client, url_name: str, *args: str) -> set[str]:
    return set(
        re.findall(
            r"<title>([^<]+) tier</title>",
            client.get(reverse(url_name, args=args)).content.decode(),
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_what_each_role_sees(client, request, role, member):
    events = Theme.objects.get(slug="major-events")
    for tier in ("public", "network", "police"):
        PracticeFactory(title=f"{tier} tier", visibility=tier, themes=[events])
    for status in (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED):
        PracticeFactory(
            title=f"{status} tier",
            status=status,
            published_at=None,
            created_by=member,
            themes=[events],
        )
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    expected = {f"{tier} tier" for tier in ("public", "network", "police") if role in READERS[tier]}
    assert _titles_in_list(client) == expected
    assert _titles_in_list(client, q="barriers") == expected  # the factory's summary
    assert _titles_in_list(client, theme="major-events") == expected
    assert _titles_in_csv(client) == expected
    assert _titles_in_json(client) == expected
    # Feeds are public documents: public practices only, whoever asks.
    for url_name, args in (
        ("practices:feed_rss", ()),
        ("practices:theme_feed_atom", ("major-events",)),
    ):
        assert _titles_in_feed(client, url_name, *args) == {"public"}
