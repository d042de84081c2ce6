"""CSV for people who open it in a spreadsheet: the one rule for cells, and Excel's byte order mark.

Used by every CSV the site serves (practices' open-data export, the figures kit).
"""

from __future__ import annotations

from typing import Any

CSV_TYPE = "text/csv; charset=utf-8"
# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark (else "LiÃ¨ge").
BOM = "\ufeff"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer`` to stream."""

    def write(self, value: str) -> str:
        return value
