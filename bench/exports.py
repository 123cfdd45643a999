"""Benchmark: the anonymized carrier export against PostgreSQL's COPY of the complaint table.

Usage: .venv/bin/python bench/exports.py [--sizes 100000 1000000] [--pg postgres://postgres@127.0.0.1:5432]

For each size, a PostgreSQL database einzelfall_bench_<size> is created (kept with --keep and
reused when it exists), the gazetteer loaded and <size> published complaints seeded. Then,
each in its own process so that peak memory is its own:

- baseline "COPY": COPY (SELECT * FROM complaints_complaint WHERE status = 'published') TO
  STDOUT WITH (FORMAT csv, HEADER): the table's own speed (every column, no join, no order),
  read by a psycopg client and written to /dev/null;
- "COPY joined": the same client with COPY of the export's columns joined to the problem
  links, problem types and places and formatted in SQL (the export's old shape, issue 23);
- manage.py export_anonymized --format csv --out /dev/null.

Ratios are to the plain COPY (issue 23's target: within 2x).

Wall time is the median of --repeat runs; peak RSS (ru_maxrss) is the largest over them.
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

COPY_SQL = """
COPY (SELECT * FROM complaints_complaint WHERE status = 'published')
  TO STDOUT WITH (FORMAT csv, HEADER)
"""

JOINED_SQL = """
COPY (
  WITH problems AS (
    SELECT cp.complaint_id, string_agg(p.slug, ';' ORDER BY p.position) AS slugs
      FROM complaints_complaint_problems cp
      JOIN complaints_problemtype p ON p.id = cp.problemtype_id
     GROUP BY cp.complaint_id
  )
  SELECT c.pseudonym,
         (c.submitted_at AT TIME ZONE 'Europe/Berlin')::date,
         c.carrier, problems.slugs,
         city.name, district.name, c.postal_code, city.state, c.technology, c.frequency,
         to_char(c.since, 'YYYY-MM'), c.location, c.description_redacted
    FROM complaints_complaint c
    LEFT JOIN problems ON problems.complaint_id = c.id
    LEFT JOIN complaints_place city ON city.id = c.city_place_id
    LEFT JOIN complaints_place district ON district.id = c.district_place_id
   WHERE c.status = 'published'
   ORDER BY c.submitted_at, c.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""

COPY_CLIENT = """
import sys, psycopg
with psycopg.connect(sys.argv[1]) as conn, open(os.devnull, "wb") as out:
    with conn.cursor().copy(sys.argv[2]) as copy:
        for block in copy:
            out.write(block)
"""


def run(command, env) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"failed: {command}")
    return elapsed, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Reuse and keep the databases.")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ENV_FILE": os.devnull,
        "RATELIMIT_ENABLE": "false",
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    figures = {}
    for size in args.sizes:
        db = f"einzelfall_bench_{size}"
        db_env = seeded_database(args.pg, db, size, env, args.keep)
        copy_client, joined_client = (
            # db_env's database: the shared one when BENCH_SHARED_DB names it.
            [sys.executable, "-c", "import os\n" + COPY_CLIENT, db_env["DATABASE_URL"], sql]
            for sql in (COPY_SQL, JOINED_SQL)
        )
        export = [
            sys.executable,
            str(ROOT / "manage.py"),
            "export_anonymized",
            "--format",
            "csv",
            "--out",
            os.devnull,
            "-v0",
        ]
        results = {"COPY": [], "COPY joined": [], "export_anonymized": []}
        for _ in range(args.repeat):
            results["COPY"].append(run(copy_client, db_env))
            results["COPY joined"].append(run(joined_client, db_env))
            results["export_anonymized"].append(run(export, db_env))
        baseline = statistics.median(t for t, _ in results["COPY"])
        for name, runs in results.items():
            times = [t for t, _ in runs]
            median = statistics.median(times)
            print(
                f"{size:>9,} rows  {name:<18} {median:6.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}; {median / baseline:.2f}x COPY)  "
                f"peak RSS {max(rss for _, rss in runs):6.1f} MB"
            )
        figures[str(size)] = {
            "copy_s": [t for t, _ in results["COPY"]],
            "copy_joined_s": [t for t, _ in results["COPY joined"]],
            "export_s": [t for t, _ in results["export_anonymized"]],
            "ratio": statistics.median(t for t, _ in results["export_anonymized"]) / baseline,
            "copy_rss_mb": max(rss for _, rss in results["COPY"]),
            "export_rss_mb": max(rss for _, rss in results["export_anonymized"]),
        }
        if not args.keep:
            drop_database(args.pg, db)
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
