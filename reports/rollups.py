# ruff: noqa: S608 -- the SQL text holds only table and column names, no values
"""Rollups: the evaluation's counts kept up to date by the database, not recounted.

Seven small tables (reports/models.py, Rollup*) count the published reports by the keys the
evaluation shows (day, hour, city and week, district and week, technology, problem, follow-up
answer; with the carrier where a carrier's evaluation needs it), split by whether the reports
are released. Database triggers on the complaints, on their problem links and on the released
reports change them by +1/-1 in the same transaction as the write, whatever makes it (the
desk, the admin, a merge, a deletion, an import, raw SQL, a release), without reading any other
report. On PostgreSQL the triggers are per statement with transition tables, so a release of a
million reports makes one grouped upsert per table, not a million.

install() creates the triggers and fills the tables (migration 0003); recount() counts the
same from the complaints with GROUP BYs (queries.recounted()), check() compares both
(manage.py check_rollups).
"""

from django.conf import settings
from django.db import connection, transaction

COMPLAINTS = "complaints_complaint"
LINKS = "complaints_complaint_problems"
RELEASED = "reports_releasedcomplaint"

# A report's counted columns: a change of any other column (a follow-up's sending time, the
# export's problem list) leaves the rollups alone.
DIMENSIONS = (
    "status",
    "carrier",
    "city_place_id",
    "district_place_id",
    "technology",
    "observed_at",
    "followup_answer",
)

# table: (key columns, counted columns) of the rows the upsert writes
TABLES = {
    "reports_rollupday": (("released", "day", "carrier"), ("n", "confirmed")),
    "reports_rolluphour": (("released", "hour", "carrier"), ("n",)),
    "reports_rollupcityweek": (("released", "week", "city", "carrier"), ("n",)),
    "reports_rollupdistrictweek": (("released", "city", "district", "week"), ("n",)),
    "reports_rolluptechnology": (("released", "city", "technology", "carrier"), ("n",)),
    "reports_rollupproblem": (("released", "city", "problem", "carrier"), ("n",)),
    "reports_rollupfollowup": (("released", "city", "district", "answer"), ("n",)),
}


def _time(vendor: str) -> dict[str, str]:
    """The local day, hour and week's Monday of d.observed_at (as TruncDate, ExtractHour and
    TruncWeek with the site's time zone compute them)."""
    tz = settings.TIME_ZONE
    if "'" in tz:
        raise ValueError(tz)
    if vendor == "postgresql":
        local = f"(d.observed_at AT TIME ZONE '{tz}')"
        return {
            "day": f"CAST({local} AS date)",
            "hour": f"CAST(EXTRACT(hour FROM {local}) AS smallint)",
            "week": f"CAST(date_trunc('week', {local}) AS date)",
        }
    # SQLite: the functions Django registers on every connection (datetimes stored in UTC).
    return {
        "day": f"django_datetime_cast_date(d.observed_at, '{tz}', 'UTC')",
        "hour": f"django_datetime_extract('hour', d.observed_at, '{tz}', 'UTC')",
        "week": f"django_date_trunc('week', d.observed_at, '{tz}', 'UTC')",
    }


def _selects(vendor: str, source: str, problems: str) -> list[tuple[str, str]]:
    """One grouped +/- upsert per table from source, rows of (id, released, carrier, city,
    district, technology, observed_at, confirmed, answer, s) where s is +1 or -1; problems
    is the source of (released, city, problem, carrier, s) rows, or "" for none. Groups whose
    change adds up to 0 (an edit that moves nothing) write nothing."""
    t = _time(vendor)
    selects = {
        "reports_rollupday": (
            f"d.released, {t['day']}, d.carrier",
            "SUM(d.s), SUM(d.s * d.confirmed)",
            "SUM(d.s) <> 0 OR SUM(d.s * d.confirmed) <> 0",
        ),
        "reports_rolluphour": (f"d.released, {t['hour']}, d.carrier", "SUM(d.s)", None),
        "reports_rollupcityweek": (f"d.released, {t['week']}, d.city, d.carrier", "SUM(d.s)", None),
        "reports_rollupdistrictweek": (
            f"d.released, d.city, d.district, {t['week']}",
            "SUM(d.s)",
            None,
        ),
        "reports_rolluptechnology": (
            "d.released, d.city, d.technology, d.carrier",
            "SUM(d.s)",
            None,
        ),
        "reports_rollupfollowup": ("d.released, d.city, d.district, d.answer", "SUM(d.s)", None),
    }
    statements = []
    for table, (key, sums, having) in selects.items():
        where = "d.answer <> ''" if table == "reports_rollupfollowup" else "1 = 1"
        select = f"SELECT {key}, {sums} FROM ({source}) d WHERE {where}"
        statements.append((table, _grouped(table, select, having)))
    if problems:
        select = (
            f"SELECT d.released, d.city, d.problem, d.carrier, SUM(d.s) FROM ({problems}) d"
            " WHERE 1 = 1"
        )
        statements.append(("reports_rollupproblem", _grouped("reports_rollupproblem", select)))
    return statements


