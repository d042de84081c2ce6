"""A visitor subscribes to the digest in French on two themes, confirms, changes their
preferences by the signed link, and unsubscribes."""

import re

import pytest
from playwright.sync_api import expect

from cities.models import Theme
from digests.models import Subscriber
from tests.e2e.browser import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CONFIRM_PATH = re.compile(r"https?://[^/\s]+(/digests/confirm/[^/\s]+/)")


def test_a_visitor_subscribes_in_french_confirms_changes_preferences_and_unsubscribes(
    new_page, mailoutbox
):
    first, second = Theme.objects.order_by("position", "name")[:2]
    page = new_page(locale="fr-FR")
    page.goto("/")
    audit(page)
    page.get_by_role("link", name="S’abonner à la lettre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S’abonner à la lettre")
    audit(page)
    page.get_by_label("E-mail").fill("lectrice@example.org")
    page.get_by_label("Organisation").fill("Mairie de Brest")
    page.get_by_label("Ville ou région").fill("Brest")
    page.get_by_label(first.localized("name", "fr"), exact=True).check()
    page.get_by_label(second.localized("name", "fr"), exact=True).check()
    page.get_by_role("button", name="S’abonner", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    audit(page)

    [message] = [m for m in mailoutbox if m.to == ["lectrice@example.org"]]
    assert "Confirmez votre abonnement" in message.subject
    page.goto(CONFIRM_PATH.search(message.body)[1])
    audit(page)
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING  # opening changes nothing
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos préférences pour la lettre")
    audit(page)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.language == "fr"
    assert set(subscriber.themes.all()) == {first, second}

    page.get_by_label("Chaque mois").check()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    expect(page.locator(".message-list")).to_contain_text("Vos préférences ont été enregistrées.")
    audit(page)
    assert Subscriber.objects.get().frequency == Subscriber.Frequency.MONTHLY

    page.get_by_role("button", name="Se désabonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes désabonné")
    audit(page)
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
