"""The open-data files: the spec's shapes (SPEC.md, /stats/cities.json), suppression applied."""

import csv
import io
import json

from complaints.sanitize import sanitize_cell

from .selectors import Evaluation

CITY_COLUMNS = ["city", "slug", "state", "complaints", "suppressed", "population", "per_100k"]
DISTRICT_COLUMNS = ["district", "complaints", "suppressed"]


def cities_document(evaluation: Evaluation) -> dict:
    return {
        "generated_at": evaluation.generated_at.isoformat(),
        "min_count": evaluation.min_count,
        "total": evaluation.total,
        "cities": [
            {
                "city": row.name,
                "slug": row.slug,
                "state": row.state,
                "complaints": row.complaints,
                "suppressed": row.suppressed,
                "population": row.population,
                "per_100k": row.per_100k,
            }
            for row in evaluation.cities
        ],
    }


def districts_document(evaluation: Evaluation, city) -> dict:
    """The city file: the cities file's head with "city" on top; "total" is the city's count."""
    detail = evaluation.details.get(city.id)
    rows = []
    if detail is not None and not detail.districts_withheld:
        rows = [
            {"district": name, "complaints": cell.count, "suppressed": cell.suppressed}
            for name, cell in detail.districts
        ]
        if detail.no_district is not None:
            # Reports without a (known) district: the rows then add up to the total.
            rows.append(
                {
                    "district": None,
                    "complaints": detail.no_district.count,
                    "suppressed": detail.no_district.suppressed,
                }
            )
    return {
        "city": city.name,
        "generated_at": evaluation.generated_at.isoformat(),
        "min_count": evaluation.min_count,
        "total": city.complaints,
        "districts": rows,
    }


def to_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def to_csv(rows: list[dict], columns: list[str]) -> bytes:
    """RFC 4180 CSV, UTF-8; null as an empty cell, booleans as true/false."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue().encode()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return sanitize_cell(value)
