"""Trainings and police academies (DOMAIN.md §7): the training (moderated content), its sessions,
materials and seats per city, registrations with their waiting list, attendance, and the private
calendar feeds of members.

A training is a moderated type (``moderation.models.Moderated``): its host's coordinator drafts
and submits it, Efus staff publish it, and every page reads it through the one visibility rule.
Its logistics (sessions, materials, seats per city) and its registrations are not moderated
content: the host manages them, and they never change what the training says.

The seat count is kept in the database: ``Training.seats_taken`` is the number of confirmed and
offered registrations, written only by ``trainings.services`` with the training's row locked.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cities.countries import language_name
from cities.models import Body, City, Theme
from moderation import registry
from moderation.models import Moderated, ModeratedQuerySet
from pactesur.uploads import EXTENSIONS

# Languages a training may be given in: those of the 15 cities, English and German.
TRAINING_LANGUAGES = (
    "en", "fr", "it", "es", "ca", "nl", "de", "pt", "pl", "sk", "hu", "el", "lv", "et", "lt",
)  # fmt: skip
LANGUAGE_CHOICES = [(code, lazy(language_name, str)(code)) for code in TRAINING_LANGUAGES]

# The time zones of the network's hosts (IANA names).
TIME_ZONES = (
    "Europe/Lisbon", "Europe/London", "Europe/Madrid", "Europe/Paris", "Europe/Brussels",
    "Europe/Rome", "Europe/Bratislava", "Europe/Budapest", "Europe/Warsaw", "Europe/Athens",
    "Europe/Riga", "Europe/Tallinn", "Europe/Vilnius", "UTC",
)  # fmt: skip
TIME_ZONE_CHOICES = [(name, name) for name in TIME_ZONES]
# A viewer's time zone, from the country of their body's city (the network is in these).
COUNTRY_TIME_ZONES = {
    "PT": "Europe/Lisbon", "ES": "Europe/Madrid", "FR": "Europe/Paris", "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam", "IT": "Europe/Rome", "DE": "Europe/Berlin", "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest", "PL": "Europe/Warsaw", "GR": "Europe/Athens", "LV": "Europe/Riga",
    "EE": "Europe/Tallinn", "LT": "Europe/Vilnius", "GB": "Europe/London", "IE": "Europe/Dublin",
    "AT": "Europe/Vienna", "CZ": "Europe/Prague", "SE": "Europe/Stockholm", "FI": "Europe/Helsinki",
    "RO": "Europe/Bucharest", "BG": "Europe/Sofia", "HR": "Europe/Zagreb", "SI": "Europe/Ljubljana",
    "DK": "Europe/Copenhagen", "LU": "Europe/Luxembourg", "CH": "Europe/Zurich",
    "CY": "Asia/Nicosia", "MT": "Europe/Malta", "NO": "Europe/Oslo",
}  # fmt: skip

RESERVED_SLUGS = {"participation", "calendar", "new", "mine", "requests", "city"}

# What the catalogue's filters and the reader's tiers read, carried by the listing index: the
# upcoming filter (``last_end``) and the hidden items (``hidden_at``) too, so that a list walks
# the index past the trainings it does not show without reading their rows (an upcoming list
# starts by skipping every past training: with 5,000 trainings that was ~3,500 rows read).
LISTING_COLUMNS = [
    "visibility", "city", "kind", "format", "languages", "capacity", "seats_taken", "last_end",
    "hidden_at",
]  # fmt: skip


def viewer_time_zone(user: Any, default: str) -> str:
    """The time zone to show times in for this user: their city's country's, else ``default``
    (the host's)."""
    city = getattr(user, "city", None) if getattr(user, "is_authenticated", False) else None
    return COUNTRY_TIME_ZONES.get(getattr(city, "country", ""), default)


class TrainingQuerySet(ModeratedQuerySet):
    def upcoming(self, now: dt.datetime | None = None) -> TrainingQuerySet:
        return self.filter(last_end__gte=now or timezone.now())

    def past(self, now: dt.datetime | None = None) -> TrainingQuerySet:
        return self.filter(last_end__lt=now or timezone.now())

    def with_places(self) -> TrainingQuerySet:
        return self.filter(seats_taken__lt=F("capacity"))


@registry.register
class Training(Moderated):
    class Kind(models.TextChoices):
        ACADEMY = "academy", _("Academy")
        COURSE = "course", _("Course")
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        E_LEARNING = "e_learning", _("E-learning module")

    class Format(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class Audience(models.TextChoices):
        POLICE = "police", _("Police members")
        MEMBERS = "members", _("All members of the network")
        PUBLIC = "public", _("Anyone with an account")

    MODERATED_FIELDS = (
        "title",
        "summary",
        "programme",
        "kind",
        "format",
        "themes",
        "languages",
        "interpretation",
        "venue_name",
        "venue_address",
        "online_link",
        "capacity",
        "registration_opens",
        "registration_deadline",
        "audience",
        "requires_approval",
        "time_zone",
        "visibility",
    )
    MARKDOWN_FIELDS = ("summary", "programme")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, blank=True)
    # The host: a city's body, or the Efus body. ``city`` is the host body's city (the moderation
    # rules and the visibility rule read it: the host city's coordinators manage the training).
    body = models.ForeignKey(
        Body, verbose_name=_("host"), on_delete=models.PROTECT, related_name="trainings"
    )
    city = models.ForeignKey(
        City, verbose_name=_("host city"), on_delete=models.PROTECT, related_name="trainings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COURSE)
    summary = models.TextField(
        _("summary"),
        validators=[MaxLengthValidator(1500)],
        help_text=_("One paragraph: who it is for and what participants will learn."),
    )
    programme = models.TextField(
        _("programme"), blank=True, help_text=_("Day by day, in Markdown.")
    )
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.ON_SITE
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="trainings", blank=True
    )
    # Language codes separated by spaces ("en fr"): filtered the same on SQLite and PostgreSQL.
    languages = models.CharField(_("languages"), max_length=100, default="en")
    interpretation = models.CharField(
        _("interpretation"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 'Simultaneous interpretation into French and Spanish'."),
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.TextField(_("venue address"), blank=True)
    online_link = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Shown only to confirmed participants."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=30)
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    audience = models.CharField(
        _("who may register"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    requires_approval = models.BooleanField(
        _("registration needs the participant's coordinator's approval"), default=False
    )
    time_zone = models.CharField(
        _("time zone of the host"), max_length=40, choices=TIME_ZONE_CHOICES, default="Europe/Paris"
    )
    # Derived, written by the services under the training's row lock.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    first_start = models.DateTimeField(_("starts"), null=True, blank=True, editable=False)
    last_end = models.DateTimeField(_("ends"), null=True, blank=True, editable=False)
    # Bumped when the dates change: the SEQUENCE of the calendar events.
    schedule_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The venue (or link) participants were last told of (``services.venue_changes_notify``).
    venue_notified = models.TextField(default="", blank=True, editable=False)
    # The next place in the waiting list (a counter, read and bumped under the row lock).
    next_position = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(_("demo content"), default=False)

    objects = TrainingQuerySet.as_manager()

    class Meta(Moderated.Meta):
        ordering = ["first_start", "pk"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            *Moderated.Meta.constraints,  # training_status_valid, training_visibility_valid
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_capacity_positive"),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="training_seats_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True)
                | Q(registration_deadline__isnull=True)
                | Q(registration_deadline__gte=F("registration_opens")),
                name="training_registration_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "first_start", "id"],
                include=LISTING_COLUMNS,
                name="training_listing_idx",
            ),
            models.Index(fields=["city", "status"], name="training_city_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:180] or "training"
            if self.slug in RESERVED_SLUGS:
                self.slug += "-training"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("trainings:detail", kwargs={"pk": self.pk, "slug": self.slug or "training"})

    def clean(self) -> None:
        super().clean()
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Not a known time zone.")}) from None
        codes = self.language_list
        if not codes or any(code not in TRAINING_LANGUAGES for code in codes):
            raise ValidationError({"languages": _("Choose at least one language.")})
        if self.capacity is not None and self.capacity < self.seats_taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(taken)s seats are taken: the capacity cannot be lower. Cancel "
                        "registrations first."
                    )
                    % {"taken": self.seats_taken}
                }
            )
        if self.format in (self.Format.ONLINE, self.Format.HYBRID) and not self.online_link:
            raise ValidationError({"online_link": _("An online or hybrid training needs a link.")})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def language_list(self) -> list[str]:
        return [code for code in (self.languages or "").split() if code]

    @property
    def language_names(self) -> list[str]:
        return [language_name(code) for code in self.language_list]

    @property
    def venue_text(self) -> str:
        """Where the training takes place, as participants are told of it."""
        return "\n".join(p for p in (self.venue_name, self.venue_address, self.online_link) if p)

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def is_past(self) -> bool:
        return self.last_end is not None and self.last_end < timezone.now()

    def registration_closed_reason(self, now: dt.datetime | None = None) -> str:
        """Why registration is closed now ("" while open)."""
        now = now or timezone.now()
        if self.registration_opens and now < self.registration_opens:
            return str(_("Registration has not opened yet."))
        if self.registration_deadline and now > self.registration_deadline:
            return str(_("The registration deadline has passed."))
        if self.first_start and now >= self.first_start:
            return str(_("This training has started."))
        return ""


class SeatAllocation(models.Model):
    """Seats of a training reserved for one city (academies invite a few officers from each
    city). When a training has any, a city without one has no seats."""

    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="seat_allocations"
    )
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="+"
    )
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["city__name"]
        verbose_name = _("seats for a city")
        verbose_name_plural = _("seats per city")
        constraints = [
            models.UniqueConstraint(fields=["training", "city"], name="seats_once_per_city"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.city}: {self.seats}"


class Session(models.Model):
    """One sitting of a training: aware datetimes (stored in UTC), entered and shown in the host's
    time zone, and in the viewer's."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
        ]
        # The catalogue's month filter asks, for each training, whether a session overlaps the
        # month: answered from this index alone.
        indexes = [
            models.Index(
                fields=["training", "starts_at"], include=["ends_at"], name="session_dates_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.training} {self.starts_at:%Y-%m-%d}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def material_path(instance: Material, filename: str) -> str:
    # The stored name never comes from the user: the training's id and the detected extension.
    now = timezone.now()
    return f"trainings/{now:%Y/%m}/{instance.training_id}-{now:%H%M%S%f}.{instance.extension}"


class Material(models.Model):
    """A file (checked by its content, as practice attachments are) or a link, released to the
    training's confirmed participants."""

    EXTENSIONS = EXTENSIONS  # of the types ``pactesur.uploads.check_upload`` accepts

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, max_length=300, blank=True)
    content_type = models.CharField(_("type"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    url = models.URLField(_("link"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="material_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "bin")

    @property
    def is_link(self) -> bool:
        return bool(self.url)


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def open(self) -> RegistrationQuerySet:
        return self.filter(status__in=Registration.OPEN)

    def holding_seats(self) -> RegistrationQuerySet:
        return self.filter(status__in=Registration.HOLDING)

    def waiting(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.WAITLISTED).order_by("position", "pk")


class Registration(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting your coordinator's approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Seat offered")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")

    # A person has at most one of these per training.
    OPEN = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)
    # These hold a seat: ``Training.seats_taken`` counts them.
    HOLDING = (Status.CONFIRMED, Status.OFFERED)

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="training_registrations",
    )
    # The participant's city when they registered (their seats are that city's).
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    position = models.PositiveIntegerField(_("place in the waiting list"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "user"],
                condition=Q(status__in=["requested", "confirmed", "waitlisted", "offered"]),
                name="registration_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "confirmed",
                        "waitlisted",
                        "offered",
                        "declined",
                        "cancelled",
                        "expired",
                    ]
                ),
                name="registration_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="registration_offer_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(position__isnull=False),
                name="registration_waiting_has_position",
            ),
        ]
        indexes = [
            models.Index(fields=["training", "status", "position"], name="registration_queue_idx"),
            models.Index(fields=["user", "status"], name="registration_user_idx"),
            models.Index(fields=["city", "status"], name="registration_city_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.training} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Attendance(models.Model):
    """Whether a participant was present at a session, as the host marked it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances"
    )
    present = models.BooleanField(_("present"), default=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration.user} @ {self.session}: {self.present}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A member's private calendar feed of their confirmed trainings, at a secret address. A new
    token revokes the old one (its address answers 404)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("trainings:feed", kwargs={"token": self.token})
