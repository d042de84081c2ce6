"""The 404, 500 and 503 pages are pages of the site, in English and French; the 500 and 503 pages
need neither the database, nor the session, nor the user (``pactesur.views.server_error``).

This module is also the URLconf of its tests: the site's URLs plus two that fail.
"""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from pactesur.sessions import SessionStore  # settings.SESSION_ENGINE
from pactesur.urls import urlpatterns as site_urlpatterns


def _fails(request):
    raise ZeroDivisionError("a bug")


def _database_unreachable(request):
    raise OperationalError("connection refused")


urlpatterns = [
    path("test-errors/bug/", _fails),
    path("test-errors/database/", _database_unreachable),
    *site_urlpatterns,
]
handler500 = "pactesur.views.server_error"

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def visitor():
    """A client that gets the error page a browser would, instead of the exception."""
    return Client(raise_request_exception=False)


def in_site_layout(html: str) -> bool:
    return 'class="skip-link"' in html and 'class="site-footer"' in html and "site.css" in html


def test_a_missing_page_is_a_page_of_the_site(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert in_site_layout(html)
    assert "<h1>Page not found</h1>" in html
    assert '<html lang="en">' in html


def test_a_missing_page_in_french(client):
    response = client.get("/no-such-page/", headers={"Accept-Language": "fr"})
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="fr">' in html
    assert "<h1>Page introuvable</h1>" in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_server_error_is_a_page_of_the_site_without_the_database(
    visitor, member, django_assert_num_queries, language
):
    visitor.force_login(member)
    with django_assert_num_queries(0):  # not even the session or the user
        response = visitor.get("/test-errors/bug/", headers={"Accept-Language": language})
    html = response.content.decode()
    assert response.status_code == 500
    assert in_site_layout(html)
    assert f'<html lang="{language}">' in html
    title = {"en": "Something went wrong on our side", "fr": "Une erreur s’est produite"}
    assert title[language] in html
    assert member.email not in html and "Sign out" not in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_unreachable_database_gives_the_temporarily_unavailable_page(
    visitor, member, django_assert_num_queries, language
):
    visitor.force_login(member)
    with django_assert_num_queries(0):
        response = visitor.get("/test-errors/database/", headers={"Accept-Language": language})
    html = response.content.decode()
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert in_site_layout(html)
    text = {
        "en": "The platform is temporarily unavailable. Please try again in a few minutes.",
        "fr": "La plateforme est momentanément indisponible. Veuillez réessayer dans quelques",
    }
    assert text[language] in html


def test_the_unavailable_page_needs_no_session(visitor, member, monkeypatch):
    """A signed-in visitor whose session cannot be read (the database is down) gets the 503 page,
    not a second error while the error page looks for the user."""
    visitor.force_login(member)

    def load(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", load)
    response = visitor.get("/practices/mine/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
