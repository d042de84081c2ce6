"""The one moderation mechanism: states, visibility tiers, pending revisions and the audit log.

Every moderated model (practices now; trainings and exchange offers later) inherits ``Moderated``
and gets its manager from ``ModeratedQuerySet``; all writes go through ``moderation.services``.

    draft ──submit──▶ submitted ──publish──▶ published ──unpublish──▶ unpublished
      ▲                  │  │                   │  ▲                        │  │
      │  request changes │  │ reject            │  └──────── restore ───────┘  │ edit, submit
      │                  ▼  ▼                   │ edit (coordinator)           ▼
      └─ changes_requested  draft               ▼                          submitted
                       a pending Revision (submitted) ──publish──▶ applied
                                     ├──request changes──▶ changes_requested (edited, resubmitted)
                                     └──reject──▶ rejected (closed; the published text stays)

Editing a published item never changes what readers see: the edit is stored as a ``Revision``
and applied only when a moderator publishes it. An item is edited in place only in the states of
``EDITABLE_IN_PLACE``, and those are the states it can be submitted from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts import roles

from .markdown import render_fields, stored_html


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


# Edited in place (no revision) and submitted from these states: the item is not published.
EDITABLE_IN_PLACE = (Status.DRAFT, Status.CHANGES_REQUESTED, Status.UNPUBLISHED)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    NETWORK = "network", _("Network members")
    POLICE = "police", _("Police only")


VISIBILITY_HELP = {
    Visibility.PUBLIC: _("Anyone, including the public digest."),
    Visibility.NETWORK: _("Approved members of the network."),
    Visibility.POLICE: _("Members of participating police bodies and Efus staff."),
}


def tiers_for(user: Any) -> list[str]:
    """The visibility tiers a user may read (``accounts.roles``): police readers (police members,
    staff with powers) read every tier, other members public and network, everyone else public."""
    if roles.is_police_reader(user):
        return [Visibility.PUBLIC, Visibility.NETWORK, Visibility.POLICE]
    if roles.is_member(user):
        return [Visibility.PUBLIC, Visibility.NETWORK]
    return [Visibility.PUBLIC]


@dataclass(frozen=True)
class Reach:
    """What a reader may see, the one rule behind ``visible_to`` and ``listed_to``: everything
    (Efus staff with two-factor authentication), or published items in their tiers plus what
    they wrote (``author_id``) and, for a coordinator, their city's (``city_id``)."""

    tiers: tuple[str, ...]
    everything: bool = False
    author_id: int | None = None
    coordinates: bool = False
    city_id: int | None = None

    def readable(self) -> Q | None:
        """``visible_to``: what the reader may open (``None``: everything)."""
        if self.everything:
            return None
        readable = Q(status=Status.PUBLISHED, visibility__in=self.tiers, hidden_at__isnull=True)
        if self.author_id is None:
            return readable
        own = Q(created_by_id=self.author_id)
        if self.coordinates:
            own |= Q(city_id=self.city_id)
        return readable | own

    def admits(self, *, visibility: str, author_id: int | None, city_id: int | None) -> bool:
        """``readable()`` for one item already known to be published and shown, in Python: the
        digest reads a batch's items once and gives each reader theirs with it (tested against
        ``readable()`` in ``tests/digests/test_selectors.py``)."""
        if self.everything or visibility in self.tiers:
            return True
        if self.author_id is None:
            return False
        return author_id == self.author_id or (self.coordinates and city_id == self.city_id)

    @property
    def listed_city_id(self) -> int | None:
        """The city whose published items of every tier a list adds to the reader's tiers: a
        coordinator's, when their tiers do not already cover every tier (a coordinator of a
        body that is not police). ``None`` for everyone else."""
        if self.everything or not self.coordinates or set(self.tiers) == set(Visibility.values):
            return None
        return self.city_id

    def listed(self) -> Q:
        """``listed_to``: what lists, home sections and related items show the reader. Published
        items only, in the reader's tiers, plus (``listed_city_id``) a coordinator's own city's:
        a subset of ``readable``. An item hidden after reports (``hidden_at``) is listed to
        nobody, and opened only by its authors, its city's coordinators and staff. Drafts,
        submitted items and a member's own unpublished work are never listed (they have "My
        practices"); Efus staff list what a police reader does.
        Without the ``created_by`` OR, the list's query can walk an index in order."""
        tiers = tuple(Visibility.values) if self.everything else self.tiers
        listed = Q(visibility__in=tiers)
        if self.listed_city_id is not None:
            listed |= Q(city_id=self.listed_city_id)
        return Q(status=Status.PUBLISHED, hidden_at__isnull=True) & listed

    @property
    def listing_scope(self) -> str:
        """Everything ``listed`` depends on, as a string: readers with the same scope are listed
        the same rows, so they share cached lists (``lists.cache``)."""
        tiers = tuple(Visibility.values) if self.everything else self.tiers
        scope = ".".join(tiers)
        if self.listed_city_id is not None:
            scope += f"+city-{self.listed_city_id}"
        return scope


