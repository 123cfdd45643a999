"""The carrier exports: anonymized rows and suppressed aggregates, streamed in any size.

Both the admin downloads and the management commands use this module, so every path has the
same columns (SPEC.md, "Carrier exports"), the same filters, the same formula sanitizer and the
same writers. Rows come from the database in chunks (a server-side cursor on PostgreSQL) and
leave as bytes in chunks: memory stays flat however many complaints there are.

Only published complaints are exported. What never appears: email, reference, raw place
text, the unredacted description, the moderation note, anything about moderation.
"""

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Aggregate, CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.carrier.sanitize import (
    CONTROL_PATTERN,
    FORMULA_PATTERN,
    SUSPECT_FIRST_ASCII,
    sanitize_row,
)
from complaints.models import Complaint, Place, ProblemType, Status

ANONYMIZED_COLUMNS = [
    "pseudonym",
    "submitted_on",
    "carrier",
    "problems",
    "city",
    "district",
    "postal_code",
    "state",
    "technology",
    "frequency",
    "since",
    "location",
    "description",
]
AGGREGATE_COLUMNS = ["city", "district", "problem", "complaints"]
FORMATS = ["csv", "xlsx", "json"]
DIALECTS = ["rfc4180", "excel-de"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000


@dataclass(frozen=True)
class Filters:
    since: datetime.date | None = None
    until: datetime.date | None = None
    city: str = ""  # a city's slug
    carrier: str = ""  # a carrier's slug

    @classmethod
    def parse(cls, since="", until="", city="", carrier="") -> "Filters":
        """Filters from text (command options, form fields); ValidationError when wrong."""
        errors = {}
        dates = {}
        for name, value in (("since", since), ("until", until)):
            if isinstance(value, datetime.date) or not value:
                dates[name] = value or None
                continue
            try:
                dates[name] = datetime.date.fromisoformat(str(value).strip())
            except ValueError:
                errors[name] = _("Not a date (YYYY-MM-DD): %(value)r") % {"value": value}
        if dates.get("since") and dates.get("until") and dates["since"] > dates["until"]:
            errors["until"] = _("The end date is before the start date.")
        city = (city or "").strip()
        if (
            city
            and not Place.objects.filter(
                slug=city, kind=Place.Kind.CITY, merged_into__isnull=True
            ).exists()
        ):
            errors["city"] = _("No known city with the slug %(value)r") % {"value": city}
        carrier = (carrier or "").strip()
        if carrier and carrier not in settings.EINZELFALL_CARRIERS:
            known = ", ".join(settings.EINZELFALL_CARRIERS)
            errors["carrier"] = _("Unknown carrier %(value)r (known: %(known)s)") % {
                "value": carrier,
                "known": known,
            }
        if errors:
            raise ValidationError(errors)
        return cls(dates.get("since"), dates.get("until"), city, carrier)

    def as_dict(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, datetime.date) else v)
            for k, v in asdict(self).items()
            if v
        }

    def apply(self, queryset, *, city: bool = True):
        """Published complaints within the filters (submission dates in the site's time zone)."""
        queryset = queryset.filter(status=Status.PUBLISHED)
        if self.since or self.until:
            queryset = queryset.annotate(_day=TruncDate("submitted_at", tzinfo=_tz()))
            if self.since:
                queryset = queryset.filter(_day__gte=self.since)
            if self.until:
                queryset = queryset.filter(_day__lte=self.until)
        if self.carrier:
            queryset = queryset.filter(carrier=self.carrier)
        if city and self.city:
            queryset = queryset.filter(city_place__slug=self.city)
        return queryset


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


# -- anonymized rows ---------------------------------------------------------------------------


