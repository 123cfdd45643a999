"""Storing an import's complaints: on PostgreSQL one COPY stream while the rows are still
being checked (ComplaintStream), elsewhere bulk_create (insert_complaints)."""

import contextlib
import operator

from django.db import connections, router, transaction
from psycopg import sql as psycopg_sql
from psycopg.copy import QueuedLibpqWriter

from complaints.models import Complaint

PROBLEM_LINKS = Complaint.problems.through._meta.db_table


def streaming() -> bool:
    """Whether the complaints' database takes an import's rows as a COPY stream."""
    return connections[router.db_for_write(Complaint)].vendor == "postgresql"


def analyze_after_commit() -> None:
    """Fresh planner statistics for the complaints and their problem links once a bulk write
    is committed: a plan made on the old ones can turn the exports' join into a nested loop
    over every pair (issue 20: 241 s instead of 0.6 s). PostgreSQL only; autovacuum would
    come later, after the first export has been planned."""
    connection = connections[router.db_for_write(Complaint)]
    if connection.vendor != "postgresql":
        return

    def analyze():
        with connection.cursor() as cursor:
            for table in (Complaint._meta.db_table, PROBLEM_LINKS):
                cursor.execute(psycopg_sql.SQL("ANALYZE {}").format(psycopg_sql.Identifier(table)))

    transaction.on_commit(analyze, using=connection.alias)


def insert_complaints(instances: list[Complaint]) -> None:
    """Store new complaints (instance.problem_ids: their problems) with their problem links,
    with bulk_create (databases other than PostgreSQL; there, ComplaintStream)."""
    through = Complaint.problems.through
    Complaint.objects.bulk_create(instances, batch_size=1000)
    through.objects.bulk_create(
        [
            through(complaint_id=instance.pk, problemtype_id=problem_id)
            for instance in instances
            for problem_id in instance.problem_ids
        ],
        batch_size=5000,
    )


def insert_links(links: list[tuple[int, int]]) -> None:
    """Store (complaint id, problem type id) links with one COPY (PostgreSQL)."""
    connection = connections[router.db_for_write(Complaint)]
    with (
        transaction.atomic(using=connection.alias, savepoint=False),
        connection.cursor() as cursor,
    ):
        copy_rows(cursor.cursor, PROBLEM_LINKS, ["complaint_id", "problemtype_id"], links)


class ComplaintStream:
    """The complaints of one import written to PostgreSQL with one COPY while the rows are
    still being checked: the rows are queued and a thread of psycopg's sends them
    (QueuedLibpqWriter), so that the database stores them on another core.

    Ids are drawn from the table's sequence for every row of the file first. The COPY runs
    inside a savepoint, so that a row the database refuses leaves the transaction usable.
    While the COPY runs the connection must not be used for anything else (a query would wait
    for the COPY forever): queries through Django are refused while the stream is open."""

    def __init__(self, count: int):
        self.connection = connections[router.db_for_write(Complaint)]
        self.alias = self.connection.alias
        self.fields = Complaint._meta.concrete_fields
        self.values = operator.attrgetter(*(field.attname for field in self.fields))
        table = Complaint._meta.db_table
        self.cursor = self.connection.cursor()
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        self.ids = iter([pk for (pk,) in self.cursor.fetchall()])
        self.links = []
        self.savepoint = transaction.savepoint(using=self.alias)
        raw = self.cursor.cursor
        try:
            self.copying = raw.copy(
                copy_statement(table, [field.column for field in self.fields]),
                writer=QueuedLibpqWriter(raw),
            )
            self.copy = self.copying.__enter__()
        except BaseException:
            self._roll_back()
            raise
        self.guard = self.connection.execute_wrapper(_no_query_while_streaming)
        self.guard.__enter__()

    def write(self, instance: Complaint) -> None:
        instance.pk = next(self.ids)
        # COPY writes the fields as they are: the NOT NULL observed_at is the arrival, as save()
        # and bulk_create would make it.
        instance.fill_observed_at()
        self.copy.write_row(self.values(instance))
        self.links.extend((instance.pk, problem_id) for problem_id in instance.problem_ids)
        instance._state.adding = False
        instance._state.db = self.alias

    def finish(self) -> None:
        self.guard.__exit__(None, None, None)
        try:
            self.copying.__exit__(None, None, None)
        except BaseException:
            with contextlib.suppress(Exception):  # the error to report is the COPY's
                self._roll_back()
            raise
        transaction.savepoint_commit(self.savepoint, using=self.alias)
        self.cursor.close()

    def abort(self) -> None:
        self.guard.__exit__(None, None, None)
        with contextlib.suppress(Exception):  # the COPY may have failed already
            error = RuntimeError("import stopped")
            self.copying.__exit__(type(error), error, None)
        with contextlib.suppress(Exception):  # a lost connection: the rollback ends it all
            self._roll_back()

    def _roll_back(self) -> None:
        transaction.savepoint_rollback(self.savepoint, using=self.alias)
        self.cursor.close()


def _no_query_while_streaming(execute, sql, params, many, context):
    raise RuntimeError(f"No query while an import's rows are being stored: {sql[:60]!r}")


def copy_statement(table: str, columns: list[str]):
    return psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg_sql.Identifier(table),
        psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, columns)),
    )


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY rows (sequences of Python values) into table's columns (psycopg 3 cursor)."""
    with cursor.copy(copy_statement(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
