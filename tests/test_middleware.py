"""A NUL character anywhere in a request's path, query or form gets the site's 400 page
(pactesur/middleware.py); a cookie holding one is ignored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from moderation.models import Status
from practices.models import Practice
from tests.practices.factories import PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/practices/?q=a%00b",
        "/practices/?a%00b=1",
        "/practices/?city=nice&city=x%00",
        "/practices/export.csv?q=%00",
        "/practices/%00/",
        "/accounts/confirm-email/%00abc/",
    ],
)
def test_nul_in_the_path_or_the_query_gets_the_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Request not understood" in response.content.decode()
    assert "\x00" not in response.content.decode()


def test_the_400_page_speaks_the_visitors_language(client):
    response = client.get("/practices/?q=%00", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert '<html lang="fr">' in response.content.decode()


def test_nul_as_staff_on_the_members_page_and_admin_filters(client, efus_staff):
    client.force_login(efus_staff)
    for url in (
        "/members/?city=a%00b",
        "/admin/accounts/membership/?body__city__id__exact=1%00",
        "/admin/practices/practice/?status__exact=%00",
        "/admin/moderation/moderationevent/?action__exact=a%00",
    ):
        assert client.get(url).status_code == 400, url


def test_nul_in_a_form_field_gets_the_400_page_and_nothing_is_saved(client, member):
    client.force_login(member)
    response = client.post(
        reverse("practices:create"),
        {"title": "Night\x00mediators", "summary": "S", "outcome": "new", "visibility": "public"},
    )
    assert response.status_code == 400
    assert not Practice.objects.exists()


def test_nul_in_the_name_of_a_file_field_gets_the_400_page(client, member):
    client.force_login(member)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    response = client.post(reverse("practices:create"), {"title": "T", "new\x00files": upload})
    assert response.status_code == 400


def test_nul_in_a_login_gets_the_400_page(client):
    response = client.post(reverse("account_login"), {"login": "a\x00@b.org", "password": "x"})
    assert response.status_code == 400
    assert not User.objects.exists()


def test_a_cookie_holding_nul_is_ignored(client, member):
    client.force_login(member)
    client.cookies["sessionid"] = "\x00" + client.cookies["sessionid"].value
    response = client.get(reverse("practices:mine"))
    # The session cookie is dropped: the visitor is anonymous, sent to the login page.
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_requests_without_nul_pass(client, member):
    PracticeFactory(title="Night mediators", status=Status.PUBLISHED)
    assert client.get("/practices/?q=night%0Bmediators").status_code == 200
    client.force_login(member)
    assert client.get(reverse("practices:mine")).status_code == 200
