"""The figures kit (pactesur/figures.py): counts by one or two dimensions as a table, an SVG chart
and CSV, with small counts hidden where a dimension is personal."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.utils import translation

from accounts.models import gender_labels
from pactesur.figures import SMALL_COUNT, Figures, figures_csv, figures_csv_lines

SVG = "{http://www.w3.org/2000/svg}"

BY_CITY = [
    {"city": "Nice", "count": 12},
    {"city": "Gdańsk", "count": 3},
    {"city": "Xàbia", "count": 5},
]


def by_city() -> Figures:
    return Figures.from_rows(
        BY_CITY, by="city", title="Participants by city", row_label="City", key="city"
    )


def by_city_and_gender(rows) -> Figures:
    return Figures.from_rows(
        rows,
        by="city",
        split_by="gender",
        title="Participants by city and gender",
        row_label="City",
        column_labels=gender_labels(),
        suppress_below=SMALL_COUNT,
        key="city-gender",
    )


def render(template: str, **context) -> str:
    return Template("{% load i18n %}" + template).render(Context(context))


def test_one_dimension_counts_rows_and_totals():
    figures = by_city()
    assert not figures.split
    assert figures.rows == ["Gdańsk", "Nice", "Xàbia"]  # by name, accents included
    assert [row["cells"][0].count for row in figures.table_rows] == [3, 12, 5]
    assert [cell.count for cell in figures.column_totals] == [20]
    assert figures.total == 20
    assert figures_csv_lines(figures) == [
        ["City", "Count"],
        ["Gdańsk", "3"],
        ["Nice", "12"],
        ["Xàbia", "5"],
        ["Total", "20"],
    ]


def test_gender_columns_follow_the_choices_and_merge_the_unsaid():
    rows = [
        {"city": "Nice", "gender": "woman", "count": 4},
        {"city": "Nice", "gender": "man", "count": 9},
        {"city": "Nice", "gender": "prefer_not", "count": 3},
        {"city": "Nice", "gender": "", "count": 5},
    ]
    figures = by_city_and_gender(rows)
    assert figures.columns == ["Woman", "Man", "Another gender", "Not said"]
    assert [cell.text for cell in figures.table_rows[0]["cells"]] == ["4", "9", "0", "8"]
    assert figures.row_total("Nice") == 21


SMALL_GENDER_ROWS = [
    {"city": "Nice", "gender": "woman", "count": 4},
    {"city": "Nice", "gender": "man", "count": 9},
    {"city": "Nice", "gender": "other", "count": 1},  # one person: hidden...
    {"city": "Xàbia", "gender": "woman", "count": 3},
    {"city": "Xàbia", "gender": "man", "count": 6},
    {"city": "Xàbia", "gender": "", "count": 2},  # hidden
]


def test_small_counts_are_hidden_and_cannot_be_worked_out_from_the_totals():
    figures = by_city_and_gender(SMALL_GENDER_ROWS)
    nice, xabia = (dict(zip(figures.columns, row["cells"], strict=True))
                   for row in figures.table_rows)  # fmt: skip
    assert nice["Another gender"].hidden and xabia["Not said"].hidden
    # ...and, each being alone in its row, so is the next smallest count of the row, and in the
    # columns, the next smallest of each column with a single hidden cell.
    assert nice["Woman"].hidden
    assert xabia["Woman"].hidden
    for row in figures.table_rows:
        assert sum(cell.hidden for cell in row["cells"]) != 1
    for index in range(len(figures.columns)):
        assert sum(row["cells"][index].hidden for row in figures.table_rows) != 1
    assert figures.row_total("Nice") == 14  # totals stay
    lines = figures_csv_lines(figures)
    assert lines[1] == ["Nice", "<3", "9", "<3", "<3", "14"]  # the 0 goes with "Not said"
    assert lines[2] == ["Xàbia", "<3", "6", "<3", "<3", "11"]
    # "Another gender" counts one person in all: its total is hidden, and so is the next smallest
    # total, which the grand total would otherwise give away.
    assert lines[3] == ["Total", "7", "15", "<3", "<3", "25"]


def test_without_suppression_every_count_shows():
    rows = [{"city": "Nice", "gender": "other", "count": 1}]
    figures = Figures.from_rows(
        rows, by="city", split_by="gender", title="t", row_label="City", column_labels=None
    )
    assert figures.table_rows[0]["cells"][0].text == "1"
    assert not figures.hidden


def test_the_table_is_accessible():
    html = render('{% include "includes/figures_table.html" %}', figures=by_city())
    assert "<caption>Participants by city</caption>" in html
    assert html.count('<th scope="col"') == 2
    assert html.count('<th scope="row">') == 4  # three cities and the total
    assert 'id="figures-city-table"' in html


def test_hidden_counts_are_explained_in_the_table():
    rows = [
        {"city": "Nice", "gender": "other", "count": 1},
        {"city": "Nice", "gender": "man", "count": 2},
    ]
    html = render('{% include "includes/figures_table.html" %}', figures=by_city_and_gender(rows))
    assert "<abbr" in html
    assert "&lt;3" in html
    assert "nobody can be singled out" in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_chart_is_an_svg_image_with_a_title_and_a_text_alternative(language):
    rows = [
        {"city": "Nice", "gender": "woman", "count": 7},
        {"city": "Nice", "gender": "man", "count": 9},
        {"city": "Madrid", "gender": "man", "count": 11},
    ]
    with translation.override(language):
        html = render(
            '{% include "includes/figures_chart.html" %}', figures=by_city_and_gender(rows)
        )
    svg_text = re.search(r"<svg.*</svg>", html, flags=re.S).group()
    svg = ET.fromstring(  # noqa: S314  (our own template's output)
        svg_text.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title.text == "Participants by city and gender"
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    assert "27" in desc.text  # the total, in words
    # Every coordinate is a plain number, also in French (no decimal comma).
    for element in svg.iter():
        for name in ("x", "y", "width", "height") if element is not svg else ():
            if element.get(name) is not None:
                float(element.get(name))
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 3  # Madrid: man; Nice: woman, man
    widths = sorted((float(r.get("width")), r.find(f"{SVG}title").text) for r in bars)
    assert [title.rsplit(": ", 1)[1] for _, title in widths] == ["7", "9", "11"]
    assert "figures-city-gender-table" in html  # the link to the table


def test_the_chart_hides_small_counts_too():
    rows = [
        {"city": "Nice", "gender": "woman", "count": 1},
        {"city": "Nice", "gender": "man", "count": 2},
    ]
    html = render('{% include "includes/figures_chart.html" %}', figures=by_city_and_gender(rows))
    assert "Nice, small numbers: 3" in html
    assert "Woman: 1" not in html


def test_an_empty_figure_says_so():
    figures = Figures.from_rows([], by="city", title="Nothing", row_label="City")
    html = render('{% include "includes/figures.html" %}', figures=figures)
    assert "No figures yet." in html


def test_csv_for_excel_starts_with_a_byte_order_mark():
    plain = figures_csv(by_city(), filename="participation")
    excel = figures_csv(by_city(), filename="participation", excel=True)
    assert plain["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in plain["Content-Disposition"]
    assert 'filename="participation-' in plain["Content-Disposition"]
    assert not plain.content.startswith("\ufeff".encode())
    assert excel.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(plain.content.decode())))
    assert rows[1] == ["Gdańsk", "3"]


def test_csv_cells_are_not_formulas():
    figures = Figures.from_rows(
        [{"city": "=HYPERLINK(1)", "count": 1}], by="city", title="t", row_label="City"
    )
    assert figures_csv_lines(figures)[1][0] == "'=HYPERLINK(1)"


def test_the_combined_include_links_both_csv_files():
    html = render(
        '{% include "includes/figures.html" %}', figures=by_city(), csv_url="/x/figures.csv?y=1"
    )
    assert 'href="/x/figures.csv?y=1"' in html
    assert 'href="/x/figures.csv?y=1&amp;excel=1"' in html
    assert "<svg" in html and "<table" in html
