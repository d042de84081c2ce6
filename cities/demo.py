"""Demo data for cities: a sample of the wider Efus network (see ``manage.py seed_demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .services import network_import, read_network_csv

SAMPLE_NETWORK = Path(__file__).parent / "data" / "network-sample.csv"


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    """Import the sample network list (the 15 cities and Efus come with the migrations)."""
    with SAMPLE_NETWORK.open(encoding="utf-8-sig", newline="") as fh:
        report = network_import(rows=read_network_csv(fh))
    stdout.write(f"  sample network ({SAMPLE_NETWORK.name}): {report.lines()[0]}")
