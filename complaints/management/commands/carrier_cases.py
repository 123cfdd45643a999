from django.core.management.base import BaseCommand, CommandError

from complaints.carrier import cases
from complaints.models import Place, carrier_name


class Command(BaseCommand):
    help = (
        "Open the places that reached the quorum for a carrier (CARRIER_QUORUM published "
        "reports within CARRIER_QUORUM_DAYS), reopen places reported fixed that the reports "
        "since contradict, and tell each carrier in one mail. Safe to run from cron every hour: "
        "a place is opened once and every mail is sent once (a failed one by the next run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; change nothing."
        )

    def handle(self, *args, **options):
        if options["dry_run"]:
            self._dry_run()
            return
        opened = cases.open_places()
        disputed = cases.check_disputes()
        for case in opened:
            self.stdout.write(f"opened: {case.place} for {case.carrier_name}")
        for case in disputed:
            self.stdout.write(f"disputed: {case.place} for {case.carrier_name}")
        failed = self._report("opened", cases.notify_opened())
        failed += self._report("disputed", cases.notify_disputed())
        if failed:
            raise CommandError(f"{failed} mails to carriers could not be sent (retried next run).")

    def _dry_run(self):
        due = cases.due_places()
        disputed = cases.disputed_cases()
        self.stdout.write(f"places to open: {len(due)}; places to dispute: {len(disputed)}")
        places = Place.objects.select_related("parent").in_bulk([place for _, place, _ in due])
        for carrier, place, n in due:
            self.stdout.write(f"  would open: {places[place]} for {carrier_name(carrier)} ({n})")
        self.stdout.write("(dry run: nothing changed, no mail sent)")

    def _report(self, what: str, notices: cases.Notices) -> int:
        self.stdout.write(
            f"mails about places {what}: {notices.sent} sent ({notices.places} places), "
            f"{notices.failed} failed"
        )
        for carrier in notices.no_contacts:
            self.stdout.write(
                f"  {carrier_name(carrier)} has no contact address: "
                "add one in the admin (Carriers), the mail goes out with the next run"
            )
        return notices.failed
