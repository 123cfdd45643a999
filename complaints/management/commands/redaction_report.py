import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from complaints.privacy.quality import report_markdown


class Command(BaseCommand):
    help = (
        "Measure the redaction of personal data on the labelled corpus in "
        "tests/redaction_corpus/ (recall and precision per category, clean texts unchanged, "
        "time per description) and write the report, by default to docs/redaction.md."
    )
    # Reads only the corpus files: no database, no URLs to check first.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            default=str(Path(settings.BASE_DIR) / "docs" / "redaction.md"),
            help="Where to write the Markdown report; '-' for standard output.",
        )

    def handle(self, *args, **options):
        report = report_markdown(datetime.date.today().isoformat())
        if options["out"] == "-":
            self.stdout.write(report)
            return
        Path(options["out"]).write_text(report, encoding="utf-8")
        self.stdout.write(f"Wrote {options['out']}.")
