"""The site's layout (templates/base.html) keeps its navigation, language switcher and footer in
each process's memory ("fragments" cache), per language and what they show: a reader never gets
another reader's navigation, and what is personal (the CSRF tokens, the current address) is
rendered for each request."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.matrix import ALL_ROLES

pytestmark = pytest.mark.django_db

ROLES = list(ALL_ROLES)
PAGES = ["cities:home", "practices:list", "cities:list"]


def layout(html: str) -> str:
    """The page's header (navigation, language switcher), banners and footer, without the
    tokens that change on every request."""
    header = html[html.index("<header") : html.index('<main id="main"')]
    footer = html[html.index("<footer") :]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", header + footer)


@pytest.fixture
def clients(request):
    made = {}
    for role in ROLES:
        client = Client()
        user = request.getfixturevalue(role)
        if user is not None:
            client.force_login(user)
        made[role] = client
    return made


def test_no_reader_gets_the_layout_rendered_for_another(clients):
    fragments = caches["fragments"]
    expected = {}
    for role, client in clients.items():
        for page in PAGES:
            fragments.clear()
            expected[role, page] = layout(client.get(reverse(page)).content.decode())
    assert len({expected[role, "cities:home"] for role in ROLES}) >= 6  # the roles' navigations
    assert len({expected["member", page] for page in PAGES}) == 3  # aria-current
    fragments.clear()
    for order in (ROLES, ROLES[::-1]):
        for page in PAGES:
            for role in order:
                html = clients[role].get(reverse(page)).content.decode()
                assert layout(html) == expected[role, page], (role, page)


def test_the_language_form_holds_this_request_s_token_and_address(member):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(member)
    second.force_login(member)
    first.get(reverse("practices:list"))  # the layout is kept
    html = second.get(reverse("cities:list") + "?x=1").content.decode()
    form = html[html.index('class="language-switcher"') :]
    assert 'name="next" type="hidden" value="/cities/?x=1"' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = second.post(
        reverse("set_language"),
        {"language": "fr", "next": "/cities/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert first.post(reverse("set_language"), {"language": "fr"}).status_code == 403


def test_the_layout_follows_the_language(client):
    client.get(reverse("cities:home"))
    english = layout(client.get(reverse("cities:home")).content.decode())
    client.cookies["django_language"] = "fr"
    french = layout(client.get(reverse("cities:home")).content.decode())
    assert "Sign in" in english and "Se connecter" in french
