"""Reads of exchanges for pages. Offers: always the one visibility rule (``listed_to`` for lists,
``visible_to`` for a page); applications: ``Application.objects.visible_to``. This module shapes
the queries so that a page costs the same number of queries whatever the number of rows, and
ranks open offers for an officer (``matches_for``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User, gender_labels
from cities.countries import language_name
from cities.models import City, Theme
from moderation.models import reach_of
from pactesur.figures import SMALL_COUNT, Figures

from .models import Application, Offer, OfferQuerySet, Window


def with_places_left(windows: QuerySet[Window]) -> QuerySet[Window]:
    """Windows annotated with ``places_left``: their places minus those held, as kept on the
    window's row by ``exchanges.services`` (no application is read)."""
    return windows.annotate(places_left=F("places") - F("places_held"))


def listed_offers(user: Any) -> OfferQuerySet:
    """What the offer list shows this user: published offers in their tiers, still open."""
    queryset: OfferQuerySet = Offer.objects.listed_to(user)  # type: ignore[assignment]
    return queryset.filter(application_deadline__gte=timezone.localdate())


def window_prefetch() -> Prefetch:
    return Prefetch("windows", queryset=with_places_left(Window.objects.order_by("start", "pk")))


def card_offers(ids: Iterable[int]) -> QuerySet[Offer]:
    """The offers of these cards: city joined, themes and windows (with places left) prefetched
    (3 queries)."""
    return _with_card_data(Offer.objects.filter(pk__in=list(ids)))


def _with_card_data(queryset: QuerySet[Offer]) -> QuerySet[Offer]:
    return (
        queryset.select_related("city")
        .defer("description", "html")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.for_display()), window_prefetch()
        )
    )


def city_offers(user: Any, city: City, limit: int) -> list[Offer]:
    """The open offers of a city the user is listed, soonest deadline first: one query when it
    has none, three otherwise (the offers, their themes, their windows)."""
    return list(
        _with_card_data(listed_offers(user).filter(city=city)).order_by(
            "application_deadline", "pk"
        )[:limit]
    )


# --- Matching -------------------------------------------------------------------------------------

THEME_WEIGHT = 3  # a theme among the city's challenges, or among the officer's interests
LANGUAGE_WEIGHT = 4  # the hosts speak a language the officer speaks
PLACES_WEIGHT = 1  # dates with places left (every suggestion has some)


@dataclass
class Suggestion:
    offer: Offer
    score: int
    reasons: list[str] = field(default_factory=list)


def _month(day: dt.date) -> str:
    return formats.date_format(day, "F Y")


def _any_language(name: str, codes: Iterable[str]) -> Q:
    """The JSON list ``name`` holds one of ``codes`` (its text holds the quoted code: the same
    lookup on PostgreSQL and SQLite)."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{f"{name}__icontains": f'"{code}"'})
    return condition


def _theme_hits(theme_ids: set[int]) -> Any:
    """How many of the offer's themes are among ``theme_ids``: counted over the one join of the
    offer's theme links that every such count of the query shares (no subquery per offer)."""
    if not theme_ids:
        return Value(0)
    return Count("themes", filter=Q(themes__in=sorted(theme_ids)))


def _interests_and_challenges(officer: User, city: City) -> tuple[set[int], set[int]]:
    """The ids of the officer's themes of interest and of their city's challenges (1 query)."""
    interest = User.interests.through.objects.filter(user_id=officer.pk, theme_id=OuterRef("pk"))
    challenge = City.challenges.through.objects.filter(city_id=city.pk, theme_id=OuterRef("pk"))
    rows = (
        Theme.objects.annotate(interest=Exists(interest), challenge=Exists(challenge))
        .filter(Q(interest=True) | Q(challenge=True))
        .order_by()
        .values_list("pk", "interest", "challenge")
    )
    interests, challenges = set(), set()
    for pk, is_interest, is_challenge in rows:
        if is_interest:
            interests.add(pk)
        if is_challenge:
            challenges.add(pk)
    return interests, challenges


def matches_for(viewer: Any, officer: User, limit: int = 10) -> list[Suggestion]:
    """Open offers ranked by how well they fit ``officer``, as seen by ``viewer`` (the officer, or
    a coordinator of their city: only offers both may read), each with its reasons.

    Only offers of another city than the officer's, that they may apply for (police only when
    they are police; a required language they speak), with dates starting after today with
    places left. The score, computed and ranked in the database: the offer's themes among their
    city's challenges and among their interests, a language of the hosts they speak, and the
    places. Ties: the soonest deadline first.

    Queries, whatever the number of offers: the officer's interests and their city's challenges
    (1), the ranked offers (1), the shown offers with their cities, themes and windows (3).
    """
    membership = officer.approved_membership
    if membership is None or membership.body.city is None:
        return []
    city = membership.body.city
    interests, challenges = _interests_and_challenges(officer, city)
    spoken = sorted(set(officer.languages or []))
    today = timezone.localdate()
    candidates = listed_offers(viewer).exclude(city_id=city.pk)
    if viewer != officer:  # a coordinator: only what both may read
        candidates = candidates.filter(reach_of(officer).listed())
    if not membership.body.is_police:
        candidates = candidates.filter(police_only=False)
    places = with_places_left(
        Window.objects.filter(offer_id=OuterRef("pk"), start__gt=today)
    ).filter(places_left__gt=0)  # type: ignore[misc]
    candidates = candidates.filter(
        Exists(places), Q(required_languages=[]) | _any_language("required_languages", spoken)
    )
    speaks = (
        Case(When(_any_language("host_languages", spoken), then=Value(LANGUAGE_WEIGHT)),
             default=Value(0))
        if spoken else Value(0)
    )  # fmt: skip
    ranked = list(
        candidates.annotate(
            score=THEME_WEIGHT * _theme_hits(challenges)
            + THEME_WEIGHT * _theme_hits(interests)
            + speaks
            + Value(PLACES_WEIGHT)
        )
        .order_by("-score", "application_deadline", "pk")
        .values_list("pk", "score")[:limit]
    )
    offers = {o.pk: o for o in card_offers([pk for pk, _score in ranked])}
    return [
        Suggestion(
            offers[pk], score, _reasons(offers[pk], set(spoken), challenges, interests, today)
        )
        for pk, score in ranked
    ]


