"""The file of an import: how CSV and XLSX are read, and the shapes refused before any row is
checked (too many columns, rows or characters, a zip bomb, columns missing or given twice)."""

import collections
import csv
import io
import zipfile

import tablib
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export.formats import base_formats

# The column that matches a row to a complaint already stored (the carrier export's).
PSEUDONYM = "pseudonym"
HEADERS = {
    # German and other usual names of the columns, lower case, for the field they mean.
    "stadt": "city",
    "ort": "city",
    "gemeinde": "city",
    "stadtteil": "district",
    "bezirk": "district",
    "ortsteil": "district",
    "plz": "postal_code",
    "postleitzahl": "postal_code",
    "problem": "problems",
    "probleme": "problems",
    "problems": "problems",
    "datum": "submitted_at",
    "eingegangen": "submitted_at",
    "date": "submitted_at",
    "technik": "technology",
    "netz": "technology",
    "häufigkeit": "frequency",
    "seit": "since",
    "wo": "location",
    "beschreibung": "description",
    "problembeschreibung": "description",
    "text": "description",
    "e-mail": "email",
    "mail": "email",
    "netzbetreiber": "carrier",
    "anbieter": "carrier",
    # The carrier export's own name (complaints/carrier/exports.py ANONYMIZED_COLUMNS).
    "submitted_on": "submitted_at",
    "pseudonym": PSEUDONYM,
}
# The column of a row's cells beyond the header's width (the row is then refused).
EXTRA_COLUMN = "__extra_cells__"

# Shapes no file of complaints has (a dozen columns, descriptions of at most 2,000
# characters), refused before the whole file is parsed: checking the header is quadratic in
# the number of columns.
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_HEADER_CHARS = 10_000
IMPORT_MAX_CELL_CHARS = 10_000
# A part of a spreadsheet inflating more than 100 times (Apache POI's limit) is a zip bomb;
# real ones inflate 5 to 20 times.
XLSX_MAX_INFLATION = 100
XLSX_INFLATION_GRACE = 1_000_000  # bytes a small part may take, whatever its ratio


class ImportRefused(ValueError):
    """A file refused as a whole, at once, before its rows are read: the message says why."""


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _refuse_too_many_columns(count: int, line: int) -> None:
    if count > IMPORT_MAX_COLUMNS:
        raise ImportRefused(
            _(
                "Line %(line)s of the file has %(count)s columns; a file of complaints has at "
                "most %(limit)s. Nothing was imported."
            )
            % {"line": _number(line), "count": _number(count), "limit": IMPORT_MAX_COLUMNS}
        )


def _refuse_too_many_rows(rows: int) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if rows > limit:
        raise ImportRefused(
            _(
                "The file has more than %(limit)s rows. Please split it into files of at most "
                "%(limit)s rows. Nothing was imported."
            )
            % {"limit": _number(limit)}
        )


def _longest(cells) -> int:
    try:
        return max(map(len, cells), default=0)  # a CSV row: texts only
    except TypeError:  # a spreadsheet's row: numbers, dates and empty cells too
        return max((len(cell) for cell in cells if type(cell) is str), default=0)


def _checked_rows(rows):
    """rows (lists of cells, the header first), refused at the first absurd one. (Inline
    checks: this runs for every row of a big file.)"""
    last_line = settings.IMPORT_MAX_ROWS + 1  # and the header
    for line, row in enumerate(rows, 1):
        if len(row) > IMPORT_MAX_COLUMNS:
            _refuse_too_many_columns(len(row), line)
        if _longest(row) > IMPORT_MAX_CELL_CHARS:
            raise ImportRefused(
                _(
                    "Line %(line)s of the file has a cell of more than %(limit)s characters "
                    "(perhaps a quotation mark that is never closed). Nothing was imported."
                )
                % {"line": _number(line), "limit": _number(IMPORT_MAX_CELL_CHARS)}
            )
        if line > last_line:
            _refuse_too_many_rows(line - 1)
        yield row


def column_fields(headers) -> list[str]:
    """The fields a file's column names mean (German names too); refuses a file with too
    many columns or with a column twice."""
    fields = []
    for header in headers or []:
        key = str(header or "").strip().lower().replace(" ", "_")
        fields.append(HEADERS.get(key, HEADERS.get(key.replace("_", " "), key)))
    # (Counted once: a count per column was quadratic in the number of columns.)
    _refuse_too_many_columns(len(fields), 1)
    twice = sorted(h for h, n in collections.Counter(fields).items() if h and n > 1)
    if twice:
        raise ValueError(
            _("The file has the column %(names)s twice (perhaps in German and English).")
            % {"names": ", ".join(twice)}
        )
    return fields


