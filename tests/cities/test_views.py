"""The public pages: home, city directory, network list and city page."""

import re
from decimal import Decimal
from html import escape

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from cities.models import Body, City
from tests.accounts.factories import make_member
from tests.cities.factories import BodyFactory, CityFactory, ThemeFactory

pytestmark = pytest.mark.django_db

PROJECT_SLUGS = [
    "nice", "turin", "madrid", "liege", "bologna", "bratislava", "brussels", "budapest-vii",
    "gdansk", "kordelio-evosmos", "lisbon", "riga", "tallinn", "vilnius", "xabia",
]  # fmt: skip


def _text(response) -> str:
    return response.content.decode()


def _svg(html: str) -> str:
    match = re.search(r"<svg class=\"map\".*?</svg>", html, re.S)
    assert match, "no map on the page"
    return match.group(0)


def _coordinator(body, **kwargs):
    return make_member(body, role=Membership.Role.COORDINATOR, **kwargs)


# --- Home ------------------------------------------------------------------------------------


def test_home_lists_the_15_cities_with_their_bodies_and_links(client):
    html = _text(client.get(reverse("cities:home")))
    for city in City.objects.in_project().prefetch_related("bodies"):
        assert f'href="{city.get_absolute_url()}"' in html
        assert escape(city.bodies.get().english_name) in html
    assert City.objects.in_project().count() == 15
    assert "The 15 cities" in html
    assert "Lead city" in html and "Partner cities" in html and "Associated cities" in html


def test_home_says_what_the_project_is_and_what_members_can_do(client):
    html = _text(client.get(reverse("cities:home")))
    assert "security of public spaces" in html
    assert "250 European cities and regions" in html
    assert f'href="{reverse("cities:network")}"' in html
    for feature in ("Share promising practices", "Train together", "Exchange officers"):
        assert feature in html


def test_home_invites_visitors_to_sign_up_but_not_members(client, member):
    signup = reverse("account_signup")
    html = _text(client.get(reverse("cities:home")))
    assert f'class="button" href="{signup}"' in html
    client.force_login(member)
    html = _text(client.get(reverse("cities:home")))
    assert f'class="button" href="{signup}"' not in html


def test_home_map_links_every_city_with_an_accessible_name(client):
    svg = _svg(_text(client.get(reverse("cities:home"))))
    links = re.findall(r'<a href="([^"]+)" class="map-city[^"]*">\s*<title>([^<]+)</title>', svg)
    assert sorted(href for href, _ in links) == sorted(f"/cities/{s}/" for s in PROJECT_SLUGS)
    assert ("/cities/nice/", "Nice (Lead city)") in links
    assert svg.count("map-city-lead") == 1


def test_map_numbers_keep_a_decimal_point_in_french(client):
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("cities:home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.headers["Content-Language"] == "fr"
    svg = _svg(_text(response))
    numbers = re.findall(r' (?:cx|cy|x|y|x1|y1|x2|y2|r|width|height)="([^"]*)"', svg)
    assert numbers
    for value in numbers:
        float(value)  # "12,5" would raise


def test_pages_have_no_inline_style_or_script(client):
    for url in (
        reverse("cities:home"),
        reverse("cities:list"),
        reverse("cities:network"),
        reverse("cities:detail", kwargs={"slug": "nice"}),
    ):
        html = _text(client.get(url))
        assert "style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url


# --- Directory -------------------------------------------------------------------------------


def test_directory_groups_cities_by_role_in_order(client):
    html = _text(client.get(reverse("cities:list")))
    lead, partners, associated = (
        html.index('id="group-lead"'),
        html.index('id="group-partner"'),
        html.index('id="group-associated"'),
    )
    assert lead < partners < associated
    sections = html[lead:partners], html[partners:associated], html[associated:]
    assert [s.count("<tr>") - 1 for s in sections] == [1, 3, 11]  # minus the header rows
    assert 'href="/cities/nice/"' in sections[0]
    assert 'href="/cities/madrid/"' in sections[1]
    assert 'href="/cities/xabia/"' in sections[2]


def test_directory_shows_country_body_type_population_and_languages(client):
    html = _text(client.get(reverse("cities:list")))
    assert "Belgium" in html
    assert "safe.brussels \u2013 Brussels Prevention &amp; Security" in html
    assert "Regional prevention agency" in html
    assert "1,250,000" in html and "(region)" in html
    assert "French, Dutch" in html
    assert "Public-space inspectorate" in html
    assert _svg(html)


def test_directory_links_to_the_network_list_with_its_count(client):
    CityFactory.create_batch(3, project_role=City.ProjectRole.NETWORK)
    html = _text(client.get(reverse("cities:list")))
    # Paris (Efus's city) is a network row of the reference data, plus the three above.
    assert "See the 4 network members listed here" in html
    assert f'href="{reverse("cities:network")}"' in html


# --- Network list ----------------------------------------------------------------------------


def test_network_list_shows_network_cities_only(client):
    CityFactory(name="Lyon", slug="lyon", project_role=City.ProjectRole.NETWORK)
    CityFactory(
        name="Catalonia", slug="catalonia", country="ES", kind="region", project_role="network"
    )
    html = _text(client.get(reverse("cities:network")))
    assert 'href="/cities/lyon/"' in html
    assert 'href="/cities/catalonia/"' in html and "Region" in html and "Spain" in html
    assert 'href="/cities/nice/"' not in html
    assert "3 cities and regions" in html  # with Paris


def test_network_list_filters_by_country(client):
    CityFactory(name="Lyon", slug="lyon", project_role="network", country="FR")
    CityFactory(name="Getafe", slug="getafe", project_role="network", country="ES")
    response = client.get(reverse("cities:network"), {"country": "ES"})
    html = _text(response)
    assert 'href="/cities/getafe/"' in html
    assert 'href="/cities/lyon/"' not in html
    assert "1 city or region" in html
    assert '<option value="ES" selected>Spain</option>' in html


def test_network_list_with_an_unknown_country_says_so_and_does_not_fail(client):
    response = client.get(reverse("cities:network"), {"country": "ZZ"})
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)


