"""What the benchmarks share: a PostgreSQL database with the gazetteer and demo complaints.

Up to BASE complaints are drawn by `manage.py seed_demo` (31 s per 100,000). Above it (the
ten-million run, `make bench SIZE=10m`), BASE are drawn and copied in SQL until there are
`count` (see `multiply`): 10,000,000 in a fraction of the 50 minutes seed_demo would take.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How many complaints seed_demo draws before the rest is copied (BENCH_SEED_BASE overrides).
BASE = 1_000_000
# Marks a database seeded to the end (a run stopped half way is seeded again, not reused).
READY = "einzelfall bench: count={count} published={published}"


def _log(message: str) -> None:
    print(f"[seed] {message}", file=sys.stderr, flush=True)


def shared_name(name: str, count: int) -> str:
    """The database for `count` complaints: BENCH_SHARED_DB ("10000000=einzelfall_bench_10m")
    makes every benchmark of that size use one database, seeded once (make bench SIZE=10m)."""
    for pair in filter(None, os.environ.get("BENCH_SHARED_DB", "").split(",")):
        size, _, shared = pair.partition("=")
        if size.strip() == str(count) and shared.strip():
            return shared.strip()
    return name


def _manage(env: dict, *command: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def seeded_database(pg: str, name: str, count: int, env: dict, keep: bool) -> dict:
    """Create database `name` with `count` published demo complaints (reused as it is when
    `keep` and it exists); the environment to run the project against it."""
    import psycopg

    shared = shared_name(name, count)
    keep = keep or shared != name  # a shared database outlives the benchmark
    name = shared
    fast = count > base()
    ready = READY.format(count=count, published="all")
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        # A copied database is reused only when its seeding finished (it takes a while).
        reuse = keep and row is not None and (row[0] == ready or (not fast and row[0] is None))
        template = None if reuse or not fast else seeded_base(conn, pg)
        if not reuse:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    env = {**env, "DATABASE_URL": f"{pg}/{name}"}
    if reuse:
        _log(f"reusing {name}")
        return env
    started = time.monotonic()
    if template:
        # The million seed_demo would draw again (same seed), copied file by file.
        _log(f"{name}: a copy of {template}")
        from_template(pg, name, count, env)
    else:
        _manage(env, "migrate", "-v0")
        _manage(env, "load_places")
        seed(pg, name, count, env, all_published=True)
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE {name} IS '{ready}'")
    _log(f"{name}: {count:,} complaints ready in {time.monotonic() - started:.0f} s")
    return env


def base() -> int:
    return int(os.environ.get("BENCH_SEED_BASE", BASE))


def seeded_base(conn, pg: str) -> str | None:
    """The finished database of BASE published complaints (the 1M export's), if there is
    one and nobody is connected to it (a template must be unused); else None."""
    name = f"einzelfall_bench_{base()}"
    ready = READY.format(count=base(), published="all")
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database'), "
        "(SELECT count(*) FROM pg_stat_activity WHERE datname = %s) "
        "FROM pg_database WHERE datname = %s",
        [name, name],
    ).fetchone()
    return name if row is not None and row[0] == ready and row[1] == 0 else None


def from_template(pg: str, name: str, count: int, env: dict, before_copies=None) -> dict:
    """A copy of the seeded base grown to `count`: migrated first (the base may have been
    seeded before the newest migrations, and a copy is never migrated by seed_demo)."""
    _manage(env, "migrate", "-v0")
    if before_copies is not None:
        import psycopg

        with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
            before_copies(conn)
    return grow(pg, name, count, env)


def seed(
    pg: str, name: str, count: int, env: dict, *, all_published: bool, before_copies=None
) -> dict:
    """`count` demo complaints in the migrated database `name`: seed_demo, copied in SQL
    above BASE (before_copies(connection) first, if given), then released, VACUUM ANALYZE and
    the roll-ups checked. Seconds per step."""
    import psycopg

    steps = {}
    started = time.monotonic()
    drawn = min(count, base())
    published = ["--all-published"] if all_published else []
    _manage(env, "seed_demo", "--count", str(drawn), "--seed", "1", *published)
    steps["seed_demo_s"] = time.monotonic() - started
    _log(f"seed_demo --count {drawn:,}: {steps['seed_demo_s']:.0f} s")
    if count > drawn and before_copies is not None:
        with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
            before_copies(conn)
    return {**steps, **grow(pg, name, count, env)}


def grow(pg: str, name: str, count: int, env: dict) -> dict:
    """The seeded complaints copied in SQL up to `count` (none when there are as many),
    released, VACUUM ANALYZE and the roll-ups checked. Seconds per step."""
    import psycopg

    steps = {}
    with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM complaints_complaint").fetchone()[0]
    if count > have:
        steps.update(multiply(pg, name, count, env))
        started = time.monotonic()
        # The copies are published but in no release: released as the schedule would.
        _manage(env, "shell", "-c", RELEASE)
        steps["release_s"] = time.monotonic() - started
        _log(f"release: {steps['release_s']:.0f} s")
    started = time.monotonic()
    with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    steps["vacuum_s"] = time.monotonic() - started
    _log(f"VACUUM ANALYZE: {steps['vacuum_s']:.0f} s")
    steps.update(check_rollups(env))
    return steps


RELEASE = (
    "from reports import releases\n"
    "release = releases.release_evaluation()\n"
    "print(release.published_count)\n"
)


def check_rollups(env: dict) -> dict:
    """manage.py check_rollups (issue 23) when the project has it: the maintained counts
    must equal a recount after the SQL copies went through the tables' triggers."""
    if not (ROOT / "reports" / "management" / "commands" / "check_rollups.py").exists():
        _log("check_rollups: not in this project yet, skipped")
        return {}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_rollups"],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    _log(f"check_rollups: exit {result.returncode} in {elapsed:.0f} s")
    if result.returncode != 0:
        raise SystemExit(f"check_rollups failed after seeding:\n{result.stdout[-2000:]}")
    return {"check_rollups_s": elapsed}


# Columns a copy must not share with its original (unique); every other column is copied as
# it is, NOT NULL ones (observed_at, description_fingerprint) and columns added later included.
FRESH = {
    "id": "c.id + %(shift)s",
    # 64 hex digits: never one of seed_demo's 32-character references.
    "reference": "md5(%(k)s || ':' || c.id || 'r') || md5(%(k)s || ':' || c.id || 'R')",
    # 32 characters starting with a letter other than e: never read as a number (models.py).
    "pseudonym": "'f' || substr(md5(%(k)s || ':' || c.id || 'p'), 2)",
    "client_id": (
        "CASE WHEN c.client_id IS NOT NULL THEN md5(%(k)s || ':' || c.id || 'c')::uuid END"
    ),
}


def copy_statements(columns: list[str]) -> tuple[str, str]:
    """The INSERT .. SELECT of one copy of the complaints with ids up to %(top)s (each id
    moved by %(shift)s), and of their problem links. Plain INSERTs: the tables' triggers (the
    roll-ups, the problems kept on the complaint) see them as any other write."""
    names = ", ".join(columns)
    values = ", ".join(FRESH.get(column, f"c.{column}") for column in columns)
    complaints = (
        f"INSERT INTO complaints_complaint ({names}) "  # names from the catalog
        f"SELECT {values} FROM complaints_complaint c WHERE c.id <= %(top)s ORDER BY c.id"
    )
    links = (
        "INSERT INTO complaints_complaint_problems (complaint_id, problemtype_id) "
        "SELECT l.complaint_id + %(shift)s, l.problemtype_id "
        "FROM complaints_complaint_problems l WHERE l.complaint_id <= %(top)s"
    )
    return complaints, links


def multiply(pg: str, name: str, count: int, env: dict) -> dict:
    """Copies of the seeded complaints and their problem links until there are `count`: copy
    k has the ids of the originals plus k times the largest, fresh references, pseudonyms and
    client ids, everything else (places, times, states, texts, problem ids) as the original.

    Loaded as pg_restore loads a dump: the two tables' secondary indexes dropped and built
    again at the end, their triggers off (session_replication_role) while copying, and the
    rollups refilled from one recount afterwards (rollups.refill). Through every trigger and
    index, one copy of a million took about ten minutes here: 1.5 to 2 hours for ten million.
    The copies are consistent by construction (links of copied complaints, problem ids of
    their originals), which the foreign keys and check_rollups then see."""
    import psycopg

    started = time.monotonic()
    steps = {}
    with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'complaints_complaint' ORDER BY ordinal_position"
            )
        ]
        low, high, have = conn.execute(
            "SELECT min(id), max(id), count(*) FROM complaints_complaint"
        ).fetchone()
        if have == 0:
            raise SystemExit("nothing to copy: seed_demo stored no complaints")
        complaints, links = copy_statements(columns)
        dropped = drop_indexes(conn, BULK_TABLES)
        conn.execute("SET session_replication_role = replica")  # no trigger fires
        originals, k = have, 0
        while have < count:
            k += 1
            rows = min(originals, count - have)
            # The first `rows` originals (ids low.. without gaps: one bulk seeding); the
            # copies' ids are above `high`, so no copy is copied again.
            params = {"k": k, "shift": k * high, "top": low + rows - 1}
            step = time.monotonic()
            with conn.transaction():
                conn.execute(links, params)
                added = conn.execute(complaints, params).rowcount
            if added == 0:
                raise SystemExit("copying added no complaints")
            have += added
            _log(f"copy {k}: {added:,} complaints in {time.monotonic() - step:.0f} s ({have:,})")
        conn.execute("RESET session_replication_role")
        step = time.monotonic()
        restore_indexes(conn, dropped)
        steps["indexes_s"] = time.monotonic() - step
        _log(f"{len(dropped)} indexes built in {steps['indexes_s']:.0f} s")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), "
            "(SELECT max(id) FROM complaints_complaint))"
        )
        conn.execute("ANALYZE complaints_complaint")
        conn.execute("ANALYZE complaints_complaint_problems")
    step = time.monotonic()
    _manage(env, "shell", "-c", "from reports import rollups; rollups.refill()")
    steps["refill_s"] = time.monotonic() - step
    _log(f"rollups refilled in {steps['refill_s']:.0f} s")
    elapsed = time.monotonic() - started
    _log(f"multiply to {count:,}: {elapsed:.0f} s")
    return {"multiply_s": elapsed, "copies": k, **steps}


