"""Demo trainings for ``manage.py seed_demo``: the two police academies of PACTESUR 2 (Nice, May
2024, and Madrid, November 2024: past, with attendance and certificates), an upcoming academy
with seats per city and a waiting list, a webinar open to the public and an e-learning module.

Every training is drafted by its host's demo coordinator (Efus's by the demo moderator) through
``training_create``, submitted and published through the moderation services; participants are
the demo officers of the chosen cities (``counts["cities"]``), registered through
``registration_create``; attendance is marked through ``attendance_mark``. Safe to re-run: a
training whose title exists is skipped.

A past academy is built as it happened: its registrations are taken before its sessions are
added (registration closes once a training has started), then the sessions, then attendance.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.demo import (
    demo_coordinator,
    demo_moderator,
)
from accounts.models import Membership, User
from cities.models import Body, Theme
from moderation.models import Visibility
from moderation.services import moderation_publish, moderation_submit

from . import services
from .models import Registration, Training

DEMO_NOTE = "**Demo content:** an illustration written for the platform's demonstration."


@dataclass(frozen=True)
class DemoTraining:
    host: str  # a city slug, or "efus"
    title: str
    kind: str
    summary: str
    programme: str
    format: str
    languages: str
    days: tuple[tuple[int, int, int], ...]  # (year, month, day) or (offset days, 0, 0) if future
    themes: tuple[str, ...] = ()
    interpretation: str = ""
    venue_name: str = ""
    venue_address: str = ""
    online_link: str = ""
    capacity: int = 45
    seats_per_city: int = 0
    audience: str = Training.Audience.POLICE
    visibility: str = Visibility.NETWORK
    past: bool = False
    attendees_per_city: int = 3
    hours: tuple[int, int] = (9, 17)
    extra: dict[str, Any] = field(default_factory=dict)


TRAININGS = (
    DemoTraining(
        host="nice",
        title="PACTESUR police academy, Nice 2024",
        kind=Training.Kind.ACADEMY,
        summary=(
            "The first PACTESUR 2 police academy: 43 officers from the 15 cities on protecting "
            "crowded public spaces, from the Promenade des Anglais to the Carnival."
        ),
        programme=(
            "**Day 1.** Risk assessment of public spaces; the 14 July 2016 attack and what "
            "changed.\n\n**Day 2.** Vehicle barriers, crowd management, the urban supervision "
            "centre.\n\n**Day 3.** Exercise on the Promenade; exchange of practices."
        ),
        format=Training.Format.ON_SITE,
        languages="fr en",
        interpretation="Simultaneous interpretation into English and French",
        venue_name="Caserne Auvare, Police municipale de Nice",
        venue_address="28 rue Pierre Devoluy, 06000 Nice",
        days=((2024, 5, 14), (2024, 5, 15), (2024, 5, 16)),
        themes=("security-of-public-spaces", "major-events"),
        past=True,
    ),
    DemoTraining(
        host="madrid",
        title="PACTESUR police academy, Madrid 2024",
        kind=Training.Kind.ACADEMY,
        summary=(
            "The second academy: more than 50 officers from 14 cities on safe nightlife, "
            "tourism and community policing in a capital city."
        ),
        programme=(
            "**Day 1.** Nightlife districts and the agents tutores.\n\n**Day 2.** Tourism "
            "and major events at the Santiago Bernabéu.\n\n**Day 3.** Visits and workshops."
        ),
        format=Training.Format.ON_SITE,
        languages="es en",
        interpretation="Simultaneous interpretation into English and Spanish",
        venue_name="Academia de Policía Municipal de Madrid",
        venue_address="Calle de Plomo 14, 28045 Madrid",
        days=((2024, 11, 19), (2024, 11, 20), (2024, 11, 21)),
        themes=("safe-nightlife", "safety-and-tourism"),
        past=True,
    ),
    DemoTraining(
        host="liege",
        title="PACTESUR police academy, Liège: policing major events",
        kind=Training.Kind.ACADEMY,
        summary=(
            "Three days in Liège on planning and policing major events, with a few seats for "
            "each city: coordinators choose who goes."
        ),
        programme="**Day 1.** Planning.\n\n**Day 2.** Command.\n\n**Day 3.** Debriefing.",
        format=Training.Format.ON_SITE,
        languages="fr en",
        interpretation="Interpretation into English",
        venue_name="Zone de police de Liège",
        venue_address="Rue Natalis 60, 4020 Liège",
        days=((60, 0, 0), (61, 0, 0), (62, 0, 0)),
        themes=("major-events", "cooperation-among-police-forces"),
        seats_per_city=1,
        attendees_per_city=2,
    ),
    DemoTraining(
        host="efus",
        title="Webinar: EU funding for the security of public spaces",
        kind=Training.Kind.WEBINAR,
        summary="One hour with Efus on the EU programmes that fund local security projects.",
        programme="Presentation, then questions and answers.",
        format=Training.Format.ONLINE,
        languages="en",
        online_link="https://webinar.demo.example.org/eu-funding",
        days=((20, 0, 0),),
        themes=("eu-resources-and-guidelines",),
        capacity=300,
        audience=Training.Audience.PUBLIC,
        visibility=Visibility.PUBLIC,
        hours=(14, 15),
        attendees_per_city=1,
    ),
    DemoTraining(
        host="efus",
        title="E-learning: gender inclusivity in local police recruitment",
        kind=Training.Kind.E_LEARNING,
        summary="A self-paced module on recruiting and retaining women in local police forces.",
        programme="Six short units with quizzes; about four hours in all.",
        format=Training.Format.ONLINE,
        languages="en fr es",
        online_link="https://learning.demo.example.org/gender-inclusivity",
        days=((5, 0, 0),),
        themes=("recruitment-retention-gender",),
        capacity=200,
        audience=Training.Audience.MEMBERS,
        hours=(9, 13),
        attendees_per_city=1,
    ),
)


def _host(slug: str, moderator: User) -> User:
    """The host's demo coordinator (``accounts.demo``), or the moderator for Efus."""
    return moderator if slug == "efus" else demo_coordinator(slug, moderator)


