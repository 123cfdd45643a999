# ruff: noqa: S608 -- the SQL text holds only table and column names, no values
"""The rollups checked against the complaints (check_rollups), and emptied with them.

The recount counts with GROUP BYs what the triggers of rollups.py keep; both are read in one
snapshot, so a report written meanwhile is in both or in neither.
"""

import contextlib
import datetime

from django.db import connection, transaction

from . import rollups


def forget_if_empty(**kwargs) -> None:
    """Empty the rollups when no report is left (post_migrate, which Django sends after
    `flush` too): SQLite's flush deletes the tables in no fixed order, and the complaints'
    delete triggers then count -1 into rollup tables that were emptied before them."""
    from complaints.models import Complaint

    if Complaint.objects.exists():
        return
    with connection.cursor() as cursor:
        for table in rollups.TABLES:
            cursor.execute(f"DELETE FROM {table}")


def _value(value):
    """One form of a key's value on both databases (SQLite gives dates as text, 0/1 for
    booleans)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _split_rows(table: str, rows) -> dict[tuple, tuple]:
    size = len(rollups.TABLES[table][0])
    found = {}
    for row in rows:
        counts = tuple(row[size:])
        if any(counts):
            found[tuple(_value(v) for v in row[:size])] = counts
    return found


def stored() -> dict[str, dict[tuple, tuple]]:
    """The rollups as kept: {table: {key: counts}}, rows at 0 left out."""
    found = {}
    with connection.cursor() as cursor:
        for table, (key, counted) in rollups.TABLES.items():
            cursor.execute(f"SELECT {', '.join(key + counted)} FROM {table}")
            found[table] = _split_rows(table, cursor.fetchall())
    return found


def recount() -> dict[str, dict[tuple, tuple]]:
    """The rollups as the complaints say they should be, counted with GROUP BYs."""
    everything = (
        f"SELECT {rollups._row('c', '1')} FROM {rollups.COMPLAINTS} c WHERE c.status = 'published'"
    )
    found = {}
    with connection.cursor() as cursor:
        selects = rollups._selects(connection.vendor, everything, rollups._links(everything))
        for table, select in selects:
            cursor.execute(select)
            found[table] = _split_rows(table, cursor.fetchall())
    return found


def differences() -> list[tuple[str, tuple, tuple | None, tuple | None]]:
    """Every (table, key, stored, recounted) that differ, read in one snapshot."""
    with _snapshot():
        kept, counted = stored(), recount()
    found = []
    for table in rollups.TABLES:
        for key in sorted(set(kept[table]) | set(counted[table]), key=repr):
            if kept[table].get(key) != counted[table].get(key):
                found.append((table, key, kept[table].get(key), counted[table].get(key)))
    return found


@contextlib.contextmanager
def _snapshot():

    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
