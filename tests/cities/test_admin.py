"""The admin for themes, cities and bodies: Efus staff only, lists that don't grow in queries."""

import pytest
from django.urls import reverse

from cities.models import Body, City, Theme
from tests.cities.factories import BodyFactory, CityFactory
from tests.support import get_queries

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:cities_theme_changelist",
    "admin:cities_city_changelist",
    "admin:cities_body_changelist",
]


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_changelists_open_for_efus_staff_only(client, efus_staff, member, coordinator, url_name):
    url = reverse(url_name)
    for user in (member, coordinator):
        client.force_login(user)
        assert client.get(url).status_code == 302
    client.force_login(efus_staff)
    assert client.get(url).status_code == 200


# The queries of a changelist, the same at 1 and at 25 bodies.
QUERIES = {
    "admin:cities_city_changelist": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the user's own permissions (ModelBackend)",
        "their groups' permissions (ModelBackend)",
        "the count of the filtered cities",
        "the count of every city (the admin's 'n total')",
        "the page of cities",
        "the countries of the country filter",
    ],
    "admin:cities_body_changelist": [
        "the session",
        "the user with their membership, body and city, and whether they have a TOTP authenticator",
        "the user's own permissions (ModelBackend)",
        "their groups' permissions (ModelBackend)",
        "the count of the filtered bodies",
        "the count of every body",
        "the page of bodies, with their city",
    ],
}


@pytest.mark.parametrize("url_name", CHANGELISTS[1:])
def test_changelists_cost_the_same_queries_at_1_and_25_rows(client, efus_staff, url_name):
    client.force_login(efus_staff)
    url = reverse(url_name)

    BodyFactory()
    one = get_queries(client, url)
    BodyFactory.create_batch(24)
    assert client.get(url).context["cl"].result_count >= 25 + 15
    assert one == get_queries(client, url) == len(QUERIES[url_name])


def test_theme_changelist_edits_positions_in_place(client, efus_staff):
    client.force_login(efus_staff)
    html = client.get(reverse("admin:cities_theme_changelist")).content.decode()
    assert 'name="form-0-position"' in html
    assert Theme.objects.count() == 12


def test_theme_add_page_prepopulates_the_slug(client, efus_staff):
    client.force_login(efus_staff)
    html = client.get(reverse("admin:cities_theme_add")).content.decode()
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in html
    assert "&quot;dependency_ids&quot;: [&quot;#id_name&quot;]" in html


def test_city_changelist_filters_and_searches(client, efus_staff):
    CityFactory(name="Lyon", slug="lyon", project_role="network", country="FR")
    client.force_login(efus_staff)
    url = reverse("admin:cities_city_changelist")
    network = client.get(url, {"project_role__exact": "network"}).context["cl"].result_list
    assert {c.slug for c in network} == {"lyon", "paris"}
    found = client.get(url, {"q": "Erzsébetváros"}).context["cl"].result_list
    assert [c.slug for c in found] == ["budapest-vii"]
    belgium = client.get(url, {"country": "BE"}).context["cl"].result_list
    assert {c.slug for c in belgium} == {"brussels", "liege"}


def test_city_change_page_has_body_inline_and_challenges_selector(client, efus_staff):
    client.force_login(efus_staff)
    nice = City.objects.get(slug="nice")
    html = client.get(reverse("admin:cities_city_change", args=[nice.pk])).content.decode()
    assert "bodies-TOTAL_FORMS" in html
    assert "Police municipale de Nice" in html
    assert "selectfilter" in html.lower()  # filter_horizontal widget


def test_body_changelist_filters_by_type_and_city_role(client, efus_staff):
    client.force_login(efus_staff)
    url = reverse("admin:cities_body_changelist")
    guards = client.get(url, {"type__exact": "city_guard"}).context["cl"].result_list
    assert [b.city.slug for b in guards] == ["gdansk"]
    lead = client.get(url, {"city__project_role__exact": "lead"}).context["cl"].result_list
    assert [b.city.slug for b in lead] == ["nice"]
    found = client.get(url, {"q": "Vilnius"}).context["cl"].result_list
    assert [b.type for b in found] == [Body.Type.PUBLIC_ORDER_DIVISION]
