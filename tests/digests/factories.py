import factory
from django.utils import timezone

from digests.models import Subscriber


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    organisation = "Ville de Lyon"
    language = "fr"
    status = Subscriber.Status.CONFIRMED
    requested_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
    last_digest_at = factory.LazyFunction(timezone.now)


def pending(**kwargs) -> Subscriber:
    return SubscriberFactory(status=Subscriber.Status.PENDING, confirmed_at=None, **kwargs)
