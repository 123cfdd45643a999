import contextlib

from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError

from complaints.campaign import digests, follow, newsletter


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
        # One connection for the run: not one SMTP/TLS handshake per mail.
        connection = get_connection()
        if not dry_run:
            follow.reopen(connection)
        try:
            news = newsletter.send_queued(limit=limit, dry_run=dry_run, connection=connection)
            result = digests.send_due(limit=limit, dry_run=dry_run, connection=connection)
        finally:
            with contextlib.suppress(Exception):  # a connection the server dropped already
                connection.close()
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
