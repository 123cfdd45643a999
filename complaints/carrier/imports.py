"""Import of complaints collected elsewhere (an old form's CSV or XLSX), through the admin.

django-import-export runs it: upload, a dry run with a preview and an error per row, then the
import on confirmation. All or nothing: one bad row and nothing is stored (every row error is
listed, with its line). Imported complaints are marked as imported and wait in the moderation
queue like any other; their places go through the same matching as the form's.

The file: CSV separated by "," or ";", in UTF-8 (with or without BOM) or Latin-1/cp1252, or
XLSX. Columns (German headers work too, see HEADERS): city (required), problems (required:
slugs or German or English names, separated by ";" "," "/" or "|"), district, postal_code,
submitted_at (24.11.2011, 24.11.2011 14:05 or ISO; default: the moment of the import),
technology, frequency, since (11/2011, 11.2011 or 2011-11), location, description, email,
carrier.
"""

import collections
import contextlib
import csv
import datetime
import functools
import hashlib
import io
import logging
import operator
import re
import secrets
import traceback
import zipfile
from zoneinfo import ZoneInfo

import tablib
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, connections, router, transaction
from django.db.models import NOT_PROVIDED
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.results import RowResult
from import_export.tmp_storages import CacheStorage
from psycopg import sql as psycopg_sql
from psycopg.copy import QueuedLibpqWriter

from complaints import caches, text
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    PSEUDONYM_BYTES,
    REFERENCE_BYTES,
    Complaint,
    Frequency,
    Location,
    Place,
    ProblemType,
    Status,
    Technology,
    pseudonym_text,
    reference_text,
)
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.redaction import redact

logger = logging.getLogger(__name__)

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
}
IMPORT_COLUMNS = [
    "submitted_at",
    "carrier",
    "problems",
    "city",
    "district",
    "postal_code",
    "technology",
    "frequency",
    "since",
    "location",
    "description",
    "email",
]
TECHNOLOGY_WORDS = {
    "2g": "2g",
    "gsm": "2g",
    "edge": "2g",
    "3g": "3g",
    "umts": "3g",
    "hspa": "3g",
    "4g": "4g",
    "lte": "4g",
    "5g": "5g",
    "nr": "5g",
    "": "unknown",
    "unknown": "unknown",
    "weiß nicht": "unknown",
    "weiss nicht": "unknown",
    "unbekannt": "unknown",
}
GERMAN_WORDS = {
    # frequency
    "immer": "always",
    "täglich": "daily",
    "wöchentlich": "weekly",
    "selten": "rarely",
    # location
    "drinnen": "indoor",
    "draußen": "outdoor",
    "draussen": "outdoor",
    "beides": "both",
    "unterwegs": "moving",
}


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


CHOICES = {
    "technology": (Technology.choices, TECHNOLOGY_WORDS),
    "frequency": (Frequency.choices, {}),
    "location": (Location.choices, {}),
}


@functools.cache
def _words(name: str) -> dict[str, str]:
    """Every accepted spelling of a choice: its code, its label in German and English, and
    the usual words (made once per process)."""
    choices, extra = CHOICES[name]
    words = {code: code for code, _ in choices}
    for language in ("de", "en"):
        with translation.override(language):
            words.update({str(label).lower(): code for code, label in choices})
    words.update({word: code for word, code in GERMAN_WORDS.items() if code in words})
    words.update(extra)
    return words


def _choice(value, name) -> str:
    word = str(value or "").strip().lower()
    found = _words(name).get(word)
    if found is None and word:
        known = ", ".join(code for code, _ in CHOICES[name][0])
        raise ValueError(
            _("%(field)s: unknown value %(value)r (known: %(known)s)")
            % {"field": name, "value": value, "known": known}
        )
    return found or ""


DATE_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S"]


def _parse_datetime(raw: str) -> datetime.datetime | None:
    """The moment a date text means (a date alone means noon), or None."""
    try:
        parsed = datetime.datetime.fromisoformat(raw)
    except ValueError:
        pass
    else:
        return parsed.replace(hour=12) if len(raw) == 10 else parsed
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return parsed if "%H" in fmt else parsed.replace(hour=12)
    return None


