"""The carrier file formats: CSV in two dialects, XLSX and JSON, written while the rows stream.

Every cell passes the formula guard (sanitize.sanitize_row) on its way into a file.
"""

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator

from complaints.carrier.sanitize import sanitize_row

FORMATS = ["csv", "xlsx", "json"]
# RFC 4180: comma, CRLF, quotes. German Excel reads ;-separated files, and UTF-8 only with a
# byte order mark.
DELIMITERS = {"rfc4180": ",", "excel-de": ";"}
DIALECTS = list(DELIMITERS)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000  # rows fetched from the database at a time


def stream(
    columns: list[str],
    rows: Iterable[list],
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The rows as a file of the format, in chunks of bytes, every text cell guarded."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    check_dialect(dialect)
    writer = {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt]
    return writer(columns, _sanitized(rows, progress), dialect)


def check_dialect(dialect: str) -> None:
    if dialect not in DELIMITERS:
        raise ValueError(f"unknown dialect {dialect!r}")


def csv_header(columns: list[str], dialect: str) -> bytes:
    """The first line of a CSV file of the dialect (with its byte order mark, if any)."""
    buffer = io.StringIO()
    _csv_writer(buffer, dialect).writerow(columns)
    return buffer.getvalue().encode()


def _csv_writer(buffer: io.StringIO, dialect: str):
    if dialect == "excel-de":
        buffer.write("\ufeff")
    return csv.writer(buffer, delimiter=DELIMITERS[dialect], lineterminator="\r\n")


def _sanitized(rows, progress) -> Iterator[list]:
    count = 0
    for row in rows:
        yield sanitize_row(row)
        count += 1
        if progress and count % 10_000 == 0:
            progress(count)
    if progress:
        progress(count)


def _csv(columns, rows, dialect) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = _csv_writer(buffer, dialect)
    writer.writerow(columns)
    for index, row in enumerate(rows, 1):
        writer.writerow(row)
        if index % 1000 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _json(columns, rows, dialect) -> Iterator[bytes]:
    yield b"["
    separator = b"\n"
    for row in rows:
        yield (
            separator
            + json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False).encode()
        )
        separator = b",\n"
    yield b"\n]\n"


def _xlsx(columns, rows, dialect) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    # Write-only mode streams rows to a temporary file instead of keeping cells in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(columns)
    error_codes = frozenset(ERROR_CODES)

    def text_cell(value):
        # openpyxl would write a text such as "#N/A" as an error cell, not as the text.
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell

    for row in rows:
        sheet.append([text_cell(v) if v in error_codes else v for v in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(64 * 1024):
            yield chunk
