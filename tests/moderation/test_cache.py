"""``moderation.cache``: versioned renderings, and the scope that lets readers share them."""

import itertools

import pytest

from moderation.cache import Renderings, content_changed, content_version
from moderation.models import Visibility, visibility_scope
from practices.models import Practice
from tests.practices.factories import PracticeFactory

ROLES = [
    "anonymous",
    "outsider",
    "pending_member",
    "member",
    "network_member",
    "coordinator",
    "other_coordinator",
    "efus_staff",
]


@pytest.mark.django_db
def test_a_change_gives_a_new_version_now_and_again_after_the_commit(
    django_capture_on_commit_callbacks,
):
    before = content_version("things")
    assert content_version("things") == before
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        content_changed("things")
    during = content_version("things")
    assert during != before
    for callback in callbacks:
        callback()
    assert content_version("things") not in (before, during)


@pytest.mark.django_db
def test_a_rendering_is_built_once_per_version_and_parts():
    calls = []

    def build():
        calls.append(1)
        return f"rendering {len(calls)}"

    assert Renderings("things").get(["en", "?q=a"], build) == "rendering 1"
    assert Renderings("things").get(["en", "?q=a"], build) == "rendering 1"
    assert Renderings("things").get(["fr", "?q=a"], build) == "rendering 2"
    content_changed("other-things")
    assert Renderings("things").get(["en", "?q=a"], build) == "rendering 1"
    content_changed("things")
    assert Renderings("things").get(["en", "?q=a"], build) == "rendering 3"


@pytest.mark.django_db
def test_many_renderings_are_read_at_once_and_only_the_missing_ones_built():
    built = []

    def build(missing):
        built.append(missing)
        return {key: key.upper() for key in missing if key != "card-3"}

    assert Renderings("things").get_many(["card-1", "card-2"], build) == {
        "card-1": "CARD-1",
        "card-2": "CARD-2",
    }
    found = Renderings("things").get_many(["card-2", "card-3", "card-1"], build)
    assert found == {"card-1": "CARD-1", "card-2": "CARD-2"}  # card-3 cannot be rendered
    assert built == [["card-1", "card-2"], ["card-3"]]
    content_changed("things")
    Renderings("things").get_many(["card-1"], build)
    assert built[-1] == ["card-1"]


@pytest.mark.django_db
def test_readers_with_the_same_scope_see_the_same_rows(request, coordinator):
    """The scope must say everything ``visible_to`` depends on: for every pair of roles, the same
    scope means the same rows (and the role fixtures cover every kind of reader)."""
    from django.contrib.auth.models import AnonymousUser

    for visibility in Visibility:
        PracticeFactory(visibility=visibility)
        PracticeFactory(visibility=visibility, city=coordinator.city, title="Own city")
        PracticeFactory(visibility=visibility, created_by=request.getfixturevalue("member"))
    users = {
        role: (AnonymousUser() if role == "anonymous" else request.getfixturevalue(role))
        for role in ROLES
    }
    seen = {
        role: set(Practice.objects.visible_to(user).published().values_list("pk", flat=True))
        for role, user in users.items()
    }
    scopes = {role: visibility_scope(user) for role, user in users.items()}
    for a, b in itertools.combinations(ROLES, 2):
        if scopes[a] == scopes[b]:
            assert seen[a] == seen[b], (a, b)
    assert scopes["anonymous"] == "public"
    assert scopes["efus_staff"] == "all"
    assert len({scopes[r] for r in ("member", "network_member", "coordinator")}) == 3