def _remembered(checked: dict, text: str, check):
    """check(text), or what it gave for the same text before (checked: for one import): a
    value, or the message of the ValueError it raised, raised again. (Not the exception
    itself: its traceback would keep a row alive for every bad text.) check never returns
    a str."""
    found = checked.get(text)
    if found is None:
        try:
            found = check(text)
        except ValueError as error:
            found = str(error)
        checked[text] = found
    if type(found) is str:
        raise ValueError(found)
    return found


class DateTimeWidget(widgets.Widget):
    """24.11.2011, 24.11.2011 14:05, 2011-11-24, 2011-11-24T14:05 or a spreadsheet date.

    An empty cell means the moment the import started (start())."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start()

    def start(self, now: datetime.datetime | None = None) -> None:
        """Called for each import: its moment, and no texts checked yet."""
        self.now = now
        # date text -> its moment, or the error message it gave (for one import: see clean).
        self.checked: dict[str, datetime.datetime | str] = {}

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.now or timezone.now()
        if not isinstance(value, str):
            return self._moment(value)
        # The dates of a file repeat, and trying format after format is most of a row's
        # parsing: each text is checked once per import.
        return _remembered(self.checked, value, self._moment)

    def _moment(self, value) -> datetime.datetime:
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, datetime.date):
            parsed = datetime.datetime.combine(value, datetime.time(12))
        else:
            raw = str(value).strip()
            parsed = _parse_datetime(raw) if len(raw) <= 40 else None
            if parsed is None:
                raise ValueError(
                    _("Not a date: %(value)r (use 24.11.2011 or 2011-11-24)") % {"value": raw}
                )
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=_tz())
        if parsed > (self.now or timezone.now()) + datetime.timedelta(days=1):
            raise ValueError(_("Date in the future: %(value)r") % {"value": value})
        return parsed


class MonthWidget(widgets.Widget):
    """11/2011, 11.2011, 2011-11 or a date: the first day of that month."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return (
                value.replace(day=1)
                if not isinstance(value, datetime.datetime)
                else value.date().replace(day=1)
            )
        raw = str(value).strip()
        match = re.fullmatch(r"(\d{1,2})\s*[./-]\s*(\d{4})", raw) or None
        if match:
            month, year = int(match[1]), int(match[2])
        else:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", raw)
            if not match:
                raise ValueError(
                    _("Not a month: %(value)r (use 11/2011 or 2011-11)") % {"value": raw}
                )
            year, month = int(match[1]), int(match[2])
        try:
            month_start = datetime.date(year, month, 1)
        except ValueError:
            raise ValueError(_("Not a month: %(value)r") % {"value": raw}) from None
        if month_start > timezone.localdate():
            raise ValueError(_("Month in the future: %(value)r") % {"value": raw})
        return month_start


class ProblemsWidget(widgets.Widget):
    """Problem types by slug or by German or English name: a sorted list of their ids (the
    same list for the same text, not to be changed)."""

    known: dict | None = None  # name -> pk, read once per import (see start)
    checked: dict  # text -> its problems, or the error message it gave (for one import)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start()

    def start(self) -> None:
        """Called for each import: the problem types are read again at its first row."""
        self.known = None
        self.checked = {}

    def clean(self, value, row=None, **kwargs):
        return _remembered(self.checked, str(value or ""), self._problems)

    def _problems(self, value: str) -> list[int]:
        if self.known is None:
            self.known = {}
            for problem in ProblemType.objects.all():
                for key in (problem.slug, problem.name_de, problem.name_en):
                    self.known[key.strip().lower()] = problem.pk
        known = self.known
        names = [n.strip() for n in re.split(r"[;,/|]", value) if n.strip()]
        if not names:
            raise ValueError(_("problems: at least one problem is required"))
        unknown = [n for n in names if n.lower() not in known]
        if unknown:
            raise ValueError(
                _("problems: unknown %(names)s") % {"names": ", ".join(map(repr, unknown))}
            )
        return sorted({known[n.lower()] for n in names})


