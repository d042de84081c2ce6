"""Promising practices (case studies), their attachments, and adoptions by other cities."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.validators import MaxLengthValidator
from django.db import connection, models
from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cities.countries import language_name
from cities.models import Body, City, Theme
from moderation import registry
from moderation.models import Moderated, ModeratedQuerySet
from pactesur.uploads import EXTENSIONS, FileType

# Languages a practice may be written in: those of the 15 cities, English and German.
PRACTICE_LANGUAGES = (
    "en", "fr", "it", "es", "ca", "nl", "de", "pt", "pl", "sk", "hu", "el", "lv", "et", "lt",
)  # fmt: skip
# Named in the reader's language by the one helper (``cities.countries.language_name``).
LANGUAGE_CHOICES = [(code, lazy(language_name, str)(code)) for code in PRACTICE_LANGUAGES]

SEARCH_CONFIG = "english"
# Slugs that would make a detail URL ("/practices/<pk>/<slug>/") one of the writing pages.
RESERVED_SLUGS = {"edit", "submit", "adopt"}

# Searched fields, weighted: title (A) > summary (B) > the long sections (C).
BODY_FIELDS = (
    "problem",
    "mechanism",
    "context",
    "implementation",
    "resources",
    "evaluation",
    "transferability",
)


# What the list's filters and the reader's tiers read, carried by the listing indexes.
LISTING_COLUMNS = [
    "visibility",
    "city",
    "outcome",
    "evaluation_stage",
    "original_language",
    "attachment_count",
    "period_start",
    "period_end",
]


def search_vector_expression() -> Any:
    body = SearchVector(*BODY_FIELDS, weight="C", config=SEARCH_CONFIG)
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + body
    )


class PracticeQuerySet(ModeratedQuerySet):
    def in_city(self, city: City) -> PracticeQuerySet:
        return self.filter(city=city)

    def update_search_vector(self) -> int:
        """Recompute the stored search vector of these rows (PostgreSQL; a no-op elsewhere)."""
        if connection.vendor != "postgresql":
            return 0
        return self.update(search_vector=search_vector_expression())

    def search(self, query: str) -> PracticeQuerySet:
        """Full-text search, annotated with ``rank``, one interface on both databases.

        PostgreSQL: the stored, GIN-indexed ``search_vector`` with ``websearch`` syntax, ranked.
        SQLite: every word must appear in the title, summary or a section; titles rank first.
        """
        query = (query or "").strip()
        if not query:
            return self.annotate(rank=Value(0.0, output_field=models.FloatField()))
        if connection.vendor == "postgresql":
            sq = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
            return self.filter(search_vector=sq).annotate(rank=SearchRank(F("search_vector"), sq))
        qs = self
        words = [w.strip('"') for w in query.split() if w.strip('"') and not w.startswith("-")][:10]
        for word in words:
            cond = Q(title__icontains=word) | Q(summary__icontains=word)
            for name in BODY_FIELDS:
                cond |= Q(**{f"{name}__icontains": word})
            qs = qs.filter(cond)
        title_hits = Q()
        for word in words:
            title_hits &= Q(title__icontains=word)
        return qs.annotate(
            rank=models.Case(
                models.When(title_hits, then=Value(1.0)),
                default=Value(0.5),
                output_field=models.FloatField(),
            )
        )


@registry.register
class Practice(Moderated):
    class Outcome(models.TextChoices):
        WORKED = "worked", _("Worked")
        PROMISING = "promising", _("Promising")
        NEW = "new", _("New / not yet tested")
        DID_NOT_WORK = "did_not_work", _("Did not work")

    class EvaluationStage(models.TextChoices):
        NOT_EVALUATED = "not_evaluated", _("Not evaluated")
        LOCAL = "local", _("Evaluated locally")
        INDEPENDENT = "independent", _("Independently evaluated")

    OUTCOME_DEFINITIONS = {
        Outcome.WORKED: _("Evaluation or monitoring showed that the practice achieved its aims."),
        Outcome.PROMISING: _("First results point the right way, but evidence is still limited."),
        Outcome.NEW: _("Recently started or not yet tested: shared so others can follow it."),
        Outcome.DID_NOT_WORK: _(
            "It did not achieve its aims. Null results are useful: they save others the effort."
        ),
    }
    EVALUATION_DEFINITIONS = {
        EvaluationStage.NOT_EVALUATED: _("No formal evaluation yet."),
        EvaluationStage.LOCAL: _(
            "Evaluated by the city or its police, e.g. with before/after figures."
        ),
        EvaluationStage.INDEPENDENT: _(
            "Evaluated by an independent body such as a university or auditor."
        ),
    }

    MODERATED_FIELDS = (
        "title",
        "summary",
        "problem",
        "mechanism",
        "context",
        "implementation",
        "resources",
        "evaluation",
        "transferability",
        "outcome",
        "evaluation_stage",
        "themes",
        "period_start",
        "period_end",
        "original_language",
        "contact_role",
        "contact_email",
        "links",
        "visibility",
    )
    MARKDOWN_FIELDS = ("summary", *BODY_FIELDS)

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=False, blank=True)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="practices"
    )
    body = models.ForeignKey(
        Body,
        verbose_name=_("body"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
    )
    summary = models.TextField(
        _("summary"),
        validators=[MaxLengthValidator(1500)],
        help_text=_("One paragraph: what it is, where, and what it achieved."),
    )
    problem = models.TextField(_("problem addressed"), blank=True)
    mechanism = models.TextField(_("how it works and why it should"), blank=True)
    context = models.TextField(
        _("context and conditions"),
        blank=True,
        help_text=_("City size, legal powers used, partners."),
    )
    implementation = models.TextField(
        _("implementation"),
        blank=True,
        help_text=_("Steps, partners (including the private sector and citizens), timeline."),
    )
    resources = models.TextField(_("resources and cost"), blank=True)
    evaluation = models.TextField(_("evaluation and results"), blank=True)
    transferability = models.TextField(
        _("transferability"), blank=True, help_text=_("What another force needs to copy it.")
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.NEW
    )
    evaluation_stage = models.CharField(
        _("evaluation stage"),
        max_length=20,
        choices=EvaluationStage.choices,
        default=EvaluationStage.NOT_EVALUATED,
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="practices", blank=True
    )
    period_start = models.DateField(_("started"), null=True, blank=True)
    period_end = models.DateField(
        _("ended"), null=True, blank=True, help_text=_("Leave empty if ongoing.")
    )
    original_language = models.CharField(
        _("original language"), max_length=8, choices=LANGUAGE_CHOICES, default="en"
    )
    contact_role = models.CharField(
        _("contact (role)"),
        max_length=200,
        blank=True,
        help_text=_(
            "A role, not a person: e.g. 'International cooperation unit, Police municipale'."
        ),
    )
    contact_email = models.EmailField(_("functional contact address"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    attachment_count = models.PositiveSmallIntegerField(_("attachments"), default=0, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PracticeQuerySet.as_manager()

    class Meta(Moderated.Meta):
        ordering = ["-published_at", "-pk"]
        verbose_name = _("promising practice")
        verbose_name_plural = _("promising practices")
        constraints = [
            *Moderated.Meta.constraints,  # practice_status_valid, practice_visibility_valid
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="practice_period_ordered",
            ),
        ]
        indexes = [
            # Lists, for every reader (bench/README.md): published rows newest first, or by
            # title, with the reader's tiers and the filters' columns in the index, so that a
            # page or a capped count walks the index in order and stops (index-only scans).
            models.Index(
                "status",
                models.F("published_at").desc(),
                models.F("id").desc(),
                include=LISTING_COLUMNS,
                name="practice_recent_idx",
            ),
            models.Index(
                fields=["status", "title", "id"],
                include=LISTING_COLUMNS,
                name="practice_by_title_idx",
            ),
            models.Index(fields=["city", "status"], name="practice_city_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:200] or "practice"
            if self.slug in RESERVED_SLUGS:  # "/practices/<pk>/edit/" is the edit page
                self.slug += "-practice"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", kwargs={"pk": self.pk, "slug": self.slug or "practice"})

    def derived_fields(self) -> dict[str, Any]:
        """The stored HTML of the sections and, on PostgreSQL, the search vector."""
        fields = super().derived_fields()
        if connection.vendor == "postgresql":
            fields["search_vector"] = search_vector_expression()
        return fields

    @property
    def period_years(self) -> str:
        """ "2019-2021" (with an en dash), "2023" for a period within one year, "since 2021", or
        "" without a start (cards show years)."""
        start, end = self.period_start, self.period_end
        if start is None:
            return ""
        if end is None:
            return gettext("since %(start)s") % {"start": start.year}
        if end.year == start.year:
            return str(start.year)
        return f"{start.year}\N{EN DASH}{end.year}"

    @property
    def is_ongoing(self) -> bool:
        return self.period_end is None or self.period_end >= timezone.localdate()

    @property
    def outcome_definition(self) -> str:
        return str(self.OUTCOME_DEFINITIONS[self.Outcome(self.outcome)])

    @property
    def evaluation_definition(self) -> str:
        return str(self.EVALUATION_DEFINITIONS[self.EvaluationStage(self.evaluation_stage)])


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the user: only the id and the detected extension.
    now = timezone.now()
    return f"practices/{now:%Y/%m}/{instance.practice_id}-{now:%H%M%S%f}.{instance.extension}"


class Attachment(models.Model):
    Kind = FileType  # what ``pactesur.uploads.check_upload`` accepts
    EXTENSIONS = EXTENSIONS

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    content_type__in=["application/pdf", "image/png", "image/jpeg", "image/webp"]
                ),
                name="attachment_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.original_name

    def get_absolute_url(self) -> str:
        return reverse(
            "practices:attachment", kwargs={"pk": self.practice_id, "attachment_pk": self.pk}
        )

    @property
    def extension(self) -> str:
        if self.content_type not in self.Kind.values:
            return "bin"
        return self.EXTENSIONS[self.Kind(self.content_type)]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Adoption(models.Model):
    """A city recording that it adopted or adapted another city's practice."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", _("Adopted")
        ADAPTED = "adapted", _("Adapted")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoptions")
    city = models.ForeignKey(
        City, verbose_name=_("adopting city"), on_delete=models.CASCADE, related_name="adoptions"
    )
    kind = models.CharField(
        _("adopted or adapted"), max_length=10, choices=Kind.choices, default=Kind.ADAPTED
    )
    outcome_note = models.TextField(
        _("outcome"), max_length=1000, help_text=_("A few lines: what you did and what came of it.")
    )
    started = models.DateField(_("since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        constraints = [
            models.UniqueConstraint(fields=["practice", "city"], name="adoption_once_per_city"),
            models.CheckConstraint(
                condition=Q(kind__in=["adopted", "adapted"]), name="adoption_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.get_kind_display().lower()} {self.practice}"
