"""Officer exchanges (DOMAIN.md §8): offers (moderated content), their date windows, applications
and their workflow (the transitions table, ``TRANSITIONS``), the log of every transition, the
evaluations of both sides, the officer's field report and the follow-up three months later.

Offers go through the one moderation mechanism (``moderation.models.Moderated``) and the one
visibility rule. Applications are private records: ``Application.objects.visible_to(user)`` is the
one rule for them (the applicant, the two coordinators, Efus staff with powers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import roles
from cities.countries import language_name
from cities.models import Body, City, Theme
from moderation import registry
from moderation.models import Moderated, ModeratedQuerySet

# Languages an offer's hosts or an applicant may speak: those of the network, and English.
EXCHANGE_LANGUAGES = (
    "en", "fr", "it", "es", "ca", "nl", "de", "pt", "pl", "sk", "hu", "el", "lv", "et", "lt",
)  # fmt: skip
LANGUAGE_CHOICES = [(code, lazy(language_name, str)(code)) for code in EXCHANGE_LANGUAGES]


# --- Offers ---------------------------------------------------------------------------------------


class OfferQuerySet(ModeratedQuerySet):
    def open(self, today: dt.date | None = None) -> OfferQuerySet:
        """Published offers whose application deadline has not passed."""
        today = today or timezone.localdate()
        return self.published().filter(application_deadline__gte=today)

    def in_city(self, city: City) -> OfferQuerySet:
        return self.filter(city=city)


@registry.register
class Offer(Moderated):
    """What a host body offers visiting officers, with its date windows (``Window``)."""

    class Kind(models.TextChoices):
        PLACEMENT = "placement", _("Individual placement")
        STUDY_VISIT = "study_visit", _("Group study visit")
        EVENT = "event", _("Event-based")

    MODERATED_FIELDS = (
        "title",
        "description",
        "themes",
        "host_languages",
        "kind",
        "event_name",
        "required_rank",
        "required_languages",
        "police_only",
        "application_deadline",
        "visibility",
    )
    MARKDOWN_FIELDS = ("description",)

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, blank=True)
    city = models.ForeignKey(
        City, verbose_name=_("host city"), on_delete=models.PROTECT, related_name="exchange_offers"
    )
    body = models.ForeignKey(
        Body,
        verbose_name=_("host body"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_offers",
    )
    description = models.TextField(
        _("what visitors will see and learn"),
        help_text=_("The programme, the units visitors join, what they take home. Markdown."),
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="exchange_offers", blank=True
    )
    host_languages = models.JSONField(_("languages spoken by the hosts"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PLACEMENT)
    event_name = models.CharField(
        _("event"),
        max_length=200,
        blank=True,
        help_text=_("For an event-based exchange: a carnival, a festival, a football match."),
    )
    required_rank = models.CharField(_("rank or experience required"), max_length=200, blank=True)
    required_languages = models.JSONField(
        _("languages visitors must speak"),
        default=list,
        blank=True,
        help_text=_("At least one of these. Leave empty if none is required."),
    )
    police_only = models.BooleanField(
        _("police members only"),
        default=True,
        help_text=_("Only members of a police body may apply."),
    )
    application_deadline = models.DateField(_("application deadline"))
    is_demo = models.BooleanField(_("demo content"), default=False)

    objects = OfferQuerySet.as_manager()

    class Meta(Moderated.Meta):
        ordering = ["application_deadline", "pk"]
        verbose_name = _("exchange offer")
        verbose_name_plural = _("exchange offers")
        constraints = [
            *Moderated.Meta.constraints,  # offer_status_valid, offer_visibility_valid
            models.CheckConstraint(
                condition=Q(kind__in=["placement", "study_visit", "event"]),
                name="offer_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "application_deadline", "id"], name="offer_open_idx"),
            models.Index(fields=["city", "status"], name="offer_city_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:200] or "offer"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("exchanges:offer_detail", kwargs={"pk": self.pk})

    @property
    def description_html(self) -> SafeString:
        return self.stored_html("description")

    @property
    def host_language_names(self) -> list[str]:
        return [language_name(code) for code in self.host_languages or []]

    @property
    def required_language_names(self) -> list[str]:
        return [language_name(code) for code in self.required_languages or []]


class Window(models.Model):
    """Dates an offer can take visitors, and how many."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="windows")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    places = models.PositiveSmallIntegerField(_("places"), default=1)
    # How many of its places applications hold (``HOLDS_A_PLACE``): kept by
    # ``exchanges.services`` under the window's row lock, so that the places left
    # (``places - places_held``) are read without counting applications.
    places_held = models.PositiveSmallIntegerField(_("places held"), default=0, editable=False)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("date window")
        verbose_name_plural = _("date windows")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="window_end_after_start"),
            models.CheckConstraint(condition=Q(places__gte=1), name="window_places_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d} ({self.places})"


# --- Applications and their workflow ------------------------------------------------------------


class Actor(models.TextChoices):
    """Who may take a transition, as the transitions table names them."""

    APPLICANT = "applicant", _("the applicant")
    OWN_COORDINATOR = "own_coordinator", _("the applicant's coordinator")
    HOST_COORDINATOR = "host_coordinator", _("the host coordinator")
    STAFF = "staff", _("Efus staff")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ENDORSED = "endorsed", _("Endorsed")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    REPORTED = "reported", _("Reported")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class Transition:
    """One allowed step of the workflow: from a state to another, by whom, with a reason or not.
    ``name`` is the action's name in URLs and forms; ``label`` its button."""

    name: str
    source: str
    target: str
    actors: frozenset[str]
    label: Any
    reason_required: bool = False


S = ApplicationStatus
A = Actor
_COORDINATORS = frozenset({A.OWN_COORDINATOR, A.HOST_COORDINATOR, A.STAFF})

# The workflow, declared once: every transition that exists is a row here; nothing else moves an
# application's status (``exchanges.services.application_transition``).
TRANSITIONS: tuple[Transition, ...] = (
    Transition("endorse", S.SUBMITTED, S.ENDORSED, frozenset({A.OWN_COORDINATOR, A.STAFF}),
               _("Endorse")),
    Transition("accept", S.ENDORSED, S.ACCEPTED, frozenset({A.HOST_COORDINATOR, A.STAFF}),
               _("Accept")),
    Transition("schedule", S.ACCEPTED, S.SCHEDULED, frozenset({A.HOST_COORDINATOR, A.STAFF}),
               _("Schedule")),
    Transition("complete", S.SCHEDULED, S.COMPLETED, frozenset({A.HOST_COORDINATOR, A.STAFF}),
               _("Mark as completed")),
    Transition("approve_report", S.COMPLETED, S.REPORTED, frozenset({A.OWN_COORDINATOR, A.STAFF}),
               _("Approve the report")),
    *(
        Transition("withdraw", source, S.WITHDRAWN, frozenset({A.APPLICANT}), _("Withdraw"))
        for source in (S.SUBMITTED, S.ENDORSED, S.ACCEPTED)
    ),
    *(
        Transition("decline", source, S.DECLINED, _COORDINATORS, _("Decline"),
                   reason_required=True)
        for source in (S.SUBMITTED, S.ENDORSED, S.ACCEPTED)
    ),
    Transition("cancel", S.SCHEDULED, S.CANCELLED, _COORDINATORS, _("Cancel"),
               reason_required=True),
)  # fmt: skip
TRANSITION_NAMES = tuple(dict.fromkeys(t.name for t in TRANSITIONS))
# The states in which an application holds one of its window's places.
HOLDS_A_PLACE = (S.ACCEPTED, S.SCHEDULED, S.COMPLETED, S.REPORTED)
# Still in progress (shown first on the coordinators' page).
ACTIVE = (S.SUBMITTED, S.ENDORSED, S.ACCEPTED, S.SCHEDULED, S.COMPLETED)


def transition_for(source: str, name: str) -> Transition | None:
    """The transition called ``name`` from ``source``, if the table has one."""
    for transition in TRANSITIONS:
        if transition.source == source and transition.name == name:
            return transition
    return None


def actors_of(user: Any, application: Application) -> set[str]:
    """Which of the table's actors ``user`` is for ``application`` (``accounts.roles``)."""
    actors: set[str] = set()
    if user is None or not getattr(user, "is_authenticated", False):
        return actors
    if application.applicant_id == user.pk and roles.is_member(user):
        actors.add(A.APPLICANT)
    if roles.coordinates(user, application.sending_city_id):
        actors.add(A.OWN_COORDINATOR)
    if roles.coordinates(user, application.host_city_id):
        actors.add(A.HOST_COORDINATOR)
    if roles.has_staff_powers(user):
        actors.add(A.STAFF)
    return actors


def allowed_transitions(user: Any, application: Application) -> list[Transition]:
    """The transitions this user may take on the application now (buttons, and the check the
    service makes)."""
    actors = actors_of(user, application)
    return [t for t in TRANSITIONS if t.source == application.status and actors & set(t.actors)]


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """The one rule for applications: the applicant, the coordinators with powers of the
        sending and the host city, and Efus staff with powers; nobody else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if roles.has_staff_powers(user):
            return self
        readable = Q(applicant_id=user.pk)
        if roles.has_coordinator_powers(user):
            city_id = user.city.pk
            readable |= Q(sending_city_id=city_id) | Q(host_city_id=city_id)
        return self.filter(readable)

    def holding_places(self) -> ApplicationQuerySet:
        return self.filter(status__in=HOLDS_A_PLACE)


class Application(models.Model):
    Status = ApplicationStatus

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="exchange_applications",
    )
    # The two cities concerned, kept as they were when the officer applied.
    sending_city = models.ForeignKey(
        City, verbose_name=_("sending city"), on_delete=models.PROTECT, related_name="+"
    )
    host_city = models.ForeignKey(
        City, verbose_name=_("host city"), on_delete=models.PROTECT, related_name="+"
    )
    preferred_window = models.ForeignKey(
        Window,
        verbose_name=_("preferred dates"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    motivation = models.TextField(_("motivation"))
    expected_benefit = models.TextField(_("expected benefit for your force"))
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=S.SUBMITTED
    )
    # Set when accepted (the window whose place it holds) and scheduled (dates, programme, notes).
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    programme = models.TextField(_("programme"), blank=True)
    practical_notes = models.TextField(
        _("practical notes"), blank=True, help_text=_("Where to report, uniform, lodging.")
    )
    created_at = models.DateTimeField(_("applied"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("exchange application")
        verbose_name_plural = _("exchange applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ApplicationStatus]),
                name="application_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=F("start")),
                name="application_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in HOLDS_A_PLACE]) | Q(window__isnull=False),
                name="application_place_has_window",
            ),
            # One application in progress per officer and offer (a new one after a way out).
            models.UniqueConstraint(
                fields=["applicant", "offer"],
                condition=Q(status__in=[s.value for s in ACTIVE]),
                name="application_one_active_per_offer",
            ),
        ]
        indexes = [
            models.Index(fields=["sending_city", "status"], name="application_sending_idx"),
            models.Index(fields=["host_city", "status"], name="application_host_idx"),
            models.Index(fields=["window", "status"], name="application_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.offer}"

    def get_absolute_url(self) -> str:
        return reverse("exchanges:application_detail", kwargs={"pk": self.pk})


class ApplicationEvent(models.Model):
    """The log of an application's transitions: who, when, from, to, and their message."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return str(dict(ApplicationStatus.choices).get(self.from_status, self.from_status))

    @property
    def to_label(self) -> str:
        return str(dict(ApplicationStatus.choices).get(self.to_status, self.to_status))


# --- After the exchange ---------------------------------------------------------------------------

EVALUATION_DAYS = 7
REPORT_DAYS = 30
FOLLOW_UP_DAYS = 91  # three months


class Evaluation(models.Model):
    """A short evaluation by one side (the visitor or the host) within 7 days of completion."""

    class Side(models.TextChoices):
        VISITOR = "visitor", _("Visiting officer")
        HOST = "host", _("Host")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evaluations"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overall = models.PositiveSmallIntegerField(
        _("overall"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness for the work"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    organisation = models.PositiveSmallIntegerField(
        _("organisation"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["side"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["application", "side"], name="evaluation_once_a_side"),
            models.CheckConstraint(
                condition=Q(overall__gte=1, overall__lte=5)
                & Q(usefulness__gte=1, usefulness__lte=5)
                & Q(organisation__gte=1, organisation__lte=5),
                name="evaluation_ratings_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} ({self.side})"


class FieldReport(models.Model):
    """The officer's report, within 30 days: what they saw and what they would bring home; their
    coordinator approves it. With consent, it becomes a draft practice of their city or is
    attached to an existing one (``practice``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for the coordinator")
        APPROVED = "approved", _("Approved")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="report")
    observed = models.TextField(_("what you saw"))
    bring_home = models.TextField(_("what you would bring home"))
    consent_practice = models.BooleanField(
        _("it may become a practice of my city"),
        default=False,
        help_text=_(
            "Your coordinator may turn this report into a draft practice of your city, credited "
            "to this exchange, which Efus moderators review before anyone else sees it."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchange_reports",
    )

    class Meta:
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved"]),
                name="fieldreport_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(practice__isnull=True) | Q(consent_practice=True),
                name="fieldreport_practice_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.application_id}"


class FollowUp(models.Model):
    """ "What did you change at home?": the officer's answer, three months after the exchange,
    shown to both coordinators."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="follow_up"
    )
    answer = models.TextField(_("what did you change at home?"))
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"Follow-up of {self.application_id}"
