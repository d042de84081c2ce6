"""Participation figures (issue 11): who attended trainings, by city, kind, year and, where people
chose to say, gender, as tables, accessible SVG charts and CSV (``pactesur.figures``).

An attendee is a confirmed participant the host marked present at one session at least. Counts
by gender hide small numbers (``SMALL_COUNT``): gender is personal."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from accounts.models import gender_labels
from pactesur.figures import SMALL_COUNT, Figures

from .models import Attendance, Registration, Training


def attendees() -> object:
    present = Attendance.objects.filter(registration=OuterRef("pk"), present=True)
    return Registration.objects.filter(status=Registration.Status.CONFIRMED).filter(Exists(present))


def participation_figures() -> list[Figures]:
    """The four tables: by city, by kind, by year, by city and gender (four queries)."""
    rows = attendees()
    by_city = rows.values("city__name").annotate(count=Count("pk"))  # type: ignore[attr-defined]
    by_kind = rows.values("training__kind").annotate(count=Count("pk"))  # type: ignore[attr-defined]
    by_year = (
        rows.annotate(year=ExtractYear("training__first_start"))  # type: ignore[attr-defined]
        .values("year")
        .annotate(count=Count("pk"))
    )
    by_gender = rows.values("city__name", "user__gender").annotate(  # type: ignore[attr-defined]
        count=Count("pk")
    )
    return [
        Figures.from_rows(
            by_city, by="city__name", title=_("Attendees by city"), row_label=_("City"),
            key="city",
        ),
        Figures.from_rows(
            by_kind, by="training__kind", title=_("Attendees by kind of training"),
            row_label=_("Kind"), row_labels={k: str(v) for k, v in Training.Kind.choices},
            key="kind", sort_rows=False,
        ),
        Figures.from_rows(
            by_year, by="year", title=_("Attendees by year"), row_label=_("Year"), key="year",
        ),
        Figures.from_rows(
            by_gender, by="city__name", split_by="user__gender",
            title=_("Attendees by city and gender"), row_label=_("City"),
            column_labels=gender_labels(), suppress_below=SMALL_COUNT, key="city-gender",
            description=_(
                "Gender as people chose to give it in their profile. Counts under 3 are hidden."
            ),
        ),
    ]  # fmt: skip
