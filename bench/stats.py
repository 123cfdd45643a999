"""Benchmark: the public evaluation at a million published complaints, against its raw SQL.

Usage: .venv/bin/python bench/stats.py [--count 1000000] [--pg postgres://postgres@127.0.0.1:5432]

Creates (and afterwards drops) the PostgreSQL database einzelfall_bench_stats, loads the gazetteer
and seeds --count published complaints with the demo seeder, which releases them
(reports/releases.py). Then, in one process:

- baseline: the exact SQL of the evaluation's GROUP BY queries, run directly on a cursor;
- build_evaluation(): the same queries through the ORM plus suppression: the work of a release
  (released_evaluation() runs them over the released reports, here every seeded one);
- GET /stats/ with the cache cleared before each request (median of 3): no build, the page
  reads the latest release: the schedule's count of reports not yet released, the release's
  number, the places' statuses and the counter; the released evaluation itself stays in the
  process (reports/selectors.py) until another release is made;
- GET /stats/ and /stats/cities.json with the cache warm (median of 50).
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import ROOT, drop_database, seeded_database, write_figures

DB = "einzelfall_bench_stats"


def timed(function, repeat=1):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="Reuse and keep the database.")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{DB}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "testserver",
        "ENV_FILE": os.devnull,
        "SECURE_SSL_REDIRECT": "false",  # the test client speaks plain HTTP
    }
    env = seeded_database(args.pg, DB, args.count, env, args.keep)
    # The pages are served as in production (DEBUG off): hashed static files, collected first.
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
    )

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "einzelfall.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reports import selectors

    selectors.build_evaluation()  # warm the database's buffers and the place data
    with CaptureQueriesContext(connection) as queries:
        selectors.build_evaluation()
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]

    def raw_sql():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    raw = statistics.median(timed(raw_sql, 3))
    orm = statistics.median(timed(selectors.build_evaluation, 3))
    client = Client()

    def uncached_page():
        cache.clear()
        if client.get("/stats/").status_code != 200:
            raise SystemExit("/stats/ failed")

    uncached = statistics.median(timed(uncached_page, 3))
    client.get("/stats/")
    cached = statistics.median(timed(lambda: client.get("/stats/"), 50))
    client.get("/stats/cities.json")
    open_data = statistics.median(timed(lambda: client.get("/stats/cities.json"), 50))

    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.pg, DB)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"published complaints: {args.count:,}; queries per evaluation: {len(statements)}")
    print(f"baseline, raw SQL of the GROUP BYs:  {raw * 1000:8.1f} ms")
    print(f"build_evaluation (ORM+suppression): {orm * 1000:8.1f} ms ({orm / raw:.2f}x)")
    print(f"GET /stats/ uncached:               {uncached * 1000:8.1f} ms ({uncached / raw:.2f}x)")
    print(f"GET /stats/ cached, median of 50:   {cached * 1000:8.1f} ms")
    print(f"GET /stats/cities.json cached:      {open_data * 1000:8.1f} ms")
    write_figures(
        args.json,
        {
            "count": args.count,
            "queries": len(statements),
            "raw_ms": raw * 1000,
            "build_ms": orm * 1000,
            "uncached_ms": uncached * 1000,
            "uncached_ratio": uncached / raw,
            "cached_ms": cached * 1000,
            "cities_json_ms": open_data * 1000,
        },
    )


if __name__ == "__main__":
    main()
