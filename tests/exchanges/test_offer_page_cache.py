"""An offer's page keeps its body (description, dates and places, facts) for every reader: a new
window, a place taken or freed, or an edit of the offer shows at once; the date forms are only
for those who manage them, rendered for them."""

import re

import pytest

from exchanges import services
from exchanges.models import ApplicationStatus
from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory, in_days

pytestmark = pytest.mark.django_db


def page(client, offer, user=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(offer.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def places_left(html: str) -> list[str]:
    return re.findall(r'<td data-label="Places left">(\d+)</td>', html)


def test_changes_show_at_once(client, member, other_coordinator):
    offer = OfferFactory(visibility="public")
    window = WindowFactory(offer=offer, places=2)
    assert places_left(page(client, offer)) == ["2"]
    assert places_left(page(client, offer, member)) == ["2"]

    application = ApplicationFactory(
        applicant=member, offer=offer, preferred_window=window, status=ApplicationStatus.ENDORSED
    )
    services.application_accept(application=application, by=other_coordinator)
    assert places_left(page(client, offer)) == ["1"]
    services.application_transition(application=application, by=member, name="withdraw", message="")
    assert places_left(page(client, offer)) == ["2"]

    services.window_add(
        offer=offer, by=other_coordinator, start=in_days(120), end=in_days(125), places=3
    )
    assert places_left(page(client, offer)) == ["2", "3"]

    offer.required_rank = "Sergeant or above"
    offer.save()
    assert "Sergeant or above" in page(client, offer)


def test_the_date_forms_are_the_hosts_only(client, member, other_coordinator):
    offer = OfferFactory(visibility="public")
    WindowFactory(offer=offer)
    assert "Delete these dates" not in page(client, offer, member)  # rendered first, kept
    host = page(client, offer, other_coordinator)
    assert "Delete these dates" in host and "Add these dates" in host
    assert "Add these dates" not in page(client, offer)