def test_network_list_is_paginated_by_50_and_keeps_the_filter(client):
    CityFactory.create_batch(60, project_role="network", country="IT")
    first = client.get(reverse("cities:network"), {"country": "IT"})
    assert len(first.context["cities"]) == 50
    html = _text(first)
    assert "60 cities and regions" in html
    assert "Page 1 of 2" in html
    assert 'href="?country=IT&amp;page=2"' in html
    second = client.get(reverse("cities:network"), {"country": "IT", "page": 2})
    assert len(second.context["cities"]) == 10


# --- City page -------------------------------------------------------------------------------


def test_city_page_shows_the_city_and_its_body(client):
    body = Body.objects.get(city__slug="brussels")
    body.headcount = 1200
    body.share_of_women = Decimal("31.50")
    body.contact_email = "international@safe.brussels"
    body.save()
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "brussels"})))
    for text in (
        "Brussels",
        "Bruxelles / Brussel",
        "Belgium",
        "Associated city",
        "1,250,000 (region)",
        "French, Dutch",
        "Polarisation among local communities",
        "safe.brussels \u2013 Bruxelles Prévention &amp; Sécurité",
        "safe.brussels \u2013 Brussels Prevention &amp; Security",
        "Regional prevention agency",
        'href="https://safe.brussels"',
        "1,200",
        "31.5 %",
        'href="mailto:international@safe.brussels"',
    ):
        assert text in html, text


def test_city_page_without_headcount_leaves_it_out(client):
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "nice"})))
    assert "Headcount" not in html
    assert "Share of women" not in html
    assert "No contact is published for this city yet" in html


def test_network_city_has_a_page(client):
    CityFactory(name="Lyon", slug="lyon", project_role="network", population=None)
    response = client.get(reverse("cities:detail", kwargs={"slug": "lyon"}))
    assert response.status_code == 200
    assert "Efus network member" in _text(response)


def test_unknown_city_is_404(client):
    assert client.get(reverse("cities:detail", kwargs={"slug": "atlantis"})).status_code == 404


@pytest.fixture
def nice_coordinator(nice_body):
    return _coordinator(
        nice_body, full_name="Camille Laurent", position="Commissaire, international relations",
        email="camille.laurent@ville-nice.fr",
    )  # fmt: skip


@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending_member"])
def test_visitors_see_coordinators_by_position_not_name(client, request, nice_coordinator, role):
    user = request.getfixturevalue(role)
    if user:
        client.force_login(user)
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "nice"})))
    assert "City coordinator" in html
    assert "Commissaire, international relations" in html
    assert "Camille Laurent" not in html
    assert "camille.laurent@" not in html


def test_coordinator_without_position_is_shown_by_role(client, nice_body):
    _coordinator(nice_body, full_name="Marc Rossi", position="")
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "nice"})))
    assert re.search(r"<li>\s*City coordinator\s*</li>", html)
    assert "Marc Rossi" not in html


@pytest.mark.parametrize("role", ["member", "other_coordinator", "efus_staff"])
def test_members_see_coordinators_names_but_no_email(client, request, nice_coordinator, role):
    client.force_login(request.getfixturevalue(role))
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "nice"})))
    assert "Camille Laurent" in html
    assert "Commissaire, international relations" in html
    assert "camille.laurent@" not in html


