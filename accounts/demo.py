"""Demo people for ``manage.py seed_demo``: an Efus moderator, coordinators and members.

Everything goes through the services the site uses (``membership_request``,
``membership_approve``, ``coordinator_set``), users are made with ``create_user`` and a verified
allauth address, and TOTP authenticators with allauth's own ``TOTP.activate``. Safe to re-run:
people are found by email, and nothing that exists is created again.

Every demo address is on ``demo.example.org``, under a domain reserved for examples (RFC 2606):
no mail to it reaches anybody. Every demo password is ``pactesur-demo``; every demo
authenticator shares one published secret. Never use this on a real install.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from cities.models import Body

from .models import Membership, User
from .services import coordinator_set, membership_approve, membership_request

DEMO_DOMAIN = "demo.example.org"  # RFC 2606: reserved, never delivered
DEMO_PASSWORD = "pactesur-demo"  # noqa: S105  (published on purpose: demo data only)
# A published base32 secret (the usual example one): add it to an authenticator app, or print the
# current code with TOTP_CODE_COMMAND.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105  (published on purpose)
TOTP_CODE_SNIPPET = (
    "import time; "
    "from allauth.mfa import app_settings; "
    "from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value; "
    f"print(format_hotp_value(hotp_value('{DEMO_TOTP_SECRET}', "
    "int(time.time()) // app_settings.TOTP_PERIOD)))"
)
TOTP_CODE_COMMAND = f'python manage.py shell -c "{TOTP_CODE_SNIPPET}"'

DEFAULT_CITIES = ("nice", "madrid", "liege", "bologna", "riga", "tallinn", "xabia", "turin")

W, M = User.Gender.WOMAN, User.Gender.MAN
# Officers' names by country: (full name, gender). The first is the city's coordinator.
NAMES: dict[str, list[tuple[str, str]]] = {
    "FR": [("Camille Laurent", W), ("Julien Moreau", M), ("Sophie Girard", W),
           ("Nicolas Fabre", M), ("Élodie Rousseau", W), ("Karim Benali", M)],
    "IT": [("Giulia Rossi", W), ("Marco Bianchi", M), ("Chiara Ferrari", W),
           ("Luca Romano", M), ("Francesca Colombo", W), ("Davide Ricci", M)],
    "ES": [("Lucía García", W), ("Javier Martínez", M), ("Marta López", W),
           ("Sergio Sánchez", M), ("Elena Fernández", W), ("Vicent Ferrer", M)],
    "BE": [("Julie Dubois", W), ("Thomas Lambert", M), ("Sarah Peeters", W),
           ("Maxime Renard", M), ("Amina El Idrissi", W), ("Pieter Claes", M)],
    "SK": [("Zuzana Horváthová", W), ("Martin Kováč", M), ("Katarína Vargová", W),
           ("Peter Tóth", M), ("Lucia Nagyová", W), ("Tomáš Baláž", M)],
    "HU": [("Anna Kovács", W), ("Gábor Nagy", M), ("Eszter Szabó", W),
           ("László Tóth", M), ("Katalin Horváth", W), ("Zoltán Kiss", M)],
    "PL": [("Anna Nowak", W), ("Piotr Kowalski", M), ("Katarzyna Wiśniewska", W),
           ("Tomasz Wójcik", M), ("Magdalena Kowalczyk", W), ("Marcin Kamiński", M)],
    "GR": [("Maria Papadopoulou", W), ("Giorgos Nikolaidis", M), ("Eleni Georgiou", W),
           ("Dimitris Pappas", M), ("Katerina Oikonomou", W), ("Kostas Ioannidis", M)],
    "PT": [("Ana Silva", W), ("João Santos", M), ("Mariana Ferreira", W),
           ("Pedro Pereira", M), ("Inês Costa", W), ("Rui Oliveira", M)],
    "LV": [("Līga Bērziņa", W), ("Jānis Kalniņš", M), ("Ilze Ozola", W),
           ("Andris Liepiņš", M), ("Kristīne Krūmiņa", W), ("Māris Zariņš", M)],
    "EE": [("Kadri Tamm", W), ("Andres Saar", M), ("Kristiina Sepp", W),
           ("Marko Mägi", M), ("Liis Kask", W), ("Rasmus Kukk", M)],
    "LT": [("Rūta Kazlauskienė", W), ("Tomas Jankauskas", M), ("Eglė Petrauskaitė", W),
           ("Mindaugas Stankevičius", M), ("Ieva Vasiliauskienė", W), ("Darius Žukauskas", M)],
}  # fmt: skip
COORDINATOR_POSITIONS = (
    "Head of international cooperation",
    "Deputy chief, international relations",
    "Chief inspector, strategy and EU projects",
)
OFFICER_POSITIONS = (
    "Sergeant, public-space unit",
    "Police officer, night-time patrol",
    "Inspector, major events",
    "Training officer",
    "Community police officer",
    "Officer, tourist police unit",
)


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    position: str
    gender: str = ""
    languages: tuple[str, ...] = ("en",)


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


def _fresh(user: User) -> User:
    """Forget the per-request role cache: the user's membership or MFA may have just changed."""
    for attr in ("membership", "has_mfa"):
        user.__dict__.pop(attr, None)
    return user


