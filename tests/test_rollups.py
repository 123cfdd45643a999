"""Rollups (issue 23, part 1): the evaluation's counts kept by the database with every write,
read instead of recounted, and check_rollups, which recounts them and names every
difference."""

import datetime
import importlib
import io
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint, Place, ProblemType, Status, Technology
from reports import queries, rollups
from reports.assembly import build_evaluation
from reports.models import RollupTechnology

from .factories import ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def published(n=1, **fields):
    fields.setdefault("status", Status.PUBLISHED)
    return [ComplaintFactory(**fields) for _ in range(n)]


def city(name: str) -> Place:
    return Place.objects.get(name=name, kind=Place.Kind.CITY)


def test_a_release_moves_the_counts_to_the_released_ones():
    published(3)
    with queries.released_only():
        assert queries.count_total() == 0
    assert queries.count_total() == 3
    release()
    with queries.released_only():
        assert queries.count_total() == 3
        assert queries.count_by_city() == {city("Hamburg").pk: 3}
    assert rollups.differences() == []


@pytest.mark.parametrize(
    "change, count, before, after",
    [
        ({"technology": Technology.G5}, "count_by_technology", {"4g": 2}, {"4g": 1, "5g": 1}),
        ({"status": Status.REJECTED}, "count_total", 2, 1),
        ({"carrier": "telekom"}, "carrier_counts", None, None),
        ({"followup_answer": "worse"}, "count_followups_by_city_and_district", {}, None),
        ({"email_confirmed_at": "now"}, "count_confirmed", 0, 1),
        ({"observed_at": "later"}, "count_by_hour", None, None),
        ({"city_place": "Köln"}, "count_by_city", None, None),
        ({"district_place": None}, "count_by_city_and_district", None, None),
    ],
)
def test_an_edit_of_a_counted_field_moves_the_count_at_once(settings, change, count, before, after):
    settings.EINZELFALL_CARRIERS = {"o2": "O2", "telekom": "Telekom"}
    first, _ = published(2, carrier="o2")
    release()
    args = (["o2", "telekom"],) if count == "carrier_counts" else ()
    counted = getattr(queries, count)
    was = counted(*args)
    if before is not None:
        assert was == before
    field, value = next(iter(change.items()))
    if value == "now":
        value = timezone.now()
    elif value == "later":
        value = first.observed_at + datetime.timedelta(hours=5)
    elif field == "city_place":
        value = city(value)
    if field == "status":
        first.rejection_reason_id = None
        first.moderated_at = timezone.now()
    setattr(first, field, value)
    first.save()
    now = counted(*args)
    assert now != was
    assert now == counted.recount(*args)
    if after is not None:
        assert now == after
    with queries.released_only():
        assert counted(*args) == counted.recount(*args)
    assert rollups.differences() == []


def test_problems_linked_and_unlinked_count_at_once():
    (complaint,) = published(1, problems=["no-data"])
    slow = ProblemType.objects.get(slug="slow-data")
    complaint.problems.add(slow)
    assert queries.count_by_problem()[slow.pk] == 1
    complaint.problems.remove(slow)
    assert slow.pk not in queries.count_by_problem()
    assert queries.count_by_problem() == queries.count_by_problem.recount()


def test_days_and_hours_are_the_sites_local_ones():
    # 23:30 UTC on a winter Sunday: 00:30 on Monday in Berlin, a new day and a new week.
    made = datetime.datetime(2026, 11, 8, 23, 30, tzinfo=datetime.UTC)
    published(1, observed_at=made)
    monday = datetime.date(2026, 11, 9)
    assert queries.count_by_day() == [(monday, 1)]
    assert queries.count_by_hour() == {0: 1}
    assert queries.count_by_city_and_week() == {(city("Hamburg").pk, monday): 1}
    summer = datetime.datetime(2026, 7, 1, 21, 59, tzinfo=datetime.UTC)  # 23:59 in Berlin
    published(1, observed_at=summer)
    assert queries.count_by_hour() == {0: 1, 23: 1}


def test_a_bulk_update_and_a_raw_delete_are_counted():
    complaints = published(4)
    release()
    Complaint.objects.filter(pk__in=[c.pk for c in complaints[:3]]).update(technology="2g")
    assert queries.count_by_technology() == {"2g": 3, "4g": 1}
    # Raw SQL that deletes a report before its links: the report's problems go with it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaint WHERE id = %s", [complaints[0].pk])
        cursor.execute(
            "DELETE FROM complaints_complaint_problems WHERE complaint_id = %s", [complaints[0].pk]
        )
    assert queries.count_total() == 3
    assert sum(queries.count_by_problem().values()) == 3
    assert rollups.differences() == []


