"""The anonymized CSV written by PostgreSQL itself: Python only passes the lines on.

The SQL is built by name from the export's column list, and each free-text cell is guarded
by sanitize's SQL form of the one rule, so these bytes equal the Python path's
(tests/test_formula_injection.py compares them). COPY quotes the cells as csv.writer does.
"""

from collections.abc import Callable, Iterator

from django.db import connection, transaction

from complaints.carrier import sanitize
from complaints.carrier.formats import DELIMITERS, check_dialect, csv_header
from complaints.models import Place, ProblemType

# The columns that come from the places joined, made once per place (a few thousand) rather
# than once per complaint: names cleaned and guarded, coordinates as text. The coordinates are
# the matched district's where it has both, else the city's.
FROM_CITY = {"city": "name", "state": "state", "ags": "ags"}
FROM_PLACES = {*FROM_CITY, "district", "latitude", "longitude"}
# The column made by a join: each complaint's problem slugs, from the problem ids kept on the
# complaint (migration 0026). The slugs of each distinct list of ids are made once, so the
# complaints are read alone (no join of the problem links).
JOINED = "problems"
# The complaint's problem ids, read as this internal column and joined on.
IDS = "problem_ids"
# Free text and names an organizer may edit are guarded; the other columns are codes, dates
# and digits that the model's checks keep free of formulas. The AGS is digits (the admin
# validates it), guarded anyway: nothing else checks it in the database.
FREE_TEXT = frozenset({"carrier", "problems", "city", "district", "state", "description", "ags"})
# The columns read from the complaint itself, where not by their own name.
SOURCES = {"description": "description_redacted"}
# A coordinate (rounded to 5 decimals, as exports.coordinate() rounds: float to numeric keeps
# 15 significant digits, then half away from zero) as Python's csv writes the float: shortest
# form, and a whole number with ".0".
_ROUNDED = "round(({0})::numeric, 5)"
_COORDINATE = (
    "(CASE WHEN {0} = trunc({0}) THEN trunc({0})::text || '.0' ELSE {0}::float8::text END)"
)
ORDER = ["submitted_at", "id"]
# For the export's query only (SET LOCAL: until its transaction ends):
# - no JIT: the planner would compile this long expression to machine code at a cost of
#   seconds, for a query that runs in about as long as COPY does;
# - no nested loop: the rows meet the slugs of their problem ids by a hash join (one pass over
#   each side). A planner whose statistics are stale (a bulk write before autovacuum came by)
#   believes both sides tiny and may loop over every pair: 241 s instead of 0.6 s for 13,286
#   rows with the join of issue 20 (tests/test_export_plans.py).
PLANNER_SETTINGS = ["SET LOCAL jit = off", "SET LOCAL enable_nestloop = off"]


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
# make each a Python string, to be encoded again), one message per line, quoted as
# csv.writer quotes (a cell holding the delimiter, a quote or a line break; an empty cell is
# NULL, as COPY would quote an empty string). Only the line break differs: "\n" becomes the
# "\r\n" of csv.writer.
ROWS_PER_BLOCK = 1000


def _blocks(queryset, columns: list[str], delimiter: str) -> Iterator[tuple[int, bytes]]:
    """(lines, their bytes) in blocks of ROWS_PER_BLOCK lines."""
    sql, params = _select(queryset, columns, delimiter)
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in PLANNER_SETTINGS:
                cursor.execute(statement)
        with connection.connection.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
            rows: list[bytes] = []
            for row in copy:
                rows.append(row)
                if len(rows) == ROWS_PER_BLOCK:
                    yield len(rows), _crlf(rows)
                    rows = []
            yield len(rows), _crlf(rows)


def _crlf(rows: list[bytes]) -> bytes:
    """The lines ended by "\r\n": each row is a line and its "\n"."""
    block = b"".join(rows)
    if block.count(b"\n") == len(rows):
        return block.replace(b"\n", b"\r\n")
    # A line break inside a quoted cell stays as it is: each row on its own.
    return b"".join(bytes(row)[:-1] + b"\r\n" for row in rows)


