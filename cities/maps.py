"""A map of Europe drawn as inline SVG, computed here: no tile server, no third-party data.

A Mercator projection of latitude/longitude into a fixed viewBox, a graticule (a line every five
degrees), approximate country-code labels, and one dot per city with a label placed so that labels
do not overlap each other or the dots (a greedy choice among four places around the dot).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Approximate centres of European countries, for the faint country-code labels only (not data
# about the cities). A few are nudged away from project cities so labels don't cover their dots;
# Belgium and Luxembourg are left out: too small for a label beside Brussels and Liège.
COUNTRY_LABELS: dict[str, tuple[float, float]] = {
    "AL": (40.9, 20.0),
    "AT": (47.6, 14.1),
    "BA": (44.2, 17.8),
    "BG": (42.7, 25.3),
    "BY": (53.6, 28.0),
    "CH": (46.8, 8.2),
    "CZ": (49.8, 15.5),
    "DE": (51.1, 10.4),
    "DK": (56.1, 9.2),
    "EE": (58.6, 26.0),
    "ES": (38.3, -4.2),
    "FR": (46.6, 2.4),
    "GB": (52.6, -1.6),
    "GR": (39.3, 21.8),
    "HR": (45.3, 15.6),
    "HU": (46.5, 19.6),
    "IE": (53.2, -8.0),
    "IT": (42.6, 12.8),
    "LT": (55.5, 23.4),
    "LV": (57.0, 26.6),
    "MD": (47.2, 28.5),
    "NL": (52.5, 5.7),
    "NO": (60.3, 9.0),
    "PL": (52.0, 19.3),
    "PT": (40.0, -8.0),
    "RO": (45.9, 24.9),
    "RS": (44.0, 20.9),
    "SE": (59.6, 15.5),
    "SI": (46.1, 14.8),
    "SK": (48.8, 19.6),
    "TR": (39.2, 32.0),
    "UA": (49.0, 31.0),
}

# Rough size of a label in viewBox units: the template draws labels at 13 units.
LABEL_CHAR_WIDTH = 7.0
LABEL_HEIGHT = 13.0
COUNTRY_LABEL_WIDTH = 22.0
DOT_RADIUS = 5.0
LEAD_DOT_RADIUS = 7.5


def _mercator(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


@dataclass(frozen=True)
class Projection:
    """Mercator projection of a longitude/latitude box onto ``width`` units (height follows)."""

    west: float
    east: float
    south: float
    north: float
    width: float = 800.0

    @property
    def scale(self) -> float:
        return self.width / math.radians(self.east - self.west)

    @property
    def height(self) -> float:
        return round(self.scale * (_mercator(self.north) - _mercator(self.south)), 1)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """viewBox coordinates of a point: x grows eastwards, y grows southwards."""
        x = self.scale * math.radians(float(lon) - self.west)
        y = self.scale * (_mercator(self.north) - _mercator(float(lat)))
        return round(x, 1), round(y, 1)

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= float(lat) <= self.north and self.west <= float(lon) <= self.east


EUROPE = Projection(west=-12.0, east=34.0, south=35.0, north=61.0)


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


@dataclass(frozen=True)
class MapPoint:
    city: Any
    x: float
    y: float
    radius: float
    highlight: bool
    label_x: float
    label_y: float
    anchor: str  # SVG text-anchor: start, end or middle


@dataclass(frozen=True)
class GridLine:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class CountryLabel:
    code: str
    x: float
    y: float
    has_city: bool


@dataclass(frozen=True)
class EuropeMap:
    width: float
    height: float
    points: list[MapPoint]
    meridians: list[GridLine]
    parallels: list[GridLine]
    countries: list[CountryLabel]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def label_box(x: float, y: float, text: str, anchor: str) -> Box:
    """The box a label drawn at (x, y) with this anchor covers (y is the text baseline)."""
    width = len(text) * LABEL_CHAR_WIDTH
    left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return Box(left, y - LABEL_HEIGHT + 3, left + width, y + 3)


def _candidates(x: float, y: float, r: float) -> list[tuple[float, float, str]]:
    gap = r + 3
    return [
        (x + gap, y + 4, "start"),  # right
        (x - gap, y + 4, "end"),  # left
        (x, y - gap - 2, "middle"),  # above
        (x, y + gap + LABEL_HEIGHT - 2, "middle"),  # below
    ]


def place_labels(
    dots: list[tuple[float, float, float, str]], width: float, height: float
) -> list[tuple[float, float, str]]:
    """For each dot (x, y, radius, text), where to draw its label: (x, y, anchor).

    Greedy, in the given order: the first of right, left, above, below whose box stays inside the
    map and overlaps no label placed so far and no dot; if none fits, the least crowded one.
    """
    dot_boxes = [Box(x - r, y - r, x + r, y + r) for x, y, r, _ in dots]
    placed: list[Box] = []
    result = []
    for x, y, r, text in dots:
        best: tuple[int, tuple[float, float, str], Box] | None = None
        for candidate in _candidates(x, y, r):
            box = label_box(*candidate[:2], text, candidate[2])
            clashes = sum(box.overlaps(other) for other in placed + dot_boxes)
            clashes += 0 if box.inside(width, height) else 100
            if best is None or clashes < best[0]:
                best = (clashes, candidate, box)
            if clashes == 0:
                break
        assert best is not None
        placed.append(best[2])
        result.append(best[1])
    return result


def _graticule(projection: Projection, step: int = 5) -> tuple[list[GridLine], list[GridLine]]:
    height, width = projection.height, projection.width
    meridians = []
    for lon in range(math.ceil(projection.west / step) * step, int(projection.east) + 1, step):
        x, _ = projection.xy(projection.north, lon)
        label = f"{abs(lon)}°{'E' if lon > 0 else 'W' if lon < 0 else ''}"
        meridians.append(GridLine(x, 0, x, height, label, x + 3, height - 4))
    parallels = []
    for lat in range(math.ceil(projection.south / step) * step, int(projection.north) + 1, step):
        if lat <= projection.south:
            continue  # its label would sit on the meridians' labels
        _, y = projection.xy(lat, projection.west)
        parallels.append(GridLine(0, y, width, y, f"{lat}°N", 3, y - 3))
    return meridians, parallels


def europe_map(
    cities: Iterable[Any],
    *,
    highlight_roles: Iterable[str] = ("lead",),
    projection: Projection = EUROPE,
) -> EuropeMap:
    """The map of these cities (objects with ``name``, ``latitude``, ``longitude``, ``country``,
    ``project_role``). Cities without coordinates or outside the map are left out."""
    highlight_roles = set(highlight_roles)
    located = [
        c
        for c in cities
        if c.latitude is not None
        and c.longitude is not None
        and projection.contains(c.latitude, c.longitude)
    ]
    # Highlighted cities first, so their labels get the best place.
    located.sort(key=lambda c: (c.project_role not in highlight_roles, c.name))
    dots = []
    for city in located:
        x, y = projection.xy(city.latitude, city.longitude)
        radius = LEAD_DOT_RADIUS if city.project_role in highlight_roles else DOT_RADIUS
        dots.append((x, y, radius, city.name))
    labels = place_labels(dots, projection.width, projection.height)
    points = [
        MapPoint(city, x, y, r, city.project_role in highlight_roles, lx, ly, anchor)
        for city, (x, y, r, _), (lx, ly, anchor) in zip(located, dots, labels, strict=True)
    ]
    # Country codes are background: one that would touch a city's dot or label is left out.
    taken = [Box(x - r, y - r, x + r, y + r) for x, y, r, _ in dots]
    taken += [
        label_box(lx, ly, p.city.name, anchor)
        for p, (lx, ly, anchor) in zip(points, labels, strict=True)
    ]
    with_cities = {c.country for c in located}
    countries = []
    for code, (lat, lon) in sorted(COUNTRY_LABELS.items()):
        if not projection.contains(lat, lon):
            continue
        x, y = projection.xy(lat, lon)
        box = Box(x - COUNTRY_LABEL_WIDTH / 2, y - LABEL_HEIGHT, x + COUNTRY_LABEL_WIDTH / 2, y + 2)
        if not any(box.overlaps(other) for other in taken):
            countries.append(CountryLabel(code, x, y, has_city=code in with_cities))
    meridians, parallels = _graticule(projection)
    return EuropeMap(projection.width, projection.height, points, meridians, parallels, countries)
