"""Demo exchanges for ``manage.py seed_demo``: offers from Riga (tourism police), Madrid (a major
event) and Xàbia (the summer season), published through the moderation services, and
applications of other cities' demo officers in every state of the workflow, each taken there
through the services (so their logs are as they would be), including a completed exchange whose
approved report became a draft practice of the officer's city.

Offers are written by their city's demo coordinator (``accounts.demo.demo_coordinator``, made
if missing) and marked ``is_demo``; only the chosen cities (``--cities``) get them. Applications
need the demo officers of the sending cities (``accounts.demo``): those whose officer or offer is
missing are left out. Safe to re-run: an offer whose title exists is skipped, and so are the
applications once the offers have some.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_coordinator, demo_email, demo_moderator
from accounts.models import User
from cities.models import Theme
from moderation.models import Visibility
from moderation.services import moderation_publish, moderation_submit

from . import services
from .models import Application, Offer, Window

DEMO_NOTE = "**Demo content:** an illustration written for the platform's demonstration."


@dataclass(frozen=True)
class DemoOffer:
    key: str
    city: str
    title: str
    kind: str
    event_name: str
    description: str
    themes: tuple[str, ...]
    host_languages: tuple[str, ...]
    required_languages: tuple[str, ...] = ()
    required_rank: str = ""
    police_only: bool = True


OFFERS = (
    DemoOffer(
        "riga",
        "riga",
        "A week with Riga's tourism police",
        Offer.Kind.PLACEMENT,
        "",
        "Join the Riga municipal police's **tourism unit** in the Old Town: foot patrols with "
        "officers who speak five languages, the tourist help desk at the central station, and "
        "the night shift in the bar streets. Visitors see how complaints of tourists are taken "
        "on the spot, and how the unit works with hotels and guides.",
        ("safety-and-tourism", "safe-nightlife", "cooperation-among-police-forces"),
        ("lv", "en", "ru"),
        ("en",),
        "Two years of street experience",
    ),
    DemoOffer(
        "madrid",
        "madrid",
        "Derby day at the Bernabéu with Madrid's municipal police",
        Offer.Kind.EVENT,
        "Real Madrid – Atlético de Madrid",
        "Follow the **match-day plan** from the first briefing to the last supporter home: "
        "traffic closures, the fan walk between the stations and the stadium, the joint "
        "command room with the national police, and the crowd-flow cameras.",
        ("major-events", "security-of-public-spaces", "crisis-management"),
        ("es", "en"),
        police_only=False,
    ),
    DemoOffer(
        "xabia",
        "xabia",
        "The summer season with Xàbia's beach patrol",
        Offer.Kind.STUDY_VISIT,
        "",
        "A small town of 28,000 that welcomes 150,000 in August: see how the local police "
        "plan the **summer season** with seasonal agents, bicycle patrols on the seafront, "
        "lifeguards and the Guardia Civil, and how they keep the old town quiet at night.",
        ("safety-and-tourism", "security-of-public-spaces", "citizen-participation"),
        ("es", "ca", "en"),
        police_only=False,
    ),
)

# (sending city, officer number, offer, state): every state of the workflow.
APPLICATIONS = (
    ("nice", 1, "riga", "submitted"),
    ("liege", 1, "madrid", "endorsed"),
    ("bologna", 1, "xabia", "accepted"),
    ("nice", 2, "madrid", "scheduled"),
    ("turin", 1, "riga", "completed"),
    ("nice", 3, "riga", "reported"),
    ("tallinn", 1, "xabia", "withdrawn"),
    ("bologna", 2, "madrid", "declined"),
    ("liege", 2, "riga", "cancelled"),
)
PATHS = {
    "submitted": [],
    "endorsed": ["endorse"],
    "accepted": ["endorse", "accept"],
    "scheduled": ["endorse", "accept", "schedule"],
    "completed": ["endorse", "accept", "schedule", "complete"],
    "reported": ["endorse", "accept", "schedule", "complete", "approve_report"],
    "withdrawn": ["endorse", "withdraw"],
    "declined": ["decline"],
    "cancelled": ["endorse", "accept", "schedule", "cancel"],
}
MESSAGES = {
    "endorse": "A good candidate: our night-time plan needs this.",
    "accept": "Welcome! We will send the programme.",
    "schedule": "Report at 8:00 to the duty desk.",
    "decline": "No budget for travel this year, sorry.",
    "cancel": "The event was moved: we will offer new dates.",
}
EVALUATION = {"overall": 5, "usefulness": 4, "organisation": 5, "comments": "Very useful."}
REPORT = {
    "observed": "A tourist help desk staffed by officers at the central station, and patrols "
    "that speak the visitors' languages. Complaints are recorded on a tablet in five languages.",
    "bring_home": "Open a seasonal police help desk at Nice station in summer, with officers "
    "who speak English and Italian, and record tourists' complaints on the spot.",
    "consent_practice": True,
}


def _windows(offer: Offer, today: dt.date) -> None:
    """One past window (for the demo's completed exchanges) and two to come."""
    for start, days, places in ((today - dt.timedelta(days=40), 6, 4),
                                (today + dt.timedelta(days=75), 5, 3),
                                (today + dt.timedelta(days=130), 5, 2)):  # fmt: skip
        Window.objects.get_or_create(
            offer=offer, start=start, defaults={"end": start + dt.timedelta(days=days),
                                                "places": places},
        )  # fmt: skip


def _offer(item: DemoOffer, moderator: User, today: dt.date) -> Offer:
    existing = Offer.objects.filter(title=item.title).first()
    if existing is not None:
        return existing
    coordinator = demo_coordinator(item.city, moderator)
    data = {
        "title": item.title,
        "kind": item.kind,
        "event_name": item.event_name,
        "description": f"{item.description}\n\n{DEMO_NOTE}",
        "themes": list(Theme.objects.filter(slug__in=item.themes)),
        "host_languages": list(item.host_languages),
        "required_languages": list(item.required_languages),
        "required_rank": item.required_rank,
        "police_only": item.police_only,
        "application_deadline": today + dt.timedelta(days=60),
        "visibility": Visibility.NETWORK,
    }
    offer = services.offer_create(by=coordinator, data=data, is_demo=True)
    _windows(offer, today)
    moderation_submit(obj=offer, by=coordinator)
    moderation_publish(obj=offer, by=moderator, message="Clear and useful.")
    return Offer.objects.get(pk=offer.pk)


def _officer(city: str, number: int) -> User | None:
    user = User.objects.filter(email=demo_email(f"officer{number}.{city}")).first()
    return user if user is not None and user.is_member else None


def _application(offer: Offer, officer: User, state: str, moderator: User) -> None:
    windows = list(offer.windows.order_by("start"))
    past = state in ("completed", "reported")
    window = windows[0] if past else windows[1]
    application = services.application_create(
        offer=offer, by=officer, data={
            "preferred_window": window,
            "motivation": "Our city faces the same questions: I want to see how you do it.",
            "expected_benefit": "Ideas for our own plan, and contacts for later.",
            "languages": list(officer.languages or ["en"]),
        },
    )  # fmt: skip
    sending = demo_coordinator(application.sending_city.slug, moderator)
    host = demo_coordinator(application.host_city.slug, moderator)
    for name in PATHS[state]:
        by = {"endorse": sending, "approve_report": sending, "withdraw": officer}.get(name, host)
        if name == "approve_report":
            services.report_submit(application=application, by=officer, data=REPORT)
            for side in (officer, host):  # with the approved report: the certificate
                services.evaluation_create(application=application, by=side, data=EVALUATION)
        application = services.application_transition(
            application=Application.objects.get(pk=application.pk), by=by, name=name,
            message=MESSAGES.get(name, ""), window=window, start=window.start,
            end=window.end, programme="Day 1: briefing. Days 2-5: patrols. Day 6: debriefing.",
            practical_notes="Bring your uniform; lodging at the police residence.",
        )  # fmt: skip
    if state == "reported":
        report = application.report
        services.report_to_practice(report=report, by=sending)


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    """Create the demo offers and applications: see the module's docstring."""
    moderator = demo_moderator()
    today = timezone.localdate()
    cities = set(counts.get("cities") or [])
    offers = {}
    for item in OFFERS:
        if item.city not in cities:  # only the chosen cities (``--cities``) get people
            continue
        with transaction.atomic():
            offers[item.key] = _offer(item, moderator, today)
    made = 0
    if not Application.objects.filter(offer__in=offers.values()).exists():
        for city, number, key, state in APPLICATIONS:
            officer = _officer(city, number)
            if officer is None or key not in offers:
                continue
            with transaction.atomic():
                _application(offers[key], officer, state, moderator)
            made += 1
    stdout.write(f"  exchanges: {len(offers)} offers, {made} applications created")