def _select(queryset, columns: list[str], delimiter: str) -> tuple[str, list]:
    """One row of cells per complaint, in layers: read and joined to the finished place and
    problem cells (with a flag for the rare rows holding a control character), without
    control characters, guarded against formulas. OFFSET 0 keeps each layer apart, so each
    value is computed once; an empty cell is NULL."""
    if delimiter not in DELIMITERS.values():  # it is written into the COPY statement
        raise ValueError(f"unknown delimiter {delimiter!r}")
    names = {name: connection.ops.quote_name(name) for name in [*columns, *ORDER, IDS]}
    own = [name for name in columns if name != JOINED and name not in FROM_PLACES]
    export, export_params = _export(queryset, own, names)
    places, places_params = _places()
    slugs, slugs_params = _slugs(queryset, names)
    free = [names[name] for name in own if name in FREE_TEXT]
    dirty, dirty_params = sanitize.sql_has_control(free) if free else ("FALSE", [])
    clean, clean_params = _layer(own, names, lambda name: _cleaned(name, names[name]))
    safe, safe_params = _layer(own, names, lambda name: _guarded(name, names[name]))
    joined = [f"{_joined(name)} AS {names[name]}" for name in columns if name not in own]
    passed = ", ".join(
        [*(names[name] for name in columns if name not in own), *map(names.get, ORDER)]
    )
    order = ", ".join(names[name] for name in ORDER)
    sql = (
        f"SELECT {', '.join(names[name] for name in columns)}"  # noqa: S608
        f" FROM (SELECT {_listed(safe)}{passed}"
        f" FROM (SELECT {_listed(clean)}{passed}"
        f" FROM (SELECT export.*, {_listed(', '.join(joined))}{dirty} AS dirty FROM {export}"
        f" LEFT JOIN ({places}) AS city ON city.id = export.city_place_id"
        f" LEFT JOIN ({places}) AS district ON district.id = export.district_place_id"
        f" LEFT JOIN ({slugs}) AS joined ON joined.{names[IDS]} = export.{names[IDS]}"
        f" OFFSET 0) AS checked OFFSET 0) AS clean OFFSET 0) AS safe ORDER BY {order}"
    )
    params = [
        *safe_params,
        *clean_params,
        *dirty_params,
        *export_params,
        *places_params,
        *places_params,
        *slugs_params,
    ]
    return sql, params


def _listed(select: str) -> str:
    return f"{select}, " if select else ""


def _joined(name: str) -> str:
    """A column's finished cell from the joined places or problem lists."""
    if name in FROM_CITY:
        return f"city.{FROM_CITY[name]}"
    if name == "district":
        return "district.name"
    if name == JOINED:
        return f"joined.{connection.ops.quote_name(JOINED)}"
    # The matched district's coordinates where it has both, else the city's.
    return f"CASE WHEN district.located THEN district.{name} ELSE city.{name} END"


def _export(queryset, own: list[str], names: dict[str, str]) -> tuple[str, list]:
    """The ORM's query of the complaints' own columns, named as the export names them, with
    the keys the places and problem lists are joined on."""
    inner, params = (
        queryset.order_by()
        .values_list(
            *(SOURCES.get(name, name) for name in own),
            *ORDER,
            "problem_id_list",
            "city_place_id",
            "district_place_id",
        )
        .query.sql_with_params()
    )
    as_named = ", ".join(
        [*(names[name] for name in [*own, *ORDER, IDS]), "city_place_id", "district_place_id"]
    )
    return f"({inner}) AS export({as_named})", params


def _places() -> tuple[str, list]:
    """Every place's finished cells (name, state, AGS; the coordinates as text) and whether it
    has both coordinates: a few thousand rows, each made once."""
    table = connection.ops.quote_name(Place._meta.db_table)
    coordinates = ", ".join(
        f"{_COORDINATE.format(_ROUNDED.format(f'p.{axis}'))} AS {axis}"
        for axis in ("latitude", "longitude")
    )
    select = (
        "SELECT p.id, (p.latitude IS NOT NULL AND p.longitude IS NOT NULL) AS located,"  # noqa: S608
        f" {coordinates}, p.name, p.state, p.ags FROM {table} p"
    )
    return _finished(
        select, [], ["id", "located", "latitude", "longitude"], ["name", "state", "ags"]
    )


def _finished(select: str, params: list, kept: list[str], texts: list[str]) -> tuple[str, list]:
    """The rows of select (a few: places, problem lists) with their text columns made safe as
    the rows' free text is: without control characters, guarded, and NULL when empty."""
    cleaned = [f"regexp_replace(coalesce({c}::text, ''), %s, '', 'g') AS {c}" for c in texts]
    guarded, guard_params = [], []
    for column in texts:
        sql, values = sanitize.sql_guarded(column)
        guarded.append(f"nullif({sql}, '') AS {column}")
        guard_params.extend(values)
    sql = (
        f"SELECT {', '.join([*kept, *guarded])} FROM (SELECT {', '.join([*kept, *cleaned])}"  # noqa: S608
        f" FROM ({select}) AS raw OFFSET 0) AS cleaned"
    )
    return sql, [*guard_params, *[sanitize.CONTROL_PATTERN] * len(texts), *params]


def _cleaned(name: str, column: str) -> tuple[str, list]:
    text = "to_char({0}, 'YYYY-MM')" if name == "since" else "{0}::text"
    value = text.format(column)
    if name in FREE_TEXT:
        return sanitize.sql_without_control(value, "dirty")
    return value, []


def _guarded(name: str, column: str) -> tuple[str, list]:
    if name in FREE_TEXT:
        sql, params = sanitize.sql_guarded(column)
        return f"nullif({sql}, '')", params
    return f"nullif({column}, '')", []


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
    select = (
        f"SELECT listed.{ids}, (SELECT string_agg(pt.slug, ';'"  # noqa: S608
        ' ORDER BY pt.position, pt.slug COLLATE "C")'
        f" FROM {problem} pt WHERE pt.id = ANY(string_to_array(listed.{ids}, ';')::bigint[]))"
        f" AS {names[JOINED]} FROM ({distinct}) AS listed({ids})"
    )
    return _finished(select, params, [ids], [names[JOINED]])