def ensure_user(person: Person, *, superuser: bool = False) -> tuple[User, bool]:
    """The demo user with this address, created (with a verified address) if missing."""
    user = User.objects.filter(email__iexact=person.email).first()
    created = user is None
    if user is None:
        extra = {
            "full_name": person.full_name,
            "position": person.position,
            "gender": person.gender,
            "languages": list(person.languages),
        }
        if superuser:
            user = User.objects.create_superuser(person.email, DEMO_PASSWORD, **extra)
        else:
            user = User.objects.create_user(person.email, DEMO_PASSWORD, **extra)
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def ensure_totp(user: User) -> None:
    """A TOTP authenticator with the demo secret, through allauth's own API."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    _fresh(user)


def ensure_membership(user: User, body: Body, *, approver: User | None) -> Membership:
    """Request membership of ``body`` if the user has none; have ``approver`` approve it."""
    membership = Membership.objects.current().filter(user=user).select_related("body").first()
    if membership is None:
        membership = membership_request(user=user, body=body)
    if membership.status == Membership.Status.PENDING and approver is not None:
        membership = membership_approve(membership=membership, by=_fresh(approver))
    _fresh(user)
    return membership


def ensure_coordinator(user: User, *, by: User) -> None:
    membership = Membership.objects.current().filter(user=user).select_related("body").get()
    if (
        membership.status == Membership.Status.APPROVED
        and membership.role != membership.Role.COORDINATOR
    ):
        coordinator_set(membership=membership, by=_fresh(by), appoint=True)
    _fresh(user)


def city_people(body: Body, members: int) -> tuple[Person, list[Person]]:
    """The coordinator and ``members`` officers of a city, with names from its country."""
    city = body.city
    names = NAMES.get(city.country, NAMES["FR"])
    languages = (*city.languages, "en")
    position = COORDINATOR_POSITIONS[sum(map(ord, city.slug)) % len(COORDINATOR_POSITIONS)]
    coordinator = Person(
        demo_email(f"coordinator.{city.slug}"), names[0][0], position, names[0][1], languages
    )
    officers = []
    for i in range(1, members + 1):
        name, gender = names[1 + (i - 1) % (len(names) - 1)]
        if i >= len(names):  # more officers than names: keep them apart
            name = f"{name} ({i})"
        officers.append(
            Person(
                demo_email(f"officer{i}.{city.slug}"),
                name,
                OFFICER_POSITIONS[(i - 1) % len(OFFICER_POSITIONS)],
                gender,
                languages,
            )
        )
    return coordinator, officers


OPERATOR = Person(demo_email("operator"), "Demo Operator", "Technical operator of the platform")
MODERATOR = Person(
    demo_email("moderator"), "Élise Martin", "Programme manager, Efus", W, ("fr", "en")
)
PENDING_NICE = Person(
    demo_email("pending.nice"), "Hugo Petit", "Police officer, beach patrol", M, ("fr", "en")
)


def demo_moderator() -> User:
    """The demo Efus moderator, made as ``seed`` makes them if missing (the other apps' demo
    data is written or approved by them)."""
    moderator, created = ensure_user(MODERATOR)
    if created or not moderator.in_efus_body:
        operator, _created = ensure_user(OPERATOR, superuser=True)
        ensure_totp(operator)
        ensure_membership(
            moderator, Body.objects.get(type=Body.Type.NETWORK_SECRETARIAT), approver=operator
        )
    ensure_totp(moderator)
    return User.objects.get(pk=moderator.pk)


def demo_coordinator(city_slug: str, moderator: User) -> User:
    """The city's demo coordinator, made as ``seed`` makes them if missing."""
    body = (
        Body.objects.select_related("city")
        .exclude(type=Body.Type.NETWORK_SECRETARIAT)
        .get(city__slug=city_slug)
    )
    person, _officers = city_people(body, 0)
    user, _created = ensure_user(person)
    ensure_totp(user)
    ensure_membership(user, body, approver=moderator)
    ensure_coordinator(user, by=moderator)
    return User.objects.get(pk=user.pk)  # a fresh object: roles just changed


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    """Create the demo people: see the module's docstring."""
    created = 0

    def user(person: Person, **kwargs: Any) -> User:
        nonlocal created
        u, was_created = ensure_user(person, **kwargs)
        created += was_created
        return u

    # Bootstrap: the first Efus moderator is approved by the platform's technical operator (a
    # superuser), as on a real install where the operator does it once in the admin.
    operator = user(OPERATOR, superuser=True)
    ensure_totp(operator)
    moderator = user(MODERATOR)
    ensure_totp(moderator)
    ensure_membership(
        moderator, Body.objects.get(type=Body.Type.NETWORK_SECRETARIAT), approver=operator
    )

    bodies = {
        b.city.slug: b
        for b in Body.objects.select_related("city")
        .filter(city__slug__in=counts["cities"])
        .exclude(type=Body.Type.NETWORK_SECRETARIAT)
    }
    for slug in counts["cities"]:
        body = bodies[slug]
        coordinator_person, officer_people = city_people(body, counts["members"])
        coordinator = user(coordinator_person)
        ensure_totp(coordinator)
        ensure_membership(coordinator, body, approver=moderator)
        ensure_coordinator(coordinator, by=moderator)
        for person in officer_people:
            # Each city's coordinator approves their own officers.
            ensure_membership(user(person), body, approver=coordinator)

    nice = Body.objects.select_related("city").get(city__slug="nice")
    ensure_membership(user(PENDING_NICE), nice, approver=None)
    stdout.write(f"  people: {created} created, the others were already there")


