"""``listed_to``: what lists (and the home and city sections, and a practice's related lists)
show each reader, one table over every role fixture; and ``listing_scope``: the key under which
readers share cached lists, which must say exactly what ``listed_to`` depends on.

Which pages actually share what: ``tests/practices/test_list_sharing.py``."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from moderation.models import Status, Visibility, listing_scope
from practices.models import Practice
from tests.cities.factories import reference_body
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db

ALL = {"public", "network", "police"}
# Role fixture -> (the tiers a list shows them, whether it also shows their city's published
# practices of every tier). Drafts, submitted practices and practices sent back are never listed,
# not even to their authors (they have "My practices").
EXPECTED = {
    "anonymous": ({"public"}, False),
    "outsider": ({"public"}, False),
    "pending_member": ({"public"}, False),
    "member": (ALL, False),  # Nice: a police body
    "network_member": ({"public", "network"}, False),  # safe.brussels: not police
    "coordinator": (ALL, False),
    "coordinator_without_mfa": (ALL, False),
    "other_coordinator": (ALL, False),
    "network_coordinator": ({"public", "network"}, True),  # and Brussels's police-only ones
    "efus_staff": (ALL, False),
    "efus_staff_without_mfa": ({"public", "network"}, False),
    "operator": (ALL, False),
}
# Readers with the same scope share cached lists: these groups, and no more.
SHARING = [
    {"anonymous", "outsider", "pending_member"},
    {"network_member", "efus_staff_without_mfa"},
    {
        "member",
        "coordinator",
        "coordinator_without_mfa",
        "other_coordinator",
        "efus_staff",
        "operator",
    },
    {"network_coordinator"},
]


@pytest.fixture
def users(request):
    return {
        role: AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
        for role in EXPECTED
    }


@pytest.fixture
def practices(users):
    """A practice of every state and tier in three cities (Nice, Brussels, Madrid), some written
    by the Nice member, the Brussels member and the Brussels coordinator."""
    made = []
    authors = [None, users["member"], users["network_member"], users["network_coordinator"]]
    cities = [reference_body(slug).city for slug in ("nice", "brussels", "madrid")]
    for n, (status, visibility, city) in enumerate(
        itertools.product(Status.values, Visibility.values, cities)
    ):
        made.append(
            PracticeFactory(
                title=f"{status} {visibility} {city.slug}",
                status=status,
                visibility=visibility,
                city=city,
                created_by=authors[n % len(authors)],
            )
        )
    return made


def expected_titles(role: str, user, practices) -> set[str]:
    tiers, own_city = EXPECTED[role]
    city = user.city if own_city else None
    return {
        p.title
        for p in practices
        if p.status == Status.PUBLISHED and (p.visibility in tiers or p.city == city)
    }


def test_lists_show_each_reader_the_published_practices_of_their_tiers(users, practices):
    for role, user in users.items():
        listed = set(Practice.objects.listed_to(user).values_list("title", flat=True))
        assert listed == expected_titles(role, user, practices), role


def test_a_list_never_shows_what_the_reader_may_not_open(users, practices):
    for role, user in users.items():
        listed = set(Practice.objects.listed_to(user).values_list("pk", flat=True))
        visible = set(Practice.objects.visible_to(user).values_list("pk", flat=True))
        assert listed <= visible, role


def test_the_same_scope_means_the_same_rows_and_different_rows_a_different_scope(users, practices):
    """The scope is neither too coarse (readers who see different rows would share a cached
    list) nor too fine (readers who see the same rows would not share it): over every pair of
    role fixtures, and the data above tells every kind of reader apart."""
    listed = {
        role: frozenset(Practice.objects.listed_to(user).values_list("pk", flat=True))
        for role, user in users.items()
    }
    scopes = {role: listing_scope(user) for role, user in users.items()}
    for a, b in itertools.combinations(users, 2):
        assert (scopes[a] == scopes[b]) == (listed[a] == listed[b]), (a, b)
    groups = {}
    for role, scope in scopes.items():
        groups.setdefault(scope, set()).add(role)
    assert sorted(groups.values(), key=sorted) == sorted(SHARING, key=sorted)
