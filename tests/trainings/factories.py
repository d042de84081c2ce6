import datetime as dt

import factory
from django.utils import timezone

from moderation.models import Status, Visibility
from tests.cities.factories import reference_body
from trainings.models import Registration, SeatAllocation, Session, Training


def in_days(days: float, hour: int = 9) -> dt.datetime:
    moment = timezone.now() + dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class TrainingFactory(factory.django.DjangoModelFactory):
    """A published, public academy hosted by Nice, open to all members, 10 seats, one session
    in 20 days; registration open until 10 days before."""

    class Meta:
        model = Training
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Police academy on public spaces {n}")
    body = factory.LazyFunction(lambda: reference_body("nice"))
    city = factory.LazyAttribute(lambda o: o.body.city)
    kind = Training.Kind.ACADEMY
    summary = "Three days on protecting crowded public spaces."
    programme = "Day 1: **risk assessment**."
    format = Training.Format.ON_SITE
    languages = "en fr"
    venue_name = "Caserne Auvare"
    venue_address = "28 rue Pierre Devoluy, Nice"
    capacity = 10
    audience = Training.Audience.MEMBERS
    status = Status.PUBLISHED
    visibility = Visibility.PUBLIC
    time_zone = "Europe/Paris"
    published_at = factory.LazyFunction(timezone.now)
    registration_deadline = factory.LazyFunction(lambda: in_days(10))

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        """``sessions=[(start, end), ...]``; by default one session in 20 days, 9:00–17:00."""
        if not create:
            return
        spans = extracted if extracted is not None else [(in_days(20, 9), in_days(20, 17))]
        for start, end in spans:
            Session.objects.create(training=self, starts_at=start, ends_at=end)
        rows = list(self.sessions.order_by("starts_at"))
        self.first_start = rows[0].starts_at if rows else None
        self.last_end = max(r.ends_at for r in rows) if rows else None
        self.save(update_fields=["first_start", "last_end"])

    @factory.post_generation
    def seats(self, create, extracted, **kwargs):
        """``seats={city: n}``."""
        if create and extracted:
            for city, n in extracted.items():
                SeatAllocation.objects.create(training=self, city=city, seats=n)

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            self.on_content_changed()


def status_of(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.status
