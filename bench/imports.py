"""Benchmark: importing a legacy file of --rows complaints (target: 100,000 in under 15 s).

Usage: .venv/bin/python bench/imports.py [--rows 100000] [--pg postgres://postgres@127.0.0.1:5432]

Creates (and afterwards drops) the PostgreSQL database einzelfall_bench_import with the
gazetteer loaded, writes a legacy CSV (German headers, semicolons, cp1252, German dates,
problem names in German) and measures, in one process:

- baseline: reading the file into a dataset and inserting the same number of complaints with
  bulk_create, without any checking or matching (the floor for storing that much);
- database floor: the imported rows (complaints and problem links) copied back into the
  emptied tables with COPY, committed (indexes, constraints and foreign keys included);
- the import as the admin runs it after confirmation: LegacyComplaintResource.import_data
  (every row parsed, validated, place-matched, redacted; problems linked).

The dry run the admin shows first costs about the same again.
"""

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "einzelfall_bench_import"

CITIES = [
    ("Hamburg", "Altona"),
    ("Berlin", "Kreuzberg"),
    ("München", "Schwabing"),
    ("Köln", "Ehrenfeld"),
    ("Frankfurt am Main", ""),
    ("Leipzig", "Connewitz"),
    ("Dresden", ""),
    ("Hamburg", "Eimsbüttel"),
]
PROBLEMS = ["Keine Datenverbindung", "Langsames mobiles Internet", "Gesprächsabbrüche", "SMS"]


def legacy_csv(rows: int) -> bytes:
    rng = random.Random(2011)  # noqa: S311 (made-up data)
    lines = ["Datum;Stadt;Stadtteil;Problem;Beschreibung;E-Mail"]
    for n in range(rows):
        city, district = rng.choice(CITIES)
        problems = ", ".join(rng.sample(PROBLEMS, rng.randint(1, 2)))
        day = f"{rng.randint(1, 28):02d}.11.2011"
        description = rng.choice(["Seit Tagen kein Netz", "Ruf an: 0170 1234567", "", "LTE weg"])
        mail = f"leser{n}@example.org" if n % 3 == 0 else ""
        lines.append(f"{day};{city};{district};{problems};{description};{mail}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{DB}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ENV_FILE": os.devnull,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["load_places"]):
        subprocess.run([*manage, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "einzelfall.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV
    from complaints.models import Complaint
    from complaints.places import matching

    content = legacy_csv(args.rows)
    matching.match("Hamburg", "", "")  # build the place index (once per process, not per file)

    started = time.perf_counter()
    dataset = LegacyCSV().create_dataset(content)
    now = timezone.now()
    Complaint.objects.bulk_create(
        [
            Complaint(
                city=row[1],
                district=row[2],
                frequency="",
                consent_at=now,
                privacy_policy_version="bench",
            )
            for row in dataset
        ],
        batch_size=1000,
    )
    baseline = time.perf_counter() - started
    Complaint.objects.all().delete()

    started = time.perf_counter()
    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
    elapsed = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("the import had errors")
    imported = Complaint.objects.filter(imported=True).count()

    # The database's floor: the same finished rows (complaints and problem links) copied back
    # into the emptied tables, indexes, check constraints and foreign keys included.
    from django.db import connection, transaction

    tables = [Complaint._meta.db_table, Complaint.problems.through._meta.db_table]
    with connection.cursor() as cursor:
        dumps = {}
        for table in tables:
            with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                dumps[table] = b"".join(bytes(block) for block in copy)
    Complaint.objects.all().delete()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(dumps[table])
    floor = time.perf_counter() - started

    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"rows: {args.rows:,}; imported: {imported:,}")
    print(f"database floor (COPY of the rows):    {floor:6.2f} s")
    print(f"baseline (parse + bare bulk_create): {baseline:6.2f} s")
    print(
        f"import (LegacyComplaintResource):     {elapsed:6.2f} s "
        f"({elapsed / baseline:.2f}x bulk_create, {elapsed / floor:.1f}x COPY)"
    )
    sys.path.insert(0, str(ROOT / "bench"))
    from _db import write_figures

    write_figures(
        args.json,
        {
            "rows": args.rows,
            "floor_s": floor,
            "baseline_s": baseline,
            "import_s": elapsed,
            "ratio_floor": elapsed / floor,
        },
    )


if __name__ == "__main__":
    main()
