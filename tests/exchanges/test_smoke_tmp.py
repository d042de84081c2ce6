import pytest
from django.urls import reverse

from tests.exchanges.factories import ApplicationFactory, OfferFactory, WindowFactory

pytestmark = pytest.mark.django_db


def test_pages(client, member, coordinator, other_coordinator, efus_staff):
    offer = OfferFactory()
    WindowFactory(offer=offer)
    app = ApplicationFactory(applicant=member, offer=offer)
    for user, urls in [
        (None, [reverse("exchanges:offer_list"), reverse("cities:detail", args=["madrid"])]),
        (member, [reverse("exchanges:offer_list"), offer.get_absolute_url(), reverse("exchanges:for_me"), app.get_absolute_url()]),
        (coordinator, [reverse("exchanges:city"), app.get_absolute_url(), reverse("exchanges:offer_create"), reverse("exchanges:for_me")]),
        (other_coordinator, [app.get_absolute_url(), offer.get_absolute_url(), reverse("exchanges:offer_edit", args=[offer.pk])]),
        (efus_staff, [reverse("moderation:review", args=["exchanges.offer", offer.pk]), reverse("exchanges:city")]),
    ]:
        client.logout()
        if user:
            client.force_login(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
