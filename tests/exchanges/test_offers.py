"""Offers through the one moderation mechanism (drafted by a coordinator, submitted, published by
a moderator from the queue, an edit of a published offer proposed and not shown until published),
the list's filters as shareable URLs, windows and their places, applying."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cities.models import City, Theme
from exchanges import services
from exchanges.models import Application, ApplicationStatus, Offer, Window
from moderation.models import Revision, Status
from moderation.services import moderation_publish
from tests.accounts.factories import make_member
from tests.exchanges.factories import (
    OFFER_FORM,
    ApplicationFactory,
    OfferFactory,
    WindowFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


def test_an_offer_goes_through_moderation(client, coordinator, member, efus_staff):
    client.force_login(coordinator)
    response = client.post(reverse("exchanges:offer_create"), OFFER_FORM)
    offer = Offer.objects.get()
    assert response["Location"] == offer.get_absolute_url()
    assert (offer.status, offer.city, offer.created_by) == (
        Status.DRAFT,
        coordinator.city,
        coordinator,
    )
    client.post(reverse("exchanges:window_add", args=[offer.pk]), {
        "start": "2099-03-01", "end": "2099-03-07", "places": "2",
    })  # fmt: skip
    client.post(reverse("exchanges:offer_submit", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Status.SUBMITTED
    client.force_login(efus_staff)
    queue = client.get(reverse("moderation:queue"))
    assert OFFER_FORM["title"] in queue.content.decode()
    review = client.get(reverse("moderation:review", args=["exchanges.offer", offer.pk]))
    assert "old town" in review.content.decode()
    moderation_publish(obj=offer, by=efus_staff)
    client.force_login(member)
    assert OFFER_FORM["title"] in client.get(reverse("exchanges:offer_list")).content.decode()
    # An edit of the published offer waits for a moderator; readers keep the published title.
    client.force_login(coordinator)
    client.post(reverse("exchanges:offer_edit", args=[offer.pk]), {**OFFER_FORM, "title": "New"})
    offer.refresh_from_db()
    assert offer.title == OFFER_FORM["title"]
    assert Revision.objects.open_for(offer).get().data["title"] == "New"


def test_window_dates_and_places_are_checked_by_the_database():
    offer = OfferFactory()
    for start, end, places in ((in_days(5), in_days(4), 1), (in_days(5), in_days(6), 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Window.objects.create(offer=offer, start=start, end=end, places=places)


def test_a_window_is_added_only_when_valid(other_coordinator):
    offer = OfferFactory()
    with pytest.raises(ValidationError):
        services.window_add(
            offer=offer, by=other_coordinator, start=in_days(5), end=in_days(4), places=1
        )
    assert not offer.windows.exists()


def test_list_filters_are_shareable_urls(client):
    events = Theme.objects.get(slug="major-events")
    riga = City.objects.get(slug="riga")
    madrid = OfferFactory(title="Madrid stadium", themes=[events], visibility="public",
                          kind=Offer.Kind.EVENT)  # fmt: skip
    WindowFactory(offer=madrid, start=dt.date(2099, 3, 1), end=dt.date(2099, 3, 5), places=1)
    riga_offer = OfferFactory(
        title="Riga tourism", city=riga, host_languages=["lv"], visibility="public",
        application_deadline=dt.date(2099, 1, 1),
    )  # fmt: skip
    WindowFactory(offer=riga_offer, start=dt.date(2099, 5, 1), end=dt.date(2099, 5, 5))
    full = OfferFactory(title="Full one", visibility="public")
    window = WindowFactory(offer=full, places=1)
    ApplicationFactory(
        applicant=make_member(City.objects.get(slug="nice").bodies.first()),
        offer=full, preferred_window=window, status=ApplicationStatus.ACCEPTED,
    )  # fmt: skip
    OfferFactory(title="Closed", visibility="public", application_deadline=in_days(-1))

    def titles(**params) -> list[str]:
        response = client.get(reverse("exchanges:offer_list"), params)
        assert response.status_code == 200
        content = response.content.decode()
        return [t for t in ("Madrid stadium", "Riga tourism", "Full one", "Closed") if t in content]

    assert titles() == ["Madrid stadium", "Riga tourism", "Full one"]
    assert titles(theme="major-events") == ["Madrid stadium"]
    assert titles(city="riga") == ["Riga tourism"]
    assert titles(language="lv") == ["Riga tourism"]
    assert titles(kind="event") == ["Madrid stadium"]
    assert titles(month="2099-03") == ["Madrid stadium"]
    assert titles(month="2099-05", city="riga") == ["Riga tourism"]
    assert titles(has_places="on") == ["Madrid stadium", "Riga tourism"]
    assert titles(month="not-a-month") == ["Madrid stadium", "Riga tourism", "Full one"]


def test_an_officer_applies_once_and_their_coordinator_is_told(
    client, member, coordinator, other_coordinator
):
    offer = OfferFactory()
    window = WindowFactory(offer=offer)
    client.force_login(member)
    data = {"motivation": "Learn.", "expected_benefit": "Better plans.", "languages": ["es"],
            "preferred_window": window.pk}  # fmt: skip
    response = client.post(reverse("exchanges:apply", args=[offer.pk]), data)
    application = Application.objects.get()
    assert response["Location"] == application.get_absolute_url()
    assert (application.sending_city, application.host_city) == (member.city, offer.city)
    assert application.events.get().to_status == "submitted"
    from accounts.models import OutboundEmail

    assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == [coordinator.email]
    with pytest.raises(ValidationError):
        services.application_create(
            offer=offer, by=member, data=data | {"preferred_window": window}
        )


def test_a_window_with_accepted_officers_is_not_deleted(member, other_coordinator):
    application = ApplicationFactory(applicant=member, status=ApplicationStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        services.window_delete(window=application.window, by=other_coordinator)
    assert Window.objects.filter(pk=application.window.pk).exists()


def test_the_calendar_and_its_feed(client, member, coordinator, third_coordinator):
    from icalendar import Calendar

    from exchanges.calendar import feed_token

    scheduled = ApplicationFactory(
        applicant=member, status=ApplicationStatus.SCHEDULED, start=in_days(90), end=in_days(92)
    )
    client.force_login(third_coordinator)  # Riga: sees the exchange, not who goes
    page = client.get(reverse("exchanges:calendar")).content.decode()
    assert scheduled.offer.title in page and member.full_name not in page
    feed = client.get(reverse("exchanges:calendar_ics", args=[feed_token(coordinator)]))
    assert feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 1
    assert events[0].decoded("dtstart") == in_days(90)
    assert member.full_name in str(events[0]["summary"])  # Nice's coordinator: their officer
