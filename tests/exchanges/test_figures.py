"""Counts of the exchanges that took place, with the shared figures kit: by host city, sending
city, kind, year and gender (small counts hidden), as tables, charts and CSV."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from exchanges.models import ApplicationStatus, Offer
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.exchanges.factories import ApplicationFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(nice_body):
    madrid_event = OfferFactory(kind=Offer.Kind.EVENT)
    riga = OfferFactory(city=reference_body("riga").city, kind=Offer.Kind.PLACEMENT)
    made = []
    for offer, gender, year, status in (
        (madrid_event, User.Gender.WOMAN, 2026, ApplicationStatus.COMPLETED),
        (madrid_event, User.Gender.WOMAN, 2027, ApplicationStatus.REPORTED),
        (madrid_event, User.Gender.WOMAN, 2027, ApplicationStatus.REPORTED),
        (riga, User.Gender.MAN, 2027, ApplicationStatus.REPORTED),
        (riga, "", 2027, ApplicationStatus.SCHEDULED),  # not yet: not counted
    ):
        made.append(ApplicationFactory(
            applicant=make_member(nice_body, gender=gender), offer=offer, status=status,
            start=dt.date(year, 5, 1), end=dt.date(year, 5, 5),
        ))  # fmt: skip
    return made


def test_counts_by_host_sending_city_kind_year_and_gender(client, done, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("exchanges:figures"))
    tables = {f.key: f for f in response.context["figures"]}
    assert tables["host-city"].counts == {("Madrid", "Count"): 3, ("Riga", "Count"): 1}
    assert tables["sending-city"].counts == {("Nice", "Count"): 4}
    assert tables["kind"].counts == {
        ("Event-based", "Count"): 3,
        ("Individual placement", "Count"): 1,
    }
    assert tables["year"].counts == {("2026", "Count"): 1, ("2027", "Count"): 3}
    gender = tables["gender"]
    assert gender.counts == {("Woman", "Count"): 3, ("Man", "Count"): 1}
    # One man: never shown, nor the women's count, which the total would give away.
    assert gender.hidden == {("Man", "Count"), ("Woman", "Count")}
    csv = client.get(reverse("exchanges:figures_csv", args=["gender"])).content.decode()
    assert csv.split() == ["Gender,Count", "Man,<3", "Woman,<3", "Total,4"]


def test_figures_page_queries(client, done, coordinator, django_assert_num_queries):
    client.force_login(coordinator)
    client.get(reverse("exchanges:figures"))
    # The session, the user with their membership; one query per table (five).
    with django_assert_num_queries(2 + 5):
        client.get(reverse("exchanges:figures"))