def _grouped(table: str, select: str, having: str | None = None) -> str:
    groups = ", ".join(str(i + 1) for i in range(len(TABLES[table][0])))
    # Sorted by key, so that two transactions lock shared rows in the same order.
    return f"{select} GROUP BY {groups} HAVING {having or 'SUM(d.s) <> 0'} ORDER BY {groups}"


def _upserts(vendor: str, source: str, problems: str) -> list[str]:
    statements = []
    for table, select in _selects(vendor, source, problems):
        key, counted = TABLES[table]
        statements.append(
            f"INSERT INTO {table} ({', '.join(key + counted)}) {select}"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counted)
        )
    return statements


def _row(alias: str, s: str, released: str | None = None) -> str:
    """The source columns of the complaint rows called alias, counted with sign s."""
    if released is None:
        released = f"EXISTS (SELECT 1 FROM {RELEASED} r WHERE r.complaint_id = {alias}.id)"
    return (
        f"{alias}.id AS id, {released} AS released, {alias}.carrier AS carrier,"
        f" COALESCE({alias}.city_place_id, 0) AS city,"
        f" COALESCE({alias}.district_place_id, 0) AS district,"
        f" {alias}.technology AS technology, {alias}.observed_at AS observed_at,"
        f" CASE WHEN {alias}.email_confirmed_at IS NULL THEN 0 ELSE 1 END AS confirmed,"
        f" {alias}.followup_answer AS answer, {s} AS s"
    )


def _links(source: str) -> str:
    """The problem rows of the complaints in source, with their signs."""
    return (
        f"SELECT x.released, x.city, l.problemtype_id AS problem, x.carrier, x.s"
        f" FROM ({source}) x JOIN {LINKS} l ON l.complaint_id = x.id"
    )


def _link_rows(alias: str, s: str) -> str:
    """The problem rows of the links called alias whose complaint is published."""
    return (
        f"SELECT EXISTS (SELECT 1 FROM {RELEASED} r WHERE r.complaint_id = c.id) AS released,"
        f" COALESCE(c.city_place_id, 0) AS city, {alias}.problemtype_id AS problem,"
        f" c.carrier AS carrier, {s} AS s"
        f" FROM {{links}} JOIN {COMPLAINTS} c ON c.id = {alias}.complaint_id"
        " WHERE c.status = 'published'"
    )


def _released_rows(alias: str, s: str) -> str:
    """A release (s=+1) moves published reports from unreleased to released; its undoing
    (s=-1) back."""
    rows = (
        f"SELECT {_row('c', '{s}', '{released}')} FROM {{rels}}"
        f" JOIN {COMPLAINTS} c ON c.id = {alias}.complaint_id WHERE c.status = 'published'"
    )
    minus = "-1" if s == "1" else "1"
    return (
        rows.format(s=minus, released="FALSE", rels="{rels}")
        + " UNION ALL "
        + rows.format(s=s, released="TRUE", rels="{rels}")
    )


# -- PostgreSQL: statement triggers with transition tables -------------------------------------


def _changed(o: str, n: str) -> str:
    columns = [f"{o}.{c} IS DISTINCT FROM {n}.{c}" for c in DIMENSIONS]
    columns.append(f"({o}.email_confirmed_at IS NULL) <> ({n}.email_confirmed_at IS NULL)")
    return " OR ".join(columns)


def _any(rows: str, condition: str) -> str:
    return f"  IF NOT EXISTS (SELECT 1 FROM {rows} WHERE {condition}) THEN RETURN NULL; END IF;\n"


def _pg_function(name: str, body: list[str], guard: str = "", pairs: str = "") -> str:
    """pairs (the update's join of old and new rows): a statement of more than SMALL rows
    has its statements planned anew (EXECUTE) for its transition tables' sizes. PL/pgSQL
    otherwise keeps the plan made for the session's first (one-row) statement: a nested loop
    over old and new rows, quadratic in a bulk UPDATE. Small statements (a decision) keep the
    cached plans: planning every statement each time costs a decision milliseconds."""
    static = "".join(f"  {s};\n" for s in body)
    if pairs:
        dynamic = "".join(f"  EXECUTE $q${s}$q$;\n" for s in body)
        body_sql = (
            "  SELECT count(*) INTO changed FROM new_rows;\n"
            f"  IF changed <= {SMALL} THEN\n"
            f"  IF (SELECT count(*) FROM {pairs}) = 0 THEN RETURN NULL; END IF;\n"
            f"{static}"
            "  ELSE\n"
            f"  EXECUTE $q$SELECT count(*) FROM {pairs}$q$ INTO changed;\n"
            "  IF changed = 0 THEN RETURN NULL; END IF;\n"
            f"{dynamic}"
            "  END IF;\n"
        )
    else:
        body_sql = guard + static
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"DECLARE changed bigint;\nBEGIN\n{body_sql}  RETURN NULL;\nEND\n$$;"
    )