def test_pending_or_removed_coordinators_are_not_listed(client, member, nice_body):
    make_member(
        nice_body, role=Membership.Role.COORDINATOR, status="pending", full_name="Ann Pending"
    )
    make_member(nice_body, role=Membership.Role.COORDINATOR, status="removed", full_name="Bob Gone")
    client.force_login(member)
    html = _text(client.get(reverse("cities:detail", kwargs={"slug": "nice"})))
    assert "Ann Pending" not in html and "Bob Gone" not in html


def test_no_public_page_shows_a_coordinators_personal_email(client, nice_coordinator, member):
    other = _coordinator(Body.objects.get(city__slug="madrid"), email="ana.garcia@madrid.es")
    urls = [reverse("cities:home"), reverse("cities:list"), reverse("cities:network")]
    urls += [reverse("cities:detail", kwargs={"slug": s}) for s in [*PROJECT_SLUGS, "paris"]]
    for user in (None, member):
        if user:
            client.force_login(user)
        for url in urls:
            html = _text(client.get(url))
            for coordinator in (nice_coordinator, other):
                assert coordinator.email not in html, url
                assert coordinator.email.split("@")[0] + "@" not in html, url


# --- Query budgets: the count does not grow with the rows ------------------------------------


def _count_queries(client, url, **params) -> int:
    """Queries of a page whose sections are rendered from the database (the list cache is
    emptied first: practices' sections are kept there)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_project_cities(n: int) -> None:
    theme = ThemeFactory()
    for _ in range(n):
        body = BodyFactory(city=CityFactory(project_role=City.ProjectRole.ASSOCIATED))
        body.city.challenges.add(theme)


# The signed-in reader, read when a template first asks for ``user``.
READER = ["the session", "the user with their membership, body, city and MFA"]
DIRECTORY_QUERIES = {
    "cities:home": [
        "the project's cities",
        "their challenges (prefetched)",
        "their bodies (prefetched)",
        "the count of the wider network",
        *READER,
        "the latest practices the reader may read (the home section)",
        "the next trainings the reader is listed (the trainings' home section)",
    ],
    "cities:list": [
        "the project's cities",
        "their challenges (prefetched)",
        "their bodies (prefetched)",
        "the count of the wider network",
        *READER,
    ],
}


@pytest.mark.parametrize("url_name", list(DIRECTORY_QUERIES))
def test_directory_costs_the_same_queries_at_1_and_25_cities(client, url_name, member):
    client.force_login(member)
    url = reverse(url_name)
    client.get(url)  # warm up: content types
    _add_project_cities(1)
    one = _count_queries(client, url)
    _add_project_cities(24)
    assert one == _count_queries(client, url) == len(DIRECTORY_QUERIES[url_name])


NETWORK_QUERIES = [
    "the countries of the country filter (its choices)",
    "the count of the filtered cities",
    "the countries of the country filter (the form's options)",
    "the page of cities",
]


def test_network_list_costs_the_same_queries_at_1_and_25_cities(client):
    url = reverse("cities:network")
    CityFactory(project_role="network", country="DE")
    one = _count_queries(client, url, country="DE")
    CityFactory.create_batch(24, project_role="network", country="DE")
    assert one == _count_queries(client, url, country="DE") == len(NETWORK_QUERIES)


CITY_PAGE_QUERIES = [
    "the city",
    "its challenges (prefetched)",
    "its bodies (prefetched)",
    "its coordinators, with their memberships",
    # A signed-in reader: READER here, when the practices section asks for ``user``.
    "the practices it shared or adopted that the reader may read (one query, when the section"
    " is not in the fragments cache)",
    "the next trainings it hosts that the reader is listed (the same)",
    "its open exchange offers that the reader is listed (one query when it has none, likewise)",
]


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_city_page_costs_the_same_queries_at_1_and_25_coordinators(
    client, request, role, nice_body
):
    user = request.getfixturevalue(role)
    if user:
        client.force_login(user)
    url = reverse("cities:detail", kwargs={"slug": "nice"})
    client.get(url)
    _coordinator(nice_body, mfa=False)
    caches["fragments"].clear()  # cold: the practices section is built
    one = _count_queries(client, url)
    for _ in range(24):
        _coordinator(nice_body, mfa=False)
    nice = City.objects.get(slug="nice")
    nice.challenges.add(*[ThemeFactory() for _ in range(10)])
    caches["fragments"].clear()
    expected = len(CITY_PAGE_QUERIES) + (len(READER) if user else 0)
    assert one == _count_queries(client, url) == expected