# The tables a bulk copy writes: their secondary indexes are built once, after it.
BULK_TABLES = ("complaints_complaint", "complaints_complaint_problems")


def drop_indexes(conn, tables) -> list[tuple[str, str, str]]:
    """Drop every index of the tables but the primary keys; (table, name, definition) of each
    to build it again: a unique constraint's as a constraint, any other as an index."""
    found = conn.execute(
        """
        SELECT t.relname, i.relname, c.conname IS NOT NULL,
               coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid))
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
          LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype = 'u'
         WHERE t.relname = ANY(%s) AND NOT x.indisprimary
        """,
        [list(tables)],
    ).fetchall()
    dropped = []
    for table, index, constraint, definition in found:
        if constraint:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{index}"')
            dropped.append(
                (table, index, f'ALTER TABLE {table} ADD CONSTRAINT "{index}" {definition}')
            )
        else:
            conn.execute(f'DROP INDEX "{index}"')
            dropped.append((table, index, definition))
    return dropped


def restore_indexes(conn, dropped: list[tuple[str, str, str]]) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    for _table, _index, definition in dropped:
        conn.execute(definition)
    conn.execute("RESET maintenance_work_mem")


def drop_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def write_figures(path: str | None, figures: dict) -> None:
    """The figures of one run as JSON, for bench/run.py (make bench)."""
    if path:
        import json

        Path(path).write_text(json.dumps(figures, indent=1))
