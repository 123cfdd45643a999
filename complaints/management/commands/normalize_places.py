import time

from django.core.management.base import BaseCommand

from complaints.places import services as place_services


class Command(BaseCommand):
    help = (
        "Match every complaint's city, district and postal code to the gazetteer again, "
        "after places or aliases changed. Batched and idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, **options):
        started = time.monotonic()
        summary = place_services.complaints_rematch(batch_size=max(1, batch_size))
        self.stdout.write(
            f"{summary['examined']:,} complaints examined, {summary['changed']:,} changed "
            f"({summary['newly_matched']:,} newly matched); {summary['unmatched']:,} still "
            f"unmatched ({time.monotonic() - started:.1f} s)."
        )
