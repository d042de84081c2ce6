"""Figures: counts grouped by one or two dimensions, shown as a table, an SVG bar chart and CSV.

The apps that count participation (trainings by city, kind, year, gender; exchanges by host
city, sending city...) build a ``Figures`` from the rows of one ``values().annotate()`` query and
hand it to the templates and to ``figures_csv``::

    rows = (
        Registration.objects.attended()
        .values("user_city", "user__gender")
        .annotate(count=Count("id"))
    )
    figures = Figures.from_rows(
        rows,
        by="user_city",
        split_by="user__gender",
        title=_("Participants by city and gender"),
        row_label=_("City"),
        column_labels=gender_labels(),      # accounts.models.gender_labels: every choice, in order
        suppress_below=SMALL_COUNT,         # gender: never a count of 1 or 2 people
        key="city-gender",
    )

    {% include "includes/figures.html" with figures=figures csv_url=csv_url %}   (table + chart)
    {% include "includes/figures_table.html" with figures=figures %}
    {% include "includes/figures_chart.html" with figures=figures %}
    return figures_csv(figures, filename="participation", excel=request.GET.get("excel") == "1")

**Small counts.** With ``suppress_below=n``, a cell counting 1 to n-1 people is shown as "<n",
in the table, the chart and the CSV alike; then, so that no hidden cell can be worked out from a
total, a line (row or column) with exactly one hidden cell hides its next smallest cell too
("secondary suppression"). Totals are always shown. Pass ``SMALL_COUNT`` whenever one of the
dimensions says something personal (gender); counts of cities, kinds or years need none.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .spreadsheets import BOM, CSV_TYPE, Echo, csv_cell

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SMALL_COUNT = 3

# Bar colours: blues and a yellow from the site's palette, each at least 3:1 against white
# (WCAG 1.4.11) and told apart by the legend and the table, never by colour alone.
PALETTE = ("#003399", "#b35c00", "#1e6b35", "#6b2c91", "#4a4f57", "#a3001e", "#00626b")
HIDDEN_COLOUR = "#8a8f98"

# Chart geometry, in SVG user units (the chart scales to its container).
CHART_WIDTH = 720
LABEL_WIDTH = 200
VALUE_WIDTH = 60
BAR_HEIGHT = 22
BAR_GAP = 8
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class Cell:
    """One count, and whether it is hidden (shown as "<3")."""

    count: int
    hidden: bool = False
    limit: int = 0

    @property
    def text(self) -> str:
        return f"<{self.limit}" if self.hidden else str(self.count)


@dataclass
class Figures:
    """Counts by ``rows`` (first dimension) and ``columns`` (second; one column when there is
    none). Build it with ``Figures.from_rows``."""

    title: str
    row_label: str
    rows: list[str]
    columns: list[str]
    counts: dict[tuple[str, str], int]
    key: str = "figures"
    description: str = ""
    suppress_below: int = 0
    hidden: set[tuple[str, str]] = field(default_factory=set)
    hidden_totals: set[str] = field(default_factory=set)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        by: str,
        title: StrOrPromise,
        row_label: StrOrPromise,
        split_by: str | None = None,
        count: str = "count",
        row_labels: Mapping[Any, str] | None = None,
        column_labels: Mapping[Any, str] | None = None,
        description: StrOrPromise = "",
        suppress_below: int = 0,
        key: str = "figures",
        sort_rows: bool = True,
    ) -> Figures:
        """From rows like ``{"city": "Nice", "gender": "woman", "count": 4}`` (a
        ``values(...).annotate(count=Count(...))`` queryset). ``row_labels`` and
        ``column_labels`` turn stored values into what readers see (and fix the columns' order:
        every label given is a column, even with no count); values without a label are shown
        as they are, and empty ones as "Not said". Rows are sorted by label unless
        ``sort_rows=False`` (then they keep the order of ``row_labels``, then of arrival)."""
        counts: dict[tuple[str, str], int] = {}
        row_order: list[str] = list(row_labels.values()) if row_labels and not sort_rows else []
        column_order = (
            list(dict.fromkeys(map(str, column_labels.values()))) if column_labels else []
        )
        total_label = _("Count")
        for item in rows:
            row = _label(item[by], row_labels)
            column = _label(item[split_by], column_labels) if split_by else total_label
            counts[(row, column)] = counts.get((row, column), 0) + int(item[count] or 0)
            if row not in row_order:
                row_order.append(row)
            if column not in column_order:
                column_order.append(column)
        if not split_by:
            column_order = [total_label]
        if sort_rows:
            row_order.sort(key=str.casefold)
        figures = cls(
            title=str(title),
            row_label=str(row_label),
            rows=row_order,
            columns=column_order,
            counts=counts,
            key=key,
            description=str(description),
            suppress_below=suppress_below,
        )
        figures.hidden, figures.hidden_totals = figures._suppressed()
        return figures

    # --- Reading ------------------------------------------------------------------------------

    @property
    def split(self) -> bool:
        """Whether there is a second dimension (more than the one "Count" column)."""
        return self.columns != [_("Count")]

    def count(self, row: str, column: str) -> int:
        return self.counts.get((row, column), 0)

    def cell(self, row: str, column: str) -> Cell:
        return Cell(
            self.count(row, column), (row, column) in self.hidden, limit=self.suppress_below
        )

    def row_total(self, row: str) -> int:
        return sum(self.count(row, c) for c in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.count(r, column) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def table_rows(self) -> list[dict[str, Any]]:
        """For the table: each row's label, cells (in column order) and total."""
        return [
            {
                "label": row,
                "cells": [self.cell(row, c) for c in self.columns],
                "total": self.row_total(row),
            }
            for row in self.rows
        ]

    @property
    def column_totals(self) -> list[Cell]:
        return [
            Cell(self.column_total(c), c in self.hidden_totals, limit=self.suppress_below)
            for c in self.columns
        ]

    # --- Small counts ---------------------------------------------------------------------------

    def _suppressed(self) -> tuple[set[tuple[str, str]], set[str]]:
        """The hidden cells and the hidden column totals."""
        limit = self.suppress_below
        if limit <= 1:
            return set(), set()

        def small(n: int) -> bool:
            return 0 < n < limit

        hidden = {(r, c) for r in self.rows for c in self.columns if small(self.count(r, c))}
        lines = [[(r, c) for c in self.columns] for r in self.rows]
        lines += [[(r, c) for r in self.rows] for c in self.columns]
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(1 for cell in line if cell in hidden) != 1:
                    continue
                others = [cell for cell in line if cell not in hidden]
                if others:  # the smallest other count; a 0 only when there is none other
                    hidden.add(
                        min(others, key=lambda cell: (self.count(*cell) == 0, self.count(*cell)))
                    )
                    changed = True
        # A column's total is a count too (everyone of one gender); and one hidden total could
        # be worked out from the grand total, so a second one goes with it.
        totals = {c for c in self.columns if small(self.column_total(c))}
        if len(totals) == 1 and len(self.columns) > 1:
            remaining = [c for c in self.columns if c not in totals]
            totals.add(min(remaining, key=self.column_total))
        return hidden, totals

    # --- The chart ------------------------------------------------------------------------------

    @property
    def chart(self) -> dict[str, Any]:
        """Geometry for ``includes/figures_chart.html``: horizontal bars, one per row, stacked by
        column; hidden cells are drawn together, in grey, as "small numbers"."""
        top = LEGEND_HEIGHT if self.split else 4
        scale_width = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
        largest = max((self.row_total(r) for r in self.rows), default=0) or 1
        colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(self.columns)}
        bars = []
        for index, row in enumerate(self.rows):
            y = top + index * (BAR_HEIGHT + BAR_GAP)
            x = float(LABEL_WIDTH)
            segments = []
            hidden_count = 0
            for column in self.columns:
                cell = self.cell(row, column)
                if cell.hidden:
                    hidden_count += cell.count
                    continue
                if cell.count:
                    width = cell.count / largest * scale_width
                    segments.append(
                        {"x": _n(x), "width": _n(width), "colour": colours[column],
                         "label": column, "count": cell.count}
                    )  # fmt: skip
                    x += width
            if hidden_count:
                width = hidden_count / largest * scale_width
                segments.append(
                    {"x": _n(x), "width": _n(width), "colour": HIDDEN_COLOUR,
                     "label": _("small numbers"), "count": hidden_count}
                )  # fmt: skip
                x += width
            bars.append(
                {"label": row, "y": y, "text_y": _n(y + BAR_HEIGHT / 2), "segments": segments,
                 "total": self.row_total(row), "total_x": _n(x + 6)}
            )  # fmt: skip
        legend = []
        if self.split:
            step = (CHART_WIDTH - LABEL_WIDTH) / max(len(self.columns) + bool(self.hidden), 1)
            entries = [(c, colours[c]) for c in self.columns]
            if self.hidden:
                entries.append((_("small numbers"), HIDDEN_COLOUR))
            legend = [
                {
                    "label": label,
                    "colour": colour,
                    "x": _n(LABEL_WIDTH + i * step),
                    "text_x": _n(LABEL_WIDTH + i * step + 16),
                }
                for i, (label, colour) in enumerate(entries)
            ]
        height = top + len(self.rows) * (BAR_HEIGHT + BAR_GAP) + 4
        return {
            "width": CHART_WIDTH,
            "height": height,
            "label_x": LABEL_WIDTH - 8,
            "bar_height": BAR_HEIGHT,
            "bars": bars,
            "legend": legend,
        }

    @property
    def summary(self) -> str:
        """A sentence for the chart's text alternative: the total and the largest row."""
        if not self.rows:
            return _("No figures yet.")
        largest = max(self.rows, key=self.row_total)
        return _("%(total)s in all; the most: %(row)s, %(count)s.") % {
            "total": self.total,
            "row": largest,
            "count": self.row_total(largest),
        }


