"""The custom User (email login), its profile fields, and memberships of bodies with roles."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import Body, City

from . import roles


def language_choices() -> list[tuple[str, Any]]:
    """The site's languages (``settings.LANGUAGES``), read when needed, not at import."""
    return list(settings.LANGUAGES)


def default_language() -> str:
    return settings.LANGUAGE_CODE


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def with_roles(self) -> models.QuerySet[User]:
        """Users with what their roles are read from (``User.membership``: the current
        membership with its body and city; ``User.has_mfa``) in the same query: the signed-in
        user of every request is read this way (``accounts.backends``), one query instead of two.
        Call ``User.roles_loaded()`` on each user read."""
        from allauth.mfa.models import Authenticator

        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        return (
            self.get_queryset()
            .annotate(
                # At most one: "membership_one_current_per_user".
                current_membership=FilteredRelation(
                    "memberships", condition=~Q(memberships__status=Membership.Status.REMOVED)
                ),
                user_has_totp=Exists(totp),
            )
            .select_related("current_membership__body__city")  # type: ignore[misc]
        )


class User(AbstractBaseUser, PermissionsMixin):
    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        OTHER = "other", _("Another gender")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    position = models.CharField(
        _("position"),
        max_length=150,
        blank=True,
        help_text=_("E.g. Sergeant, international liaison."),
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    gender = models.CharField(
        _("gender (optional)"),
        max_length=12,
        choices=Gender.choices,
        blank=True,
        help_text=_("Optional. Only used, anonymously, to count participation by gender."),
    )
    interests = models.ManyToManyField(
        "cities.Theme",
        verbose_name=_("themes of interest"),
        blank=True,
        related_name="interested_users",
        help_text=_("Used to suggest exchanges and trainings on these themes."),
    )
    language = models.CharField(
        _("language of emails"),
        max_length=8,
        choices=language_choices,
        default=default_language,
        help_text=_("Emails from PACTESUR are written in this language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("technical staff"),
        default=False,
        help_text=_(
            "Operators of the platform. Efus staff get their powers from their Efus membership."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # --- Roles, computed once per request (the user object lives for one request) ---------------

    def roles_loaded(self) -> User:
        """This user, read through ``User.objects.with_roles()``, with its membership and MFA
        flag in place: reading them costs no query."""
        membership = getattr(self, "current_membership", None)
        if membership is not None:
            membership.user = self
        self.__dict__["membership"] = membership
        self.__dict__["has_mfa"] = bool(getattr(self, "user_has_totp", False))
        return self

    @cached_property
    def membership(self) -> Membership | None:
        """The user's current (pending or approved) membership, with its body and city. The same
        query answers ``has_mfa`` for a member (one query fewer on every page of coordinators and
        Efus staff)."""
        from allauth.mfa.models import Authenticator

        if not self.pk:
            return None
        totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
        membership = (
            Membership.objects.select_related("body__city")
            .exclude(status=Membership.Status.REMOVED)
            .filter(user=self)
            .annotate(user_has_totp=Exists(totp))
            .first()
        )
        if membership is not None:
            self.__dict__.setdefault("has_mfa", getattr(membership, "user_has_totp", False))
        return membership

    @cached_property
    def has_mfa(self) -> bool:
        from allauth.mfa.models import Authenticator

        return (
            bool(self.pk)
            and Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()
        )

    @property
    def approved_membership(self) -> Membership | None:
        m = self.membership
        return m if m is not None and m.status == Membership.Status.APPROVED else None

    @property
    def city(self) -> City | None:
        m = self.approved_membership
        return m.body.city if m else None

    @property
    def body(self) -> Body | None:
        m = self.approved_membership
        return m.body if m else None

    # The roles, for templates and views: each is defined once, in ``accounts.roles``.

    @property
    def is_member(self) -> bool:
        return roles.is_member(self)

    @property
    def is_police_reader(self) -> bool:
        return roles.is_police_reader(self)

    @property
    def in_efus_body(self) -> bool:
        return roles.in_efus_body(self)

    @property
    def has_staff_powers(self) -> bool:
        return roles.has_staff_powers(self)

    @property
    def is_city_coordinator(self) -> bool:
        return roles.is_city_coordinator(self)

    @property
    def has_coordinator_powers(self) -> bool:
        return roles.has_coordinator_powers(self)

    @property
    def needs_mfa(self) -> bool:
        return roles.needs_mfa(self)


def gender_labels() -> dict[str, str]:
    """Stored gender → what a count by gender shows (``pactesur.figures``): the choices in
    order, and "Not said" for both "prefer not to say" and no answer."""
    not_said = str(_("Not said"))
    labels = {
        value: str(label) for value, label in User.Gender.choices if value != User.Gender.PREFER_NOT
    }
    return {**labels, User.Gender.PREFER_NOT: not_said, "": not_said}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def approved(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.APPROVED)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.PENDING)

    def current(self) -> MembershipQuerySet:
        return self.exclude(status=Membership.Status.REMOVED)

    def in_city(self, city: City) -> MembershipQuerySet:
        return self.filter(body__city=city)

    def coordinators(self) -> MembershipQuerySet:
        return self.approved().filter(role=Membership.Role.COORDINATOR)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        COORDINATOR = "coordinator", _("City coordinator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REMOVED = "removed", _("Removed")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One current membership per person: pending or approved, never two at once.
            models.UniqueConstraint(
                fields=["user"],
                condition=~models.Q(status="removed"),
                name="membership_one_current_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["member", "coordinator"]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "removed"]),
                name="membership_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["body", "status"], name="membership_body_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.body} ({self.get_role_display()}, {self.get_status_display()})"


# --- The email outbox (accounts/emails.py) --------------------------------------------------------


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def due(self, now: datetime.datetime | None = None) -> OutboundEmailQuerySet:
        """Pending rows whose (next) attempt is due: not claimed by a sender, not backing off."""
        return self.filter(
            status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class OutboundEmail(models.Model):
    """One email to one recipient: written in the transaction that causes it, then sent by a task.

    The key (kind, about, recipient, occasion) is unique, so queueing the same email twice is a
    no-op. A pending row holds what the email needs (the template and its context, model
    instances as references); once sent, failed or cancelled it keeps no context, only who, what
    and when. ``accounts.emails`` is the one way to write and send these rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=64)
    about = models.CharField(
        _("about"), max_length=100, blank=True, help_text=_("The object concerned: app.model:pk.")
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    occasion = models.CharField(_("occasion"), max_length=100, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("recipient account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8)
    template = models.CharField(_("template"), max_length=200)
    context = models.JSONField(_("context"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "about", "recipient", "occasion"], name="outboundemail_unique_key"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "cancelled"]),
                name="outboundemail_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outboundemail_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.get_status_display()})"


# --- Certificates (accounts/certificates.py) ------------------------------------------------------


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def held_by(self, user: Any) -> CertificateQuerySet:
        if not (user is not None and user.is_authenticated):
            return self.none()
        return self.filter(holder=user)


class Certificate(models.Model):
    """A certificate issued to a person for something they took part in (a training, an exchange).

    What it certifies is copied onto the row when it is issued (the holder's name, the title, the
    dates...) together with the PDF as issued and its SHA-256: the public verification page shows
    these, so a verifier can catch an edited PDF. ``accounts.certificates`` is the one way to
    issue one; the row is never changed afterwards.
    """

    holder = models.ForeignKey(
        User,
        verbose_name=_("holder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    holder_name = models.CharField(_("holder's name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=100, help_text=_("E.g. Training, Exchange."))
    title = models.CharField(_("title"), max_length=300)
    host = models.CharField(_("host"), max_length=300)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("source type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_id = models.CharField(_("source id"), max_length=64)
    code = models.CharField(_("verification code"), max_length=10, unique=True)
    language = models.CharField(_("language"), max_length=8)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    pdf = models.BinaryField(_("PDF as issued"))
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            # Issuing twice for the same person and the same thing returns the same certificate.
            models.UniqueConstraint(
                fields=["holder", "source_type", "source_id"], name="certificate_one_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="certificate_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__isnull=True) | models.Q(hours__gte=0),
                name="certificate_hours_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} – {self.title} ({self.display_code})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:certificate_verify", kwargs={"code": self.display_code})

    @property
    def plain_hours(self) -> Decimal | None:
        """The hours without trailing zeros (7.50 → 7.5, 10.00 → 10), or ``None``."""
        if self.hours is None:
            return None
        if self.hours == self.hours.to_integral_value():
            return self.hours.quantize(Decimal(1))
        return self.hours.normalize()

    @property
    def display_code(self) -> str:
        """The code as printed, in groups: ``K7QF-29XM-PD``."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))
