"""axe-core finds no WCAG 2.1 A or AA violation on any page of any role, at desktop width and at
390 px (``audit`` in conftest.py), with content on every page (``site_tour``)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("role", ["visitor", "member", "coordinator", "moderator"])
def test_every_page_of_a_role_passes_axe(role, site_tour, new_page):
    page = new_page()
    user = site_tour.users[role]
    if user is not None:
        sign_in(page, user)
    for path in site_tour.paths(role):
        page.goto(path)
        audit(page)


def test_public_pages_in_french_pass_axe(site_tour, new_page):
    """French text is longer and has its own reference data: the visitor's pages again."""
    page = new_page(locale="fr-FR")
    for path in site_tour.paths("visitor"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        audit(page)
