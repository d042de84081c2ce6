"""CSV exports, streamed: the pattern of the practices' export, shared by every CSV the site
serves (practices, the moderation log)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.cache import patch_vary_headers

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


def streamed_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str, excel: bool = False
) -> StreamingHttpResponse:
    """A CSV download, streamed row by row (with a byte order mark for Excel)."""

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo())
        yield (BOM if excel else "") + writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_vary_headers(response, ["Cookie"])
    return response