def reach_of(user: Any) -> Reach:
    tiers = tuple(tiers_for(user))
    if not user.is_authenticated or not user.is_active:
        return Reach(tiers)
    if roles.has_staff_powers(user):
        return Reach(tiers, everything=True)
    coordinates = roles.has_coordinator_powers(user)
    city_id = getattr(user.city, "pk", None) if coordinates else None
    return Reach(tiers, author_id=user.pk, coordinates=coordinates, city_id=city_id)


def listing_scope(user: Any) -> str:
    """The scope of ``ModeratedQuerySet.listed_to(user)`` (``Reach.listing_scope``): the key under
    which lists are cached for this reader."""
    return reach_of(user).listing_scope


class ModeratedQuerySet(models.QuerySet):
    """The single visibility rule: ``visible_to(user)`` (what the reader may open) and its subset
    ``listed_to(user)`` (what lists show them), both read from the one ``Reach``."""

    def published(self) -> Self:
        """Published and shown: not hidden after reports (``Moderated.hidden_at``)."""
        return self.filter(status=Status.PUBLISHED, hidden_at__isnull=True)

    def overdue(self, today: dt.date | None = None) -> Self:
        """Published items whose review-by date has passed (``moderation.freshness``)."""
        today = today or timezone.localdate()
        return self.filter(status=Status.PUBLISHED, review_by__lt=today)

    def visible_to(self, user: Any) -> Self:
        readable = reach_of(user).readable()
        return self if readable is None else self.filter(readable)

    def listed_to(self, user: Any) -> Self:
        return self.filter(reach_of(user).listed())


class Moderated(models.Model):
    """Abstract base of every moderated model. Concrete models define ``city`` and list
    ``MODERATED_FIELDS``: the fields an edit of a published item carries in a revision.

    Registering a moderated type takes (see ``tests/bulletins`` for the smallest one):

    - the model: ``Moderated``, ``MODERATED_FIELDS``, ``@moderation.registry.register``, and, if
      its ``Meta`` lists constraints of its own, ``[*Moderated.Meta.constraints, ...]`` (a system
      check says so when they are missing);
    - its rules, ``<app_label>.change_<model>`` and ``<app_label>.submit_<model>``, made of the
      predicates of ``moderation.permissions``;
    - one template for the review page, ``moderation/items/<app_label>_<model>.html``.

    Writes go through ``moderation.services`` (``moderated_update``, the transitions), the
    moderation pages, the queue and the audit log serve it with no other change.
    """

    MODERATED_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Fields written in Markdown: their sanitised HTML is rendered once, when the content changes
    # (``on_content_changed``), and stored in ``html``; pages serve it (``stored_html``).
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ()

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("who can read it"), max_length=10, choices=Visibility.choices, default=Visibility.NETWORK
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    moderation_message = models.TextField(_("moderator's last message"), blank=True)
    # Pending edits go with their item. The audit log does not: no GenericRelation to
    # ``ModerationEvent`` (deleting would cascade to it); ``ModerationEvent.objects.for_object``.
    revisions = GenericRelation("moderation.Revision")
    reports = GenericRelation("moderation.Report")
    html = models.JSONField(_("rendered text"), default=dict, blank=True, editable=False)
    # Hidden after reports (``moderation.reports``): readers neither list nor open it until a
    # moderator dismisses the reports or unpublishes it. The one visibility rule reads it.
    hidden_at = models.DateTimeField(_("hidden after reports"), null=True, blank=True)
    # Freshness (``moderation.freshness``): when its city should check it is still current.
    review_by = models.DateField(_("review by"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)

    class Meta:
        abstract = True
        # Inherited by every concrete model (named after it: "practice_status_valid").
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="%(class)s_visibility_valid"
            ),
        ]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_editable_in_place(self) -> bool:
        """Drafts, items sent back and unpublished items are edited in place; published items
        get a revision; a submitted item waits for its review."""
        return self.status in EDITABLE_IN_PLACE

    def on_content_changed(self) -> None:
        """Called after every write of the content (services, moderation, admin): recomputes the
        data derived from it, in one ``UPDATE``."""
        type(self)._default_manager.filter(pk=self.pk).update(**self.derived_fields())

    def derived_fields(self) -> dict[str, Any]:
        """What ``on_content_changed`` writes: the HTML of the ``MARKDOWN_FIELDS`` (also set on
        this instance); a concrete model adds its own (e.g. a search vector)."""
        self.html = render_fields(self, self.MARKDOWN_FIELDS)
        return {"html": self.html}

    def stored_html(self, name: str) -> SafeString:
        """The stored HTML of the Markdown field ``name``, to show as it is."""
        return stored_html(self.html.get(name, ""))


