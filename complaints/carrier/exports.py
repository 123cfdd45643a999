"""The carrier exports: anonymized rows and suppressed aggregates, streamed in any size.

The admin downloads and the management commands both come here, so every path has the same
columns (SPEC.md, "Carrier exports"), filters, formula guard and writers. Rows are read in
chunks (a server-side cursor on PostgreSQL) and leave as bytes in chunks: memory stays flat.

Only published complaints are exported. What never appears: email, reference, raw place
text, the unredacted description, the moderation note, anything about moderation.
"""

import datetime
import decimal
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.carrier import pg_csv
from complaints.carrier.formats import CHUNK, stream
from complaints.models import Complaint, ExportLog, Place, ProblemType, Status
from complaints.places.selectors import NO_KEYS, place_keys

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
    # The place's keys (issue 20): the city's AGS; the matched district's centroid, else the
    # city's; never anything the person gave. Coordinates: see coordinate().
    "ags",
    "latitude",
    "longitude",
]
# level says what a row counts (docs/place-keys.md): "city" a city's total, "district" one
# of its districts, "no_district" its reports without a known district, "problem" one
# problem type in the city. suppressed: the count is hidden (empty) to protect individuals.
AGGREGATE_COLUMNS = ["city", "district", "problem", "complaints", "level", "suppressed", "ags"]
LEVELS = ["city", "district", "no_district", "problem"]
# Coordinates leave with 5 decimals (about 1 m): a centroid needs no more, and both export
# paths round the same way (pg_csv._places).
COORDINATE_QUANTUM = decimal.Decimal("0.00001")


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
            dates[name], errors[name] = _parse_date(value)
        if dates["since"] and dates["until"] and dates["since"] > dates["until"]:
            errors["until"] = _("The end date is before the start date.")
        city, errors["city"] = _parse_city(city)
        carrier, errors["carrier"] = _parse_carrier(carrier)
        errors = {name: message for name, message in errors.items() if message}
        if errors:
            raise ValidationError(errors)
        return cls(dates["since"], dates["until"], city, carrier)

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
            tz = timezone.get_default_timezone()
            queryset = queryset.annotate(_day=TruncDate("submitted_at", tzinfo=tz))
            if self.since:
                queryset = queryset.filter(_day__gte=self.since)
            if self.until:
                queryset = queryset.filter(_day__lte=self.until)
        if self.carrier:
            queryset = queryset.filter(carrier=self.carrier)
        if city and self.city:
            queryset = queryset.filter(city_place__slug=self.city)
        return queryset


# Each parser gives (the value, what is wrong with it or "").


def _parse_date(value) -> tuple[datetime.date | None, str]:
    if isinstance(value, datetime.date) or not value:
        return value or None, ""
    try:
        return datetime.date.fromisoformat(str(value).strip()), ""
    except ValueError:
        return None, _("Not a date (YYYY-MM-DD): %(value)r") % {"value": value}


def _parse_city(value) -> tuple[str, str]:
    city = (value or "").strip()
    cities = Place.objects.filter(kind=Place.Kind.CITY, merged_into__isnull=True)
    if city and not cities.filter(slug=city).exists():
        return city, _("No known city with the slug %(value)r") % {"value": city}
    return city, ""


def _parse_carrier(value) -> tuple[str, str]:
    carrier = (value or "").strip()
    if carrier and carrier not in settings.EINZELFALL_CARRIERS:
        known = ", ".join(settings.EINZELFALL_CARRIERS)
        message = _("Unknown carrier %(value)r (known: %(known)s)")
        return carrier, message % {"value": carrier, "known": known}
    return carrier, ""


def check_filters(kind: str, filters: Filters) -> None:
    """ValidationError when the filters do not apply to this kind of export."""
    if kind == ExportLog.Kind.AGGREGATES:
        check_aggregate_filters(filters)


