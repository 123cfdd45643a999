"""The carrier file formats: CSV in two dialects, XLSX, JSON and GeoJSON, written while the
rows stream.

Every cell passes the formula guard (sanitize.sanitize_row) on its way into a file. The rows
arrive as the CSV writes them (text, "" for nothing); the typed formats give each column its
type by name (typed_value): a date cell, a number, null, the list of problem slugs.
"""

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator

from complaints.carrier.sanitize import sanitize_row

FORMATS = ["csv", "xlsx", "json", "geojson"]
# RFC 4180: comma, CRLF, quotes. German Excel reads ;-separated files, and UTF-8 only with a
# byte order mark.
DELIMITERS = {"rfc4180": ",", "excel-de": ";"}
DIALECTS = list(DELIMITERS)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000  # rows fetched from the database at a time


def stream(
    columns: list[str],
    rows: Iterable[list],
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
    located: bool = False,
) -> Iterator[bytes]:
    """The rows as a file of the format, in chunks of bytes, every text cell guarded.

    located: each row ends with two values past the columns, its point's latitude and
    longitude (None: no point), which only the GeoJSON writer reads (the aggregates: their
    places' centroids, without columns of their own)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    check_dialect(dialect)
    rows = _sanitized(rows, progress)
    if fmt == "geojson":
        return _geojson(columns, rows, _trailing_point if located else locator(columns))
    if located:
        rows = (row[: len(columns)] for row in rows)
    writer = {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt]
    return writer(columns, rows, dialect)


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


# Column types of the carrier files, by name (the same names in every export): what is not
# named here is text. Postal codes, pseudonyms and AGS stay text: leading zeros, and a
# spreadsheet must not read a pseudonym of digits and "e" as a number.
DATE_COLUMNS = frozenset({"submitted_on"})
NUMBER_COLUMNS = frozenset({"latitude", "longitude"})
INTEGER_COLUMNS = frozenset({"complaints"})
BOOLEAN_COLUMNS = frozenset({"suppressed"})
LIST_COLUMNS = frozenset({"problems"})  # ";"-separated slugs in CSV


def typed_value(column: str, value):
    """A cell as the typed formats write it: None for nothing, else the column's type."""
    if value is None or value == "":
        return [] if column in LIST_COLUMNS else None
    if not isinstance(value, str):
        return value
    if column in LIST_COLUMNS:
        return value.split(";")
    if column in BOOLEAN_COLUMNS:
        return value.lower() == "true"
    try:
        if column in NUMBER_COLUMNS:
            return float(value)
        if column in INTEGER_COLUMNS:
            return int(value)
        if column in DATE_COLUMNS:
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass  # not what the column holds: left as the text it is
    return value


def _json_value(column: str, value):
    value = typed_value(column, value)
    return value.isoformat() if isinstance(value, datetime.date) else value


def _json(columns, rows, dialect) -> Iterator[bytes]:
    yield b"["
    separator = b"\n"
    for row in rows:
        item = {
            column: _json_value(column, value) for column, value in zip(columns, row, strict=True)
        }
        yield separator + json.dumps(item, ensure_ascii=False).encode()
        separator = b",\n"
    yield b"\n]\n"


def _geojson(columns, rows, locate) -> Iterator[bytes]:
    """RFC 7946: a FeatureCollection of points at the places' centroids (longitude first),
    the properties as the JSON file's; a row without coordinates has a null geometry."""
    yield b'{"type": "FeatureCollection", "features": ['
    separator = b"\n"
    for row in rows:
        point = locate(row, columns)
        properties = {
            column: _json_value(column, value)
            for column, value in zip(columns, row[: len(columns)], strict=True)
        }
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
            "properties": properties,
        }
        yield separator + json.dumps(feature, ensure_ascii=False).encode()
        separator = b",\n"
    yield b"\n]}\n"


def _xlsx(columns, rows, dialect) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    # Write-only mode streams rows to a temporary file instead of keeping cells in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.freeze_panes = "A2"  # before the first row: write-only writes the view first
    sheet.append(columns)

    def cell(column, value):
        value = typed_value(column, value)
        if isinstance(value, list):
            value = ";".join(value) or None
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, str):
            # Always text: openpyxl would write "#N/A" as an error cell, not as the text.
            cell.data_type = "s"
        return cell

    count = 0
    for row in rows:
        sheet.append([cell(c, v) for c, v in zip(columns, row, strict=True)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(64 * 1024):
            yield chunk


def locator(columns: list[str]) -> Callable[[list, list[str]], tuple[float, float] | None]:
    """How a row of these columns finds its point (longitude, latitude): its own latitude
    and longitude columns (the row-level export), else none."""
    if "latitude" not in columns or "longitude" not in columns:
        return lambda row, columns: None
    lat, lon = columns.index("latitude"), columns.index("longitude")
    return lambda row, columns: _point(
        typed_value("latitude", row[lat]), typed_value("longitude", row[lon])
    )


def _trailing_point(row: list, columns: list[str]) -> tuple[float, float] | None:
    return _point(*row[len(columns) : len(columns) + 2])


def _point(lat, lon) -> tuple[float, float] | None:
    if isinstance(lat, float) and isinstance(lon, float):
        return (lon, lat)
    return None
