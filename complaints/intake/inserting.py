"""A new complaint stored in one statement: its places checked, its possible duplicate found
and locked, the row and its problem links written (PostgreSQL; SQLite: the links apart).

The rules are those of the form (README: duplicates): the latest complaint of the last 24
hours from the same email (case-insensitive), else the latest of the same address (today's or
yesterday's hash) and city with the very same problems, among its 20 latest reports of the
city. The earlier report is locked until the new one is stored (FOR UPDATE): a deletion waits
instead of leaving the new report pointing at nothing. A place that no longer exists (deleted
or merged in another process a moment ago) is stored as none: a city gone takes its district.
"""

# ruff: noqa: S608 -- the SQL is built from the models' table and column names only; every value
# is a parameter.

import datetime
import functools

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED

from complaints.models import Complaint, Place

CANDIDATES = 20  # reports of one address and city looked at for the same problems


def insert(complaint: Complaint, problem_ids: set[int], ip_hashes) -> None:
    """Store complaint (unsaved, cleaned) with its problems; sets its id, its duplicate_of_id
    and the places that exist. May raise IntegrityError (client_id stored already; a place
    or the duplicate deleted at the commit: a foreign key)."""
    params: list = []
    sql = _statement(complaint, sorted(problem_ids), [h for h in ip_hashes if h], params)
    if connection.vendor == "postgresql":
        # One statement in autocommit: atomic by itself, no BEGIN and COMMIT to wait for.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            through = Complaint.problems.through
            through.objects.bulk_create(
                [through(complaint_id=row[0], problemtype_id=pk) for pk in sorted(problem_ids)]
            )
    complaint.pk, complaint.city_place_id, complaint.district_place_id = row[:3]
    complaint.duplicate_of_id = row[3]
    complaint._state.adding = False
    complaint._state.db = connection.alias


def _statement(complaint: Complaint, problem_ids: list[int], ip_hashes: list[str], params):
    """The statement (made once per shape: with an email or not, how many hashes and
    problems, which columns are empty) and its parameters, in the order of its placeholders."""
    if not problem_ids:
        ip_hashes = []
    values = [f.get_db_prep_save(f.pre_save(complaint, add=True), connection) for f in _fields()]
    # The columns left empty are written as NULL in the SQL: about a quarter of them, which
    # keeps the parameters under psycopg's 50, below which it parses the statement once.
    nulls = tuple(value is None for value in values)
    shape = (connection.vendor, bool(complaint.email), len(ip_hashes), len(problem_ids), nulls)
    sql = _made.get(shape)
    if sql is None:
        if len(_made) >= 512:  # a handful of shapes in practice; never an unbounded dict
            _made.clear()
        sql = _made[shape] = _sql(*shape[1:])
    params += [value for value in values if value is not None]
    since = _prep("submitted_at", complaint.submitted_at - datetime.timedelta(hours=24))
    if complaint.email:
        params += [since, complaint.email.lower()]
    if ip_hashes:
        params += [since, *ip_hashes, complaint.city_key, *problem_ids, len(problem_ids)]
    if connection.vendor == "postgresql":
        params.append(";".join(str(pk) for pk in problem_ids))  # sorted, as the links' trigger
    params += [complaint.city_place_id, complaint.district_place_id]
    if connection.vendor == "postgresql":
        params += problem_ids
    return sql


_made: dict[tuple, str] = {}


@functools.cache
def _fields() -> list:
    places = {"city_place", "district_place", "duplicate_of"}
    return [
        f
        for f in Complaint._meta.concrete_fields
        # The database's own defaults (kept by triggers) left to it.
        if not f.primary_key and f.name not in places and f.db_default is NOT_PROVIDED
    ]


def _sql(email: bool, hashes: int, problems: int, nulls: tuple[bool, ...]) -> str:
    table = connection.ops.quote_name(Complaint._meta.db_table)
    columns = [connection.ops.quote_name(f.column) for f in _fields()]
    values = ["NULL" if null else "%s" for null in nulls]
    place_table = connection.ops.quote_name(Place._meta.db_table)
    merged = connection.ops.quote_name(Place._meta.get_field("merged_into").column)
    columns += [_column("city_place"), _column("district_place"), _column("duplicate_of")]
    values += [
        "city.id",
        "CASE WHEN city.id IS NOT NULL THEN district.id END",
        _duplicate(email, hashes, problems),
    ]
    if connection.vendor == "postgresql":
        # The ids of the links written by the same statement: the triggers (migration 0028)
        # then find them right and write the row no second time.
        columns.append(_column("problem_id_list"))
        values.append("%s")
    returning = f"id, {_column('city_place')}, {_column('district_place')}, " + _column(
        "duplicate_of"
    )
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
        f"FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {place_table} city ON city.id = %s AND city.{merged} IS NULL "
        f"LEFT JOIN {place_table} district ON district.id = %s AND district.{merged} IS NULL "
        f"RETURNING {returning}"
    )
    if connection.vendor != "postgresql":
        return insert
    through = Complaint.problems.through._meta
    links = connection.ops.quote_name(through.db_table)
    rows = ", ".join(["(%s)"] * problems)
    return (
        f"WITH new AS ({insert}), linked AS ("
        f"INSERT INTO {links} (complaint_id, problemtype_id) "
        f"SELECT new.id, p.id FROM new, (VALUES {rows}) p(id)) "
        f"SELECT {returning} FROM new"
    )


def _column(name: str) -> str:
    return connection.ops.quote_name(Complaint._meta.get_field(name).column)


def _duplicate(email: bool, hashes: int, problems: int) -> str:
    """The expression for duplicate_of_id: by email, else by address (each locked)."""
    table = connection.ops.quote_name(Complaint._meta.db_table)
    email_, ip_hash, city_key, submitted = (
        _column(n) for n in ("email", "ip_hash", "city_key", "submitted_at")
    )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = []
    if email:
        # The index's own condition (email <> '') stated: PostgreSQL does not infer it, and
        # without it read every report of the last 24 hours.
        found.append(
            f"(SELECT x.id FROM {table} x WHERE x.id = (SELECT d.id FROM {table} d "
            f"WHERE d.{submitted} >= %s AND d.{email_} <> '' AND LOWER(d.{email_}) = %s "
            f"ORDER BY d.{submitted} DESC LIMIT 1){lock})"
        )
    if hashes:
        through = Complaint.problems.through._meta
        links = connection.ops.quote_name(through.db_table)
        wanted = ", ".join(["%s"] * problems)
        # The same set of problems: each link one of the wanted (1), none other (1000).
        found.append(
            f"(SELECT x.id FROM {table} x WHERE x.id = (SELECT c.id FROM ("
            f"SELECT d.id, d.{submitted} AS submitted FROM {table} d "
            f"WHERE d.{submitted} >= %s AND d.{ip_hash} IN ({', '.join(['%s'] * hashes)}) "
            f"AND d.{city_key} = %s ORDER BY d.{submitted} DESC LIMIT {CANDIDATES}) c "
            f"WHERE (SELECT SUM(CASE WHEN l.problemtype_id IN ({wanted}) THEN 1 ELSE 1000 END) "
            f"FROM {links} l WHERE l.complaint_id = c.id) = %s "
            f"ORDER BY c.submitted DESC LIMIT 1){lock})"
        )
    if not found:
        return "NULL"
    return found[0] if len(found) == 1 else f"COALESCE({', '.join(found)})"


def _prep(name: str, value):
    return Complaint._meta.get_field(name).get_db_prep_value(value, connection)
