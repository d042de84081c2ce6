import datetime as dt

import factory
from django.db.models import F
from django.utils import timezone

from exchanges.models import HOLDS_A_PLACE, Application, ApplicationStatus, Offer, Window
from moderation.models import Status, Visibility
from tests.cities.factories import reference_body

# The offer form, filled in as a coordinator would.
OFFER_FORM = {
    "title": "A week with the tourism police",
    "kind": "placement",
    "event_name": "",
    "description": "Patrols in the **old town** with the tourism police.",
    "themes": [],
    "host_languages": ["lv", "en"],
    "required_rank": "",
    "required_languages": [],
    "police_only": "on",
    "application_deadline": "2099-06-30",
    "visibility": "network",
}


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


class OfferFactory(factory.django.DjangoModelFactory):
    """A published offer of Madrid (the host: ``other_coordinator``), open for 60 days."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Major events week {n}")
    city = factory.LazyFunction(lambda: reference_body("madrid").city)
    body = factory.LazyAttribute(lambda o: o.city.bodies.first())
    description = "Crowd management at the **stadium**."
    host_languages = ["es", "en"]
    application_deadline = factory.LazyFunction(lambda: in_days(60))
    status = Status.PUBLISHED
    visibility = Visibility.NETWORK
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)

    @factory.post_generation
    def rendered(self, create, extracted, **kwargs):
        if create:
            self.on_content_changed()


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    offer = factory.SubFactory(OfferFactory)
    start = factory.LazyFunction(lambda: in_days(90))
    end = factory.LazyFunction(lambda: in_days(96))
    places = 2


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application of a Nice officer for a Madrid offer (set ``applicant``)."""

    class Meta:
        model = Application

    offer = factory.SubFactory(OfferFactory)
    preferred_window = factory.LazyAttribute(lambda o: WindowFactory(offer=o.offer))
    sending_city = factory.LazyAttribute(lambda o: o.applicant.city)
    host_city = factory.LazyAttribute(lambda o: o.offer.city)
    motivation = "Learn how Madrid runs match days."
    expected_benefit = "A better plan for our stadium."
    languages = ["es", "fr"]
    status = ApplicationStatus.SUBMITTED
    window = factory.LazyAttribute(
        lambda o: (
            o.preferred_window
            if o.status
            in (
                ApplicationStatus.ACCEPTED,
                ApplicationStatus.SCHEDULED,
                ApplicationStatus.COMPLETED,
                ApplicationStatus.REPORTED,
            )
            else None
        )
    )

    @factory.post_generation
    def count_place(self, create, extracted, **kwargs):
        """A place held is counted on its window, as ``exchanges.services`` counts it."""
        if create and self.window_id is not None and self.status in HOLDS_A_PLACE:
            Window.objects.filter(pk=self.window_id).update(places_held=F("places_held") + 1)
