import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from complaints.models import Complaint

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Blank the personal data of old complaints: email addresses and original descriptions "
        "after PERSONAL_DATA_RETENTION_DAYS, address hashes after IP_HASH_RETENTION_DAYS. "
        "The redacted description and everything counted stay. Idempotent; safe from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Days (default: PERSONAL_DATA_RETENTION_DAYS); also caps the address hashes.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, **options):
        days = options["older_than"]
        if days is not None and days < 0:
            raise CommandError("--older-than must be 0 or more days.")
        personal_days = settings.PERSONAL_DATA_RETENTION_DAYS if days is None else days
        hash_days = min(settings.IP_HASH_RETENTION_DAYS, personal_days)
        now = timezone.now()
        steps = [
            (
                "email addresses, original descriptions and follow-up comments",
                Q(submitted_at__lt=now - datetime.timedelta(days=personal_days))
                & (~Q(email="") | ~Q(description="") | ~Q(followup_comment="")),
                {"email": "", "description": "", "followup_comment": ""},
            ),
            (
                "address hashes",
                Q(submitted_at__lt=now - datetime.timedelta(days=hash_days)) & ~Q(ip_hash=""),
                {"ip_hash": ""},
            ),
        ]
        for label, condition, blank in steps:
            found = Complaint.objects.filter(condition).count()
            done = 0
            if not options["dry_run"]:
                done = self._blank(condition, blank)
            verb = "would blank" if options["dry_run"] else "blanked"
            self.stdout.write(f"{label}: {verb} {found if options['dry_run'] else done:,}")

    def _blank(self, condition, blank) -> int:
        """In batches of BATCH rows, each its own short transaction (no long lock)."""
        total = 0
        while True:
            with transaction.atomic():
                ids = list(
                    Complaint.objects.filter(condition)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:BATCH]
                )
                if not ids:
                    return total
                total += Complaint.objects.filter(pk__in=ids).update(**blank)
