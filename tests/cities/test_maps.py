"""The SVG map's projection and label placement (cities/maps.py)."""

import math
from dataclasses import dataclass
from itertools import combinations

import pytest

from cities.maps import EUROPE, Box, Projection, europe_map, label_box, place_labels
from cities.models import City


@dataclass
class Place:
    name: str
    latitude: float | None
    longitude: float | None
    country: str = "FR"
    project_role: str = "associated"


def test_corners_of_the_box_map_to_the_corners_of_the_view_box():
    p = EUROPE
    assert p.xy(p.north, p.west) == (0, 0)
    x, y = p.xy(p.south, p.east)
    assert x == pytest.approx(p.width, abs=0.1)
    assert y == pytest.approx(p.height, abs=0.1)


def test_longitude_is_linear_and_latitude_is_mercator():
    p = Projection(west=0, east=10, south=0, north=60, width=1000)
    assert p.xy(30, 5)[0] == pytest.approx(500, abs=0.1)
    assert p.xy(30, 2.5)[0] == pytest.approx(250, abs=0.1)
    # Mercator: five degrees of latitude take more room further north.
    y0, y5, y55, y60 = (p.xy(lat, 0)[1] for lat in (0, 5, 55, 60))
    assert (y0 - y5) < (y55 - y60)
    scale = 1000 / math.radians(10)
    expected = scale * math.log(math.tan(math.pi / 4 + math.radians(2.5)))
    assert y0 - y5 == pytest.approx(expected, abs=0.2)


def test_east_is_right_and_north_is_up():
    nice, madrid, brussels = EUROPE.xy(43.71, 7.26), EUROPE.xy(40.42, -3.70), EUROPE.xy(50.85, 4.35)
    assert madrid[0] < brussels[0] < nice[0]
    assert brussels[1] < nice[1] < madrid[1]


def test_contains():
    assert EUROPE.contains(43.71, 7.26)
    assert not EUROPE.contains(40.7, -74.0)  # New York
    assert not EUROPE.contains(64.1, -21.9)  # Reykjavík, north of the box


def test_labels_avoid_other_dots_and_labels():
    # Brussels' label cannot go right: Liège's dot is there. Liège's label then fits on its right.
    dots = [(100.0, 100.0, 5.0, "Brussels"), (130.0, 100.0, 5.0, "Liège")]
    (x1, y1, a1), (x2, y2, a2) = place_labels(dots, 800, 600)
    assert (a1, a2) == ("end", "start")
    assert x1 < 100 < 130 < x2
    assert not label_box(x1, y1, "Brussels", a1).overlaps(label_box(x2, y2, "Liège", a2))


def test_a_third_crowded_label_goes_above_or_below():
    # C's long label would cover B's dot on the right and A's label on the left.
    dots = [(100.0, 100.0, 5.0, "Aaaa"), (200.0, 100.0, 5.0, "Bbbb"), (150.0, 100.0, 5.0, "C" * 10)]
    placed = place_labels(dots, 800, 600)
    assert [a for _, _, a in placed] == ["start", "start", "middle"]
    boxes = [label_box(x, y, t, a) for (x, y, a), (*_, t) in zip(placed, dots, strict=True)]
    assert not any(a.overlaps(b) for a, b in combinations(boxes, 2))


def test_a_label_at_the_right_edge_goes_left():
    [(x, _, anchor)] = place_labels([(795.0, 300.0, 5.0, "Vilnius")], 800, 600)
    assert anchor == "end" and x < 795


def test_box_overlap():
    assert Box(0, 0, 10, 10).overlaps(Box(5, 5, 15, 15))
    assert not Box(0, 0, 10, 10).overlaps(Box(10, 0, 20, 10))  # touching is fine
    assert Box(1, 1, 9, 9).inside(10, 10)
    assert not Box(-1, 1, 9, 9).inside(10, 10)


@pytest.mark.django_db
def test_the_15_cities_fit_with_no_overlapping_labels():
    cities = list(City.objects.in_project())
    m = europe_map(cities)
    assert len(m.points) == 15
    assert [p.city.slug for p in m.points if p.highlight] == ["nice"]
    assert m.points[0].city.slug == "nice"  # the lead city is placed first
    boxes = [label_box(p.label_x, p.label_y, p.city.name, p.anchor) for p in m.points]
    dots = [Box(p.x - p.radius, p.y - p.radius, p.x + p.radius, p.y + p.radius) for p in m.points]
    for p, box in zip(m.points, boxes, strict=True):
        assert 0 < p.x < m.width and 0 < p.y < m.height, p.city
        assert box.inside(m.width, m.height), p.city
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b)
    for box in boxes:
        assert sum(box.overlaps(d) for d in dots) == 0
    # Country codes are left out where they would touch a city's label.
    for country in m.countries:
        cbox = Box(country.x - 11, country.y - 13, country.x + 11, country.y + 2)
        assert not any(cbox.overlaps(b) for b in boxes + dots), country.code
    codes = {c.code for c in m.countries}
    assert {"FR", "IT", "PL"} <= codes
    assert {c.code for c in m.countries if c.has_city} >= {"FR", "IT", "PL"}
    assert m.view_box == f"0 0 800 {m.height:g}"


def test_cities_without_coordinates_or_outside_the_map_are_left_out():
    m = europe_map(
        [
            Place("Nice", 43.71, 7.26, project_role="lead"),
            Place("Nowhere", None, None),
            Place("Montréal", 45.5, -73.6, country="CA"),
        ]
    )
    assert [p.city.name for p in m.points] == ["Nice"]
    assert m.points[0].highlight and m.points[0].radius > 5


def test_graticule_every_five_degrees():
    m = europe_map([])
    assert [line.label for line in m.meridians] == [
        "10°W", "5°W", "0°", "5°E", "10°E", "15°E", "20°E", "25°E", "30°E",
    ]  # fmt: skip
    assert [line.label for line in m.parallels] == ["40°N", "45°N", "50°N", "55°N", "60°N"]
    for line in m.meridians:
        assert line.x1 == line.x2 and line.y1 == 0 and line.y2 == m.height
