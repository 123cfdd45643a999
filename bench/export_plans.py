"""Benchmark: the filtered carrier export with fresh and with stale planner statistics.

Usage: .venv/bin/python bench/export_plans.py [--size 1000000] [--pg postgres://postgres@127.0.0.1:5432]
       [--keep] [--timeout 300] [--json FILE]

Issue 20: `export_anonymized --since --until` took 241 s for 13,286 rows on a PostgreSQL whose
statistics were those of nearly empty tables, 0.6 s after ANALYZE; the old shape joined every
complaint's grouped problem slugs, which such a planner made a nested loop over every pair.

On a database of --size published demo complaints (bench/_db.py, reused with --keep), a week
of submissions is exported:

- "fresh": after ANALYZE;
- "stale": the statistics as ANALYZE left them when the tables held one complaint
  (pg_class.reltuples = relpages = 1, one distinct complaint_id among the problem links;
  autovacuum off for the two tables meanwhile), as after a bulk write that autovacuum has
  not seen yet.

For each: manage.py export_anonymized --since --until (now: nested loops off), and the
baseline, PostgreSQL's COPY of the same join with the planner's defaults, cancelled after
--timeout seconds. Last, the whole export with fresh statistics (docs/benchmarks.md, issue 5,
had 9.31 s on a quiet machine).
The statistics are made fresh again at the end.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import ROOT, drop_database, seeded_database, write_figures

TABLES = ("complaints_complaint", "complaints_complaint_problems")

OLD_SHAPE = """
COPY (
  SELECT c.pseudonym, (c.submitted_at AT TIME ZONE 'Europe/Berlin')::date, c.carrier,
         joined.slugs, city.name, district.name, c.postal_code, c.description_redacted
    FROM complaints_complaint c
    LEFT JOIN complaints_place city ON city.id = c.city_place_id
    LEFT JOIN complaints_place district ON district.id = c.district_place_id
    LEFT JOIN (
      SELECT cp.complaint_id, string_agg(p.slug, ';' ORDER BY p.position) AS slugs
        FROM complaints_complaint_problems cp
        JOIN complaints_problemtype p ON p.id = cp.problemtype_id
       GROUP BY cp.complaint_id
    ) AS joined ON joined.complaint_id = c.id
   WHERE c.status = 'published'
     AND (c.submitted_at AT TIME ZONE 'Europe/Berlin')::date BETWEEN %(since)s AND %(until)s
   ORDER BY c.submitted_at, c.id
) TO STDOUT WITH (FORMAT csv)
"""


def _connect(url):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def fresh(url):
    with _connect(url) as conn:
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            conn.execute(f"ANALYZE {table}")


def stale(url):
    """The statistics as ANALYZE left them when the tables held one complaint: one row per
    page, and one distinct complaint in the problem links (what makes the grouped slugs look
    like a single row to join)."""
    with _connect(url) as conn:
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
            conn.execute(f"ANALYZE {table}")
            conn.execute(
                "UPDATE pg_class SET reltuples = 1, relpages = 1 WHERE oid = %s::regclass", [table]
            )
        conn.execute(
            "UPDATE pg_statistic SET stadistinct = 1 WHERE starelid = %s::regclass"
            " AND staattnum = (SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attname = 'complaint_id')",
            [TABLES[1], TABLES[1]],
        )


def week(url) -> tuple[str, str, int]:
    """A week ending a fortnight before the newest submission, and its rows."""
    with _connect(url) as conn:
        newest = conn.execute(
            "SELECT max((submitted_at AT TIME ZONE 'Europe/Berlin')::date)"
            " FROM complaints_complaint"
        ).fetchone()[0]
        until = newest - datetime.timedelta(days=14)
        since = until - datetime.timedelta(days=6)
        rows = conn.execute(
            "SELECT count(*) FROM complaints_complaint WHERE status = 'published' AND"
            " (submitted_at AT TIME ZONE 'Europe/Berlin')::date BETWEEN %s AND %s",
            [since, until],
        ).fetchone()[0]
    return since.isoformat(), until.isoformat(), rows


def timed_export(env, *options) -> float:
    command = [sys.executable, str(ROOT / "manage.py"), "export_anonymized", "--format", "csv"]
    started = time.perf_counter()
    subprocess.run(
        [*command, *options, "--out", os.devnull, "-v0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def timed_copy(url, since, until, timeout) -> float:
    """Seconds of the old shape's COPY; timeout when it was cancelled then."""
    import psycopg

    started = time.perf_counter()
    with _connect(url) as conn:
        conn.execute(f"SET statement_timeout = '{int(timeout)}s'")
        try:
            with conn.cursor().copy(
                OLD_SHAPE % {"since": f"'{since}'", "until": f"'{until}'"}
            ) as copy:
                for _block in copy:
                    pass
        except psycopg.errors.QueryCanceled:
            return timeout  # (reported as cancelled; the JSON says so beside it)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--keep", action="store_true", help="Reuse and keep the database.")
    parser.add_argument("--json", help="write the figures to this file")
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
    db = f"einzelfall_bench_plans_{args.size}"
    db_env = seeded_database(args.pg, db, args.size, env, args.keep)
    url = db_env["DATABASE_URL"]  # the shared database when BENCH_SHARED_DB names one
    since, until, rows = week(url)
    print(f"{args.size:,} complaints; the week {since} to {until}: {rows:,} rows")
    figures = {"size": args.size, "rows": rows, "timeout_s": args.timeout}
    try:
        for state, prepare in (("fresh", fresh), ("stale", stale)):
            prepare(url)
            export = timed_export(db_env, "--since", since, "--until", until)
            copy = timed_copy(url, since, until, args.timeout)
            figures[f"{state}_export_s"], figures[f"{state}_old_copy_s"] = export, copy
            figures[f"{state}_old_copy_cancelled"] = copy >= args.timeout
            cancelled = f"> {args.timeout:.0f} s (cancelled)"
            shown = f"{copy:.2f} s" if copy < args.timeout else cancelled
            print(
                f"{state:>5} statistics: export_anonymized {export:7.2f} s; old shape COPY {shown}"
            )
    finally:
        fresh(url)
    figures["whole_export_s"] = timed_export(db_env)
    print(f"whole export ({args.size:,} rows), fresh statistics: {figures['whole_export_s']:.2f} s")
    write_figures(args.json, figures)
    if not args.keep:
        drop_database(args.pg, db)


if __name__ == "__main__":
    main()
