"""Benchmark: manage.py seed_demo against PostgreSQL's own bulk insert of the same rows.

Usage: .venv/bin/python bench/seed_demo.py [--count 100000] [--pg postgres://postgres@127.0.0.1:5432]

Creates (and afterwards drops) a scratch database einzelfall_bench_seed. The baseline is an
INSERT ... SELECT over generate_series inside PostgreSQL: the same number of complaint rows
and problem links with no Python, no network round trips and no random draws, i.e. the
floor for "write N complaints". The figure that matters is the ratio seed_demo / baseline,
which stays meaningful on a shared, noisy machine.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import write_figures

ROOT = Path(__file__).resolve().parent.parent
DB = "einzelfall_bench_seed"

BASELINE_SQL = """
INSERT INTO complaints_complaint (
    reference, pseudonym, carrier, city, district, postal_code, technology, frequency,
    since, location, description, email, language, consent_at, privacy_policy_version,
    submitted_at, status, moderated_at, moderation_note, city_key, description_redacted,
    imported, ip_hash, followup_answer, followup_comment, followup_consent, followup_failures,
    description_redacted_by_hand, observed_at, made_offline)
SELECT md5(i::text || 'r') || md5(i::text), md5(i::text || 'p'), 'o2',
       (ARRAY['Berlin','Hamburg','München','Köln'])[1 + i % 4], 'Altona',
       lpad((i % 99999)::text, 5, '0'), '4g', 'daily', DATE '2026-01-01', 'indoor',
       'Seit Wochen bricht abends die Datenverbindung ständig ab.',
       CASE WHEN i % 3 = 0 THEN 'demo' || i || '@example.org' ELSE '' END, 'de',
       now() - (i % 1000) * interval '1 hour', '2026-11-01',
       now() - (i % 1000) * interval '1 hour',
       (ARRAY['published','pending','rejected','spam'])[1 + i % 4],
       CASE WHEN i % 4 = 1 THEN NULL ELSE now() END, '',
       lower((ARRAY['Berlin','Hamburg','München','Köln'])[1 + i % 4]),
       'Seit Wochen bricht abends die Datenverbindung ständig ab.',
       false, md5(i::text || 'ip'), '', '', false, 0, false,
       now() - (i % 1000) * interval '1 hour', false
FROM generate_series(1, %(count)s) AS i;
INSERT INTO complaints_complaint_problems (complaint_id, problemtype_id)
SELECT c.id, p.id FROM complaints_complaint c
JOIN complaints_problemtype p
  ON p.slug IN ('no-data', 'slow-data') AND (p.slug = 'no-data' OR c.id % 3 = 0);
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    env = {**os.environ, "DATABASE_URL": f"{args.pg}/{DB}", "DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        with psycopg.connect(f"{args.pg}/{DB}", autocommit=True) as conn:
            started = time.perf_counter()
            with conn.transaction():
                conn.execute(BASELINE_SQL.replace("%(count)s", str(args.count)))
            baseline = time.perf_counter() - started
            conn.execute("TRUNCATE complaints_complaint CASCADE")

        started = time.perf_counter()
        subprocess.run(
            [*manage, "seed_demo", "--count", str(args.count), "--seed", "1"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seeded = time.perf_counter() - started
    finally:
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB}")

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"complaints: {args.count:,}")
    print(f"baseline INSERT ... SELECT in PostgreSQL: {baseline:.2f} s")
    print(f"manage.py seed_demo (whole process):     {seeded:.2f} s")
    print(f"ratio seed_demo / baseline: {seeded / baseline:.1f}x")
    write_figures(
        args.json,
        {"count": args.count, "baseline_s": baseline, "seed_s": seeded, "ratio": seeded / baseline},
    )


if __name__ == "__main__":
    main()
