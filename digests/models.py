"""Subscribers of the dissemination digest (DOMAIN.md §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import default_language, language_choices

from .periods import Period

SUSPEND_AFTER_BOUNCES = 3


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def confirmed(self) -> SubscriberQuerySet:
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def due_in(self, period: Period) -> SubscriberQuerySet:
        """Confirmed subscribers whose digest is due in ``period``: weekly ones, and monthly ones
        in the first period of a month; not those who joined after its cutoff."""
        frequencies = [Subscriber.Frequency.WEEKLY]
        if period.first_of_month:
            frequencies.append(Subscriber.Frequency.MONTHLY)
        return self.confirmed().filter(frequency__in=frequencies, confirmed_at__lt=period.cutoff)


class Subscriber(models.Model):
    """One address that receives (or asked to receive) the digest.

    A public subscriber (``user`` empty) confirms their address first (double opt-in); a member
    subscribes from their account page and their digest follows their access. ``city`` is the
    Efus network city or region when the one typed matches one, ``place`` the free text otherwise.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")
        PAUSED = "paused", _("Paused")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        SUSPENDED = "suspended", _("Suspended")

    email = models.EmailField(_("email"), max_length=254)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city or region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("city or region (not in the network)"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=language_choices, default=default_language
    )
    themes = models.ManyToManyField(
        "cities.Theme",
        verbose_name=_("themes"),
        blank=True,
        related_name="+",
        help_text=_("None means every theme."),
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.PENDING
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digest_subscription",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The last time someone asked to subscribe this address (an unconfirmed one is forgotten
    # 7 days after it: ``subscribers_forget_unconfirmed``).
    requested_at = models.DateTimeField(_("requested"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Where the next digest starts: items published after this (the subscription's start before
    # the first digest).
    last_digest_at = models.DateTimeField(_("last digest sent"), null=True, blank=True)
    # Hard bounces (a 5xx answer, or the email service's bounce report) since the last digest
    # delivered; at SUSPEND_AFTER_BOUNCES the subscriber is suspended.
    hard_bounces = models.PositiveSmallIntegerField(_("consecutive hard bounces"), default=0)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="digests_subscriber_email_unique"),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="digests_subscriber_email_lowercase"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "confirmed", "unsubscribed", "suspended"]
                ),
                name="digests_subscriber_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(frequency__in=["weekly", "monthly", "paused"]),
                name="digests_subscriber_frequency_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="digests_subscriber_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_member(self) -> bool:
        return self.user_id is not None

    @property
    def place_name(self) -> str:
        return self.city.localized("name") if self.city is not None else self.place


class DigestRun(models.Model):
    """One period's run (weekly, and monthly on the first Monday): when it started, how many
    subscribers were due and queued. What became of each digest is on its outbox row (the
    ledger: kind "digest", the subscriber, the period as occasion); the runs page counts them."""

    period = models.CharField(_("period"), max_length=8)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    last_started_at = models.DateTimeField(_("last started"), default=timezone.now)
    due = models.PositiveIntegerField(_("due"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    suspended = models.PositiveIntegerField(_("suspended"), default=0)

    class Meta:
        verbose_name = _("digest run")
        verbose_name_plural = _("digest runs")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["period"], name="digests_digestrun_period_unique")
        ]

    def __str__(self) -> str:
        return self.period

    def get_absolute_url(self) -> str:
        return reverse("digests:archive_week", args=[self.period])
