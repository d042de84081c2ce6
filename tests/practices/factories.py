import factory
from django.utils import timezone

from moderation.models import Status, Visibility
from practices.models import Adoption, Practice
from tests.cities.factories import reference_body

# The practice form, filled in as a member would (POST data of the create and edit pages).
PRACTICE_FORM = {
    "title": "Night-time mediators in the Old Town",
    "summary": "Mediators patrol bar streets on weekend nights.",
    "problem": "Noise and **fights** when bars close.",
    "mechanism": "",
    "context": "",
    "implementation": "",
    "resources": "",
    "evaluation": "",
    "transferability": "",
    "outcome": "promising",
    "evaluation_stage": "local",
    "period_start": "2023-06-01",
    "period_end": "",
    "original_language": "fr",
    "contact_role": "Prevention unit",
    "contact_email": "",
    "links": "https://example.org/report\nhttps://example.org/video",
    "visibility": "public",
}


class PracticeFactory(factory.django.DjangoModelFactory):
    """A published, public practice of Nice by default (its stored HTML and search vector kept
    current, as the services do)."""

    class Meta:
        model = Practice
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Modular barriers for squares {n}")
    city = factory.LazyFunction(lambda: reference_body("nice").city)
    body = factory.LazyAttribute(lambda o: o.city.bodies.first())
    summary = "Removable concrete-free barriers protect pedestrian squares during events."
    problem = "Vehicle ramming attacks on crowded pedestrian areas."
    mechanism = "Barriers stop vehicles while letting pedestrians and emergency services through."
    status = Status.PUBLISHED
    visibility = Visibility.PUBLIC
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            self.on_content_changed()


class AdoptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adoption

    practice = factory.SubFactory(PracticeFactory)
    city = factory.LazyFunction(lambda: reference_body("madrid").city)
    outcome_note = "We adapted it for the Christmas market."
