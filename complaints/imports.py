"""Import of complaints collected elsewhere (an old form's CSV or XLSX), through the admin.

django-import-export runs it: upload, a dry run with a preview and an error per row, then the
import on confirmation. All or nothing: one bad row and nothing is stored (every row error is
listed, with its line). Imported complaints are marked as imported and wait in the moderation
queue like any other; their places go through the same matching as the form's.

The file: CSV separated by "," or ";", in UTF-8 (with or without BOM) or Latin-1/cp1252, or
XLSX. Columns (German headers work too, see HEADERS): city (required), problems (required:
slugs or German or English names, separated by ";" "," "/" or "|"), district, postal_code,
submitted_at (24.11.2011, 24.11.2011 14:05 or ISO; default: now), technology, frequency,
since (11/2011, 11.2011 or 2011-11), location, description, email, carrier.
"""

import copy
import csv
import datetime
import functools
import io
import re
from zoneinfo import ZoneInfo

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.tmp_storages import CacheStorage

from . import matching, text
from .models import Complaint, Frequency, Location, ProblemType, Status, Technology
from .placenames import name_key
from .redaction import redact
from .services import counter_invalidate

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


class DateTimeWidget(widgets.Widget):
    """24.11.2011, 24.11.2011 14:05, 2011-11-24, 2011-11-24T14:05 or a spreadsheet date."""

    FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S"]

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return timezone.now()
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, datetime.date):
            parsed = datetime.datetime.combine(value, datetime.time(12))
        else:
            raw = str(value).strip()
            parsed = None
            try:
                parsed = datetime.datetime.fromisoformat(raw)
                if len(raw) == 10:  # a date only: noon, so no time zone moves it to another day
                    parsed = parsed.replace(hour=12)
            except ValueError:
                for fmt in self.FORMATS:
                    try:
                        parsed = datetime.datetime.strptime(raw, fmt)
                    except ValueError:
                        continue
                    if "%H" not in fmt:
                        parsed = parsed.replace(hour=12)
                    break
            if parsed is None:
                raise ValueError(
                    _("Not a date: %(value)r (use 24.11.2011 or 2011-11-24)") % {"value": raw}
                )
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=_tz())
        if parsed > timezone.now() + datetime.timedelta(days=1):
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
    """Problem types by slug or by German or English name."""

    known: dict | None = None  # name -> pk, read once per import (see before_import)

    def clean(self, value, row=None, **kwargs):
        if self.known is None:
            self.known = {}
            for problem in ProblemType.objects.all():
                for key in (problem.slug, problem.name_de, problem.name_en):
                    self.known[key.strip().lower()] = problem.pk
        known = self.known
        names = [n.strip() for n in re.split(r"[;,/|]", str(value or "")) if n.strip()]
        if not names:
            raise ValueError(_("problems: at least one problem is required"))
        unknown = [n for n in names if n.lower() not in known]
        if unknown:
            raise ValueError(
                _("problems: unknown %(names)s") % {"names": ", ".join(map(repr, unknown))}
            )
        return sorted({known[n.lower()] for n in names})


EXTRA_COLUMN = "__extra_cells__"


class ShortCacheStorage(CacheStorage):
    """The uploaded file waits for the confirmation in the cache for an hour, not a day: it
    holds the submitters' email addresses."""

    CACHE_LIFETIME = 3600


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
        first_line = in_stream.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        dataset = tablib.Dataset()
        rows = list(csv.reader(io.StringIO(in_stream, newline=""), delimiter=delimiter))
        if rows:
            # Cells beyond the header (a text with an unquoted separator in it) go to a column
            # of their own, which makes the row an error instead of silently cutting it.
            width = len(rows[0])
            wider = any(len(row) > width for row in rows[1:])
            dataset.headers = [*rows[0], EXTRA_COLUMN] if wider else rows[0]
            for row in rows[1:]:
                if any(cell.strip() for cell in row):
                    cells = (row + [""] * width)[:width]
                    if wider:
                        cells.append(delimiter.join(row[width:]))
                    dataset.append(cells)
        return dataset


class LegacyComplaintResource(resources.ModelResource):
    submitted_at = fields.Field(
        attribute="submitted_at", column_name="submitted_at", widget=DateTimeWidget()
    )
    since = fields.Field(attribute="since", column_name="since", widget=MonthWidget())
    problems = fields.Field(
        attribute="problem_ids", column_name="problems", widget=ProblemsWidget()
    )

    class Meta:
        model = Complaint
        fields = IMPORT_COLUMNS
        import_id_fields = []
        use_bulk = True
        batch_size = 1000
        # The preview shows each row's values (the "diff" of a new row).
        skip_diff = False
        skip_unchanged = False
        clean_model_instances = False

    def import_data(self, dataset, **kwargs):
        # All or nothing: one invalid row and every row is rolled back.
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        # The values of each row (the "diff" of a new row) are for the dry run's preview
        # only; the confirmed import of a big file does without them.
        self._meta = copy.copy(type(self)._meta)
        self._meta.skip_diff = not kwargs.get("dry_run", False)
        self.fields["problems"].widget.known = None
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        headers = []
        for header in dataset.headers or []:
            key = str(header or "").strip().lower().replace(" ", "_")
            headers.append(HEADERS.get(key, HEADERS.get(key.replace("_", " "), key)))
        twice = sorted({h for h in headers if h and headers.count(h) > 1})
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
        for name in IMPORT_COLUMNS:
            if name not in headers:
                dataset.append_col([""] * dataset.height, header=name)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        errors = {}
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
        carrier = str(instance.carrier or "").strip()
        names = {str(v).lower(): k for k, v in settings.EINZELFALL_CARRIERS.items()}
        carrier = names.get(carrier.lower(), carrier.lower()) or next(
            iter(settings.EINZELFALL_CARRIERS)
        )
        if carrier not in settings.EINZELFALL_CARRIERS:
            errors["carrier"] = _("unknown carrier %(value)r") % {"value": instance.carrier}
        instance.carrier = carrier
        instance.description = text.multi_line(str(instance.description or ""))
        instance.email = str(instance.email or "").strip()
        instance.description_redacted = redact(instance.description, instance.email)
        instance.city_key = name_key(instance.city)[:200]
        place = matching.match(instance.city, instance.district, instance.postal_code)
        instance.city_place_id, instance.district_place_id = place.city_id, place.district_id
        instance.status = Status.PENDING
        instance.imported = True
        # Consent was given on the old form; the organizer answers for it.
        instance.consent_at = instance.submitted_at
        instance.privacy_policy_version = "import"
        if not errors:
            try:
                # Field by field, without a query per row: the model's check constraints
                # repeat what the fields' choices and validators check already.
                instance.full_clean(
                    exclude=["problems", "city_place", "district_place", "reference", "pseudonym"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
        if errors:
            raise ValidationError(errors)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run"):
            # Pending complaints count on the public counter.
            transaction.on_commit(counter_invalidate)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        instances = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        through = Complaint.problems.through
        through.objects.bulk_create(
            [
                through(complaint_id=instance.pk, problemtype_id=problem_id)
                for instance in instances
                if instance.pk is not None
                for problem_id in instance.problem_ids
            ],
            batch_size=5000,
        )