def ignored_columns(fields: list[str], imported) -> list[str]:
    """The file's columns that no field takes (a carrier export's state, ags, latitude,
    longitude), in the file's order, for the preview to say so."""
    taken = {*imported, PSEUDONYM, EXTRA_COLUMN, ""}
    return [field for field in fields if field not in taken]


def refuse_missing_columns(fields: list[str]) -> None:
    missing = {"city", "problems"} - set(fields)
    if missing:
        raise ValueError(
            _("The file has no column %(names)s.") % {"names": ", ".join(sorted(missing))}
        )


class LegacyCSV(base_formats.TextFormat):
    """CSV as old forms write it: "," or ";", UTF-8 with or without BOM, or Latin-1/cp1252.

    Read as bytes (is_binary), so that the encoding is found here, not assumed."""

    TABLIB_MODULE = "tablib.formats._csv"
    CONTENT_TYPE = "text/csv"

    def get_title(self):
        return "csv"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        content = _decoded(in_stream)
        delimiter = _delimiter(content)
        rows = _csv_rows(content, delimiter)
        if not rows:
            return tablib.Dataset()
        return _csv_dataset(rows, delimiter)


def _decoded(in_stream) -> str:
    if not isinstance(in_stream, bytes):
        return in_stream
    try:
        return in_stream.decode("utf-8-sig")
    except UnicodeDecodeError:
        return in_stream.decode("cp1252", errors="replace")


def _delimiter(content: str) -> str:
    """The separator, ";" or "," (whichever the first line has more of); refuses an absurd
    first line."""
    header_end = content.find("\n", 0, IMPORT_MAX_HEADER_CHARS + 1)
    if header_end == -1 and len(content) > IMPORT_MAX_HEADER_CHARS:
        raise ImportRefused(
            _(
                "The first line of the file (its column names) is longer than %(limit)s "
                "characters: it is not a file of complaints. Nothing was imported."
            )
            % {"limit": _number(IMPORT_MAX_HEADER_CHARS)}
        )
    first_line = content[: header_end if header_end != -1 else None]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(content: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        return list(_checked_rows(reader))
    except csv.Error as error:
        # A cell beyond csv's own limit (131,072 characters), or a broken quotation.
        raise ImportRefused(
            _("Line %(line)s of the file cannot be read as CSV (%(error)s). Nothing was imported.")
            % {"line": _number(reader.line_num), "error": error}
        ) from None


def _csv_dataset(rows: list[list[str]], delimiter: str) -> tablib.Dataset:
    """The rows (the header first) without the empty ones, each of the header's width.
    Cells beyond the header (a text with an unquoted separator) go to a column of their
    own, which makes the row an error instead of silently cutting it."""
    width = len(rows[0])
    wider = any(len(row) > width for row in rows[1:])
    cell_rows = []
    for row in rows[1:]:
        if any(cell.strip() for cell in row):
            cells = row if len(row) == width else (row + [""] * width)[:width]
            if wider:
                cells = [*cells, delimiter.join(row[width:])]
            cell_rows.append(cells)
    # Made in one go: Dataset.append would check each row's width.
    return tablib.Dataset(*cell_rows, headers=[*rows[0], EXTRA_COLUMN] if wider else rows[0])


class LegacyXLSX(base_formats.XLSX):
    """XLSX as import-export reads it (the first sheet, its first row the headers), with the
    same limits as LegacyCSV: refused at the first absurd row, or at once when the sheet's
    declared size is absurd."""

    def create_dataset(self, in_stream):
        import openpyxl

        _refuse_zip_bomb(in_stream)
        workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            sheet = workbook.active
            # The size the sheet declares (not every writer declares one).
            _refuse_too_many_columns(sheet.max_column or 0, 1)
            _refuse_too_many_rows((sheet.max_row or 1) - 1)
            rows = _checked_rows(sheet.iter_rows(values_only=True))
            headers = next(rows, None)
            if headers is None:
                return tablib.Dataset()
            return tablib.Dataset(*rows, headers=list(headers))
        finally:
            workbook.close()


def _refuse_zip_bomb(data: bytes) -> None:
    """Refuses a spreadsheet whose parts declare a size far beyond their compressed size.
    (zipfile never inflates a part past its declared size, so the declaration cannot lie.)"""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip file at all: openpyxl says so
    for member in members:
        if (
            member.file_size > XLSX_INFLATION_GRACE
            and member.file_size > member.compress_size * XLSX_MAX_INFLATION
        ):
            raise ImportRefused(
                _(
                    "The spreadsheet is compressed far more than any table of complaints "
                    "(a part of it unpacks to %(size)s bytes). Please save it again as CSV. "
                    "Nothing was imported."
                )
                % {"size": _number(member.file_size)}
            )
