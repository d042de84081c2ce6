import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cities.models import Theme
from digests import links
from digests.models import Subscriber
from tests.cities.factories import CityFactory, ThemeFactory
from tests.digests.factories import SubscriberFactory, pending

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/digests/subscribe/"


def _without_tokens(html: bytes) -> bytes:
    """The page minus its CSRF tokens (different in every response)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", html)


def test_the_subscribe_page_is_linked_from_every_page(client):
    assert SUBSCRIBE.encode() in client.get(reverse("cities:home")).content


def test_a_bad_form_keeps_what_was_typed(client):
    theme = Theme.objects.order_by("pk").first()
    response = client.post(
        SUBSCRIBE,
        {"email": "not-an-address", "organisation": "Mairie de Brest", "place": "Brest",
         "language": "fr", "themes": [theme.pk]},
    )  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.keys() == {"email"}
    html = response.content.decode()
    assert 'value="not-an-address"' in html
    assert 'value="Mairie de Brest"' in html
    assert 'value="Brest"' in html
    assert f'value="{theme.pk}"' in html and "checked" in html
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("existing", [None, "pending", "confirmed", "unsubscribed", "suspended"])
def test_subscribing_never_tells_whether_an_address_is_known(client, existing):
    if existing:
        SubscriberFactory(email="ana@example.org", status=existing)
    response = client.post(SUBSCRIBE, {"email": "ana@example.org", "language": "en"}, follow=True)
    assert response.redirect_chain == [(reverse("digests:subscribe_sent"), 302)]
    fresh = Client().get(reverse("digests:subscribe_sent"))
    assert _without_tokens(response.content) == _without_tokens(fresh.content)


def test_confirming_takes_a_click_and_the_link_alone_changes_nothing(client):
    subscriber = pending()
    url = links.path(subscriber, "confirm")
    assert client.get(url).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/digests/preferences/")
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_unsubscribe_get_changes_nothing_and_post_needs_no_csrf_token_and_repeats():
    subscriber = SubscriberFactory()
    url = links.path(subscriber, "unsubscribe")
    client = Client(enforce_csrf_checks=True)
    response = client.get(url)
    assert response.status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED
    for _ in range(2):  # a mail client may post twice (RFC 8058 one-click body)
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


@pytest.mark.parametrize("purpose", ["confirm", "preferences", "unsubscribe"])
def test_an_expired_link_gets_a_clear_page(client, purpose):
    with time_machine.travel(timezone.now() - links.MAX_AGE[purpose] - dt.timedelta(hours=1)):
        subscriber = pending() if purpose == "confirm" else SubscriberFactory()
        url = links.path(subscriber, purpose)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 400
        assert b"This link has expired" in response.content
    assert Subscriber.objects.get().status == subscriber.status


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-3] + "abc",  # signature changed
        lambda token: "x" + token,  # payload changed
        lambda token: "nonsense",
    ],
)
@pytest.mark.parametrize("purpose", ["confirm", "preferences", "unsubscribe"])
def test_a_tampered_link_gets_a_clear_page(client, purpose, change):
    subscriber = SubscriberFactory()
    url = reverse(links.URL_NAMES[purpose], args=[change(links.make_token(subscriber, purpose))])
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 400
        assert b"This link does not work" in response.content
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_a_link_of_one_purpose_does_not_work_for_another(client):
    subscriber = SubscriberFactory()
    token = links.make_token(subscriber, "preferences")
    assert client.post(reverse("digests:unsubscribe", args=[token])).status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_a_link_to_a_deleted_subscription_does_not_work(client):
    subscriber = SubscriberFactory()
    url = links.path(subscriber, "preferences")
    subscriber.delete()
    assert client.get(url).status_code == 400


def test_preferences_change_themes_language_and_frequency(client):
    subscriber = SubscriberFactory(language="fr")
    themes = list(Theme.objects.order_by("pk")[:2])
    url = links.path(subscriber, "preferences")
    response = client.post(
        url, {"language": "en", "frequency": "paused", "themes": [t.pk for t in themes]}
    )
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.language, subscriber.frequency) == ("en", "paused")
    assert set(subscriber.themes.all()) == set(themes)


def test_the_preferences_page_shows_what_is_kept(client):
    subscriber = SubscriberFactory(organisation="Mairie de Brest", place="Brest")
    html = client.get(links.path(subscriber, "preferences")).content.decode()
    for kept in (subscriber.email, "Mairie de Brest", "Brest"):
        assert kept in html
    assert "Delete my subscription" in html


def test_a_member_subscription_is_not_deleted_from_the_preferences_page(client, member):
    subscriber = SubscriberFactory(user=member, email=member.email)
    url = links.path(subscriber, "preferences")
    assert "Delete my subscription" not in client.get(url).content.decode()
    client.post(reverse("digests:delete", args=[url.split("/")[-2]]))
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_a_member_subscribes_in_one_click_from_their_account(client, member, mailoutbox):
    client.force_login(member)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("digests:subscribe_member") in page
    response = client.post(reverse("digests:subscribe_member"), follow=True)
    assert response.redirect_chain == [(reverse("accounts:dashboard"), 302)]
    assert Subscriber.objects.get(user=member).status == Subscriber.Status.CONFIRMED
    assert "/digests/preferences/" in response.content.decode()
    assert mailoutbox == []  # no confirmation for a member


# --- Query counts -----------------------------------------------------------------------------


def test_subscribe_page_queries(client, django_assert_num_queries):
    CityFactory(project_role="network")
    client.get(SUBSCRIBE)
    for count in (1, 25):
        ThemeFactory.create_batch(count)
        CityFactory.create_batch(count, project_role="network")
        # 1. the themes (checkboxes), 2. the network's places (datalist)
        with django_assert_num_queries(2):
            client.get(SUBSCRIBE)


def test_preferences_page_queries(client, django_assert_num_queries):
    subscriber = SubscriberFactory()
    url = links.path(subscriber, "preferences")
    for count in (1, 25):
        subscriber.themes.add(*ThemeFactory.create_batch(count))
        # 1. the subscriber and its city, 2. the chosen themes (what is kept), 3. the themes
        # (checkboxes), 4. the chosen themes (checked boxes)
        with django_assert_num_queries(4):
            client.get(url)


@pytest.mark.parametrize("purpose", ["confirm", "unsubscribe"])
def test_link_pages_query_once(client, purpose, django_assert_num_queries):
    subscriber = pending() if purpose == "confirm" else SubscriberFactory()
    url = links.path(subscriber, purpose)
    with django_assert_num_queries(1):  # 1. the subscriber and its city
        client.get(url)


def test_subscribe_sent_page_makes_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(reverse("digests:subscribe_sent"))


def test_the_confirmation_email_links_to_the_confirm_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SUBSCRIBE, {"email": "ana@example.org", "language": "fr"})
    message = mailoutbox[0]
    html = message.alternatives[0][0]
    url = re.search(r'href="http://[^/"]+(/digests/confirm/[^"]+)"', html).group(1)
    assert url in message.body
    assert client.get(url).status_code == 200
    client.post(url)
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_my_account_page_queries(client, member, django_assert_num_queries):
    client.force_login(member)
    client.get(reverse("accounts:dashboard"))
    SubscriberFactory(user=member, email=member.email)
    # 1. the session, 2. the user with their membership, its body and city (and whether
    # two-factor authentication is on), 3. the digest subscription, 4. the email addresses,
    # 5. the certificates, 6. the member's open training registrations (trainings' section,
    # accounts/dashboard.py)
    with django_assert_num_queries(6):
        client.get(reverse("accounts:dashboard"))
