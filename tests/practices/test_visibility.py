"""The visibility rule, pinned: who finds which practice, by role, two-factor authentication and
the practice's state and tier, wherever practices are read.

The table is written from DOMAIN.md §2 and README ("Using the platform"), not from the code: it is
what keeps any rewrite of ``visible_to`` (or of the queries behind lists) honest. Each cell says
what the role gets for the item:

- ``L``: listed (the list, a search, the CSV and JSON exports, the city pages) and opened (its
  page answers 200);
- ``O``: opened only (its page answers 200, but lists never show what is not published);
- ``-``: neither (its page is a 404, and no list names it).

Feeds are public documents: they carry published public practices only, whoever asks.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from accounts.models import Membership
from moderation.models import Status, Visibility
from tests.accounts.factories import UserFactory, make_member
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

# The items: Nice's unless named "madrid-"; ``own-draft`` is the Nice ``member``'s.
ITEMS = {
    "public": {"visibility": Visibility.PUBLIC},
    "network": {"visibility": Visibility.NETWORK},
    "police": {"visibility": Visibility.POLICE},
    "madrid-police": {"visibility": Visibility.POLICE, "city": "madrid"},
    "own-draft": {"status": Status.DRAFT, "author": "member"},
    "submitted": {"status": Status.SUBMITTED},
    "sent-back": {"status": Status.CHANGES_REQUESTED, "visibility": Visibility.NETWORK},
    "unpublished": {"status": Status.UNPUBLISHED},
    "madrid-submitted": {"status": Status.SUBMITTED, "city": "madrid"},
}

# fmt: off
TABLE = """
role                     public network police madrid-police own-draft submitted sent-back unpublished madrid-submitted
anonymous                L      -       -      -             -         -         -         -           -
outsider                 L      -       -      -             -         -         -         -           -
pending_member           L      -       -      -             -         -         -         -           -
member                   L      L       L      L             O         -         -         -           -
member_with_mfa          L      L       L      L             -         -         -         -           -
network_member           L      L       -      -             -         -         -         -           -
coordinator              L      L       L      L             O         O         O         O           -
coordinator_without_mfa  L      L       L      L             -         -         -         -           -
other_coordinator        L      L       L      L             -         -         -         -           O
efus_staff               L      L       L      L             O         O         O         O           O
efus_staff_without_mfa   L      L       -      -             -         -         -         -           -
operator                 L      L       L      L             O         O         O         O           O
operator_without_mfa     L      -       -      -             -         -         -         -           -
"""  # noqa: E501  (a table reads best on one line a row)
# fmt: on


def _table() -> dict[str, dict[str, str]]:
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    assert header[1:] == list(ITEMS)
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


EXPECTED = _table()


# Roles the shared fixtures do not have.
@pytest.fixture
def member_with_mfa(nice_body):
    return make_member(nice_body, mfa=True)


@pytest.fixture
def operator_without_mfa(db):
    return UserFactory(is_superuser=True, is_staff=True)


def title(name: str) -> str:
    return f"Pinned {name} practice"


@pytest.fixture
def items(member):
    """The practices of the table (the factory's summary mentions "barriers")."""
    for name, spec in ITEMS.items():
        status = spec.get("status", Status.PUBLISHED)
        PracticeFactory(
            title=title(name),
            city=reference_body(spec.get("city", "nice")).city,
            status=status,
            visibility=spec.get("visibility", Visibility.PUBLIC),
            created_by=member if spec.get("author") == "member" else None,
            # Never published, except "unpublished" (taken down after it was).
            **({} if status in {Status.PUBLISHED, Status.UNPUBLISHED} else {"published_at": None}),
        )
    from practices.models import Practice

    return {p.title: p for p in Practice.objects.filter(title__startswith="Pinned ")}


def _named(text: str) -> set[str]:
    """The items whose title the text contains."""
    return {name for name in ITEMS if title(name) in text}


def _page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _csv_titles(text: str) -> set[str]:
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return _named("\n".join(row["title"] for row in rows))


def _json_titles(text: str) -> set[str]:
    return _named("\n".join(p["title"] for p in json.loads(text)["practices"]))


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_who_finds_which_practice(client, request, role, items):
    expected = EXPECTED[role]
    listed = {name for name, cell in expected.items() if cell == "L"}
    opened = {name for name, cell in expected.items() if cell in {"L", "O"}}
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    practices = reverse("practices:list")
    assert _named(_page(client, practices)) == listed, "list"
    assert _named(_page(client, practices, q="barriers")) == listed, "search"
    assert _named(_page(client, practices, visibility="police")) <= listed, "filtered list"
    assert _csv_titles(_page(client, reverse("practices:export_csv"))) == listed, "CSV"
    assert _json_titles(_page(client, reverse("practices:export_json"))) == listed, "JSON"
    cities = _page(client, reverse("cities:detail", args=["nice"])) + _page(
        client, reverse("cities:detail", args=["madrid"])
    )
    assert _named(cities) == listed, "city pages"
    for feed in ("practices:feed_rss", "practices:feed_atom"):
        assert _named(_page(client, reverse(feed))) == {"public"}, feed

    answers = {
        name: client.get(items[title(name)].get_absolute_url()).status_code for name in ITEMS
    }
    assert {name for name, status in answers.items() if status == 200} == opened, "pages"
    assert {status for name, status in answers.items() if name not in opened} <= {404}


def test_the_table_covers_every_state_and_tier():
    """A state or tier added to the moderation mechanism must get its column here."""
    states = {spec.get("status", Status.PUBLISHED) for spec in ITEMS.values()}
    tiers = {spec.get("visibility", Visibility.PUBLIC) for spec in ITEMS.values()}
    assert states == set(Status.values)
    assert tiers == set(Visibility.values)


@pytest.mark.django_db
def test_the_roles_are_what_the_table_says(request, nice_body):
    """The fixtures behind the table's rows: MFA where the table says so."""
    without = ("coordinator_without_mfa", "efus_staff_without_mfa", "operator_without_mfa")
    for role in without:
        assert not request.getfixturevalue(role).has_mfa, role
    for role in ("coordinator", "other_coordinator", "efus_staff", "operator", "member_with_mfa"):
        assert request.getfixturevalue(role).has_mfa, role
    assert request.getfixturevalue("member").membership.role == Membership.Role.MEMBER
