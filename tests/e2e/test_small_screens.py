"""At 390 px (a phone): the practice list shows its result count and results before the filters,
which fold behind a "Filters" disclosure; the work tables become one card per row; the map hides
its labels and keeps the list of cities. Nothing is wider than the screen."""

import re

import pytest
from playwright.sync_api import expect

from cities.models import Theme
from tests.e2e.browser import DESKTOP, MOBILE, audit, sign_in
from tests.practices.factories import PracticeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_practice_list_on_a_phone_shows_the_count_and_results_first(new_page):
    PracticeFactory(title="Stadium walkways", themes=[Theme.objects.get(slug="major-events")])
    page = new_page()
    page.set_viewport_size(MOBILE)
    page.goto("/practices/")
    audit(page)
    count = page.locator("#result-count")
    summary = page.locator("summary", has_text="Filters")
    first_result = page.get_by_role("link", name="Stadium walkways")
    expect(count).to_have_text("1 practice")
    expect(summary).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search")).to_be_hidden()
    assert count.bounding_box()["y"] < summary.bounding_box()["y"]
    assert first_result.bounding_box()["y"] < 800  # on the first screen (it was ~1,650 px down)
    assert page_width(page) <= MOBILE["width"]

    # The disclosure opens without JavaScript's help (a <details>), and filters as before.
    summary.click()
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    audit(page)
    page.get_by_label("Major events").check()
    expect(page).to_have_url(re.compile(r"theme=major-events"))
    audit(page)

    # On a wide screen the filters are a column, always shown, and there is no disclosure.
    page.set_viewport_size(DESKTOP)
    page.goto("/practices/")
    audit(page)
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("moderator", ["/moderation/", "/moderation/log/", "/members/"]),
        ("coordinator", ["/practices/mine/"]),
    ],
)
def test_work_tables_become_cards_on_a_phone(role, paths, site_tour, new_page):
    page = new_page()
    sign_in(page, site_tour.users[role])
    page.set_viewport_size(MOBILE)
    for path in paths:
        page.goto(path)
        audit(page)
        assert page_width(page) <= MOBILE["width"], path
        for cell in page.locator("table tbody td").all():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"], path
        # Each cell says which column it is in.
        label = page.locator("table tbody td[data-label]").first.evaluate(
            "td => getComputedStyle(td, '::before').content"
        )
        assert label not in ("none", "normal", ""), path


def test_map_on_a_phone_hides_its_labels_and_keeps_the_list(new_page):
    page = new_page()
    page.goto("/cities/")
    audit(page)
    label = page.locator(".map-city text").first
    expect(label).to_be_visible()
    page.set_viewport_size(MOBILE)
    expect(label).to_be_hidden()
    expect(page.locator(".map-legend").get_by_role("link", name="Nice")).to_be_visible()
    expect(page.locator(".map-city circle").first).to_be_visible()
    assert page_width(page) <= MOBILE["width"]