EXTRA_COLUMN = "__extra_cells__"
PLACES_CHANGED = gettext_lazy(
    "Places or problem types were changed while the file was being imported. "
    "Please import the file again."
)
# How import_instance takes a field's cell (see _import_plan).
TEXT, RAW, OWN, FIELD = "text", "raw", "own", "field"
# The dry run shows the values of the first rows only (the admin's import template says so):
# the "diff" of a row is a deep copy and an HTML diff, which for every row of a big file made
# the preview several times slower than the import itself.
PREVIEW_ROWS = 100
# The file's texts, checked as full_clean() checks them (required, length, validators). The
# other fields hold what the widgets and the choices made, valid by construction, and the
# model's check constraints repeat the fields' checks (full_clean() would run a query each).
TEXT_FIELDS = ["carrier", "city", "district", "postal_code", "description", "email"]


@functools.cache
def _text_checks() -> list[tuple]:
    """Per text field: (field, the longest valid text when a MaxLengthValidator is the
    field's only check, else None)."""
    checks = []
    for name in TEXT_FIELDS:
        field = Complaint._meta.get_field(name)
        limits = [v.limit_value for v in field.validators if type(v) is MaxLengthValidator]
        only_length = len(limits) == len(field.validators) and not any(map(callable, limits))
        checks.append((field, min(limits) if limits and only_length else None))
    return checks


def _text_field_errors(instance: Complaint) -> dict[str, str]:
    errors = {}
    values = instance.__dict__
    for field, longest in _text_checks():
        value = values[field.attname]
        if longest is not None and type(value) is str and 0 < len(value) <= longest:
            continue  # what the field's MaxLengthValidator would say, quickly
        try:
            if value in field.empty_values:
                if not field.blank:
                    raise ValidationError(field.error_messages["blank"], code="blank")
                continue
            field.run_validators(value)
        except ValidationError as error:
            errors[field.name] = " ".join(error.messages)
    return errors


def _random_texts(size: int, text):
    """Endless text(random bytes of size), from the system's random source (as secrets
    draws them), a thousand at a time."""
    while True:
        data = secrets.token_bytes(size * 1000)
        for start in range(0, len(data), size):
            yield text(data[start : start + size])


class ShortCacheStorage(CacheStorage):
    """The uploaded file waits for the confirmation in the cache for an hour, not a day: it
    holds the submitters' email addresses.

    A file is imported once: its confirmation claims the file's content (a digest), so that a
    second confirmation (two tabs, a double click) and the same file uploaded again (the back
    button and reload re-send the upload) import nothing. The claim of an imported file is
    kept IMPORTED_MEMORY; to import the same rows again on purpose, change the file."""

    CACHE_LIFETIME = 3600
    IMPORTED_MEMORY = 30 * 24 * 3600
    CLAIMED, GONE, TAKEN = "claimed", "gone", "taken"

    @classmethod
    def _claim_key(cls, data) -> str:
        content = data.encode() if isinstance(data, str) else data
        return f"{cls.CACHE_PREFIX}claim-{hashlib.sha256(content).hexdigest()}"

    def claim(self) -> str:
        """CLAIMED for the one confirmation that may import this upload; TAKEN when the same
        content was imported (or is being imported) already, GONE when the file has expired.
        One atomic cache.add, shared by every app instance."""
        data = self.read()
        if data is None:  # imported and removed a moment ago, or expired
            return self.TAKEN if cache.get(self._name_key()) else self.GONE
        self._claimed = self._claim_key(data)
        if not cache.add(self._claimed, "", self.CACHE_LIFETIME):
            return self.TAKEN
        cache.set(self._name_key(), 1, self.CACHE_LIFETIME)
        return self.CLAIMED

    def _name_key(self) -> str:
        return f"{self.CACHE_PREFIX}claimed-{self.name}"

    def imported(self) -> None:
        """The claimed file's rows are stored: remember when, for a while."""
        cache.set(self._claimed, timezone.now().isoformat(), self.IMPORTED_MEMORY)

    def release(self) -> None:
        cache.delete_many([self._claimed, self._name_key()])

    @classmethod
    def imported_at(cls, data) -> datetime.datetime | None:
        """When a file of this content was imported, if it was (within IMPORTED_MEMORY)."""
        value = cache.get(cls._claim_key(data))
        return datetime.datetime.fromisoformat(value) if value else None