def _n(number: float) -> str:
    """A coordinate for SVG: a dot, never a localised comma."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _label(value: Any, labels: Mapping[Any, str] | None) -> str:
    if labels is not None and value in labels:
        return str(labels[value])
    if value in (None, ""):
        return _("Not said")
    return str(value)


# --- CSV -----------------------------------------------------------------------------------------


def figures_csv_lines(figures: Figures) -> list[list[str]]:
    """The table as CSV rows: header, one line per row, then the totals (hidden cells as "<3")."""
    header = [figures.row_label, *figures.columns, _("Total")] if figures.split else [
        figures.row_label, _("Count")
    ]  # fmt: skip
    lines: list[Sequence[Any]] = [header]
    for row in figures.table_rows:
        cells = [cell.text for cell in row["cells"]]
        lines.append(
            [row["label"], *cells, row["total"]] if figures.split else [row["label"], *cells]
        )
    totals = [_("Total"), *(cell.text for cell in figures.column_totals)]
    lines.append([*totals, figures.total] if figures.split else totals)
    return [[csv_cell(value) for value in line] for line in lines]


def figures_csv(figures: Figures, *, filename: str, excel: bool = False) -> HttpResponse:
    """The figures as a CSV attachment ``<filename>-<date>.csv``; ``excel=True`` starts it with a
    UTF-8 byte order mark ("CSV for Excel", as the practices export does)."""
    writer = csv.writer(Echo())
    body = (BOM if excel else "") + "".join(
        writer.writerow(line) for line in figures_csv_lines(figures)
    )
    response = HttpResponse(body, content_type=CSV_TYPE)
    name = f"{filename}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
