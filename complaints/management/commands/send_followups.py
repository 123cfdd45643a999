from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from complaints.campaign.services import followups_send_due


class Command(BaseCommand):
    help = (
        "Send the follow-up mails that are due ('has it improved?'): to confirmed addresses "
        "that asked for it, FOLLOWUP_AFTER_DAYS after the report, never twice, also when two "
        "runs overlap. Safe to run from cron every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--after-days",
            type=int,
            default=None,
            help="Days after the report (default: FOLLOWUP_AFTER_DAYS).",
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many mails in this run."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")

    def handle(self, *args, **options):
        after_days = options["after_days"]
        if after_days is None:
            after_days = settings.FOLLOWUP_AFTER_DAYS
        if after_days < 0 or options["limit"] < 1:
            raise CommandError("--after-days must be 0 or more, --limit 1 or more.")
        result = followups_send_due(
            after_days=after_days, limit=options["limit"], dry_run=options["dry_run"]
        )
        if options["dry_run"]:
            self.stdout.write(f"follow-up mails due: {result.due:,} (dry run: none sent)")
            return
        self.stdout.write(
            f"follow-up mails sent: {result.sent:,}; failed (retried next run): "
            f"{result.failed:,}; taken by another run: {result.taken:,}"
        )
        if result.failed:
            raise CommandError(f"{result.failed} follow-up mails could not be sent.")