class RevisionQuerySet(models.QuerySet["Revision"]):
    def open(self) -> RevisionQuerySet:
        """Edits still pending: waiting for review, or sent back to their author."""
        return self.filter(status__in=Revision.OPEN)

    def waiting(self) -> RevisionQuerySet:
        """Edits waiting for a moderator."""
        return self.filter(status=Revision.Status.SUBMITTED)

    def open_for(self, target: models.Model | type[models.Model]) -> RevisionQuerySet:
        """The open revision of an item (at most one: ``revision_one_open_per_object``), as a
        queryset: ``.first()`` gives it or ``None``. Given a model, those of every item of that
        type: ``open_for(Practice).filter(object_id=OuterRef("pk"))`` is a subquery."""
        content_type = ContentType.objects.get_for_model(target)
        revisions = self.open().filter(content_type=content_type)
        if isinstance(target, models.Model):
            return revisions.filter(object_id=target.pk)
        return revisions


class Revision(models.Model):
    """A proposed edit of a published item: the new values of its ``MODERATED_FIELDS``."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    OPEN = (Status.SUBMITTED, Status.CHANGES_REQUESTED)

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(_("proposed values"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status__in=["submitted", "changes_requested"]),
                name="revision_one_open_per_object",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "status"], name="revision_object_idx")
        ]

    def __str__(self) -> str:
        return f"Revision of {self.content_type.model} #{self.object_id} ({self.status})"


class ImmutableLog(Exception):
    """The audit log is written once: its rows are never changed nor deleted."""


def about(obj: models.Model) -> Q:
    """Rows about ``obj`` (by its content type's natural key, joined: no separate look-up of the
    content type, whose first use in a process would cost a query that later ones do not)."""
    meta = (obj._meta.concrete_model or type(obj))._meta
    return Q(
        content_type__app_label=meta.app_label,
        content_type__model=meta.model_name,
        object_id=obj.pk,
    )


class EventQuerySet(models.QuerySet["ModerationEvent"]):
    def for_object(self, obj: models.Model) -> EventQuerySet:
        return self.filter(about(obj))

    def in_city(self, city_id: int) -> EventQuerySet:
        """Events about items of this city (every registered model with a ``city``)."""
        from . import registry

        about = Q(pk__in=[])
        for model in registry.all_models():
            if any(f.name == "city" for f in model._meta.get_fields()):
                items = model._default_manager.filter(city_id=city_id).values("pk")
                about |= Q(
                    content_type=ContentType.objects.get_for_model(model), object_id__in=items
                )
        return self.filter(about)

    def update(self, **kwargs: Any) -> int:
        raise ImmutableLog("The audit log's rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableLog("The audit log's rows cannot be deleted.")

    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class ModerationEvent(models.Model):
    """The audit log: every transition, who, when, from what, to what, why; and the changes that
    bypass revisions (attachments added or deleted) and deletions.

    An event outlives what it describes: it keeps the item's type, id and label (``object_label``)
    when the item is deleted, and its author's id is only cleared when that account is deleted."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        PUBLISH = "publish", _("Published")
        REQUEST_CHANGES = "request_changes", _("Changes requested")
        REVISE = "revise", _("Edit proposed")
        PUBLISH_REVISION = "publish_revision", _("Edit published")
        REQUEST_REVISION_CHANGES = "request_revision_changes", _("Changes requested on an edit")
        REJECT = "reject", _("Rejected")
        REJECT_REVISION = "reject_revision", _("Edit rejected")
        UNPUBLISH = "unpublish", _("Unpublished")
        RESTORE = "restore", _("Restored")
        HIDE = "hide", _("Hidden after reports")
        DISMISS_REPORTS = "dismiss_reports", _("Reports dismissed")
        MARK_CURRENT = "mark_current", _("Marked as still current")
        SET_REVIEW_BY = "set_review_by", _("Review date set")
        ATTACHMENT_ADD = "attachment_add", _("Attachment added")
        ATTACHMENT_DELETE = "attachment_delete", _("Attachment deleted")
        DELETE = "delete", _("Deleted")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    object_label = models.CharField(_("item"), max_length=300)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    message = models.TextField(_("message"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="event_object_idx"),
            models.Index(fields=["-at"], name="event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.object_label}: {self.from_status} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Written once: saving a row that exists raises ``ImmutableLog``."""
        if not self._state.adding:
            raise ImmutableLog("The audit log's rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableLog("The audit log's rows cannot be deleted.")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(status=Report.Status.OPEN)

    def for_object(self, obj: models.Model) -> ReportQuerySet:
        return self.filter(about(obj))


class Report(models.Model):
    """A member's report of a published item (``moderation.reports``). Its author is never shown
    to the item's authors; moderators see the reasons, comments and cities."""

    class Reason(models.TextChoices):
        INACCURATE = "inaccurate", _("Inaccurate")
        OUTDATED = "outdated", _("Outdated")
        PERSONAL_DATA = "personal_data", _("Personal data")
        INAPPROPRIATE = "inappropriate", _("Inappropriate")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        UPHELD = "upheld", _("Item unpublished")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.CASCADE, related_name="+"
    )
    # The reporter's city when they reported: the threshold counts cities.
    city = models.ForeignKey(
        "cities.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "by"],
                condition=Q(status="open"),
                name="report_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "dismissed", "upheld"]), name="report_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "status"], name="report_object_idx"),
            models.Index(fields=["status", "created_at"], name="report_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Report of {self.content_type.model} #{self.object_id} ({self.reason})"
