"""Benchmark: the public evaluation at a million published complaints, against its raw SQL.

Usage: .venv/bin/python bench/stats.py [--count 1000000] [--pg postgres://postgres@127.0.0.1:5432]

Creates (and afterwards drops) the PostgreSQL database einzelfall_bench_stats, loads the gazetteer
and seeds --count published complaints with the demo seeder, which releases them
(reports/releases.py). Then, in one process:

- baseline: the exact SQL of the evaluation's GROUP BY queries (the recount), run directly
  on a cursor;
- the recount: build_evaluation() counted by those GROUP BYs (queries.recounted()), as every
  evaluation was before the rollups;
- build_evaluation(): the evaluation read from the rollups (reports/rollups.py) plus
  suppression: the work of a release (released_evaluation() reads the released reports' rows,
  here every seeded one);
- a moderation decision (reject a released published report, publish it again; the real
  service) with the rollups' triggers and with them disabled: the decision's extra cost;
- manage.py check_rollups: the rollups recounted and compared;
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
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reports import queries, selectors

    def recount():
        with queries.recounted():
            return selectors.build_evaluation()

    recount()  # warm the database's buffers and the place data
    selectors.build_evaluation()
    with CaptureQueriesContext(connection) as captured:
        recount()
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    with CaptureQueriesContext(connection) as captured:
        selectors.build_evaluation()
    rollup_statements = len(captured.captured_queries)

    def raw_sql():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    raw = statistics.median(timed(raw_sql, 3))
    recounted = statistics.median(timed(recount, 3))
    orm = statistics.median(timed(selectors.build_evaluation, 5))
    decision, undecided = decision_cost(connection)
    started = time.perf_counter()
    call_command("check_rollups", stdout=sys.stderr)  # raises (exit 1) on a difference
    check = time.perf_counter() - started
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
    print(
        f"published complaints: {args.count:,}; queries per evaluation: {rollup_statements}"
        f" (recount: {len(statements)})"
    )
    print(f"baseline, raw SQL of the GROUP BYs:  {raw * 1000:8.1f} ms")
    print(
        f"recount (GROUP BYs+suppression):    {recounted * 1000:8.1f} ms ({recounted / raw:.2f}x)"
    )
    print(f"build_evaluation from the rollups:  {orm * 1000:8.1f} ms ({orm / raw:.3f}x)")
    print(
        f"decision with the rollups' triggers: {decision * 1000:7.2f} ms, without"
        f" {undecided * 1000:.2f} ms (+{(decision - undecided) * 1000:.2f} ms)"
    )
    print(f"check_rollups:                      {check * 1000:8.1f} ms")
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
            "recount_ms": recounted * 1000,
            "rollup_queries": rollup_statements,
            "decision_ms": decision * 1000,
            "decision_untriggered_ms": undecided * 1000,
            "decision_extra_ms": (decision - undecided) * 1000,
            "check_rollups_ms": check * 1000,
            "uncached_ms": uncached * 1000,
            "uncached_ratio": uncached / raw,
            "cached_ms": cached * 1000,
            "cities_json_ms": open_data * 1000,
        },
    )


TRIGGERS = ("rollup_complaint_insert", "rollup_complaint_update", "rollup_complaint_delete")


def decision_cost(connection, pairs: int = 15) -> tuple[float, float]:
    """The median time of one decision (complaints_moderate of one released published report:
    rejected, then published again, each a decision), with the rollups' triggers on the
    complaints and with them disabled. Each pair ends where it started, so the rollups stay
    right (check_rollups runs after)."""
    from complaints.models import Complaint, RejectionReason, Status
    from complaints.services import complaints_moderate
    from reports.models import ReleasedComplaint

    reason = RejectionReason.objects.filter(is_active=True).first()
    pk = (
        Complaint.objects.filter(
            status=Status.PUBLISHED, pk__in=ReleasedComplaint.objects.values("complaint_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    one = Complaint.objects.filter(pk=pk)

    def decide(status, why):
        complaints_moderate(complaints=one, status=status, reason=why, rule="bench")

    def pair():
        return timed(lambda: decide(Status.REJECTED, reason)) + timed(
            lambda: decide(Status.PUBLISHED, None)
        )

    def run() -> float:
        pair()  # warm
        return statistics.median([t for _ in range(pairs) for t in pair()])

    with_triggers = run()
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"ALTER TABLE complaints_complaint DISABLE TRIGGER {name}")
    try:
        without = run()
    finally:
        with connection.cursor() as cursor:
            for name in TRIGGERS:
                cursor.execute(f"ALTER TABLE complaints_complaint ENABLE TRIGGER {name}")
    return with_triggers, without


if __name__ == "__main__":
    main()
