"""Open311 GeoReport v2 documents in JSON and XML: service requests, services, discovery and
the error list ([{"code", "description"}]).

XML is written by xml.etree (escaped by it) after the characters XML 1.0 cannot carry are
removed: a redacted description may hold any Unicode, and the export's guard removes control
characters but not, say, U+FFFE or a lone surrogate.
"""

import datetime
import json
import re
import xml.etree.ElementTree as ET

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.carrier.open311.requests import Request
from complaints.models import PlaceStatus, ProblemType, carrier_name

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The child element of each list in XML.
_ITEM = {
    "service_requests": "request",
    "services": "service",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "problems": "problem",
    "withdrawn": "request",
}
CONTENT_TYPES = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
# The export's columns that go into extended_attributes as they are.
EXTENDED = (
    "carrier",
    "problems",
    "city",
    "district",
    "state",
    "technology",
    "frequency",
    "since",
    "location",
    "ags",
)


def midnight(day: str) -> str:
    """The submission day as requested_datetime: its midnight in the site's time zone (the
    export has the day only, and the API gives no more than the export)."""
    moment = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time())
    return timezone.make_aware(moment).isoformat()


def w3c(moment: datetime.datetime) -> str:
    """A change's DAY (its midnight in the site's time zone): the time of day of a
    publication would narrow down when the customer reported, which the export hides."""
    return midnight(timezone.localtime(moment).date().isoformat())


def status_notes(request: Request) -> str:
    if not request.case_status:
        return ""
    label = str(PlaceStatus.Kind(request.case_status).label)
    if request.disputed:
        return _("%(status)s; disputed by reports since") % {"status": label}
    return label


def service_request(request: Request, names: dict[str, str]) -> dict:
    """One report as a GeoReport v2 service request (extension fields in
    extended_attributes)."""
    row = request.row
    problems = [slug for slug in row["problems"].split(";") if slug]
    first = problems[0] if problems else ""
    address = ", ".join(part for part in (row["district"], row["city"]) if part)
    latitude, longitude = request.coordinates
    extended = {name: row.get(name, "") for name in EXTENDED if name in row}
    extended["problems"] = problems
    extended["carrier_name"] = carrier_name(row["carrier"])
    return {
        "service_request_id": row["pseudonym"],
        "status": request.status,
        "status_notes": status_notes(request),
        "service_name": names.get(first, first),
        "service_code": first,
        "description": row["description"],
        "agency_responsible": carrier_name(row["carrier"]),
        "service_notice": "",
        "requested_datetime": midnight(row["submitted_on"]),
        "updated_datetime": w3c(request.updated),
        "expected_datetime": None,
        "address": address,
        "address_id": None,
        "zipcode": row["postal_code"],
        "lat": latitude,
        "long": longitude,
        "media_url": "",
        "extended_attributes": extended,
    }


def service_names() -> dict[str, str]:
    return {problem.slug: problem.name for problem in ProblemType.objects.all()}


def services() -> list[dict]:
    """Every problem type as an Open311 service (inactive ones too: old reports name them)."""
    return [
        {
            "service_code": problem.slug,
            "service_name": problem.name,
            "description": problem.name,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": _("mobile network"),
        }
        for problem in ProblemType.objects.order_by("position", "slug")
    ]


def errors(code: int, messages: list[str]) -> list[dict]:
    return [{"code": code, "description": message} for message in messages]


def document(root: str, data, fmt: str) -> bytes:
    """data as JSON, or as XML under the root element."""
    if fmt == "json":
        # "replace": a lone surrogate (SQLite can hold one) must not end in a 500.
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8", "replace")
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, data) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _fill(ET.SubElement(element, key), value)
    elif isinstance(data, list):
        child = _ITEM.get(element.tag, "item")
        for value in data:
            _fill(ET.SubElement(element, child), value)
    elif data is None:
        return
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    else:
        element.text = _NOT_XML.sub("", str(data))
