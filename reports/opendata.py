"""The open-data files: the spec's shapes (SPEC.md, /stats/cities.json), suppression applied."""

import csv
import io
import json

from complaints.carrier.sanitize import sanitize_cell
from complaints.models import FollowupAnswer
from complaints.places.selectors import NO_KEYS, PlaceKeys, place_keys

from .selectors import Answers, Evaluation, StatusInfo

# The spec's columns, then the place's latest status (complaints.models.PlaceStatus) and the
# follow-up answers ("has it improved?"): followup_answers is null when too few answered to
# show them, a single answer count is null when it is suppressed.
STATUS_COLUMNS = ["status", "status_date", "status_note"]
ANSWER_COLUMNS = ["followup_answers", *(a.value for a in FollowupAnswer)]
# Where the place is (issue 20), last so that older readers by position keep working: the
# municipality key (AGS, a district has its city's), the GeoNames id, the centroid.
KEY_COLUMNS = ["ags", "geonames_id", "latitude", "longitude"]
CITY_COLUMNS = [
    "city",
    "slug",
    "state",
    "complaints",
    "suppressed",
    "population",
    "per_100k",
    *STATUS_COLUMNS,
    *ANSWER_COLUMNS,
    *KEY_COLUMNS,
]
# The city on every row, so that the files of several cities stack into one table. level:
# "district" for a district, "no_district" for the row of the city's reports without a
# known district (its "district" is empty); the rows add up to the city's total.
DISTRICT_COLUMNS = [
    "city",
    "district",
    "level",
    "complaints",
    "suppressed",
    *STATUS_COLUMNS,
    *ANSWER_COLUMNS,
    *KEY_COLUMNS,
]


def _keys(keys: PlaceKeys, ags: str | None = None) -> dict:
    return {
        "ags": ags or keys.ags,
        "geonames_id": keys.geonames_id,
        "latitude": keys.latitude,
        "longitude": keys.longitude,
    }


def _status(status: StatusInfo | None) -> dict:
    if status is None:
        return dict.fromkeys(STATUS_COLUMNS)
    return {
        "status": status.status,
        "status_date": status.date.isoformat(),
        "status_note": status.note or None,
    }


def _answers(answers: Answers | None) -> dict:
    if answers is None:
        return dict.fromkeys(ANSWER_COLUMNS)
    return {
        "followup_answers": answers.total,
        **{answer: cell.count for answer, cell in answers.cells.items()},
    }


def _release(evaluation: Evaluation) -> dict:
    """Which release the numbers are (reports/releases.py): null before the first, when
    there are no numbers at all (a total of null, not 0)."""
    released = evaluation.released_at
    return {
        "release": evaluation.release_number or None,
        "released_at": released.isoformat() if released else None,
    }


def cities_document(evaluation: Evaluation) -> dict:
    """The cities file; "carrier" on top: the carrier whose reports it counts, null for all."""
    keys = place_keys(row.id for row in evaluation.cities)
    return {
        "carrier": evaluation.carrier,
        "generated_at": evaluation.generated_at.isoformat(),
        **_release(evaluation),
        "min_count": evaluation.min_count,
        "total": evaluation.total if evaluation.released_at else None,
        "cities": [
            {
                "city": row.name,
                "slug": row.slug,
                "state": row.state,
                "complaints": row.complaints,
                "suppressed": row.suppressed,
                "population": row.population,
                "per_100k": row.per_100k,
                **_status(evaluation.statuses.get(row.id)),
                **_answers(_city_answers(evaluation, row)),
                **_keys(keys.get(row.id, NO_KEYS)),
            }
            for row in evaluation.cities
        ],
    }


def districts_document(evaluation: Evaluation, city) -> dict:
    """The city file: the cities file's head with "city" (and its keys) on top; "total" is
    the city's count."""
    detail = evaluation.details.get(city.id)
    shown = detail is not None and not detail.districts_withheld
    keys = place_keys([city.id, *(detail.district_ids.values() if shown else [])])
    city_keys = keys.get(city.id, NO_KEYS)
    return {
        "city": city.name,
        "slug": city.slug,
        **_keys(city_keys),
        "carrier": evaluation.carrier,
        "generated_at": evaluation.generated_at.isoformat(),
        **_release(evaluation),
        "min_count": evaluation.min_count,
        "total": city.complaints,
        **_status(evaluation.statuses.get(city.id)),
        **_answers(_city_answers(evaluation, city)),
        "districts": _district_rows(evaluation, city, keys) if shown else [],
    }


def _district_rows(evaluation: Evaluation, city, keys: dict[int, PlaceKeys]) -> list[dict]:
    detail = evaluation.details[city.id]
    city_ags = keys.get(city.id, NO_KEYS).ags
    rows = [
        {
            "city": city.name,
            "district": name,
            "level": "district",
            "complaints": cell.count,
            "suppressed": cell.suppressed,
            **_status(evaluation.statuses.get(detail.district_ids[name])),
            **_answers(detail.district_answers.get(name)),
            **_keys(keys.get(detail.district_ids[name], NO_KEYS), city_ags),
        }
        for name, cell in detail.districts
    ]
    if detail.no_district is not None:
        # Reports without a (known) district: the rows then add up to the total. No place,
        # so no GeoNames id and no centroid; the AGS is the city's.
        rows.append(
            {
                "city": city.name,
                "district": None,
                "level": "no_district",
                "complaints": detail.no_district.count,
                "suppressed": detail.no_district.suppressed,
                **_status(None),
                **_answers(None),
                **_keys(NO_KEYS, city_ags),
            }
        )
    return rows


def _city_answers(evaluation: Evaluation, city) -> Answers | None:
    detail = evaluation.details.get(city.id)
    return detail.answers if detail is not None else None


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
