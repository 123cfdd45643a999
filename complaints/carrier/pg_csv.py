"""The anonymized CSV written by PostgreSQL itself, as finished lines: Python only passes them on.

The SQL is built by name from the export's column list, and each free-text cell is guarded
by sanitize's SQL form of the one rule, so these bytes equal the Python path's
(tests/test_formula_injection.py compares them).
"""

from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, Func, Q, When

from complaints.carrier import sanitize
from complaints.carrier.formats import DELIMITERS, check_dialect, csv_header
from complaints.models import ProblemType

# The field a column comes from when it is not the one of its name.
SOURCES = {
    "city": "city_place__name",
    "district": "district_place__name",
    "state": "city_place__state",
    "description": "description_redacted",
    "ags": "city_place__ags",
    # Annotated by centroid(): the district's centroid, else the city's.
    "latitude": "place_latitude",
    "longitude": "place_longitude",
}
# The column made by a join: each complaint's problem slugs, from the problem ids kept on the
# complaint (migration 0026). The slugs of each distinct list of ids are made once, so the
# complaints are read alone (no join of the problem links).
JOINED = "problems"
# The complaint's problem ids, read as this internal column and joined on.
IDS = "problem_ids"
# Free text and names an organizer may edit are guarded and quoted; the other columns are
# codes, dates and digits that the model's checks keep free of anything to quote.
# The AGS is digits (the admin validates it), guarded anyway: nothing else checks it in the
# database.
FREE_TEXT = frozenset({"carrier", "problems", "city", "district", "state", "description", "ags"})
# A coordinate (rounded to 5 decimals by centroid()) as Python's csv writes
# exports.coordinate()'s float: shortest form, and a whole number with ".0".
_COORDINATE = (
    "(CASE WHEN {0} = trunc({0}) THEN trunc({0})::text || '.0' ELSE {0}::float8::text END)"
)
# How a column becomes text, when not by a cast.
AS_TEXT = {"since": "to_char({0}, 'YYYY-MM')", "latitude": _COORDINATE, "longitude": _COORDINATE}
ORDER = ["submitted_at", "id"]
# For the export's query only (SET LOCAL: until its transaction ends):
# - no JIT: the planner would compile this long expression to machine code at a cost of
#   seconds, for a query that runs in about as long as COPY does;
# - no nested loop: the rows meet the slugs of their problem ids by a hash join (one pass over
#   each side). A planner whose statistics are stale (a bulk write before autovacuum came by)
#   believes both sides tiny and may loop over every pair: 241 s instead of 0.6 s for 13,286
#   rows with the join of issue 20 (tests/test_export_plans.py).
PLANNER_SETTINGS = ["SET LOCAL jit = off", "SET LOCAL enable_nestloop = off"]

_QUOTED = (
    "(CASE WHEN strpos({s}, '{d}') > 0 OR strpos({s}, '\"') > 0 OR strpos({s}, chr(13)) > 0"
    " OR strpos({s}, chr(10)) > 0 THEN '\"' || replace({s}, '\"', '\"\"') || '\"' ELSE {s} END)"
)


