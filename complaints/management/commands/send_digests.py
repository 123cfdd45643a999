from django.core.management.base import BaseCommand, CommandError

from complaints.campaign import digests, newsletter


class Command(BaseCommand):
    help = (
        "Send the campaign newsletters the organizer queued (one mail per address, in its "
        "language) and the followers' digests that are due (at most weekly, only when "
        "something happened at their place). Never twice, also when two runs overlap. Safe "
        "to run from cron every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=2000, help="At most this many mails of each kind."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")

    def handle(self, *args, limit, dry_run, **options):
        if limit < 1:
            raise CommandError("--limit must be 1 or more.")
        news = newsletter.send_queued(limit=limit, dry_run=dry_run)
        result = digests.send_due(limit=limit, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"newsletters queued: {news.updates:,}, addresses to send them to: "
                f"{news.sent:,}; followers due: {result.due:,}, with news: "
                f"{result.due - result.quiet:,} (dry run: none sent)"
            )
            return
        self.stdout.write(
            f"newsletters sent: {news.sent:,}; failed: {news.failed:,}; "
            f"taken by another run: {news.taken:,}"
        )
        self.stdout.write(
            f"digests sent: {result.sent:,}; nothing new: {result.quiet:,}; failed (retried "
            f"next run): {result.failed:,}; taken by another run: {result.taken:,}"
        )
        if news.stopped or result.stopped:
            self.stdout.write("stopped early: too many failures in a row (the mail server?)")
        if news.failed or result.failed:
            raise CommandError(f"{news.failed + result.failed} mails could not be sent.")
