"""A visitor subscribes to the digest in French on two themes, confirms, changes their
preferences by the signed link, and unsubscribes. A moderator previews a subscriber's next
digest and sends a test to themselves; the run goes out, and a visitor reads it in the
archive."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cities.models import Theme
from digests import services
from digests.models import Subscriber
from digests.periods import Period
from tests.digests.factories import SubscriberFactory
from tests.e2e.browser import audit, sign_in
from tests.practices.factories import PracticeFactory

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


def test_a_moderator_previews_a_digest_sends_a_test_and_a_visitor_reads_the_archive(
    new_page, mailoutbox, efus_staff
):
    period = Period.current()
    PracticeFactory(
        title="Night mediators in the Old Town",
        published_at=period.cutoff - dt.timedelta(hours=2),
    )
    SubscriberFactory(
        email="reader@example.org",
        language="en",
        confirmed_at=period.cutoff - dt.timedelta(days=30),
        last_digest_at=period.previous().cutoff,
    )
    page = new_page()
    sign_in(page, efus_staff)
    page.get_by_role("link", name="Digest", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digest runs")
    audit(page)
    page.get_by_role("link", name="Preview", exact=True).click()
    audit(page)
    page.get_by_label("Subscriber's email").fill("reader@example.org")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("PACTESUR digest: 1 new item")
    expect(page.locator("pre")).to_contain_text("Night mediators in the Old Town")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Night mediators in the Old Town")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Send a test to myself").click()
    expect(page.locator(".message-list")).to_contain_text("A test of this digest was sent")
    audit(page)
    [test] = [m for m in mailoutbox if m.to == [efus_staff.email]]
    assert "Night mediators in the Old Town" in test.body

    services.digest_run(period=period)  # Monday's run
    assert [m.to for m in mailoutbox if m.to == ["reader@example.org"]] == [["reader@example.org"]]
    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    audit(page)

    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="Past digests").click()
    audit(visitor)
    visitor.get_by_role("link", name=f"Digest of {period}").click()
    expect(visitor.get_by_role("heading", level=2)).to_have_text("Night mediators in the Old Town")
    audit(visitor)
