"""The import's resource: django-import-export's pipeline (preview, all or nothing, an error
per row) with a lean path per row for what this import does, every row a new complaint.

Every hook of import-export overridden here is pinned by tests/test_import_export_pins.py."""

import contextlib
import logging
import traceback

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import NOT_PROVIDED
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import RowResult

from complaints import caches
from complaints.carrier.imports import files, rows
from complaints.carrier.imports.stream import (
    ComplaintStream,
    analyze_after_commit,
    insert_complaints,
    insert_links,
    streaming,
)
from complaints.carrier.imports.widgets import DateTimeWidget, MonthWidget, ProblemsWidget
from complaints.models import REPORT_FIELDS, Complaint, Place, ProblemType
from complaints.places import matching
from complaints.places.names import name_key

logger = logging.getLogger(__name__)

IMPORT_COLUMNS = ["submitted_at", *REPORT_FIELDS]
PLACES_CHANGED = gettext_lazy(
    "Places or problem types were changed while the file was being imported. "
    "Please import the file again."
)
# The dry run shows the values of its first rows only (the import template says so): a row's
# "diff" (a deep copy and an HTML diff) for every row made the preview slower than the import.
PREVIEW_ROWS = 100
OWN_WIDGETS = (DateTimeWidget, MonthWidget, ProblemsWidget)


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
        self._start()
        try:
            result = super().import_data(dataset, **kwargs)
        except IntegrityError as error:
            # The database refused the commit (its foreign keys are checked then): a place
            # or problem type was deleted at the last moment. Nothing was stored.
            if kwargs.get("raise_errors"):
                raise
            result = self.get_result_class()()
            result.append_base_error(
                self.get_error_result_class()(ValueError(f"{PLACES_CHANGED} ({error})"))
            )
        # For the preview: the file's columns that nothing takes (import.html).
        result.ignored_columns = self._ignored
        return result

    def _start(self) -> None:
        """What an import works out once, before its first row."""
        self.fields["problems"].widget.start()
        self.fields["submitted_at"].widget.start(timezone.now())
        self._places = {}
        self._import_fields = self._new = self._plan = None
        self._carrier_codes = dict(settings.EINZELFALL_CARRIERS)
        self._default_carrier = next(iter(self._carrier_codes))
        self._carriers = {str(name).lower(): code for code, name in self._carrier_codes.items()}
        # One place index for the whole import: none is loaded while the rows are streamed.
        self._index = matching.get_index()
        self._stream = self._stream_error = None
        self._rows_total, self._links = -1, []  # (before_import sets them)
        self._ignored, self._stored, self._seen = [], set(), set()
        self._streaming = streaming()

    def import_data_inner(self, *args, **kwargs):
        try:
            return super().import_data_inner(*args, **kwargs)
        except BaseException:
            # Stopped half-way (raise_errors, a worker stopped): the COPY ends here, before
            # the import's transaction is rolled back (a rollback would wait for it).
            self._drop_stream()
            raise

    def _drop_stream(self) -> None:
        open_stream, self._stream = self._stream, None
        if open_stream is not None:
            open_stream.abort()

    def before_import(self, dataset, **kwargs):
        headers = files.column_fields(dataset.headers)
        dataset.headers = headers
        files.refuse_missing_columns(headers)
        self._rows_total = dataset.height
        self._links = []
        taken = [field.column_name for field in self.get_import_fields()]
        self._ignored = files.ignored_columns(headers, taken)
        if files.PSEUDONYM in headers:
            self._stored = rows.stored_pseudonyms(dataset[files.PSEUDONYM])

    def _stored_already(self, row) -> bool:
        """A row of a complaint stored before (its pseudonym, from a carrier export): skipped,
        not updated, as is a second row of the same pseudonym in the file."""
        pseudonym = rows.pseudonym_of(row)
        if not pseudonym:
            return False
        if pseudonym in self._stored or pseudonym in self._seen:
            return True
        self._seen.add(pseudonym)
        return False

    def import_row(self, row, instance_loader, **kwargs):
        if self._stored_already(row):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        elif kwargs.get("dry_run") and kwargs["row_number"] <= PREVIEW_ROWS:
            # A row the preview shows, with its values (the "diff" of a new row).
            row_result = super().import_row(row, instance_loader, **kwargs)
        else:
            row_result = self._import_new_row(row, **kwargs)
        if kwargs["row_number"] == self._rows_total and self._stream is not None:
            # The last row: the stream ends before import-export's closing statements (a
            # savepoint cannot be made while a COPY runs).
            self._finish_stream()
        return row_result

    def _finish_stream(self) -> None:
        open_stream, self._stream = self._stream, None
        try:
            open_stream.finish()
        except Exception as error:
            self._stream_error = error  # reported for the whole import (bulk_create)
        else:
            self._links = open_stream.links

    def _import_new_row(self, row, **kwargs) -> RowResult:
        """import-export's import_row for a new complaint without a preview, without its
        generic steps (loading an instance to update, deletion, skipping, model validation,
        the diff). The same results: new, invalid with every field's errors, or an error."""
        row_result = self.get_row_result_class()()
        try:
            instance = self.init_instance(row)
            self.import_instance(instance, row, **kwargs)
            self.save_instance(instance, True, row, **kwargs)
        except ValidationError as error:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(error.update_error_dict({}))
        except Exception as error:
            # Not the file's fault: the log says where it happened (the frames, not the
            # message, which may hold the row's personal data).
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

    def init_instance(self, row=None):
        if getattr(self, "_new", None) is None:
            self._new = rows.NewComplaints()
        return self._new.make()

    def get_import_fields(self):
        # The same for every row: worked out once per import instead of once per row.
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def _import_plan(self) -> tuple[list, list]:
        """How each import field takes its cell, worked out once per import: (column,
        attribute, the cell as text?, field) for the cells taken as they are (CharWidget,
        Widget); (column, attribute, own widget?, field) for those cleaned by this package's
        widgets or by import-export's Field.clean."""
        if getattr(self, "_plan", None) is None:
            taken, cleaned = [], []
            for field in self.get_import_fields():
                widget_type = type(field.widget)
                as_text = widget_type is widgets.CharWidget and field.widget.allow_blank is True
                if as_text or widget_type is widgets.Widget:
                    taken.append((field.column_name, field.attribute, as_text, field))
                else:
                    own = widget_type in OWN_WIDGETS and field.default is NOT_PROVIDED
                    cleaned.append((field.column_name, field.attribute, own, field))
            self._plan = taken, cleaned
        return self._plan

    def import_instance(self, instance, row, **kwargs):
        # What import-export's import_instance does, without its layers of calls per cell.
        self._take_cells(instance, row)
        errors = self._clean_cells(instance, row, kwargs)
        if errors:
            raise ValidationError(errors)
        if str(row.get(files.EXTRA_COLUMN) or "").strip():
            errors["description"] = _(
                "The row has more cells than the file has columns: is there a separator in a "
                "text that is not in quotes?"
            )
        rows.tidy_place(instance, errors)
        rows.tidy_choices(instance, errors)
        self._tidy_carrier(instance, errors)
        rows.tidy_description(instance)
        rows.take_pseudonym(instance, row, errors)
        self._locate(instance)
        rows.mark_imported(instance)
        if not errors:
            errors = rows.text_field_errors(instance)
        if errors:
            raise ValidationError(errors)

    def _take_cells(self, instance, row) -> None:
        """The cells taken as CharWidget and Widget take them, inline (a column the file
        does not have is an empty cell)."""
        for column, attribute, as_text, field in self._import_plan()[0]:
            value = row.get(column)
            if as_text and type(value) is not str:
                value = "" if value is None else force_str(value)
            if value in field.empty_values and field.default is not NOT_PROVIDED:
                value = field.default() if callable(field.default) else field.default
            setattr(instance, attribute, value)

    def _clean_cells(self, instance, row, kwargs) -> dict[str, str]:
        """The cells cleaned by their widgets; the errors of those that are not valid."""
        errors = {}
        for column, attribute, own, field in self._import_plan()[1]:
            value = row.get(column)
            try:
                if own:
                    value = field.widget.clean(value, row=row, **kwargs)
                else:
                    value = field.clean({**row, column: value}, **kwargs)
            except ValueError as error:
                errors[attribute] = str(error)
                continue
            if value is not None or field.saves_null_values:
                setattr(instance, attribute, value)
        return errors

    def _tidy_carrier(self, instance, errors: dict) -> None:
        """The carrier by its code or its name; none means the first one."""
        carrier = str(instance.carrier or "").strip().lower()
        carrier = self._carriers.get(carrier, carrier) or self._default_carrier
        if carrier not in self._carrier_codes:
            errors["carrier"] = _("unknown carrier %(value)r") % {"value": instance.carrier}
        instance.carrier = carrier

    def _locate(self, instance) -> None:
        """The city key and the matched city and district, as the form finds them (each
        place matched once per import: a file names the same places again and again)."""
        key = (instance.city, instance.district, instance.postal_code)
        found = self._places.get(key)
        if found is None:
            place = self._index.match(*key)
            found = self._places[key] = (name_key(key[0])[:200], place.city_id, place.district_id)
        # (Into the instance's dict: the foreign keys' descriptors would look for a cached
        # place first, and a new instance has none.)
        values = instance.__dict__
        values["city_key"], values["city_place_id"], values["district_place_id"] = found

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

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self._streaming:
            self._store_links(result, raise_errors)
            return
        if self.create_instances and (using_transactions or not dry_run):
            try:
                insert_complaints(self.create_instances)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()

    def _store_links(self, result, raise_errors) -> None:
        """The streamed complaints are stored: their problem links follow."""
        links, self._links = self._links, []
        if self._stream_error is not None:
            self.handle_import_error(result, self._stream_error, raise_errors)
        elif links:
            try:
                insert_links(links)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)

    def after_import(self, dataset, result, **kwargs):
        # Not ModelResource.after_import: it resets the id sequence to the largest id it can
        # see, below an id a report being submitted meanwhile has drawn.
        resources.Resource.after_import(self, dataset, result, **kwargs)
        if not (result.has_errors() or result.has_validation_errors()):
            self._check_places_and_problems()
        if not kwargs.get("dry_run"):
            # Pending complaints count on the public counter.
            caches.after_commit(caches.counter_invalidate)
            analyze_after_commit()

    def _check_places_and_problems(self) -> None:
        """The places and problem types the rows point at, as they were when the import
        began, must still be there, or the database refuses the commit: one deleted or merged
        meanwhile refuses the import with a message, to be run again. (What is deleted after
        this check is caught in import_data.)"""
        places = {pk for _, *ids in self._places.values() for pk in ids if pk is not None}
        checked = self.fields["problems"].widget.checked.values()  # problem lists, errors
        problems = {pk for found in checked if type(found) is list for pk in found}
        gone = _missing(Place.objects.filter(merged_into__isnull=True), places)
        gone |= _missing(ProblemType.objects.all(), problems)
        if gone:
            with contextlib.suppress(Exception):  # (a cache that fails must not hide why)
                matching.invalidate()  # this process's index (and the others') is out of date
            raise ValueError(PLACES_CHANGED)


def _missing(queryset, ids: set[int]) -> set[int]:
    """The ids the queryset does not hold, asked a thousand at a time."""
    ids = sorted(ids)
    gone = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        gone.update(set(chunk) - set(queryset.filter(pk__in=chunk).values_list("pk", flat=True)))
    return gone