class ImportRefused(ValueError):
    """A file refused as a whole, at once, before its rows are read: the message says why."""


# Shapes no file of complaints has (a dozen columns, a description of at most 2,000
# characters): refused before the whole file is parsed, because checking the header alone is
# quadratic in the number of columns and a million of them would hold a worker for minutes.
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_HEADER_CHARS = 10_000
IMPORT_MAX_CELL_CHARS = 10_000


# A spreadsheet's parts inflate about 5 to 20 times; a part that inflates more than 100 times
# (Apache POI's limit) is a zip bomb: 46 KB of repeated shared strings held a worker for 11
# seconds before any row was read, a few MB would hold it for many minutes.
XLSX_MAX_INFLATION = 100
XLSX_INFLATION_GRACE = 1_000_000  # bytes a small part may take, whatever its ratio


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
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("cp1252", errors="replace")
        header_end = in_stream.find("\n", 0, IMPORT_MAX_HEADER_CHARS + 1)
        if header_end == -1 and len(in_stream) > IMPORT_MAX_HEADER_CHARS:
            raise ImportRefused(
                _(
                    "The first line of the file (its column names) is longer than %(limit)s "
                    "characters: it is not a file of complaints. Nothing was imported."
                )
                % {"limit": _number(IMPORT_MAX_HEADER_CHARS)}
            )
        first_line = in_stream[: header_end if header_end != -1 else None]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(in_stream, newline=""), delimiter=delimiter)
        try:
            rows = list(_checked_rows(reader))
        except csv.Error as error:
            # A cell beyond csv's own limit (131,072 characters), or a broken quotation.
            raise ImportRefused(
                _(
                    "Line %(line)s of the file cannot be read as CSV (%(error)s). Nothing was "
                    "imported."
                )
                % {"line": _number(reader.line_num), "error": error}
            ) from None
        if not rows:
            return tablib.Dataset()
        # Cells beyond the header (a text with an unquoted separator in it) go to a column
        # of their own, which makes the row an error instead of silently cutting it.
        width = len(rows[0])
        wider = any(len(row) > width for row in rows[1:])
        cell_rows = []
        for row in rows[1:]:
            if any(cell.strip() for cell in row):
                cells = row if len(row) == width else (row + [""] * width)[:width]
                if wider:
                    cells = [*cells, delimiter.join(row[width:])]
                cell_rows.append(cells)
        # Every row has the header's width: made in one go (Dataset.append checks each).
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


class PreviewDiff(resources.Diff):
    """The preview's values of a new row as <ins> elements without the style attributes
    that diff-match-patch writes: the strict Content-Security-Policy blocks those (a console
    error on every preview); admin.css colours them instead."""

    def as_html(self):
        if not self.new:
            return super().as_html()
        return [format_html("<ins>{}</ins>", force_str(value)) for value in self.right]