def csv_file(
    queryset,
    columns: list[str],
    dialect: str,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The complaints of the queryset (with submitted_on) as CSV of these columns, in chunks."""
    check_dialect(dialect)
    yield csv_header(columns, dialect)
    count = 0
    for rows, block in _blocks(queryset, columns, DELIMITERS[dialect]):
        count += rows
        yield block
        if progress and count // 10_000 > (count - rows) // 10_000:
            progress(count)
    if progress:
        progress(count)


# The lines come by COPY, which hands the bytes over as PostgreSQL wrote them (a cursor would
# make each a Python string, to be encoded again). COPY's CSV format frames each line in this
# quote character (FORCE_QUOTE, one message per line): a control character the cleaned cells
# never hold, so a block's framing is taken off with two replaces.
FRAME = b"\x1f"
ROWS_PER_BLOCK = 1000


def _blocks(queryset, columns: list[str], delimiter: str) -> Iterator[tuple[int, bytes]]:
    """(lines, their bytes) in blocks of ROWS_PER_BLOCK lines."""
    sql, params = _select(queryset, columns, delimiter)
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x1f', FORCE_QUOTE *)"
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in PLANNER_SETTINGS:
                cursor.execute(statement)
        with connection.connection.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
            rows: list[bytes] = []
            for row in copy:
                rows.append(row)
                if len(rows) == ROWS_PER_BLOCK:
                    yield len(rows), _unframed(rows)
                    rows = []
            yield len(rows), _unframed(rows)


def _unframed(rows: list[bytes]) -> bytes:
    """The lines without COPY's framing: each row is FRAME, the line, FRAME and a newline."""
    block = b"".join(rows)
    if block.count(FRAME) == 2 * len(rows):
        return block.replace(FRAME + b"\n", b"").replace(FRAME, b"")
    # A frame character inside a line (doubled by COPY): each row taken apart on its own.
    return b"".join(bytes(row)[1:-2].replace(FRAME + FRAME, FRAME) for row in rows)


def _select(queryset, columns: list[str], delimiter: str) -> tuple[str, list]:
    """One line of CSV per complaint, in layers: read and joined (with a flag for the rare
    rows holding a control character), as text without control characters, guarded against
    formulas, quoted. OFFSET 0 keeps each layer apart, so each value is computed once."""
    if delimiter not in DELIMITERS.values():  # it is written into the SQL
        raise ValueError(f"unknown delimiter {delimiter!r}")
    names = {name: connection.ops.quote_name(name) for name in [*columns, *ORDER, IDS]}
    export, export_params = _export(queryset, columns, names)
    slugs, slugs_params = _slugs(queryset, names)
    free = [names[name] for name in columns if name in FREE_TEXT]
    dirty, dirty_params = sanitize.sql_has_control(free)
    clean, clean_params = _layer(columns, names, lambda name: _cleaned(name, names[name]))
    safe, safe_params = _layer(columns, names, lambda name: _guarded(name, names[name]))
    order = ", ".join(names[name] for name in ORDER)
    sql = (
        f"SELECT concat_ws('{delimiter}', {_cells(columns, names, delimiter)})"  # noqa: S608
        " || chr(13) || chr(10)"
        f" FROM (SELECT {safe}, {order}"
        f" FROM (SELECT {clean}, {order}"
        f" FROM (SELECT export.*, joined.{names[JOINED]}, {dirty} AS dirty FROM {export}"
        f" LEFT JOIN ({slugs}) AS joined ON joined.{names[IDS]} = export.{names[IDS]}"
        f" OFFSET 0) AS checked OFFSET 0) AS clean OFFSET 0) AS safe ORDER BY {order}"
    )
    return sql, [*safe_params, *clean_params, *dirty_params, *export_params, *slugs_params]


def centroid() -> dict:
    """The matched district's coordinates where it has both, else the city's: the SQL of
    exports.anonymized_rows' choice, rounded to 5 decimals as exports.coordinate() rounds
    (float to numeric keeps 15 significant digits, then half away from zero). Rounded here,
    once per row: _COORDINATE reads the value three times (5 s of 12 at a million rows when
    each read converted the float again)."""
    district = Q(district_place__latitude__isnull=False, district_place__longitude__isnull=False)
    return {
        f"place_{axis}": Func(
            Case(
                When(district, then=F(f"district_place__{axis}")),
                default=F(f"city_place__{axis}"),
            ),
            template="round((%(expressions)s)::numeric, 5)",
            output_field=DecimalField(),
        )
        for axis in ("latitude", "longitude")
    }


def _export(queryset, columns: list[str], names: dict[str, str]) -> tuple[str, list]:
    """The ORM's query of the columns read from the tables, named as the export names them."""
    read = [name for name in columns if name != JOINED]
    inner, params = (
        queryset.annotate(**centroid())
        .order_by()
        .values_list(*(SOURCES.get(name, name) for name in read), *ORDER, "problem_id_list")
        .query.sql_with_params()
    )
    as_named = ", ".join(names[name] for name in [*read, *ORDER, IDS])
    return f"({inner}) AS export({as_named})", params


def _cells(columns: list[str], names: dict[str, str], delimiter: str) -> str:
    """The cells of a line: free text quoted as csv.writer does (RFC 4180, minimal)."""
    return ", ".join(
        _QUOTED.format(s=names[name], d=delimiter) if name in FREE_TEXT else names[name]
        for name in columns
    )


def _cleaned(name: str, column: str) -> tuple[str, list]:
    text = AS_TEXT.get(name, "{}::text").format(column)
    value = f"coalesce({text}, '')"
    if name in FREE_TEXT:
        return sanitize.sql_without_control(value, "dirty")
    return value, []


def _guarded(name: str, column: str) -> tuple[str, list]:
    if name in FREE_TEXT:
        return sanitize.sql_guarded(column)
    return column, []


def _layer(columns, names, expression) -> tuple[str, list]:
    """The select list of a layer: each column's expression (SQL and its parameters)."""
    parts, params = [], []
    for name in columns:
        sql, values = expression(name)
        parts.append(f"{sql} AS {names[name]}")
        params.extend(values)
    return ", ".join(parts), params


def _slugs(queryset, names: dict[str, str]) -> tuple[str, list]:
    """The problem slugs of each distinct list of problem ids among the exported complaints,
    in the order of exports.anonymized_rows: position, then slug in code-point order
    (COLLATE "C", as Python sorts them) whatever the database's collation. A few dozen
    lists, each made once; the same statement as the rows, so the same snapshot."""
    distinct, params = (
        queryset.order_by().values_list("problem_id_list").distinct().query.sql_with_params()
    )
    problem = connection.ops.quote_name(ProblemType._meta.db_table)
    ids = names[IDS]
    sql = (
        f"SELECT listed.{ids}, (SELECT string_agg(pt.slug, ';'"  # noqa: S608
        ' ORDER BY pt.position, pt.slug COLLATE "C")'
        f" FROM {problem} pt WHERE pt.id = ANY(string_to_array(listed.{ids}, ';')::bigint[]))"
        f" AS {names[JOINED]} FROM ({distinct}) AS listed({ids})"
    )
    return sql, params