def _reasons(
    offer: Offer, spoken: set[str], challenges: set[int], interests: set[int], today: dt.date
) -> list[str]:
    """Why an offer is suggested, in the reader's language: "speaks Spanish", the shared themes,
    "2 places in March 2027" (from the offer as ``card_offers`` loads it: no query)."""
    reasons = [
        gettext("speaks %(language)s") % {"language": language_name(code)}
        for code in offer.host_languages or []
        if code in spoken
    ][:2]
    themes = sorted(
        (t for t in offer.themes.all() if t.pk in challenges | interests),
        key=lambda t: t.localized_name,
    )
    for theme in themes:
        label = theme.localized_name
        if theme.pk in challenges and theme.pk not in interests:
            label = gettext("%(theme)s (a challenge of your city)") % {"theme": label}
        reasons.append(label)
    window = next(
        (w for w in offer.windows.all() if w.start > today and w.places_left > 0),  # type: ignore[attr-defined]
        None,
    )
    if window is not None:
        left = window.places_left  # type: ignore[attr-defined]
        reasons.append(
            ngettext("%(count)s place in %(month)s", "%(count)s places in %(month)s", left)
            % {"count": left, "month": _month(window.start)}
        )
    return reasons


# --- Applications ---------------------------------------------------------------------------------


def city_applications(user: Any, city: City | None) -> dict[str, Any]:
    """The applications of a city in both directions (sent: its officers'; hosted: for its
    offers), among those the user may see, grouped by state in the workflow's order (1 query)."""
    from .models import ApplicationStatus

    queryset = Application.objects.visible_to(user).select_related(
        "applicant", "offer", "sending_city", "host_city", "window"
    )
    if city is not None:
        queryset = queryset.filter(Q(sending_city=city) | Q(host_city=city))
    groups: dict[str, dict[str, list[Application]]] = defaultdict(
        lambda: {"sent": [], "hosted": []}
    )
    for application in queryset.order_by("-updated_at", "-pk"):
        direction = "sent" if city is None or application.sending_city_id == city.pk else "hosted"
        groups[application.status][direction].append(application)
    return {
        "groups": [
            {"status": status, "label": label, **groups[status]}
            for status, label in ApplicationStatus.choices
            if status in groups
        ],
        "count": sum(len(g["sent"]) + len(g["hosted"]) for g in groups.values()),
    }


# --- Calendar -------------------------------------------------------------------------------------


def scheduled_exchanges(user: Any, *, since: dt.date, limit: int = 500) -> list[Application]:
    """Scheduled (and completed) exchanges across the network from ``since``, soonest first,
    each with ``shown``: whether this user may see the application itself (its officer and
    page); for the others only the offer, the two cities and the dates are shown (1 query for
    the exchanges, 1 for what the user may open)."""
    from .models import ApplicationStatus

    exchanges = list(
        Application.objects.filter(
            status__in=[ApplicationStatus.SCHEDULED, ApplicationStatus.COMPLETED,
                        ApplicationStatus.REPORTED],
            end__gte=since,
        )
        .select_related("offer", "sending_city", "host_city", "applicant")
        .order_by("start", "pk")[:limit]
    )  # fmt: skip
    ids = [a.pk for a in exchanges]
    visible = set(
        Application.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for application in exchanges:
        application.shown = application.pk in visible  # type: ignore[attr-defined]
    return exchanges


# --- Counts ---------------------------------------------------------------------------------------


def exchange_figures() -> list[Figures]:
    """The exchanges that took place (completed, reported) counted five ways (one query each).
    Counts by gender hide small numbers (``SMALL_COUNT``): they say something about people."""
    from .models import ApplicationStatus

    done = Application.objects.filter(
        status__in=[ApplicationStatus.COMPLETED, ApplicationStatus.REPORTED]
    ).order_by()

    def rows(*fields: str, **expressions: Any) -> Any:
        return done.annotate(**expressions).values(*fields).annotate(count=Count("pk"))

    return [
        Figures.from_rows(
            rows("host_city__name"), by="host_city__name", key="host-city",
            title=_("Exchanges by host city"), row_label=_("Host city"),
        ),
        Figures.from_rows(
            rows("sending_city__name"), by="sending_city__name", key="sending-city",
            title=_("Exchanges by sending city"), row_label=_("Sending city"),
        ),
        Figures.from_rows(
            rows("offer__kind"), by="offer__kind", key="kind",
            row_labels={k: str(v) for k, v in Offer.Kind.choices}, sort_rows=False,
            title=_("Exchanges by kind"), row_label=_("Kind"),
        ),
        Figures.from_rows(
            rows("year", year=ExtractYear("start")), by="year", key="year",
            title=_("Exchanges by year"), row_label=_("Year"),
        ),
        Figures.from_rows(
            rows("applicant__gender"), by="applicant__gender", key="gender",
            row_labels=gender_labels(), suppress_below=SMALL_COUNT,
            title=_("Officers by gender"), row_label=_("Gender"),
            description=_("As officers chose to say on their profile; small counts are hidden."),
        ),
    ]  # fmt: skip
