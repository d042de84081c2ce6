"""CSV and JSON exports of the filtered list: same filters, same visibility as the list page."""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import City, Theme
from moderation.models import Status, Visibility
from pactesur.spreadsheets import csv_cell
from practices import selectors
from practices.views import browse
from tests.practices.factories import PracticeFactory

CSV_URL = reverse("practices:export_csv")
JSON_URL = reverse("practices:export_json")
COLUMNS = [
    "id", "title", "url", "city", "country", "themes", "outcome", "evaluation_stage",
    "period_start", "period_end", "language", "visibility", "published_at", "summary",
]  # fmt: skip


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def json_doc(response) -> dict:
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.django_db
def test_csv_is_streamed_as_a_dated_attachment_with_the_documented_columns(client):
    practice = PracticeFactory(
        title="Old Town night patrols",
        city=City.objects.get(slug="tallinn"),
        outcome="worked",
        evaluation_stage="local",
        period_start=datetime.date(2022, 6, 1),
        original_language="et",
        themes=[
            Theme.objects.get(slug="safe-nightlife"),
            Theme.objects.get(slug="safety-and-tourism"),
        ],
    )
    with time_machine.travel(datetime.datetime(2025, 3, 4, 10, tzinfo=datetime.UTC)):
        response = client.get(CSV_URL)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="pactesur-practices-2025-03-04.csv"'
    )
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] == ",".join(COLUMNS)
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["id"] == str(practice.pk)
    assert row["title"] == "Old Town night patrols"
    assert row["url"] == f"http://testserver{practice.get_absolute_url()}"
    assert (row["city"], row["country"]) == ("Tallinn", "EE")
    assert row["themes"] == "Safe nightlife; Safety and tourism"
    assert (row["outcome"], row["evaluation_stage"]) == ("worked", "local")
    assert (row["period_start"], row["period_end"]) == ("2022-06-01", "")
    assert (row["language"], row["visibility"]) == ("et", "public")
    assert row["published_at"].startswith(str(practice.published_at.year))
    assert row["summary"] == practice.summary


@pytest.mark.django_db
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(client):
    PracticeFactory(title='=HYPERLINK("http://evil")', summary="+1 shady")
    PracticeFactory(title="@SUM(A1)", summary="-2 minus")
    PracticeFactory(title="Normal - with a dash", summary="Fine = fine")
    rows = {r["title"]: r for r in csv_rows(client.get(CSV_URL))}
    assert set(rows) == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)", "Normal - with a dash"}
    assert rows['\'=HYPERLINK("http://evil")']["summary"] == "'+1 shady"
    assert rows["'@SUM(A1)"]["summary"] == "'-2 minus"
    assert rows["Normal - with a dash"]["summary"] == "Fine = fine"


@pytest.mark.parametrize(
    "value,expected",
    [("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("x=1", "x=1"), ("", ""), (None, ""), (["a", "=b"], "a; =b"), (12, "12")],
)  # fmt: skip
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


@pytest.mark.django_db
def test_exports_apply_the_list_filters_and_sort(client):
    PracticeFactory(title="Bravo worked", outcome="worked")
    PracticeFactory(title="Alpha worked", outcome="worked")
    PracticeFactory(title="New one", outcome="new")
    params = {"outcome": "worked", "sort": "title", "page": "2"}  # the page is ignored
    assert [r["title"] for r in csv_rows(client.get(CSV_URL, params))] == [
        "Alpha worked",
        "Bravo worked",
    ]
    doc = json_doc(client.get(JSON_URL, params))
    assert [p["title"] for p in doc["practices"]] == ["Alpha worked", "Bravo worked"]


def _tiers(author) -> None:
    PracticeFactory(title="Public")
    PracticeFactory(title="Network", visibility=Visibility.NETWORK)
    PracticeFactory(title="Police", visibility=Visibility.POLICE)
    PracticeFactory(title="Draft", status=Status.DRAFT, published_at=None, created_by=author)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", ["Public"]),
        ("pending_member", ["Public"]),
        ("network_member", ["Network", "Public"]),
        ("member", ["Network", "Police", "Public"]),
        ("coordinator", ["Network", "Police", "Public"]),
        ("efus_staff", ["Network", "Police", "Public"]),
    ],
)
def test_exports_contain_what_the_user_may_see_and_never_drafts(
    client, request, member, role, expected
):
    _tiers(author=member)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert sorted(r["title"] for r in csv_rows(client.get(CSV_URL))) == expected
    doc = json_doc(client.get(JSON_URL))
    assert sorted(p["title"] for p in doc["practices"]) == expected
    assert {p["title"]: p["visibility"] for p in doc["practices"]} == {
        t: t.lower() for t in expected
    }


