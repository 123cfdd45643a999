from django.core.management.base import BaseCommand

from complaints.moderation.rules import auto_publish


class Command(BaseCommand):
    help = (
        "Publish the pending reports that the active auto-publish rules allow (the rules are "
        "made and switched on in the back office; none is on by default). Every decision is "
        "recorded with the rule's name. Safe to run from cron every few minutes, also when two "
        "runs overlap."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be published, change nothing."
        )

    def handle(self, *args, dry_run, **options):
        counts = auto_publish(dry_run=dry_run)
        if not counts:
            self.stdout.write("No active auto-publish rule: nothing published.")
            return
        verb = "would publish" if dry_run else "published"
        for name, count in counts.items():
            self.stdout.write(f"{name}: {verb} {count:,}")
