"""manage.py check_rollups: recount the rollups from the complaints, print every difference."""

from django.core.management.base import BaseCommand, CommandError

from reports import rollups


class Command(BaseCommand):
    help = (
        "Recounts the evaluation's rollups from the complaints and prints every difference "
        "(table, key, stored, recounted); exits 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Refill the rollups from the complaints after reporting the differences.",
        )

    def handle(self, *args, repair=False, **options):
        found = rollups.differences()
        for table, key, stored, recounted in found:
            self.stdout.write(f"{table} {key}: stored {stored}, recounted {recounted}")
        if found and repair:
            rollups.refill()
            self.stdout.write(f"Refilled the rollups ({len(found)} differences).")
            return
        if found:
            # CommandError exits with status 1 (and call_command raises it).
            raise CommandError(f"{len(found)} rollup rows differ from the recount.")
        rows = sum(len(counts) for counts in rollups.stored().values())
        self.stdout.write(
            f"Rollups match the recount ({rows} rows in {len(rollups.TABLES)} tables)."
        )
