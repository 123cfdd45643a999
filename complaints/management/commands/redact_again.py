from django.core.management.base import BaseCommand, CommandError

from complaints import services


class Command(BaseCommand):
    help = (
        "Make every complaint's redacted description again with the current redaction rules "
        "(after an upgrade that improved them). A description a person corrected by hand is "
        "never made anew from the original: the rules only remove more from it. Batched, "
        "idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        summary = services.complaints_redact_again(
            batch_size=options["batch_size"], dry_run=options["dry_run"]
        )
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(
            f"{summary['examined']:,} descriptions examined, {verb} {summary['changed']:,}."
        )
