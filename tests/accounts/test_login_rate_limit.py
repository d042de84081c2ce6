"""Failed sign-ins are limited strictly per account and loosely per address, and behind the TLS
proxy the address is the client's, read from X-Forwarded-For (issue 7, finding 7)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.1"  # the TLS proxy: every request reaches the site from its address
LOCKED = "Too many failed login attempts"


def limited(response) -> bool:
    """Refused by a rate limit: failed logins (the form says so) or logins per address (429)."""
    return response.status_code == 429 or LOCKED in response.content.decode()


def login(client, email, password=PASSWORD, *, client_ip=None):
    """POST the login form as the proxy passes it on: the client's address appended to XFF."""
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        headers=headers,
        REMOTE_ADDR=PROXY,
    )


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.mark.usefixtures("behind_one_proxy")
def test_one_attacker_behind_the_proxy_cannot_lock_out_other_users(client, django_user_model):
    victim = UserFactory()
    attacker = "203.0.113.66"
    responses = [
        login(client, f"made-up-{n}@example.org", "guess", client_ip=attacker) for n in range(40)
    ]
    assert not any(limited(r) for r in responses[:30])  # loosely: 30 failures in 5 minutes
    assert limited(responses[-1])  # the attacker's address is limited...

    # ...and only theirs: others sign in, or get the usual message for a typo.
    typo = login(client, victim.email, "typo", client_ip="198.51.100.7")
    assert LOCKED not in typo.content.decode()
    assert login(client, victim.email, client_ip="198.51.100.7").status_code == 302


@pytest.mark.usefixtures("behind_one_proxy")
def test_an_office_behind_one_address_is_not_locked_by_a_few_mistakes(client):
    """A police station or a city hall signs in from one address: ten people mistyping once
    each do not lock out the eleventh."""
    office = "192.0.2.10"
    for _ in range(10):
        response = login(client, UserFactory().email, "typo", client_ip=office)
        assert LOCKED not in response.content.decode()
    assert login(client, UserFactory().email, client_ip=office).status_code == 302


@pytest.mark.usefixtures("behind_one_proxy")
def test_an_account_is_locked_strictly_whatever_the_address(client):
    user = UserFactory()
    for n in range(5):
        response = login(client, user.email, "guess", client_ip=f"203.0.113.{n}")
        assert LOCKED not in response.content.decode()
    # Five failures on one account, from five addresses: even the right password waits.
    response = login(client, user.email, client_ip="198.51.100.7")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()


def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(client, settings):
    """With ALLAUTH_TRUSTED_PROXY_COUNT=0 (clients connect directly), X-Forwarded-For is
    ignored: an attacker cannot pick a new address per attempt."""
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    responses = [
        login(client, f"made-up-{n}@example.org", "guess", client_ip=f"203.0.113.{n}")
        for n in range(31)
    ]
    assert limited(responses[-1])
