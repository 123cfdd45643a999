"""The carriers' statements as open data: /stats/statements.json and /stats/statements.csv,
one row per published statement and one per opened place still waiting for an answer.
?carrier=<slug> keeps one carrier's; an unknown slug is a 404."""

import csv
import datetime
import io
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils import timezone

from complaints import responses
from complaints.carrier import public
from complaints.carrier.sanitize import sanitize_cell

COLUMNS = [
    "carrier",
    "carrier_name",
    "place",
    "city",
    "kind",
    "status",
    "due_date",
    "overdue",
    "disputed",
    "opened_at",
    "published_at",
    "text",
]
# The status of a row for an opened place without a published statement.
WAITING = "waiting"
MAX_AGE = 300


def _carrier(request) -> str | None:
    """The carrier asked for, None for all; several different ones or an unknown one: 404."""
    values = {value for value in request.GET.getlist("carrier") if value}
    if not values:
        return None
    slug = values.pop()
    if values or slug not in settings.EINZELFALL_CARRIERS:
        raise Http404
    return slug


def rows(carrier: str | None) -> list[dict]:
    found = []
    for case in public.all_cases(carrier):
        base = {
            "carrier": case.carrier,
            "carrier_name": case.carrier_name,
            "place": case.place_name,
            "city": case.city_name,
            "kind": case.place_kind,
            "opened_at": case.opened_at,
        }
        if case.waiting:
            found.append({**base, **_waiting(case)})
        for index, statement in enumerate(case.statements):
            # Overdue and disputed are of the place's current status: its latest statement.
            latest = index == 0
            found.append(
                {
                    **base,
                    "status": statement.status,
                    "due_date": statement.due_date,
                    "overdue": latest and case.overdue,
                    "disputed": latest and case.disputed,
                    "published_at": statement.published_at,
                    "text": statement.text,
                }
            )
    return found


def _waiting(case: public.PublicCase) -> dict:
    return {
        "status": WAITING,
        "due_date": None,
        "overdue": False,
        "disputed": False,
        "published_at": None,
        "text": "",
    }


def _respond(request, body: bytes, content_type: str, filename: str, found: list[dict]):
    # The ETag follows the rows, not generated_at; the name salts it (JSON and CSV, carriers).
    return responses.data_file(
        request,
        body,
        content_type,
        filename,
        same_as=json.dumps(found, cls=DjangoJSONEncoder).encode(),
        salt=filename,
        last_modified=_last_modified(found),
        max_age=MAX_AGE,
    )


def _last_modified(found: list[dict]):
    """The newest statement or opened place; an overdue commitment changes the file when its
    day has passed (a 304 too few at worst, never one too many)."""
    moments = [row["published_at"] or row["opened_at"] for row in found]
    moments += [
        timezone.make_aware(datetime.datetime.combine(row["due_date"], datetime.time.max))
        for row in found
        if row["overdue"] and row["due_date"]
    ]
    return min(max(moments), timezone.now()) if moments else None


def _filename(carrier: str | None, extension: str) -> str:
    return f"statements-{carrier}.{extension}" if carrier else f"statements.{extension}"


@responses.data_endpoint
def statements_json(request):
    carrier = _carrier(request)
    found = rows(carrier)
    document = {
        "carrier": carrier,
        "generated_at": timezone.now(),
        "columns": COLUMNS,
        "statements": found,
    }
    body = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    return _respond(request, body.encode(), "application/json", _filename(carrier, "json"), found)


@responses.data_endpoint
def statements_csv(request):
    carrier = _carrier(request)
    found = rows(carrier)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in found:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
    body = out.getvalue().encode()
    return _respond(request, body, "text/csv; charset=utf-8", _filename(carrier, "csv"), found)


def _cell(value):
    """Null as an empty cell, booleans as true/false, dates in ISO 8601; text guarded
    against spreadsheet formulas (the carrier files' sanitizer)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return sanitize_cell(value)