class _IdList(Aggregate):
    """The values of a group as text, ";"-separated, in no particular order."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ';')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ';')",
            **extra,
        )


def anonymized_rows(filters: Filters) -> Iterator[list]:
    """Every published complaint within the filters, one list per row (ANONYMIZED_COLUMNS).

    One query, read in one snapshot (a transaction) through a server-side cursor on
    PostgreSQL. The database formats dates and lists each complaint's problem ids; Python
    only looks names up in small dictionaries."""
    problems = {p.pk: p for p in ProblemType.objects.all()}
    problem_lists = {}  # "3;1" -> "no-data;sms": few distinct combinations, made once each
    places = _place_names()
    ids = (
        Complaint.problems.through.objects.filter(complaint_id=OuterRef("pk"))
        .order_by()
        .values("complaint_id")
        .annotate(ids=_IdList("problemtype_id"))
        .values("ids")
    )
    queryset = (
        filters.apply(Complaint.objects.all())
        .annotate(
            submitted_on=Cast(TruncDate("submitted_at", tzinfo=_tz()), CharField()),
            since_text=Cast("since", CharField()),
            problem_ids=Subquery(ids),
        )
        .order_by("submitted_at", "id")
        .values_list(
            "pseudonym",
            "submitted_on",
            "carrier",
            "problem_ids",
            "city_place_id",
            "district_place_id",
            "postal_code",
            "technology",
            "frequency",
            "since_text",
            "location",
            "description_redacted",
        )
    )
    no_place = ("", "")
    with transaction.atomic():
        for (
            pseudonym,
            submitted_on,
            carrier,
            problem_ids,
            city_id,
            district_id,
            postal_code,
            technology,
            frequency,
            since,
            location,
            description,
        ) in queryset.iterator(chunk_size=CHUNK):
            slugs = problem_lists.get(problem_ids)
            if slugs is None:
                chosen = sorted(
                    (problems[int(pk)] for pk in (problem_ids or "").split(";") if pk),
                    key=lambda p: (p.position, p.slug),
                )
                slugs = problem_lists[problem_ids] = ";".join(p.slug for p in chosen)
            city = places.get(city_id, no_place)
            yield [
                pseudonym,
                submitted_on,
                carrier,
                slugs,
                city[0],
                places.get(district_id, no_place)[0],
                postal_code,
                city[1],
                technology,
                frequency,
                since[:7] if since else "",
                location,
                description,
            ]


def anonymized_file(
    filters: Filters,
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The anonymized export as a file, in chunks of bytes.

    CSV on PostgreSQL is made by the database itself, as finished CSV lines
    (_pg_csv_lines): anonymization, formula sanitizing and quoting in SQL, Python only passes
    the lines on. Everything else goes through anonymized_rows() and stream(). Both give the
    same bytes (tests/test_exports.py compares them)."""
    if fmt == "csv" and connection.vendor == "postgresql":
        return _pg_csv(filters, dialect, progress)
    return stream(ANONYMIZED_COLUMNS, anonymized_rows(filters), fmt, dialect, progress)


def _pg_csv(filters, dialect, progress) -> Iterator[bytes]:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    delimiter = ";" if dialect == "excel-de" else ","
    header = io.StringIO()
    if dialect == "excel-de":
        header.write("\ufeff")
    csv.writer(header, delimiter=delimiter, lineterminator="\r\n").writerow(ANONYMIZED_COLUMNS)
    yield header.getvalue().encode()
    lines = []
    count = 0
    for line in _pg_csv_lines(filters, delimiter):
        lines.append(line)
        if len(lines) == 1000:
            count += len(lines)
            yield "".join(lines).encode()
            lines = []
            if progress and count % 10_000 == 0:
                progress(count)
    count += len(lines)
    yield "".join(lines).encode()
    if progress:
        progress(count)


# sanitize.sanitize_cell in PostgreSQL's SQL, with sanitize's own patterns as parameters
# (PostgreSQL's regular expressions read them as Python's do): control characters go first
# (_PG_CLEAN; one search per row, _PG_DIRTY, finds the rare rows that have any), then the
# formula check runs on what is left (_PG_SAFE), each in a layer of its own so that each is
# computed once. Then csv.writer's minimal quoting (RFC 4180).
_PG_DIRTY = "(concat({values}) ~ %s)"
_PG_CLEAN = "(CASE WHEN dirty THEN regexp_replace({v}, %s, '', 'g') ELSE {v} END)"
_PG_SAFE = (
    "(CASE WHEN (ascii({v}) IN ({ascii}) OR ascii({v}) > 127) AND {v} ~ %s"
    " THEN '''' || {v} ELSE {v} END)"
).replace("{ascii}", ", ".join(map(str, SUSPECT_FIRST_ASCII)))
_PG_QUOTED = (
    "(CASE WHEN strpos({s}, '{d}') > 0 OR strpos({s}, '\"') > 0 OR strpos({s}, chr(13)) > 0"
    " OR strpos({s}, chr(10)) > 0 THEN '\"' || replace({s}, '\"', '\"\"') || '\"' ELSE {s} END)"
)


