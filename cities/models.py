"""Cities of the project and of the wider Efus network, their participating bodies, and themes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TRANSLATION_HELP = _("Shown on French pages; when it is empty, they show the English.")


class Translated:
    """Reference data that Efus staff edit, in each language of the site: ``<field>`` holds the
    English text (the site's default language) and ``<field>_fr`` the French one. Pages show
    the text in the active language, or the English one when that is empty.

    The one mechanism for every piece of reference data (themes, cities, bodies): translations
    are data, edited in the admin and shipped in ``data/reference.toml``, not the catalogue.
    """

    def localized(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
        if language != settings.LANGUAGE_CODE:
            translated = getattr(self, f"{field}_{language}", "")
            if translated:
                return translated
        return getattr(self, field)


class ThemeQuerySet(models.QuerySet["Theme"]):
    def for_display(self) -> ThemeQuerySet:
        """Only what a badge, a filter or a link shows (the names in every language)."""
        return self.only("id", "slug", "name", "name_fr")


class Theme(Translated, models.Model):
    """One taxonomy for everything: practices, trainings, offers and digests use it."""

    name = models.CharField(_("name (English)"), max_length=120, unique=True)
    name_fr = models.CharField(
        _("name (French)"), max_length=120, blank=True, help_text=TRANSLATION_HELP
    )
    slug = models.SlugField(
        _("slug"), max_length=80, unique=True, help_text=_("Stable: used in links and feeds.")
    )
    description = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(
        _("description (French)"), blank=True, help_text=TRANSLATION_HELP
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        constraints = [
            models.UniqueConstraint(
                fields=["name_fr"], condition=~models.Q(name_fr=""), name="theme_unique_name_fr"
            ),
        ]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return self.localized("name")

    @property
    def localized_description(self) -> str:
        return self.localized("description")


class CityQuerySet(models.QuerySet["City"]):
    def in_project(self) -> CityQuerySet:
        """The 15 cities of PACTESUR 2 (lead, partners and associated cities)."""
        return self.exclude(project_role=City.ProjectRole.NETWORK)

    def network(self) -> CityQuerySet:
        return self.filter(project_role=City.ProjectRole.NETWORK)

    def with_details(self) -> CityQuerySet:
        """Challenges and bodies fetched with the cities (two queries, whatever the number)."""
        return self.prefetch_related(
            "challenges", models.Prefetch("bodies", queryset=Body.objects.order_by("official_name"))
        )


class City(Translated, models.Model):
    class ProjectRole(models.TextChoices):
        LEAD = "lead", _("Lead city")
        PARTNER = "partner", _("Partner")
        ASSOCIATED = "associated", _("Associated city")
        NETWORK = "network", _("Efus network member")

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        REGION = "region", _("Region")

    name = models.CharField(_("name"), max_length=120)
    local_name = models.CharField(_("local name"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. FR.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITY)
    project_role = models.CharField(
        _("role in the project"),
        max_length=12,
        choices=ProjectRole.choices,
        default=ProjectRole.NETWORK,
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_note = models.CharField(_("population note"), max_length=120, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('Language codes, e.g. ["fr", "nl"].')
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    challenges = models.ManyToManyField(
        Theme, verbose_name=_("challenges"), blank=True, related_name="cities"
    )
    description = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(
        _("description (French)"), blank=True, help_text=TRANSLATION_HELP
    )

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="city_unique_name_country"),
            models.CheckConstraint(
                condition=models.Q(project_role__in=["lead", "partner", "associated", "network"]),
                name="city_project_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["project_role", "name"], name="city_role_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cities:detail", kwargs={"slug": self.slug})

    @property
    def in_project(self) -> bool:
        return self.project_role != self.ProjectRole.NETWORK

    @property
    def localized_description(self) -> str:
        return self.localized("description")


class BodyQuerySet(models.QuerySet["Body"]):
    def police(self) -> BodyQuerySet:
        return self.filter(type__in=Body.POLICE_TYPES)


class Body(Translated, models.Model):
    """The participating organisation of a city: its police or prevention service, or Efus."""

    class Type(models.TextChoices):
        MUNICIPAL_POLICE = "municipal_police", _("Municipal police")
        LOCAL_POLICE = "local_police", _("Local police")
        LOCAL_POLICE_ZONE = "local_police_zone", _("Local police zone")
        CITY_GUARD = "city_guard", _("City guard")
        PUBLIC_SPACE_INSPECTORATE = "public_space_inspectorate", _("Public-space inspectorate")
        PUBLIC_ORDER_DIVISION = "public_order_division", _("Public-order division")
        REGIONAL_PREVENTION_AGENCY = "regional_prevention_agency", _("Regional prevention agency")
        MUNICIPALITY = "municipality", _("Municipal administration")
        NETWORK_SECRETARIAT = "network_secretariat", _("Network secretariat (Efus)")

    # Bodies whose approved members may read police-only material.
    POLICE_TYPES = (
        Type.MUNICIPAL_POLICE,
        Type.LOCAL_POLICE,
        Type.LOCAL_POLICE_ZONE,
        Type.CITY_GUARD,
        Type.PUBLIC_ORDER_DIVISION,
    )

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="bodies"
    )
    official_name = models.CharField(_("official name (local language)"), max_length=200)
    english_name = models.CharField(_("English name"), max_length=200, blank=True)
    name_fr = models.CharField(
        _("French name"), max_length=200, blank=True, help_text=TRANSLATION_HELP
    )
    type = models.CharField(_("type"), max_length=40, choices=Type.choices)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(
        _("functional contact address"),
        blank=True,
        help_text=_("A role-based mailbox (e.g. international@…), never a person's address."),
    )
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    share_of_women = models.DecimalField(
        _("share of women (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    email_domains = models.JSONField(
        _("email domains"),
        default=list,
        blank=True,
        help_text=_(
            "Members signing up with a verified address on one of these domains are approved "
            "automatically."
        ),
    )

    objects = BodyQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "official_name"]
        verbose_name = _("participating body")
        verbose_name_plural = _("participating bodies")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "official_name"], name="body_unique_name_in_city"
            ),
            models.CheckConstraint(
                condition=models.Q(share_of_women__isnull=True)
                | models.Q(share_of_women__gte=0, share_of_women__lte=100),
                name="body_share_of_women_percentage",
            ),
        ]

    def __str__(self) -> str:
        return self.official_name

    @property
    def name(self) -> str:
        """The body's name in English: its English name, or its official one."""
        return self.english_name or self.official_name

    @property
    def localized_name(self) -> str:
        """The body's name in the active language (its official name when none is known)."""
        return self.localized("name")

    @property
    def is_police(self) -> bool:
        return self.type in self.POLICE_TYPES

    @property
    def is_efus(self) -> bool:
        return self.type == self.Type.NETWORK_SECRETARIAT

    def accepts_email(self, email: str) -> bool:
        """Whether an address is on one of this body's registered email domains."""
        domain = email.rsplit("@", 1)[-1].strip().lower()
        return any(domain == d.strip().lower().lstrip("@") for d in self.email_domains or [])