def _sessions(item: DemoTraining, zone: zoneinfo.ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    today = timezone.localdate()
    spans = []
    start_hour, end_hour = item.hours
    for a, b, c in item.days:
        day = dt.date(a, b, c) if b else today + dt.timedelta(days=a)
        spans.append(
            (
                dt.datetime.combine(day, dt.time(start_hour), zone),
                dt.datetime.combine(day, dt.time(end_hour), zone),
            )
        )
    return spans


def _participants(cities: list[str], per_city: int) -> list[User]:
    """The demo officers (not coordinators) of each city, ``per_city`` of them."""
    people: list[User] = []
    for slug in cities:
        officers = (
            User.objects.filter(
                memberships__body__city__slug=slug,
                memberships__status=Membership.Status.APPROVED,
                memberships__role=Membership.Role.MEMBER,
            )
            .order_by("email")
            .distinct()[:per_city]
        )
        people.extend(officers)
    return people


def _create(item: DemoTraining, moderator: User, cities: list[str]) -> Training:
    host = _host(item.host, moderator)
    zone = zoneinfo.ZoneInfo(
        {"nice": "Europe/Paris", "madrid": "Europe/Madrid", "liege": "Europe/Brussels"}.get(
            item.host, "Europe/Paris"
        )
    )
    themes = list(Theme.objects.filter(slug__in=item.themes))
    data = {
        "title": item.title,
        "summary": f"{item.summary}\n\n{DEMO_NOTE}",
        "programme": item.programme,
        "kind": item.kind,
        "format": item.format,
        "themes": themes,
        "languages": item.languages,
        "interpretation": item.interpretation,
        "venue_name": item.venue_name,
        "venue_address": item.venue_address,
        "online_link": item.online_link,
        "capacity": item.capacity,
        "audience": item.audience,
        "requires_approval": False,
        "time_zone": str(zone),
        "visibility": item.visibility,
    }
    training = services.training_create(by=host, data=data, is_demo=True)
    moderation_submit(obj=training, by=host)
    moderation_publish(obj=training, by=moderator)
    spans = _sessions(item, zone)
    if item.seats_per_city:
        seats = {
            b.city_id: item.seats_per_city
            for b in Body.objects.filter(city__slug__in=cities).exclude(
                type=Body.Type.NETWORK_SECRETARIAT
            )
        }
        services.seats_set(training=training, by=host, seats=seats)
    if not item.past:
        for start, end in spans:
            services.session_save(training=training, by=host, starts_at=start, ends_at=end)
    for person in _participants(cities, item.attendees_per_city):
        # Someone outside the audience (a body that is not police) is refused, as on the site.
        with contextlib.suppress(ValidationError):
            services.registration_create(training=training, by=person)
    if item.past:  # registered before it started; then the sessions, then attendance
        for start, end in spans:
            services.session_save(training=training, by=host, starts_at=start, ends_at=end)
        confirmed = Registration.objects.filter(
            training=training, status=Registration.Status.CONFIRMED
        ).order_by("pk")
        ids = list(confirmed.values_list("pk", flat=True))
        for number, session in enumerate(training.sessions.all()):
            # Everyone came, but one in five missed one day.
            present = {pk for i, pk in enumerate(ids) if (i + number) % 5 or number == 0}
            services.attendance_mark(session=session, by=host, present=present)
        # Each attendee downloaded their certificate (``accounts.certificates``).
        for registration in confirmed.select_related("user", "training__body", "training__city"):
            services.certificate_issue(registration=registration, by=registration.user)
    return training


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    """Create the demo trainings: see the module's docstring."""
    moderator = demo_moderator()
    cities = list(counts.get("cities") or [])
    existing = set(
        Training.objects.filter(title__in=[t.title for t in TRAININGS]).values_list(
            "title", flat=True
        )
    )
    created = 0
    for item in TRAININGS:
        if item.title in existing or (item.host != "efus" and item.host not in cities):
            continue
        with transaction.atomic():
            _create(item, moderator, cities)
        created += 1
    stdout.write(f"  trainings: {created} created (the others were already there)")