def _pg_csv_lines(filters: Filters, delimiter: str) -> Iterator[str]:
    queryset = (
        filters.apply(Complaint.objects.all())
        .annotate(
            submitted_on=Cast(TruncDate("submitted_at", tzinfo=_tz()), CharField()),
            city_name=F("city_place__name"),
            district_name=F("district_place__name"),
            state_name=F("city_place__state"),
        )
        .order_by()
        .values_list(
            "pseudonym",
            "submitted_on",
            "carrier",
            "city_name",
            "district_name",
            "postal_code",
            "state_name",
            "technology",
            "frequency",
            "since",
            "location",
            "description_redacted",
            "submitted_at",
            "id",
        )
    )
    inner, params = queryset.query.sql_with_params()
    if delimiter not in (",", ";"):  # it is written into the SQL
        raise ValueError(f"unknown delimiter {delimiter!r}")
    # Free text (and names an organizer may edit) is sanitized and quoted; the other columns
    # are codes, dates and digits that the model's checks keep free of anything to quote.
    text_columns = {2, 3, 4, 5, 7, 12}
    clean, safe, cells = [], [], []
    for i in range(13):
        value = "coalesce(to_char(c10, 'YYYY-MM'), '')" if i == 10 else f"coalesce(c{i}::text, '')"
        if i in text_columns:
            clean.append(_PG_CLEAN.format(v=value) + f" AS t{i}")
            safe.append(_PG_SAFE.format(v=f"t{i}") + f" AS s{i}")
            cells.append(_PG_QUOTED.format(s=f"s{i}", d=delimiter))
        else:
            clean.append(f"{value} AS t{i}")
            safe.append(f"t{i} AS s{i}")
            cells.append(f"s{i}")
    columns = ", ".join(f"c{i}" for i in range(15) if i != 3)
    quote = connection.ops.quote_name
    through, problem = Complaint.problems.through._meta.db_table, ProblemType._meta.db_table
    # Each complaint's problem slugs (c3), made for all in one pass and joined: much faster
    # than a subquery per row (what COPY of the same columns does too).
    problems = (
        # Slugs in code-point order (COLLATE "C"), as Python sorts them, whatever the
        # database's collation.
        "SELECT cp.complaint_id,"  # noqa: S608
        " string_agg(pt.slug, ';' ORDER BY pt.position, pt.slug COLLATE \"C\") AS c3"
        f" FROM {quote(through)} cp JOIN {quote(problem)} pt ON pt.id = cp.problemtype_id"
        " GROUP BY cp.complaint_id"
    )
    dirty = _PG_DIRTY.format(values=", ".join(f"c{i}" for i in sorted(text_columns)))
    # Only constant text and the ORM's own SQL: every value is a parameter. OFFSET 0 keeps
    # each inner select apart, so each value is checked, cleaned and guarded once, not once
    # per use.
    sql = (
        f"SELECT concat_ws('{delimiter}', {', '.join(cells)}) || chr(13) || chr(10)"  # noqa: S608
        f" FROM (SELECT {', '.join(safe)}, c13, c14"
        f" FROM (SELECT {', '.join(clean)}, c13, c14"
        f" FROM (SELECT export.*, problems.c3, {dirty} AS dirty FROM ({inner}) AS export({columns})"
        f" LEFT JOIN ({problems}) AS problems ON problems.complaint_id = export.c14"
        " OFFSET 0) AS checked OFFSET 0) AS clean OFFSET 0) AS safe ORDER BY c13, c14"
    )
    params = (
        *[FORMULA_PATTERN] * len(text_columns),
        *[CONTROL_PATTERN] * (len(text_columns) + 1),
        *params,
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The planner would compile this long expression to machine code (JIT) at a
            # cost of seconds, for a query that runs in about as long as COPY does.
            cursor.execute("SET LOCAL jit = off")
        with connection.connection.cursor(name="einzelfall_export") as cursor:
            cursor.itersize = CHUNK
            cursor.execute(sql, params)
            for (line,) in cursor:
                yield line


def _place_names() -> dict[int, tuple[str, str]]:
    """Every place's (name, state): a few thousand rows, read once per export."""
    return {
        pk: (name, state) for pk, name, state in Place.objects.values_list("pk", "name", "state")
    }


# -- aggregates -------------------------------------------------------------------------------


AGGREGATE_FILTERS_REFUSED = gettext_lazy(
    "The aggregates are the published evaluation: they cannot be filtered by date or carrier "
    "(comparing filtered and published numbers would give small counts away)."
)


def check_aggregate_filters(filters: Filters) -> None:
    if filters.since or filters.until or filters.carrier:
        raise ValidationError(str(AGGREGATE_FILTERS_REFUSED))


def aggregate_rows(filters: Filters) -> list[list]:
    """(city, district, problem, complaints): exactly the numbers the public evaluation
    publishes, nothing more, so that nothing can be worked out by comparing the two.

    Per shown city: its total (district and problem empty), each district the city page
    lists (problem empty), and its problem mix (district empty). A hidden number has an empty
    complaints column. An earlier version computed district x problem cells with their own
    suppression; together with the city pages' problem mix they gave small counts away.
    Filters by date or carrier are refused for the same reason; a city filter picks rows."""
    check_aggregate_filters(filters)
    from reports.selectors import evaluation

    published = evaluation()
    rows = []
    for city in sorted(published.shown_cities, key=lambda c: c.name):
        if filters.city and city.slug != filters.city:
            continue
        detail = published.details.get(city.id)
        rows.append([city.name, "", "", city.complaints])
        if detail is None:
            continue
        if not detail.districts_withheld:
            for name, cell in sorted(detail.districts):
                rows.append([city.name, name, "", cell.count])
        for problem, cell in detail.problems or []:
            rows.append([city.name, "", problem.slug, cell.count])
    return rows


# -- writers ----------------------------------------------------------------------------------


def stream(
    columns: list[str],
    rows: Iterable[list],
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The rows as a file of the format, in chunks of bytes; every text cell sanitized
    against formula injection (sanitize.sanitize_row)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    writer = {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt]
    return writer(columns, _sanitized(rows, progress), dialect)


def _sanitized(rows, progress) -> Iterator[list]:
    count = 0
    for row in rows:
        yield sanitize_row(row)
        count += 1
        if progress and count % 10_000 == 0:
            progress(count)
    if progress:
        progress(count)


def _csv(columns, rows, dialect) -> Iterator[bytes]:
    buffer = io.StringIO()
    if dialect == "excel-de":
        # German Excel reads ;-separated files, and UTF-8 only with a byte order mark.
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: comma, CRLF, quotes
    writer.writerow(columns)
    for index, row in enumerate(rows, 1):
        writer.writerow(row)
        if index % 1000 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _json(columns, rows, dialect) -> Iterator[bytes]:
    yield b"["
    separator = b"\n"
    for row in rows:
        yield (
            separator
            + json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False).encode()
        )
        separator = b",\n"
    yield b"\n]\n"


def _xlsx(columns, rows, dialect) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    # Write-only mode streams rows to a temporary file instead of keeping cells in memory.
    # The rows come sanitized (_sanitized): no control character XML refuses, no formula.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(columns)
    error_codes = frozenset(ERROR_CODES)

    def text_cell(value):
        # openpyxl would write a text such as "#N/A" as an error cell, not as the text.
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell

    for row in rows:
        sheet.append([text_cell(v) if v in error_codes else v for v in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(64 * 1024):
            yield chunk


def filename(kind: str, fmt: str, filters: Filters) -> str:
    parts = ["einzelfall", kind, *(str(v) for v in filters.as_dict().values())]
    stamp = datetime.date.today().isoformat()
    return "-".join([*parts, stamp]) + f".{fmt}"
