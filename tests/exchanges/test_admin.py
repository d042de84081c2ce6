"""The exchanges admin (the moderated part, offers: tests/moderation/test_moderated_admin.py):
its lists cost the same queries at 1 and 25 rows; applications are read only, even for the
operator (they move through their workflow, which logs every step)."""

import pytest
from django.urls import reverse

from exchanges.models import Application, ApplicationStatus
from tests.accounts.factories import make_member
from tests.cities.factories import reference_body
from tests.support import get_queries

from .factories import ApplicationFactory, OfferFactory


def nice_application(**fields):
    return ApplicationFactory(applicant=make_member(reference_body("nice")), **fields)


def nice_applications(count):
    return [nice_application() for _ in range(count)]


pytestmark = pytest.mark.django_db

OFFER_QUERIES = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
    "the cities of the city filter",
    "the count of the filtered offers",
    "the count of every offer",
    "the user's own permissions (ModelBackend)",
    "their groups' permissions (ModelBackend)",
    "the page of offers, with their city",
]
APPLICATION_QUERIES = [
    "the session",
    "the user with their membership, body and city, and whether they have a TOTP authenticator",
    "the cities of the host city filter",
    "the cities of the sending city filter",
    "the count of the filtered applications",
    "the count of every application",
    "the user's own permissions (ModelBackend)",
    "their groups' permissions (ModelBackend)",
    "the page of applications, with their applicant, offer and cities",
]


@pytest.mark.parametrize(
    "url_name,create,queries",
    [
        ("admin:exchanges_offer_changelist", OfferFactory.create_batch, OFFER_QUERIES),
        ("admin:exchanges_application_changelist", nice_applications, APPLICATION_QUERIES),
    ],
)
def test_changelists_cost_the_same_queries_at_1_and_25_rows(
    url_name, create, queries, client, efus_staff
):
    client.force_login(efus_staff)
    url = reverse(url_name)

    create(1)
    one = get_queries(client, url)
    create(24)
    assert client.get(url).context["cl"].result_count == 25
    assert one == get_queries(client, url) == len(queries)


@pytest.mark.parametrize("role", ["efus_staff", "operator"])
def test_applications_are_read_only_in_the_admin(role, client, request):
    application = nice_application(status=ApplicationStatus.SUBMITTED)
    client.force_login(request.getfixturevalue(role))
    change = reverse("admin:exchanges_application_change", args=[application.pk])
    response = client.get(change)
    assert response.status_code == 200 and 'name="status"' not in response.content.decode()
    assert client.post(change, {"status": "accepted"}).status_code == 403
    delete = reverse("admin:exchanges_application_delete", args=[application.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:exchanges_application_add")).status_code == 403
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