def demo_logins() -> list[tuple[str, str, str, bool]]:
    """(email, role, organisation, has TOTP) for every demo account, moderators first."""
    users = (
        User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}")
        .prefetch_related("memberships__body__city")
        .order_by("email")
    )
    with_totp = set(
        Authenticator.objects.filter(
            type=Authenticator.Type.TOTP, user__email__iendswith=f"@{DEMO_DOMAIN}"
        ).values_list("user_id", flat=True)
    )
    rows = []
    for u in users:
        current = [m for m in u.memberships.all() if m.status != Membership.Status.REMOVED]
        m = current[0] if current else None
        if u.is_superuser:
            role, org = "Technical operator (superuser)", "-"
        elif m is None:
            role, org = "No organisation", "-"
        elif m.body.is_efus:
            role, org = "Efus moderator", "Efus"
        elif m.status == Membership.Status.PENDING:
            role, org = "Pending member", m.body.city.name
        elif m.role == Membership.Role.COORDINATOR:
            role, org = "City coordinator", m.body.city.name
        else:
            role, org = "Member", m.body.city.name
        rows.append((u.email, role, org, u.pk in with_totp))
    order = ["Technical operator (superuser)", "Efus moderator", "City coordinator"]
    rows.sort(key=lambda r: (order.index(r[1]) if r[1] in order else len(order), r[2], r[0]))
    return rows