@pytest.mark.django_db
def test_json_export_document(client):
    practice = PracticeFactory(
        title="Drone wildfire drill", themes=[Theme.objects.get(slug="crisis-management")]
    )
    with time_machine.travel(datetime.datetime(2025, 3, 4, 10, tzinfo=datetime.UTC)):
        response = client.get(JSON_URL)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="pactesur-practices-2025-03-04.json"'
    )
    doc = json_doc(response)
    assert doc["count"] == 1 and doc["truncated"] is False and doc["limit"] == 5000
    assert "note" not in doc
    (item,) = doc["practices"]
    assert list(item) == COLUMNS
    assert item["id"] == practice.pk
    assert item["themes"] == ["Crisis management"]
    assert item["url"] == f"http://testserver{practice.get_absolute_url()}"


@pytest.mark.django_db
def test_json_export_is_capped_and_says_so(client, monkeypatch):
    monkeypatch.setattr(browse, "JSON_EXPORT_LIMIT", 3)
    PracticeFactory.create_batch(5)
    doc = json_doc(client.get(JSON_URL))
    assert doc["truncated"] is True
    assert doc["count"] == 3 and len(doc["practices"]) == 3
    assert "CSV" in doc["note"]
    monkeypatch.setattr(browse, "JSON_EXPORT_LIMIT", 5)
    assert json_doc(client.get(JSON_URL))["truncated"] is False


@pytest.mark.django_db
def test_csv_reads_in_chunks_with_the_themes_of_every_row(client, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 4)
    events = Theme.objects.get(slug="major-events")
    PracticeFactory.create_batch(11, themes=[events])
    rows = csv_rows(client.get(CSV_URL))
    assert len(rows) == 11
    assert {r["themes"] for r in rows} == {"Major events"}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if isinstance(response, StreamingHttpResponse):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CSV_URL, JSON_URL])
def test_export_query_count_does_not_grow_with_rows(client, member, url):
    client.force_login(member)
    themes = list(Theme.objects.all()[:2])
    PracticeFactory(themes=themes)
    one = _count(client, url)
    PracticeFactory.create_batch(24, themes=themes)
    assert one == _count(client, url) <= 10


@pytest.mark.django_db
@pytest.mark.parametrize("url,kind", [(CSV_URL, "text/csv"), (JSON_URL, "application/json")])
def test_head_answers_the_headers_without_running_the_query(
    client, url, kind, django_assert_num_queries
):
    PracticeFactory()
    with django_assert_num_queries(0):
        response = client.head(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(kind)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == b""


@pytest.mark.django_db
def test_the_csv_for_excel_starts_with_a_byte_order_mark(client):
    PracticeFactory(title="Patrouilles à Liège")
    plain = b"".join(client.get(CSV_URL).streaming_content)
    excel = b"".join(client.get(CSV_URL, {"excel": "1"}).streaming_content)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel == b"\xef\xbb\xbf" + plain
    assert "Patrouilles à Liège" in excel.decode("utf-8-sig")


@pytest.mark.django_db
def test_the_list_page_offers_the_csv_for_excel_with_the_filters(client):
    PracticeFactory(title="Night mediators")
    html = client.get(reverse("practices:list"), {"q": "night"}).content.decode()
    assert f'href="{CSV_URL}?q=night&amp;excel=1"' in html
