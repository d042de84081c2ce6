"""``manage.py import_network``: the wider Efus network from a CSV file."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cities.models import City
from cities.services import clean_network_row

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "cities" / "data" / "network-sample.csv"


def run(path, *args) -> list[str]:
    out = StringIO()
    call_command("import_network", str(path), *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, *, encoding="utf-8") -> Path:
        path = tmp_path / "network.csv"
        path.write_bytes(text.encode(encoding))
        return path

    return write


def test_adds_network_cities_and_regions(csv_file):
    path = csv_file("name,country,kind\nLyon,FR,city\nCatalonia,ES,region\n")
    assert run(path)[0] == "added 2, updated 0, unchanged 0, rejected 0"
    lyon = City.objects.get(name="Lyon")
    assert (lyon.country, lyon.kind, lyon.project_role, lyon.slug) == (
        "FR",
        "city",
        "network",
        "lyon",
    )
    assert City.objects.get(name="Catalonia").kind == "region"


def test_running_the_same_file_again_changes_nothing(csv_file):
    path = csv_file("name,country,kind\nLyon,FR,city\nCatalonia,ES,region\nBad,XX,city\n")
    run(path)
    before = list(City.objects.order_by("pk").values())
    lines = run(path)
    assert lines[0] == "added 0, updated 0, unchanged 2, rejected 1"
    assert list(City.objects.order_by("pk").values()) == before


def test_the_sample_file_imports_cleanly_and_is_idempotent():
    lines = run(SAMPLE)
    added = int(lines[0].split(",")[0].split()[1])
    assert 25 <= added <= 35
    assert lines[0].endswith("unchanged 3, rejected 0")  # Nice, Liège (project) and Paris
    assert "2 row(s) name a PACTESUR 2 city: left as they are." in lines
    assert City.objects.get(slug="nice").project_role == "lead"
    assert run(SAMPLE)[0] == f"added 0, updated 0, unchanged {added + 3}, rejected 0"


def test_matches_name_and_country_ignoring_case_and_updates(csv_file):
    lyon = City.objects.create(name="Lyon", slug="lyon", country="FR", project_role="network")
    lines = run(csv_file("name,country,kind\nLYON,fr,region\nlyon,BE,city\n"))
    assert lines[0] == "added 1, updated 1, unchanged 0, rejected 0"
    lyon.refresh_from_db()
    assert (lyon.name, lyon.kind, lyon.slug) == ("LYON", "region", "lyon")
    other = City.objects.get(name="lyon", country="BE")  # same name, other country: a new row
    assert other.slug == "lyon-be"


def test_never_downgrades_a_project_city(csv_file):
    lines = run(csv_file("name,country,kind\nnice,FR,region\nMadrid,ES,city\n"))
    assert lines[0] == "added 0, updated 0, unchanged 2, rejected 0"
    nice = City.objects.get(slug="nice")
    assert (nice.name, nice.project_role, nice.kind) == ("Nice", "lead", "city")
    assert City.objects.get(slug="madrid").project_role == "partner"


def test_rejected_rows_are_reported_with_their_line(csv_file):
    text = (
        "name,country,kind\n"
        "Lyon,FR,city\n"
        ",FR,city\n"
        f"{'x' * 121},FR,city\n"
        "London,UK,city\n"
        "Atlantis,XX,city\n"
        "Thessaloniki,EL,city\n"
        "Bremen,DE,town\n"
        "Nowhere,,\n"
    )
    lines = run(csv_file(text))
    assert lines[0] == "added 1, updated 0, unchanged 0, rejected 7"
    assert lines[1:] == [
        "line 3: name is empty",
        "line 4: name is longer than 120 characters",
        "line 5: country 'UK' is not an ISO 3166-1 code: use 'GB'",
        "line 6: country 'XX' is not an ISO 3166-1 alpha-2 code",
        "line 7: country 'EL' is not an ISO 3166-1 code: use 'GR'",
        "line 8: kind must be one of city, region, not 'town'",
        "line 9: country is empty; kind must be one of city, region, not ''",
    ]
    assert list(City.objects.network().values_list("name", flat=True).order_by("name")) == [
        "Lyon",
        "Paris",
    ]


def test_tolerates_a_bom_whitespace_extra_columns_and_blank_lines(csv_file):
    text = (
        "\ufeff Name , COUNTRY ,kind,note\n"
        "  Getafe ,  es , City ,sample\n"
        "\n"
        " Val-de-Marne,FR,region\n"
    )
    lines = run(csv_file(text))
    assert lines[0] == "added 2, updated 0, unchanged 0, rejected 0"
    getafe = City.objects.get(name="Getafe")
    assert (getafe.country, getafe.kind) == ("ES", "city")


def test_a_short_row_is_rejected_not_crashed(csv_file):
    lines = run(csv_file("name,country,kind\nLyon,FR\n"))
    assert lines[1] == "line 2: kind must be one of city, region, not ''"


def test_a_row_given_twice_in_one_file_is_rejected_the_second_time(csv_file):
    path = csv_file("name,country,kind\nLyon,FR,city\nlyon,FR,region\n")
    lines = run(path)
    assert lines == [
        "added 1, updated 0, unchanged 0, rejected 1",
        "line 3: the same city or region as line 2",
    ]
    lyon = City.objects.get(name__iexact="lyon")
    assert (lyon.name, lyon.kind) == ("Lyon", "city")
    assert run(path)[0] == "added 0, updated 0, unchanged 1, rejected 1"


def test_dry_run_saves_nothing_but_reports(csv_file):
    path = csv_file("name,country,kind\nLyon,FR,city\nParis,FR,region\nBad,XX,city\n")
    lines = run(path, "--dry-run")
    assert lines[0] == "Dry run: nothing was saved."
    assert lines[1] == "added 1, updated 1, unchanged 0, rejected 1"
    assert not City.objects.filter(name="Lyon").exists()
    assert City.objects.get(slug="paris").kind == "city"


def test_names_without_latin_letters_still_get_a_slug(csv_file):
    athens, piraeus = (
        "\u0391\u03b8\u03ae\u03bd\u03b1",
        "\u03a0\u03b5\u03b9\u03c1\u03b1\u03b9\u03ac\u03c2",
    )
    run(csv_file(f"name,country,kind\n{athens},GR,city\n{piraeus},GR,city\n"))
    slugs = set(
        City.objects.filter(country="GR", project_role="network").values_list("slug", flat=True)
    )
    assert slugs == {"place", "place-gr"}


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "text",
    ["", "Lyon,FR,city\n", "name;country;kind\nLyon;FR;city\n", "name,country\nLyon,FR\n"],
    ids=["empty", "no-header", "semicolons", "missing-kind"],
)
def test_a_file_without_a_valid_header_is_an_error(csv_file, text):
    with pytest.raises(CommandError, match="no valid header"):
        run(csv_file(text))
    assert not City.objects.filter(name="Lyon").exists()


def test_a_file_that_is_not_utf8_is_an_error(csv_file):
    with pytest.raises(CommandError, match="not a UTF-8 file"):
        run(csv_file("name,country,kind\nDüsseldorf,DE,city\n", encoding="latin-1"))
    assert not City.objects.filter(country="DE").exists()


def test_the_command_exits_non_zero_on_a_missing_file(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "import_network", str(tmp_path / "nope.csv")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no such file" in result.stderr


def test_help_says_the_real_list_comes_from_efus():
    from cities.management.commands.import_network import Command

    assert "Efus's own member file" in Command.help
    assert "sample" in Command.help


def test_clean_row_normalises_spaces_and_case():
    row = clean_network_row(2, {"name": "  Reggio   Emilia ", "country": " it", "kind": "CITY "})
    assert (row.name, row.country, row.kind) == ("Reggio Emilia", "IT", "city")
