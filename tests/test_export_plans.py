"""The filtered export's plan on PostgreSQL does not depend on fresh statistics (issue 20,
part 9): export_anonymized --since --until took 241 s for 13,286 rows when the planner
believed the tables nearly empty (a nested loop joining every exported complaint to every
complaint's problem list, "Rows Removed by Join Filter: 133,150,606"), 0.6 s after ANALYZE."""

import datetime
import json

import pytest
from django.db import connection

from complaints.carrier import exports, pg_csv
from complaints.models import Complaint, Status

from .factories import ComplaintFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's planner"),
]

ROWS = 20_000
DAY = datetime.date(2026, 11, 2)


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(sql: str, params, settings=()) -> list[dict]:
    with connection.cursor() as cursor:
        for statement in settings:  # SET LOCAL: until the test's transaction ends
            cursor.execute(statement)
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        found = cursor.fetchone()[0]
    return list(_nodes((json.loads(found) if isinstance(found, str) else found)[0]["Plan"]))


@pytest.fixture
def stale_statistics(small_gazetteer):
    """Statistics made when the tables held one report, then many more written (a bulk
    import or seed before autovacuum came by): the condition of the 241 seconds."""
    first = ComplaintFactory(status=Status.PUBLISHED, problems=["no-data", "sms"])
    tables = [Complaint._meta.db_table, Complaint.problems.through._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
        # Copies of the first report on days around DAY, with its problem links.
        columns = [
            f.column
            for f in Complaint._meta.concrete_fields
            if f.column not in ("id", "reference", "pseudonym", "submitted_at")
        ]
        names = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO {tables[0]} ({names}, reference, pseudonym, submitted_at)"  # noqa: S608
            f" SELECT {names}, 'r' || n, 'p' || n,"
            " %s::timestamptz - (n %% 60) * interval '1 day'"
            f" FROM {tables[0]}, generate_series(1, %s) AS n WHERE id = %s",
            [DAY.isoformat() + " 12:00+01", ROWS, first.pk],
        )
        cursor.execute(
            f"INSERT INTO {tables[1]} (complaint_id, problemtype_id)"  # noqa: S608
            f" SELECT c.id, l.problemtype_id FROM {tables[0]} c, {tables[1]} l"
            " WHERE l.complaint_id = %s AND c.id <> %s",
            [first.pk, first.pk],
        )


def _filters() -> exports.Filters:
    return exports.Filters(since=DAY - datetime.timedelta(days=6), until=DAY)


def _loops_over_join(nodes: list[dict]) -> list[dict]:
    """Nested loops that compare pairs (a join filter) rather than look rows up by key."""
    return [n for n in nodes if n["Node Type"] == "Nested Loop" and "Join Filter" in n]


def test_the_database_written_csv_never_loops_over_pairs(stale_statistics):
    sql, params = pg_csv._select(exports.published(_filters()), exports.ANONYMIZED_COLUMNS, ",")
    nodes = _plan(sql, params, pg_csv.PLANNER_SETTINGS)
    assert not _loops_over_join(nodes), json.dumps(nodes[0], indent=1)[:3000]


def test_the_python_paths_query_never_loops_over_pairs(stale_statistics):
    sql, params = exports.anonymized_query(_filters()).query.sql_with_params()
    assert not _loops_over_join(_plan(sql, params))


def test_the_filtered_export_reads_the_right_rows_quickly(stale_statistics):
    # (Before: two minutes for these 2,300 rows. No time is asserted: the plans are.)
    lines = b"".join(exports.anonymized_file(_filters(), "csv")).decode().splitlines()
    expected = ROWS * 7 // 60 + 1  # the days DAY-6 .. DAY of every 60, and the first report
    assert abs(len(lines) - 1 - expected) <= 7 * 2
    assert sum(1 for _row in exports.anonymized_rows(_filters())) == len(lines) - 1
    assert all(line.split(",")[3] == "no-data;sms" for line in lines[1:])


def _planner_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def test_seed_demo_leaves_fresh_statistics(django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--count", "300", "--seed", "1", verbosity=0)
    assert _planner_rows(Complaint) == Complaint.objects.count() >= 300
    assert _planner_rows(Complaint.problems.through) == Complaint.problems.through.objects.count()


def test_a_confirmed_import_leaves_fresh_statistics(
    organizer_client, django_capture_on_commit_callbacks
):
    from .test_imports import confirm, upload

    rows = "".join(f"Hamburg,sms,2026-11-{1 + n % 28:02d}\r\n" for n in range(400))
    preview = upload(organizer_client, ("city,problems,submitted_at\r\n" + rows).encode())
    with django_capture_on_commit_callbacks(execute=True):
        confirm(organizer_client, preview)
    assert _planner_rows(Complaint) == Complaint.objects.count() == 400
