"""What export_anonymized and export_aggregates share: options, output, progress, audit."""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.carrier import exports, schema
from complaints.carrier.formats import DIALECTS, FORMATS
from complaints.carrier.services import export_recorded
from complaints.models import ExportLog

# A directory: the RFC 4180 CSV and its datapackage.json (Frictionless), which says what
# each column holds, so that pandas, R or a portal read postal codes and dates right.
DATAPACKAGE = "datapackage"


class ExportCommand(BaseCommand):
    kind = ""  # an ExportLog.Kind
    # No system checks before each export: they load the whole admin through the URLconf,
    # for nothing (`manage.py check` and every deploy run them).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=[*FORMATS, DATAPACKAGE],
            default="csv",
            help="datapackage: --out is a directory; the CSV and its datapackage.json go there.",
        )
        parser.add_argument(
            "--dialect",
            choices=DIALECTS,
            default="rfc4180",
            help="CSV only: rfc4180 (comma, UTF-8) or excel-de (semicolon, UTF-8 with BOM).",
        )
        parser.add_argument("--since", default="", help="First submission day, YYYY-MM-DD.")
        parser.add_argument("--until", default="", help="Last submission day, YYYY-MM-DD.")
        parser.add_argument("--city", default="", help="Only this city (its slug).")
        parser.add_argument("--carrier", default="", help="Only this carrier (its slug).")
        parser.add_argument(
            "--out",
            required=True,
            help="The file to write, - for stdout (a directory for datapackage).",
        )

    def handle(self, *args, **options):
        fmt, dialect = options["format"], options["dialect"]
        if dialect != "rfc4180" and fmt != "csv":
            raise CommandError("--dialect applies to --format csv only.")
        filters = self._filters(options)
        self.verbosity, self.rows = options["verbosity"], 0
        out = options["out"]
        if fmt == DATAPACKAGE:
            out, fmt = self._package_directory(out, filters), "csv"
        chunks = export_recorded(
            kind=self.kind,
            fmt=fmt,
            dialect=dialect,
            filters=filters,
            via="command",
            progress=self._progress,
            complete_at_end=False,
        )
        if self._write(chunks, out) and self.verbosity > 0:
            self.stderr.write(f"\r{self.rows:,} rows written.")

    def _package_directory(self, out: str, filters) -> str:
        """Writes datapackage.json into the directory out; gives the path of its CSV."""
        if out == "-":
            raise CommandError("--format datapackage writes a directory: --out DIR.")
        directory = Path(out)
        name = exports.filename(self.kind, "csv", filters)
        if self.kind == ExportLog.Kind.ANONYMIZED:
            columns, title = exports.ANONYMIZED_COLUMNS, "Anonymized reports, one row each"
        else:
            columns, title = exports.AGGREGATE_COLUMNS, "Reports per city, district and problem"
        package = schema.carrier_package(self.kind, name, columns, title)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
            (directory / "datapackage.json").write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write into {out}: {error.strerror}") from None
        return str(directory / name)

    def _filters(self, options) -> exports.Filters:
        try:
            filters = exports.Filters.parse(
                options["since"], options["until"], options["city"], options["carrier"]
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        try:
            exports.check_filters(self.kind, filters)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return filters

    def _progress(self, count):
        self.rows = count
        if self.verbosity > 0:
            self.stderr.write(f"\r{count:,} rows", ending="")

    def _write(self, chunks, out) -> bool:
        """Whether every chunk was written (to the file, or to stdout for -)."""
        if out == "-":
            return self._write_stdout(chunks)
        try:
            with open(out, "wb") as file:
                for chunk in chunks:
                    file.write(chunk)
        except OSError as error:
            # The rows are read in a transaction: end it now, not when the generator is
            # collected (a disk full in the middle of a file left it open until then).
            chunks.close()
            raise CommandError(f"Cannot write {out}: {error.strerror}") from None
        chunks.complete()  # only now: a full disk may refuse the last bytes at the close
        return True

    def _write_stdout(self, chunks) -> bool:
        out = sys.stdout.buffer
        try:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
        except BrokenPipeError:
            # The reader stopped early (| head): not an error, but not a complete export.
            chunks.close()
            sys.stdout = None  # nothing more to flush at exit
            return False
        chunks.complete()
        return True
