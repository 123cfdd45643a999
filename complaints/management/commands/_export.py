"""What export_anonymized and export_aggregates share: options, output, progress, audit."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.carrier import exports
from complaints.models import ExportLog


class ExportCommand(BaseCommand):
    kind = ""
    # No system checks before each export: they load the URLconf and with it the whole admin
    # (django-import-export, openpyxl), about two thirds of a second and 40 MB for nothing.
    # `manage.py check` and every deploy run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "--dialect",
            choices=exports.DIALECTS,
            default="rfc4180",
            help="CSV only: rfc4180 (comma, UTF-8) or excel-de (semicolon, UTF-8 with BOM).",
        )
        parser.add_argument("--since", default="", help="First submission day, YYYY-MM-DD.")
        parser.add_argument("--until", default="", help="Last submission day, YYYY-MM-DD.")
        parser.add_argument("--city", default="", help="Only this city (its slug).")
        parser.add_argument("--carrier", default="", help="Only this carrier (its slug).")
        parser.add_argument("--out", required=True, help="The file to write, or - for stdout.")

    def check_filters(self, filters):
        """ValidationError when the filters do not apply to this export."""

    def chunks(self, filters, fmt, dialect, progress):
        """The export file in chunks of bytes (see complaints.carrier.exports)."""
        raise NotImplementedError

    def handle(self, *args, **options):
        if options["dialect"] != "rfc4180" and options["format"] != "csv":
            raise CommandError("--dialect applies to --format csv only.")
        try:
            filters = exports.Filters.parse(
                options["since"], options["until"], options["city"], options["carrier"]
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        try:
            self.check_filters(filters)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        log = ExportLog.objects.create(
            via="command",
            kind=self.kind,
            format=options["format"],
            dialect=options["dialect"] if options["format"] == "csv" else "",
            filters=filters.as_dict(),
        )
        counted = {"rows": 0}

        def progress(count):
            counted["rows"] = count
            if options["verbosity"] > 0:
                self.stderr.write(f"\r{count:,} rows", ending="")

        chunks = self.chunks(filters, options["format"], options["dialect"], progress)
        if options["out"] == "-":
            out = sys.stdout.buffer
            try:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
            except BrokenPipeError:
                # The reader stopped early (| head): not an error, but not a complete export.
                chunks.close()
                sys.stdout = None  # nothing more to flush at exit
                return
        else:
            try:
                with open(options["out"], "wb") as file:
                    for chunk in chunks:
                        file.write(chunk)
            except OSError as error:
                raise CommandError(f"Cannot write {options['out']}: {error.strerror}") from None
        log.rows = counted["rows"]
        log.completed = True
        log.save(update_fields=["rows", "completed"])
        if options["verbosity"] > 0:
            self.stderr.write(f"\r{counted['rows']:,} rows written.")