def test_the_evaluation_reads_no_report():
    published(6)
    release()
    with CaptureQueriesContext(connection) as read:
        evaluation = build_evaluation()
    assert evaluation.total == 6
    assert not [q["sql"] for q in read.captured_queries if "complaints_complaint" in q["sql"]]
    with queries.recounted():
        again = build_evaluation()
    evaluation.generated_at = again.generated_at
    assert evaluation == again


def test_check_rollups_names_a_difference_exits_1_and_repairs(settings):
    carrier = next(iter(settings.EINZELFALL_CARRIERS))
    published(3)
    out = io.StringIO()
    call_command("check_rollups", stdout=out)
    assert "match the recount" in out.getvalue()

    RollupTechnology.objects.filter(technology="4g").update(n=7)
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("check_rollups", stdout=out)
    assert refused.value.returncode == 1
    hamburg = city("Hamburg").pk
    key = f"(0, {hamburg}, '4g', '{carrier}')"
    assert f"reports_rolluptechnology {key}: stored (7,), recounted (3,)" in out.getvalue()

    call_command("check_rollups", "--repair", stdout=io.StringIO())
    assert rollups.differences() == []
    assert queries.count_by_technology() == {"4g": 3}


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE triggers: PostgreSQL")
def test_a_truncate_leaves_the_rollups_right():
    published(3)
    release()
    with connection.cursor() as cursor:
        # The test's own transaction holds deferred key checks, which a TRUNCATE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE reports_releasedcomplaint")
    with queries.released_only():
        assert queries.count_total() == 0
    assert queries.count_total() == 3
    assert rollups.differences() == []
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE complaints_complaint CASCADE")
    assert queries.count_total() == 0
    assert queries.count_by_problem() == {}
    assert rollups.differences() == []


def test_a_bulk_update_of_more_than_a_few_rows_is_counted():
    # Over rollups.SMALL rows, PostgreSQL's update trigger plans its statements anew.
    complaints = published(rollups.SMALL + 5)
    release()
    complaints[0].technology = Technology.G3
    complaints[0].save()  # a one-row statement first, whose plans the session keeps
    Complaint.objects.update(technology=Technology.G2, status=Status.PUBLISHED)
    assert queries.count_by_technology() == {"2g": rollups.SMALL + 5}
    Complaint.objects.filter(pk__gt=complaints[4].pk).update(status=Status.SPAM)
    assert queries.count_total() == 5
    assert rollups.differences() == []


def _created_triggers(statements) -> set[str]:
    return {m for s in statements for m in re.findall(r"CREATE TRIGGER (\w+)", s)}


def test_every_trigger_the_rollups_and_problem_ids_install_exists_after_the_migrations():
    """On SQLite a later migration that alters complaints_complaint rebuilds the table and
    silently drops its triggers: the rollups and the problem ids would go stale unnoticed."""
    problem_ids = importlib.import_module("complaints.migrations.0026_problem_ids")
    given = importlib.import_module("complaints.migrations.0028_problem_ids_given")
    if connection.vendor == "postgresql":
        # 0028 replaced 0026's trigger on new complaints by one after the statement.
        ours, theirs = rollups._pg_sql(), [problem_ids.PG_INSTALL, given.PG_INSTALL]
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        ours, theirs = rollups._sqlite_sql(), problem_ids.SQLITE_INSTALL
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with connection.cursor() as cursor:
        cursor.execute(query)
        present = {name for (name,) in cursor.fetchall()}
    expected_rollups, expected_ids = _created_triggers(ours), _created_triggers(theirs)
    if connection.vendor == "postgresql":
        expected_ids -= {"complaints_problem_ids_new"}  # dropped by 0028
    assert len(expected_rollups) >= 7 and len(expected_ids) == 5
    missing = sorted((expected_rollups | expected_ids) - present)
    assert not missing, (
        f"Triggers missing after the migrations: {missing}. A migration that alters "
        "complaints_complaint (on SQLite a table rebuild) dropped them: recreate them in that "
        "migration, after its change (RunPython: reports.rollups.install() for the rollups' "
        "ones, as manage.py check_rollups --repair does; for the problem_ids ones nothing "
        "recreates them but the statements of complaints/migrations/0026_problem_ids.py: "
        "run its SQLITE_INSTALL trigger statements / PG_INSTALL again)."
    )


@pytest.mark.django_db(transaction=True)
def test_a_flush_in_any_table_order_leaves_no_rollup_behind():
    """SQLite's flush deletes the tables in no fixed order: when the rollups go first, the
    complaints' delete triggers count -1 into the emptied tables, and the next test's
    evaluation read them. post_migrate (sent after every flush) empties them."""
    from django.core.management.sql import emit_post_migrate_signal

    published()
    assert rollups.stored()["reports_rollupday"]
    with connection.cursor() as cursor:
        for table in rollups.TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute("DELETE FROM complaints_complaint_problems")
        cursor.execute("DELETE FROM complaints_complaint")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert not any(rollups.stored().values())
    assert rollups.differences() == []
