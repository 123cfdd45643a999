"""make bench's own machinery: the document keeps what a run does not write (issue 20's
section was lost by a run of other benchmarks), the ten-million catalogue, and the SQL that
copies seeded complaints (bench/_db.py) on PostgreSQL."""

import importlib
import sys
from pathlib import Path

import pytest
from django.db import connection

from complaints.models import Complaint, Status

from .factories import ComplaintFactory

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench(monkeypatch):
    """bench/'s modules, imported as bench/run.py imports them (its folder on the path)."""
    monkeypatch.syspath_prepend(str(BENCH))
    modules = {name: importlib.import_module(name) for name in ("_db", "catalogue", "document")}
    yield modules
    for name in (
        "_db",
        "catalogue",
        "document",
        "catalogue_pageweight",
        "catalogue_plans",
        "catalogue_load",
        "catalogue_tenm",
    ):
        sys.modules.pop(name, None)


def _results(catalogue, *names):
    """Figures for the named benchmarks, as bench/run.py hands them to render()."""
    samples = {
        "seed_demo": {"count": 100, "baseline_s": 1.0, "seed_s": 2.0, "ratio": 2.0},
        "redaction": {"rules": {"recall": 0.99}},
    }
    return {name: ([samples[name]], [], "2026-12-06") for name in names}


PREVIOUS = """# Benchmarks

Written by `make bench`.

## The machine

- old machine

## Targets

1 of 1 targets met.

## Demo data: `manage.py seed_demo` (issue 2)

old table

## A section written by hand

Its own table and words.

## The filtered export with stale statistics (issue 20)

Measured by hand, once.

| figure | one run | |
|---|---:|---|
| whole export | 34.42 s | |
"""


def test_a_run_keeps_the_sections_it_does_not_write_where_they_were(bench):
    document, catalogue = bench["document"], bench["catalogue"]
    results = _results(catalogue, "seed_demo", "redaction")

    text = document.render(results, False, "postgres://nowhere", 1.0, PREVIOUS)

    titles = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert titles == [
        "The machine",
        "Targets",
        "Demo data: `manage.py seed_demo` (issue 2)",
        "A section written by hand",
        "The filtered export with stale statistics (issue 20)",
        "Redaction of personal data in descriptions (issue 16)",
    ]
    assert "Its own table and words." in text
    assert "| whole export | 34.42 s | |" in text
    # The benchmark that ran is written anew, not kept from before.
    assert "old table" not in text
    assert "- old machine" not in text


def test_rendering_again_from_its_own_output_changes_nothing_kept(bench):
    document, catalogue = bench["document"], bench["catalogue"]
    results = _results(catalogue, "seed_demo")
    once = document.render(results, False, "postgres://nowhere", 1.0, PREVIOUS)

    twice = document.render(results, False, "postgres://nowhere", 1.0, once)

    assert twice == once
    assert twice.count("## A section written by hand") == 1


def test_without_a_previous_document_only_the_runs_are_written(bench):
    document, catalogue = bench["document"], bench["catalogue"]

    text = document.render(_results(catalogue, "seed_demo"), False, "postgres://nowhere", 1.0)

    assert "## Demo data" in text
    assert "by hand" not in text


def test_the_ten_million_run_has_its_own_sizes_and_the_memory_check(bench):
    catalogue = bench["catalogue"]
    benches = {b.name: b for b in importlib.import_module("catalogue_tenm").ten_million()}

    assert sorted(benches) == ["desk", "exports", "load", "stats"]
    assert benches["stats"].args[:2] == ["--count", "10000000"]
    assert "10000000" in benches["exports"].args and "1000000" in benches["exports"].args
    figures = catalogue.derived(
        "exports",
        {
            "1000000": {"export_rss_mb": 80.0},
            "10000000": {"export_rss_mb": 84.0},
        },
    )
    assert figures["rss_ratio"] == pytest.approx(1.05)
    check = next(f for f in benches["exports"].figures if f.key == "rss_ratio").check
    assert check(1.05) and not check(1.2)


def test_benchmarks_of_one_size_share_the_database_named_for_it(bench, monkeypatch):
    db = bench["_db"]
    monkeypatch.setenv("BENCH_SHARED_DB", "10000000=einzelfall_bench_10m")

    assert db.shared_name("einzelfall_bench_stats", 10_000_000) == "einzelfall_bench_10m"
    assert db.shared_name("einzelfall_bench_1000000", 1_000_000) == "einzelfall_bench_1000000"