SMALL = 100


def _pg_sql() -> list[str]:
    published = "status = 'published'"
    inserted = f"SELECT {_row('n', '1')} FROM new_rows n WHERE n.{published}"
    deleted = f"SELECT {_row('o', '-1')} FROM old_rows o WHERE o.{published}"
    pairs = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE ({_changed('o', 'n')})"
    updated = (
        f"SELECT {_row('o', '-1')} FROM {pairs} AND o.{published}"
        f" UNION ALL SELECT {_row('n', '1')} FROM {pairs} AND n.{published}"
    )
    # The update's guard counts these pairs (_pg_function), not LIMIT 1: for a first row the
    # planner nests loops over the two transition tables (5,000 rows each: 14 s).
    link_in = _link_rows("l", "1").replace("{links}", "new_rows l")
    link_out = _link_rows("l", "-1").replace("{links}", "old_rows l")
    rel_in = _released_rows("r2", "1").replace("{rels}", "new_rows r2")
    rel_out = _released_rows("r2", "-1").replace("{rels}", "old_rows r2")
    functions = {
        # A new report is pending (the form): nothing to count, no statement run.
        "rollup_complaint_insert": (
            _upserts("postgresql", inserted, _links(inserted)),
            _any("new_rows", published),
        ),
        "rollup_complaint_update": (_upserts("postgresql", updated, _links(updated)), ""),
        # A deleted report's links still there (Django deletes them first, raw SQL may not).
        "rollup_complaint_delete": (
            _upserts("postgresql", deleted, _links(deleted)),
            _any("old_rows", published),
        ),
        "rollup_link_insert": (_upserts_problems_only("postgresql", link_in), ""),
        "rollup_link_delete": (_upserts_problems_only("postgresql", link_out), ""),
        "rollup_released_insert": (_upserts("postgresql", rel_in, _links(rel_in)), ""),
        "rollup_released_delete": (_upserts("postgresql", rel_out, _links(rel_out)), ""),
    }
    sql = [
        _pg_function(name, body, guard, pairs if name == "rollup_complaint_update" else "")
        for name, (body, guard) in functions.items()
    ]
    triggers = [
        ("rollup_complaint_insert", COMPLAINTS, "INSERT", "NEW TABLE AS new_rows"),
        (
            "rollup_complaint_update",
            COMPLAINTS,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        ),
        ("rollup_complaint_delete", COMPLAINTS, "DELETE", "OLD TABLE AS old_rows"),
        ("rollup_link_insert", LINKS, "INSERT", "NEW TABLE AS new_rows"),
        ("rollup_link_delete", LINKS, "DELETE", "OLD TABLE AS old_rows"),
        ("rollup_released_insert", RELEASED, "INSERT", "NEW TABLE AS new_rows"),
        ("rollup_released_delete", RELEASED, "DELETE", "OLD TABLE AS old_rows"),
    ]
    for name, table, event, referencing in triggers:
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        sql.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return sql + _pg_truncate_sql()


TRUNCATED = {
    # No report left: nothing counted. No link left: no problem counted. No release left: every
    # published report counts as unreleased, so recounted (a TRUNCATE of releases is rare).
    "rollup_complaint_truncate": (COMPLAINTS, [f"DELETE FROM {table}" for table in TABLES]),
    "rollup_link_truncate": (LINKS, ["DELETE FROM reports_rollupproblem"]),
    "rollup_released_truncate": (RELEASED, None),
}