class LegacyComplaintResource(resources.ModelResource):
    submitted_at = fields.Field(
        attribute="submitted_at", column_name="submitted_at", widget=DateTimeWidget()
    )
    since = fields.Field(attribute="since", column_name="since", widget=MonthWidget())
    problems = fields.Field(
        attribute="problem_ids", column_name="problems", widget=ProblemsWidget()
    )

    def get_diff_class(self):
        return PreviewDiff

    class Meta:
        model = Complaint
        fields = IMPORT_COLUMNS
        import_id_fields = []
        use_bulk = True
        batch_size = 1000
        # The preview shows the values of its rows (the "diff" of a new row; import_row).
        skip_diff = False
        skip_unchanged = False
        clean_model_instances = False

    def import_data(self, dataset, **kwargs):
        # All or nothing: one invalid row and every row is rolled back.
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        self.fields["problems"].widget.start()
        self.fields["submitted_at"].widget.start(timezone.now())
        self._places = {}
        self._import_fields = self._blank = self._plan = self._tokens = None
        # What every row looks up, taken from the settings once.
        self._carrier_codes = dict(settings.EINZELFALL_CARRIERS)
        self._default_carrier = next(iter(self._carrier_codes))
        self._carriers = {str(name).lower(): code for code, name in self._carrier_codes.items()}
        # One index for the whole import: matching never reloads it from the database in
        # the middle (the database is busy with the stream, see ComplaintStream).
        self._index = matching.get_index()
        self._stream = self._stream_error = None
        self._rows_total, self._links = -1, []  # (before_import sets them)
        self._streaming = connections[router.db_for_write(Complaint)].vendor == "postgresql"
        try:
            return super().import_data(dataset, **kwargs)
        except IntegrityError as error:
            # The database refused the commit: its foreign keys are checked then, and a place
            # or problem type was deleted at the last moment. Nothing was stored.
            if kwargs.get("raise_errors"):
                raise
            result = self.get_result_class()()
            result.append_base_error(
                self.get_error_result_class()(ValueError(f"{PLACES_CHANGED} ({error})"))
            )
            return result

    def import_data_inner(self, *args, **kwargs):
        try:
            return super().import_data_inner(*args, **kwargs)
        except BaseException:
            # Stopped half-way (raise_errors, a worker stopped): end the COPY here, inside the
            # import's transaction, before it is rolled back (a rollback would wait for it).
            self._drop_stream()
            raise

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()

    def import_row(self, row, instance_loader, **kwargs):
        if kwargs.get("dry_run") and kwargs["row_number"] <= PREVIEW_ROWS:
            # The preview's rows, with their values (the "diff" of a new row): the others go
            # through the lean path, without them.
            row_result = super().import_row(row, instance_loader, **kwargs)
        else:
            row_result = self._import_new_row(row, **kwargs)
        if kwargs["row_number"] == self._rows_total and self._stream is not None:
            # The last row: the stream of complaints ends here, before import-export's
            # closing statements (a savepoint cannot be made while a COPY runs).
            stream, self._stream = self._stream, None
            try:
                stream.finish()
            except Exception as error:
                self._stream_error = error  # reported for the whole import (bulk_create)
            else:
                self._links = stream.links
        return row_result

    def _import_new_row(self, row, **kwargs) -> RowResult:
        """import-export's import_row for what this resource does (every row a new complaint,
        no values for a preview), without its generic steps per row (loading an instance to
        update, deletion, skipping, model validation hooks, the diff): about a tenth of a big
        import's time. The same results: new, invalid with the errors of every field, or an
        error."""
        row_result = self.get_row_result_class()()
        try:
            instance = self.init_instance(row)
            self.import_instance(instance, row, **kwargs)
            self.save_instance(instance, True, row, **kwargs)
        except ValidationError as error:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(error.update_error_dict({}))
        except Exception as error:
            # Not the file's fault: for whoever maintains this, where it happened (the frames,
            # not the message, which may hold the row's personal data).
            logger.error(
                "Import row %s failed with %s:\n%s",
                kwargs["row_number"],
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(
                self.get_error_result_class()(error, row=row, number=kwargs["row_number"])
            )
        else:
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
            row_result.add_instance_info(instance)
        return row_result

    def save_instance(self, instance, is_create, row, **kwargs):
        if not self._streaming:
            return super().save_instance(instance, is_create, row, **kwargs)
        if self._stream_error is not None or self._rows_total < 1:
            # The database refused a row, or the file itself was refused (before_import):
            # the import is rolled back anyway.
            return None
        try:
            if self._stream is None:
                self._stream = ComplaintStream(self._rows_total)
            self._stream.write(instance)
        except Exception as error:
            # The database refused a row, perhaps an earlier one (the rows go on their way
            # while the next are checked): one error for the whole import.
            self._stream_error = error
            self._drop_stream()
        return None

    def get_import_fields(self):
        # The same for every row: worked out once per import instead of once per row.
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def _place(self, city: str, district: str, postal_code: str) -> tuple[str, int, int]:
        """The city key and the matched city and district of a place, as the form finds them
        (matched once per import: a file names the same places again and again)."""
        key = (city, district, postal_code)
        found = self._places.get(key)
        if found is None:
            place = self._index.match(city, district, postal_code)
            found = self._places[key] = (name_key(city)[:200], place.city_id, place.district_id)
        return found

    def before_import(self, dataset, **kwargs):
        headers = []
        for header in dataset.headers or []:
            key = str(header or "").strip().lower().replace(" ", "_")
            headers.append(HEADERS.get(key, HEADERS.get(key.replace("_", " "), key)))
        # (Counted once: a count per column was quadratic in the number of columns.)
        _refuse_too_many_columns(len(headers), 1)
        twice = sorted(h for h, n in collections.Counter(headers).items() if h and n > 1)
        if twice:
            raise ValueError(
                _("The file has the column %(names)s twice (perhaps in German and English).")
                % {"names": ", ".join(twice)}
            )
        dataset.headers = headers
        missing = {"city", "problems"} - set(headers)
        if missing:
            raise ValueError(
                _("The file has no column %(names)s.") % {"names": ", ".join(sorted(missing))}
            )
        self._rows_total = dataset.height
        self._links = []

    def init_instance(self, row=None):
        # A new complaint with its fields' defaults, the constant ones worked out once per
        # import: Model.__init__ looks up every field's default for every row. The random
        # reference and pseudonym come from a store drawn a thousand at a time (one call to
        # the system's random source per row and token was a tenth of a big import).
        if getattr(self, "_tokens", None) is None:
            self._tokens = {
                "reference": _random_texts(REFERENCE_BYTES, reference_text),
                "pseudonym": _random_texts(PSEUDONYM_BYTES, pseudonym_text),
            }
        if getattr(self, "_blank", None) is None:
            fields = Complaint._meta.concrete_fields
            per_row = [f for f in fields if f.has_default() and callable(f.default)]
            self._blank = {f.attname: f.get_default() for f in fields if f not in per_row}
            self._made_per_row = [f for f in per_row if f.attname not in self._tokens]
        instance = Complaint.__new__(Complaint)
        values = instance.__dict__
        values.update(self._blank)
        for field in self._made_per_row:
            values[field.attname] = field.get_default()
        for name, tokens in self._tokens.items():
            values[name] = next(tokens)
        instance._state = ModelState()
        return instance

    def _import_plan(self) -> list[tuple]:
        """Per import field, worked out once per import: (column, attribute, how, field),
        how being TEXT (CharWidget: the cell as text), RAW (Widget: the cell as it is), OWN
        (this module's widgets: their clean) or FIELD (import-export's Field.clean)."""
        if getattr(self, "_plan", None) is None:
            self._plan = []
            for field in self.get_import_fields():
                widget_type = type(field.widget)
                if widget_type is widgets.CharWidget and field.widget.allow_blank is True:
                    how = TEXT
                elif widget_type is widgets.Widget:
                    how = RAW
                elif (
                    widget_type in (DateTimeWidget, MonthWidget, ProblemsWidget)
                    and field.default is NOT_PROVIDED
                ):
                    how = OWN
                else:
                    how = FIELD
                self._plan.append((field.column_name, field.attribute, how, field))
        return self._plan

    def import_instance(self, instance, row, **kwargs):
        # What import-export's import_instance does, without its layers of calls per cell:
        # text cells (CharWidget, Widget) are taken as those widgets take them, inline. A
        # column the file does not have is an empty cell.
        errors = {}
        for column, attribute, how, field in self._import_plan():
            value = row.get(column)
            if how is TEXT:
                if type(value) is not str:
                    value = "" if value is None else force_str(value)
            elif how is not RAW:
                try:
                    if how is OWN:
                        value = field.widget.clean(value, row=row, **kwargs)
                    else:
                        value = field.clean({**row, column: value}, **kwargs)
                except ValueError as error:
                    errors[attribute] = str(error)
                    continue
                if value is not None or field.saves_null_values:
                    setattr(instance, attribute, value)
                continue
            if value in field.empty_values and field.default is not NOT_PROVIDED:
                value = field.default() if callable(field.default) else field.default
            setattr(instance, attribute, value)
        if errors:
            raise ValidationError(errors)
        if str(row.get(EXTRA_COLUMN) or "").strip():
            errors["description"] = _(
                "The row has more cells than the file has columns: is there a separator in a "
                "text that is not in quotes?"
            )
        if instance.city and not text.has_letter(str(instance.city)):
            errors["city"] = _("A place name needs letters.")
        instance.city = text.single_line(str(instance.city or ""))
        instance.district = text.single_line(str(instance.district or ""))
        instance.postal_code = str(instance.postal_code or "").strip()
        # A spreadsheet made the code a number: 1067 or 1067.0 is 01067.
        code = instance.postal_code.removesuffix(".0")
        if code.isdigit() and 3 <= len(code) < 5:
            instance.postal_code = code.zfill(5)
        for name in CHOICES:
            try:
                setattr(instance, name, _choice(getattr(instance, name), name))
            except ValueError as error:
                errors[name] = str(error)
        instance.technology = instance.technology or Technology.UNKNOWN
        carrier = str(instance.carrier or "").strip().lower()
        carrier = self._carriers.get(carrier, carrier) or self._default_carrier
        if carrier not in self._carrier_codes:
            errors["carrier"] = _("unknown carrier %(value)r") % {"value": instance.carrier}
        instance.carrier = carrier
        instance.description = text.multi_line(str(instance.description or ""))
        instance.email = str(instance.email or "").strip()
        instance.description_redacted = text.capped(
            redact(instance.description, instance.email), DESCRIPTION_REDACTED_MAX_LENGTH
        )
        # (Into the instance's dict: the foreign keys' descriptors would look for a cached
        # place first, and a new instance has none.)
        values = instance.__dict__
        values["city_key"], values["city_place_id"], values["district_place_id"] = self._place(
            instance.city, instance.district, instance.postal_code
        )
        instance.status = Status.PENDING
        instance.imported = True
        # Consent was given on the old form; the organizer answers for it.
        instance.consent_at = instance.submitted_at
        instance.privacy_policy_version = "import"
        if not errors:
            errors.update(_text_field_errors(instance))
        if errors:
            raise ValidationError(errors)

    def after_import(self, dataset, result, **kwargs):
        # Not ModelResource.after_import: it resets the id sequence to the largest id it can
        # see, and a report being submitted at that moment (an id drawn, not yet committed)
        # would give the next report the same id. The ids came from the sequence anyway.
        resources.Resource.after_import(self, dataset, result, **kwargs)
        if not (result.has_errors() or result.has_validation_errors()):
            self._check_places_and_problems()
        if not kwargs.get("dry_run"):
            # Pending complaints count on the public counter.
            caches.after_commit(caches.counter_invalidate)

    def _check_places_and_problems(self) -> None:
        """The places and problem types the rows point at, as they were when the import
        began (the place index, the problem names), must still be there, or the database
        refuses the commit: one deleted or merged in the meantime (a place index a few seconds
        out of date) refuses the import with a message, to be run again. (What is deleted
        between this check and the commit is caught in import_data.)"""
        places = {pk for _, *ids in self._places.values() for pk in ids if pk is not None}
        checked = self.fields["problems"].widget.checked.values()  # problem lists, errors
        problems = {pk for found in checked if type(found) is list for pk in found}
        gone = set()
        for queryset, ids in (
            (Place.objects.filter(merged_into__isnull=True), places),
            (ProblemType.objects.all(), problems),
        ):
            ids = sorted(ids)
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                gone.update(
                    set(chunk) - set(queryset.filter(pk__in=chunk).values_list("pk", flat=True))
                )
        if gone:
            with contextlib.suppress(Exception):  # (a cache that fails must not hide why)
                matching.invalidate()  # this process's index (and the others') is out of date
            raise ValueError(PLACES_CHANGED)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self._streaming:
            # The complaints are stored (ComplaintStream); their problem links follow.
            links, self._links = self._links, []
            if self._stream_error is not None:
                self.handle_import_error(result, self._stream_error, raise_errors)
            elif links:
                connection = connections[router.db_for_write(Complaint)]
                try:
                    with (
                        transaction.atomic(using=connection.alias, savepoint=False),
                        connection.cursor() as cursor,
                    ):
                        copy_rows(
                            cursor.cursor, PROBLEM_LINKS, ["complaint_id", "problemtype_id"], links
                        )
                except Exception as error:
                    self.handle_import_error(result, error, raise_errors)
            return
        if self.create_instances and (using_transactions or not dry_run):
            try:
                insert_complaints(self.create_instances)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()


PROBLEM_LINKS = Complaint.problems.through._meta.db_table


def insert_complaints(instances: list[Complaint]) -> None:
    """Store new complaints (instance.problem_ids: their problems) with their problem links,
    with bulk_create (databases other than PostgreSQL; there, ComplaintStream)."""
    through = Complaint.problems.through
    Complaint.objects.bulk_create(instances, batch_size=1000)
    through.objects.bulk_create(
        [
            through(complaint_id=instance.pk, problemtype_id=problem_id)
            for instance in instances
            for problem_id in instance.problem_ids
        ],
        batch_size=5000,
    )


class ComplaintStream:
    """The complaints of one import written to PostgreSQL with one COPY while the rows are
    still being checked: the rows are queued, a thread of psycopg's sends them, and the
    database stores them on another core (QueuedLibpqWriter). About a third faster than a
    COPY per batch, which left the database idle while Python checked rows and Python idle
    while the database stored them.

    Ids are drawn from the table's sequence for every row of the file first. The COPY runs
    inside a savepoint, so that a row the database refuses leaves the transaction usable
    (the import then reports the error and stores nothing). While the COPY runs the
    connection must not be used for anything else: the rows are checked without queries
    (the place index is taken once per import), and a query would wait for the COPY forever.
    So that a query added later fails at once instead of hanging, queries through Django are
    refused while the stream is open."""

    def __init__(self, count: int):
        self.connection = connections[router.db_for_write(Complaint)]
        self.alias = self.connection.alias
        self.fields = Complaint._meta.concrete_fields
        self.values = operator.attrgetter(*(field.attname for field in self.fields))
        table = Complaint._meta.db_table
        self.cursor = self.connection.cursor()
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        self.ids = iter([pk for (pk,) in self.cursor.fetchall()])
        self.links = []
        self.savepoint = transaction.savepoint(using=self.alias)
        raw = self.cursor.cursor
        try:
            self.copying = raw.copy(
                copy_statement(table, [field.column for field in self.fields]),
                writer=QueuedLibpqWriter(raw),
            )
            self.copy = self.copying.__enter__()
        except BaseException:
            self._roll_back()
            raise
        self.guard = self.connection.execute_wrapper(_no_query_while_streaming)
        self.guard.__enter__()

    def write(self, instance: Complaint) -> None:
        instance.pk = next(self.ids)
        self.copy.write_row(self.values(instance))
        self.links.extend((instance.pk, problem_id) for problem_id in instance.problem_ids)
        instance._state.adding = False
        instance._state.db = self.alias

    def finish(self) -> None:
        self.guard.__exit__(None, None, None)
        try:
            self.copying.__exit__(None, None, None)
        except BaseException:
            with contextlib.suppress(Exception):  # the error to report is the COPY's
                self._roll_back()
            raise
        transaction.savepoint_commit(self.savepoint, using=self.alias)
        self.cursor.close()

    def abort(self) -> None:
        self.guard.__exit__(None, None, None)
        with contextlib.suppress(Exception):  # the COPY may have failed already
            error = RuntimeError("import stopped")
            self.copying.__exit__(type(error), error, None)
        with contextlib.suppress(Exception):  # a lost connection: the rollback ends it all
            self._roll_back()

    def _roll_back(self) -> None:
        transaction.savepoint_rollback(self.savepoint, using=self.alias)
        self.cursor.close()


def _no_query_while_streaming(execute, sql, params, many, context):
    raise RuntimeError(f"No query while an import's rows are being stored: {sql[:60]!r}")


def copy_statement(table: str, columns: list[str]):
    return psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg_sql.Identifier(table),
        psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, columns)),
    )


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY rows (sequences of Python values) into table's columns (psycopg 3 cursor)."""
    with cursor.copy(copy_statement(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
