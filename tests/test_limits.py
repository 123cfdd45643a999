"""Limits on what comes in: text that is not UTF-8 or holds a NUL character is a clear error in
the form, never silently changed; addresses with bytes that are not UTF-8 are no 500."""

import urllib.parse

import pytest

from complaints import followups
from complaints.models import Complaint

from .factories import ComplaintFactory
from .helpers import field_errors

pytestmark = pytest.mark.django_db

ENCODING_ERROR = (
    "This text contains characters that could not be read (it was not sent as UTF-8, or "
    "contains “\ufffd”). Please type it again."
)
NUL_ERROR = (
    "This text contains a null character (an invisible control character). Please type it again."
)


def urlencoded(report: dict, field: str, raw: str) -> str:
    """The report as a browser would post it, with one field's value as raw %-escapes."""
    pairs = [
        (key, value)
        for key, values in report.items()
        if key != field
        for value in (values if isinstance(values, list) else [values])
    ]
    return urllib.parse.urlencode(pairs) + f"&{field}={raw}"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("city", "M%FCnchen"),  # München in Latin-1
        ("district", "Sch%F6neberg"),
        ("description", "Gr%FC%DFe%2C+kein+Netz"),
        ("postal_code", "8033%FF"),
        ("email", "k%E4i%40example.org"),
    ],
)
def test_a_field_sent_in_latin1_is_an_error_next_to_it(english, valid_report, field, raw):
    body = urlencoded(valid_report, field, raw)
    response = english.post("/report/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == [ENCODING_ERROR]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("field", ["city", "district", "description", "postal_code", "email"])
def test_a_nul_character_in_a_field_is_an_error_next_to_it(english, valid_report, field):
    value = {"email": "kai\x00@example.org", "postal_code": "22\x00765"}.get(field, "Ham\x00burg")
    response = english.post("/report/", {**valid_report, field: value})
    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == [NUL_ERROR]
    assert not Complaint.objects.exists()


def test_a_multipart_form_with_bytes_that_are_not_utf8_is_an_error(english, valid_report):
    boundary = "einzelfall-boundary"
    parts = []
    for key, values in {**valid_report, "city": "M\udcfcnchen"}.items():
        for value in values if isinstance(values, list) else [values]:
            data = value.encode("utf-8", "surrogateescape")  # München with a Latin-1 ü
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = english.post(
        "/report/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "city") == [ENCODING_ERROR]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("raw", ["Gr%FC%DFe", "Gr%00%C3%BC%C3%9Fe"])
def test_a_followup_comment_that_cannot_be_read_is_an_error(english, raw):
    complaint = ComplaintFactory(email="kai@example.org", followup_consent=True)
    path = f"/report/followup/{followups.token(complaint, followups.ANSWER)}/"
    body = f"answer=improved&comment={raw}"
    response = english.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "comment") in ([ENCODING_ERROR], [NUL_ERROR])
    complaint.refresh_from_db()
    assert complaint.followup_answer == "" and complaint.followup_comment == ""


@pytest.mark.parametrize(
    "path",
    [
        "/report/thanks/%FF%FEabcdefghijklmnopqrstuv/",
        "/report/confirm/%FFabcdefghijkl/",
        "/stats/%FF%FE/",
        "/stats/M%FCnchen/districts.json",
        "/%FF/",
        "/?x=%FF",
        "/report/?city=%FF%00",
        "/places/suggest/?q=M%FCnchen&city=%FF",
        "/stats/cities.html?q=M%FCnchen",
        "/stats/cities.json?carrier=%FF",
    ],
)
def test_an_address_with_bytes_that_are_not_utf8_is_no_server_error(client, path):
    assert client.get(path).status_code < 500