def _pg_truncate_sql() -> list[str]:
    """A TRUNCATE fires no row or transition trigger, only its own statement trigger."""
    sql = []
    for name, (table, body) in TRUNCATED.items():
        if body is None:
            body = _fill_sql("postgresql")
        sql.append(_pg_function(name, body))
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        sql.append(
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return sql


def _upserts_problems_only(vendor: str, problems: str) -> list[str]:
    return _upserts(vendor, "", problems)[-1:]


# -- SQLite: row triggers ----------------------------------------------------------------------


def _sqlite_sql() -> list[str]:
    published = "status = 'published'"
    inserted = f"SELECT {_row('NEW', '1')} WHERE NEW.{published}"
    deleted = f"SELECT {_row('OLD', '-1')} WHERE OLD.{published}"
    updated = (
        f"SELECT {_row('OLD', '-1')} WHERE OLD.{published}"
        f" UNION ALL SELECT {_row('NEW', '1')} WHERE NEW.{published}"
    )
    changed = " OR ".join(
        [f"OLD.{c} IS NOT NEW.{c}" for c in DIMENSIONS]
        + ["(OLD.email_confirmed_at IS NULL) <> (NEW.email_confirmed_at IS NULL)"]
    )
    link_in = _link_rows("NEW", "1").replace("{links}", "(SELECT 1)")
    link_out = _link_rows("OLD", "-1").replace("{links}", "(SELECT 1)")
    rel_in = _released_rows("NEW", "1").replace("{rels}", "(SELECT 1)")
    rel_out = _released_rows("OLD", "-1").replace("{rels}", "(SELECT 1)")
    triggers = [
        (
            "rollup_complaint_insert",
            COMPLAINTS,
            "INSERT",
            f" WHEN NEW.{published}",
            _upserts("sqlite", inserted, _links(inserted)),
        ),
        (
            "rollup_complaint_update",
            COMPLAINTS,
            "UPDATE",
            f" WHEN {changed}",
            _upserts("sqlite", updated, _links(updated)),
        ),
        (
            "rollup_complaint_delete",
            COMPLAINTS,
            "DELETE",
            f" WHEN OLD.{published}",
            _upserts("sqlite", deleted, _links(deleted)),
        ),
        ("rollup_link_insert", LINKS, "INSERT", "", _upserts_problems_only("sqlite", link_in)),
        ("rollup_link_delete", LINKS, "DELETE", "", _upserts_problems_only("sqlite", link_out)),
        (
            "rollup_released_insert",
            RELEASED,
            "INSERT",
            "",
            _upserts("sqlite", rel_in, _links(rel_in)),
        ),
        (
            "rollup_released_delete",
            RELEASED,
            "DELETE",
            "",
            _upserts("sqlite", rel_out, _links(rel_out)),
        ),
    ]
    sql = []
    for name, table, event, when, body in triggers:
        sql.append(f"DROP TRIGGER IF EXISTS {name}")
        statements = "".join(f"  {s};\n" for s in body)
        sql.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}\n"
            f"BEGIN\n{statements}END"
        )
    return sql


def _fill_sql(vendor: str) -> list[str]:
    """Count every published report into the (emptied) tables, as the triggers would have."""
    everything = f"SELECT {_row('c', '1')} FROM {COMPLAINTS} c WHERE c.status = 'published'"
    return [f"DELETE FROM {table}" for table in TABLES] + _upserts(
        vendor, everything, _links(everything)
    )


def install(schema_editor=None) -> None:
    """Create the triggers and fill the tables (the migration; check_rollups --repair)."""
    conn = schema_editor.connection if schema_editor else connection
    sql = _pg_sql() if conn.vendor == "postgresql" else _sqlite_sql()
    with conn.cursor() as cursor:
        for statement in sql + _fill_sql(conn.vendor):
            cursor.execute(statement)


def uninstall(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        for name, table in (
            ("rollup_complaint_insert", COMPLAINTS),
            ("rollup_complaint_update", COMPLAINTS),
            ("rollup_complaint_delete", COMPLAINTS),
            ("rollup_link_insert", LINKS),
            ("rollup_link_delete", LINKS),
            ("rollup_released_insert", RELEASED),
            ("rollup_released_delete", RELEASED),
            *((name, table) for name, (table, _) in TRUNCATED.items()),
        ):
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def refill() -> None:
    """Recreate the triggers (with the site's time zone as it is now) and recount the tables
    from the complaints (check_rollups --repair)."""
    with transaction.atomic():
        install()


# -- reads for the releases --------------------------------------------------------------------


# Every published report, released or not, from the technology rollup (each in exactly one
# of its rows): a subquery for a caller's own statement (complaints.selectors.public_counter).
PUBLISHED_TOTAL = "SELECT COALESCE(SUM(n), 0) FROM reports_rolluptechnology"


def by_city_carrier() -> dict[tuple[bool, int | None, str], int]:
    """Published reports per (released, city (None: of no city), carrier), from the
    technology rollup (every published report in exactly one of its rows, and its smallest
    table keyed by city and carrier): the same at a million reports as at ten."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT released, city, carrier, SUM(n) FROM reports_rolluptechnology"
            " GROUP BY released, city, carrier HAVING SUM(n) <> 0"
        )
        return {
            (bool(released), city or None, carrier): int(n)
            for released, city, carrier, n in cursor.fetchall()
        }


# The recount and the clean-up after a flush (rollup_check.py), read through this module.
from .rollup_check import differences, forget_if_empty, recount, stored  # noqa: E402, F401