def export_file(
    kind: str,
    filters: Filters,
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The export of this kind (ExportLog.Kind) as a file, in chunks of bytes."""
    if kind == ExportLog.Kind.ANONYMIZED:
        return anonymized_file(filters, fmt, dialect, progress)
    return stream(AGGREGATE_COLUMNS, aggregate_rows(filters), fmt, dialect, progress, located=True)


def filename(kind: str, fmt: str, filters: Filters) -> str:
    parts = ["einzelfall", kind, *(str(v) for v in filters.as_dict().values())]
    stamp = datetime.date.today().isoformat()
    return "-".join([*parts, stamp]) + f".{fmt}"


# -- anonymized rows ---------------------------------------------------------------------------


def anonymized_file(
    filters: Filters,
    fmt: str,
    dialect: str = "rfc4180",
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The anonymized export as a file, in chunks of bytes.

    CSV on PostgreSQL is written by the database itself (pg_csv), everything else by
    anonymized_rows() and stream(): the same bytes (tests/test_formula_injection.py)."""
    if fmt == "csv" and connection.vendor == "postgresql":
        return pg_csv.csv_file(published(filters), ANONYMIZED_COLUMNS, dialect, progress)
    return stream(ANONYMIZED_COLUMNS, anonymized_rows(filters), fmt, dialect, progress)


def published(filters: Filters):
    """The published complaints within the filters, with their submission day as text."""
    day = TruncDate("submitted_at", tzinfo=timezone.get_default_timezone())
    return filters.apply(Complaint.objects.all()).annotate(submitted_on=Cast(day, CharField()))


def coordinate(value: float | None) -> float | None:
    """A coordinate rounded to 5 decimals as PostgreSQL rounds it in pg_csv._places: its float
    to numeric conversion keeps 15 significant digits, then rounds half away from zero."""
    if value is None:
        return None
    rounded = decimal.Decimal(f"{value:.15g}").quantize(COORDINATE_QUANTUM, decimal.ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0: no "-0.0"


def anonymized_query(filters: Filters):
    """The rows of anonymized_rows, from the complaint table alone: each complaint keeps its
    problem ids (migration 0026), Python maps them and the place ids to names."""
    return (
        published(filters)
        .annotate(since_text=Cast("since", CharField()))
        .order_by("submitted_at", "id")
        .values_list(
            "pseudonym",
            "submitted_on",
            "carrier",
            "problem_id_list",
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


def anonymized_rows(filters: Filters) -> Iterator[list]:
    """Every published complaint within the filters, one list per row (ANONYMIZED_COLUMNS).

    One query, read in one snapshot (a transaction); the database formats dates and lists
    each complaint's problem ids, Python looks names up in small dictionaries."""
    problems = {p.pk: p for p in ProblemType.objects.all()}
    problem_lists = {}  # "3;1" -> "no-data;sms": few distinct combinations, made once each
    places = _place_names()
    queryset = anonymized_query(filters)
    no_place = ("", "", "", None, None)
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
            district = places.get(district_id, no_place)
            centroid = district if district[3] is not None and district[4] is not None else city
            yield [
                pseudonym,
                submitted_on,
                carrier,
                slugs,
                city[0],
                district[0],
                postal_code,
                city[1],
                technology,
                frequency,
                since[:7] if since else "",
                location,
                description,
                city[2],
                coordinate(centroid[3]),
                coordinate(centroid[4]),
            ]


def _place_names() -> dict[int, tuple]:
    """Every place's (name, state, ags, latitude, longitude): a few thousand rows, read once
    per export."""
    fields = ("name", "state", "ags", "latitude", "longitude")
    return {pk: tuple(rest) for pk, *rest in Place.objects.values_list("pk", *fields)}


# -- aggregates -------------------------------------------------------------------------------


AGGREGATE_FILTERS_REFUSED = gettext_lazy(
    "The aggregates are the published evaluation: they cannot be filtered by date "
    "(comparing filtered and published numbers would give small counts away)."
)


def check_aggregate_filters(filters: Filters) -> None:
    if filters.since or filters.until:
        raise ValidationError(str(AGGREGATE_FILTERS_REFUSED))


def aggregate_rows(filters: Filters) -> list[list]:
    """(city, district, problem, complaints, level, suppressed, ags): exactly the numbers the
    public evaluation publishes, nothing more, so that nothing can be worked out by comparing
    the two.

    Per shown city: its total (level "city"), each district the city page lists ("district")
    and its reports without a known district ("no_district"), which add up to the city's
    total, and its problem mix ("problem"). A hidden number has an empty complaints column
    and suppressed true. A city filter picks rows; a carrier filter picks that carrier's
    published evaluation (/stats/?carrier=); date filters are refused.

    Each row ends with two values past the columns: the latitude and longitude of its place,
    by id, which only the GeoJSON reads (stream(located=True)). As districts.geojson: a city
    and its problem rows at the city, a district at the district (none: no point), the
    no_district row without a point (it is at no place of its own)."""
    check_aggregate_filters(filters)
    published = _published_evaluation(filters.carrier)
    cities = [c for c in published.shown_cities if not filters.city or c.slug == filters.city]
    details = {c.id: published.details.get(c.id) for c in cities}
    districts = [i for d in details.values() if d for i in d.district_ids.values()]
    keys = place_keys([*(c.id for c in cities), *districts])
    rows = []
    for city in sorted(cities, key=lambda c: c.name):
        city_keys = keys.get(city.id, NO_KEYS)
        ags = city_keys.ags or ""
        city_point = [city_keys.latitude, city_keys.longitude]
        rows.append(
            [city.name, "", "", city.complaints, "city", _flag(city.suppressed), ags, *city_point]
        )
        detail = details[city.id]
        for row in _city_cells(detail):
            point = _cell_point(row, detail, keys, city_point)
            rows.append([city.name, *row, ags, *point])
    return rows


def _cell_point(row: list, detail, keys, city_point: list) -> list:
    """The hidden (latitude, longitude) of a city's cell (district, problem, ..., level)."""
    level = row[3]
    if level == "problem":
        return city_point
    if level == "district":
        place = keys.get(detail.district_ids.get(row[0]), NO_KEYS)
        return [place.latitude, place.longitude]
    return [None, None]


def _city_cells(detail) -> list[list]:
    """(district, problem, complaints, level, suppressed) of a city's published cells."""
    if detail is None:
        return []
    cells = []
    if not detail.districts_withheld:
        for name, cell in sorted(detail.districts):
            cells.append([name, "", cell.count, "district", _flag(cell.suppressed)])
        if detail.no_district is not None:
            no_district = detail.no_district
            cells.append(["", "", no_district.count, "no_district", _flag(no_district.suppressed)])
    for problem, cell in detail.problems or []:
        cells.append(["", problem.slug, cell.count, "problem", _flag(cell.suppressed)])
    return cells


def _flag(value: bool) -> str:
    # Text, as the open-data files write it: spreadsheets make a boolean cell a formula
    # (=FALSE()), and CSV readers take "true"/"false" as booleans anyway.
    return "true" if value else "false"


def _published_evaluation(carrier: str):
    """The published evaluation of this carrier ("": every carrier's)."""
    from reports.selectors import evaluation

    # With one carrier there is no evaluation per carrier: the campaign's is that carrier's.
    return (carrier and evaluation(carrier)) or evaluation()
