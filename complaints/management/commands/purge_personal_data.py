from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.privacy.retention import (
    BOUNCING_FOLLOWER_DAYS,
    FOLLOWER_MAX_FAILURES,
    bouncing_followers_purge,
    personal_data_purge,
    unconfirmed_followers_purge,
)


class Command(BaseCommand):
    help = (
        "Blank the personal data of old complaints: email addresses and original descriptions "
        "after PERSONAL_DATA_RETENTION_DAYS, address hashes after IP_HASH_RETENTION_DAYS. "
        "The redacted description and everything counted stay. Followers who did not confirm "
        "their address within the confirmation link's lifetime are deleted, and so are "
        f"followers whose last {FOLLOWER_MAX_FAILURES} mails failed, "
        f"{BOUNCING_FOLLOWER_DAYS} days after their last mail that went out. Idempotent; "
        "safe from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Days (default: PERSONAL_DATA_RETENTION_DAYS); also caps the address hashes.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        blanked = personal_data_purge(now=timezone.now(), personal_days=older_than, dry_run=dry_run)
        verb = "would blank" if dry_run else "blanked"
        for label, count in blanked:
            self.stdout.write(f"{label}: {verb} {count:,}")
        deleted = unconfirmed_followers_purge(now=timezone.now(), dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"unconfirmed followers: {verb} {deleted:,}")
        bouncing = bouncing_followers_purge(now=timezone.now(), dry_run=dry_run)
        self.stdout.write(f"followers whose mails keep failing: {verb} {bouncing:,}")
