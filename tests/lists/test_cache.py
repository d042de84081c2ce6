"""``lists.cache``: versioned renderings. Which readers share them: ``tests/practices/
test_list_sharing.py``; what happens when the shared cache fails: ``tests/test_redis_down.py``."""

import pytest
from django.test import RequestFactory

from lists.cache import Renderings, content_changed, content_version


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
def test_one_request_reads_the_version_once_and_shares_its_renderings():
    request = RequestFactory().get("/")
    first = Renderings.of(request, "things")
    assert Renderings.of(request, "things") is first
    assert Renderings.of(request, "other-things") is not first
    assert Renderings.of(RequestFactory().get("/"), "things") is not first
    prefix = first.prefix
    content_changed("things")
    assert first.prefix == prefix  # a request keeps the version it started with
    assert Renderings.of(RequestFactory().get("/"), "things").prefix != prefix