@pytest.mark.django_db
def test_a_copy_has_fresh_unique_keys_and_everything_else_of_its_original(bench):
    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds PostgreSQL only (md5, uuid casts)")
    db = bench["_db"]
    originals = ComplaintFactory.create_batch(3, status=Status.PUBLISHED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'complaints_complaint' ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
        # One of them sent by the offline form (a client id, which is unique too).
        cursor.execute(
            "UPDATE complaints_complaint SET client_id = gen_random_uuid() WHERE id = %s",
            [originals[0].pk],
        )
        complaints, links = db.copy_statements(columns)
        ids = sorted(c.pk for c in originals)
        shift = ids[-1]
        params = {"k": 1, "shift": shift, "top": ids[1]}  # the first two originals
        cursor.execute(complaints, params)
        assert cursor.rowcount == 2
        cursor.execute(links, params)

    for original in Complaint.objects.filter(pk__in=ids[:2]):
        copy = Complaint.objects.get(pk=original.pk + shift)
        assert copy.reference != original.reference
        assert len(copy.reference) == 64
        assert copy.pseudonym != original.pseudonym and copy.pseudonym.startswith("f")
        assert copy.client_id != original.client_id or original.client_id is None
        assert (copy.client_id is None) == (original.client_id is None)
        for same in ("observed_at", "description_fingerprint", "city_place_id", "status"):
            assert getattr(copy, same) == getattr(original, same)
        assert set(copy.problems.values_list("pk", flat=True)) == set(
            original.problems.values_list("pk", flat=True)
        )
        assert copy.problems.exists()
    assert not Complaint.objects.filter(pk=ids[2] + shift).exists()


@pytest.mark.django_db(transaction=True)
def test_a_bulk_update_of_thousands_of_reports_is_not_quadratic_in_the_rollups_trigger(bench):
    """The rollups' update trigger compares the old and new rows of a statement (id = id).
    PL/pgSQL keeps the plan made at the session's first statement: after the factory's
    single-row save it estimates one row per transition table and nests loops, so 6,000 rows
    are 36 million comparisons (17 to 24 s here; the test takes 3,000, about 5 s); a bulk
    UPDATE of a million reports (the desk benchmark's set-up, an admin action) would not end.
    The guard's LIMIT 1 did the same in any session (fixed: seed_demo's batches of 5,000 took
    17 s)."""
    import time

    if connection.vendor != "postgresql":
        pytest.skip("statement-level triggers with transition tables: PostgreSQL")
    db = bench["_db"]
    ComplaintFactory(status=Status.PUBLISHED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'complaints_complaint' ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
        complaints, _ = db.copy_statements(columns)
        # 3,000 copies of the one report in one statement (copy k moved by k ids).
        sql = complaints.replace("WHERE c.id <= %(top)s", ", generate_series(1, 3000) AS k")
        sql = sql.replace("%(k)s", "k").replace("%(shift)s", "k")
        cursor.execute(sql)
        assert Complaint.objects.count() == 3001
        started = time.perf_counter()
        # A column no rollup counts: the trigger's guard finds nothing to do.
        cursor.execute("UPDATE complaints_complaint SET moderation_note = 'seen'")
        elapsed = time.perf_counter() - started
    assert elapsed < 2.5, f"a 3,000-row UPDATE took {elapsed:.1f} s"


@pytest.mark.django_db(transaction=True)
def test_a_bulk_copy_keeps_the_indexes_the_rollups_and_the_problem_ids(bench):
    """The ten-million seeding copies with the indexes dropped and the triggers off (as
    pg_restore loads a dump), then builds the indexes and refills the rollups: afterwards the
    tables have every index they had, the rollups match a recount and each copy lists the
    problems of its links."""
    import os

    from reports import rollups

    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds PostgreSQL only")
    db = bench["_db"]
    ComplaintFactory.create_batch(4, status=Status.PUBLISHED)
    ComplaintFactory.create_batch(2, status=Status.PENDING)

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                [list(db.BULK_TABLES)],
            )
            return sorted(cursor.fetchall())

    before = indexes()
    settings = connection.settings_dict
    pg = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}"
    env = {**os.environ, "ENV_FILE": os.devnull, "DEBUG": "false", "SECRET_KEY": "bench-test"}
    env["DATABASE_URL"] = f"{pg}/{settings['NAME']}"
    figures = db.multiply(pg, settings["NAME"], 15, env)

    assert figures["copies"] == 2
    assert Complaint.objects.count() == 15
    assert indexes() == before
    assert rollups.differences() == []
    with connection.cursor() as cursor:
        # Every complaint's problem ids are those of its links (the triggers were off).
        cursor.execute(
            "SELECT count(*) FROM complaints_complaint c WHERE c.problem_ids IS DISTINCT FROM "
            "(SELECT coalesce(string_agg(l.problemtype_id::text, ';' ORDER BY "
            "l.problemtype_id), '') FROM complaints_complaint_problems l "
            "WHERE l.complaint_id = c.id)"
        )
        assert cursor.fetchone()[0] == 0
    assert Complaint.objects.filter(status=Status.PUBLISHED).count() == 4 + 4 + 3


def test_the_ten_million_form_run_has_no_outage_and_is_still_read(bench):
    """The form against the floor at ten million runs throughput and spike only (an outage
    would stop the machine's PostgreSQL): the runner read its figures as if it had every
    phase, and the run's whole document was lost to a KeyError."""
    figures = {
        "throughput": {"ratio": 0.5, "floor_per_s": [200.0], "form_per_s": [100.0]},
        "spike": {"statuses": {"302": 10, "503": 1}, "rows": 10, "distinct": 10, "rss_mb": {}},
    }
    derived = bench["catalogue"].derived("load", figures)
    assert derived["spike"]["errors"] == 1 and derived["spike"]["duplicates"] == 0
    assert "outage" not in derived


def test_a_copy_of_the_seeded_million_is_migrated_before_it_grows(bench, monkeypatch):
    """The ten-million databases are copies of the 1M export's database, which may have been
    seeded before the newest migration: the copy was grown and benchmarked unmigrated (this
    run's 10M databases lacked migration 0028 until migrated by hand)."""
    db = bench["_db"]
    done = []
    monkeypatch.setattr(db, "_manage", lambda env, *command: done.append(command[0]))
    monkeypatch.setattr(db, "grow", lambda pg, name, count, env: done.append("grow") or {})
    db.from_template("postgres://x", "einzelfall_bench_10m", 10_000_000, {})
    assert done == ["migrate", "grow"]
