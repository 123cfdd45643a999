"""Limits on what comes in: text that is not UTF-8 or holds a NUL character is a clear error in
the form, never silently changed; addresses with bytes that are not UTF-8 are no 500."""

import csv
import io
import time
import urllib.parse
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from complaints.campaign import followups
from complaints.models import DESCRIPTION_REDACTED_MAX_LENGTH, Complaint, Status

from .factories import ComplaintFactory, UserFactory
from .helpers import field_errors
from .test_exports import export_command
from .test_imports import CSV_FORMAT, XLSX_FORMAT, upload
from .test_manual_redaction import change_form

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


# -- imports: absurd shapes refused at once --------------------------------------------------


def refused(client, content: bytes, fmt=CSV_FORMAT, name="alt.csv") -> list[str]:
    """The upload's errors (the import form's), checking that nothing was stored."""
    client.cookies["django_language"] = "en"
    response = upload(client, content, fmt, name)
    assert response.status_code == 200
    assert not response.context.get("confirm_form")
    assert not Complaint.objects.exists()
    return response.context["form"].errors.get("import_file", [])


def test_a_file_of_a_million_columns_is_refused_at_once(organizer_client):
    header = ",".join(["city", "problems", *(f"c{i}" for i in range(999_998))])
    content = f"{header}\nHamburg,sms{',' * 999_998}\n".encode()
    started = time.perf_counter()
    errors = refused(organizer_client, content)
    seconds = time.perf_counter() - started
    print(f"a million columns ({len(content):,} bytes) refused in {seconds:.2f} s")
    assert errors == [
        "The first line of the file (its column names) is longer than 10,000 characters: it "
        "is not a file of complaints. Nothing was imported."
    ]


def test_a_row_of_a_million_cells_is_refused_at_once(organizer_client):
    content = b"city,problems\nHamburg,sms\n" + b"Berlin" + b",sms" * 999_999 + b"\n"
    started = time.perf_counter()
    errors = refused(organizer_client, content)
    print(f"a row of a million cells refused in {time.perf_counter() - started:.2f} s")
    assert errors == [
        "Line 3 of the file has 1,000,000 columns; a file of complaints has at most 100. "
        "Nothing was imported."
    ]


def test_a_header_of_more_than_a_hundred_columns_is_refused(organizer_client):
    header = ",".join(["city", "problems", *(f"c{i}" for i in range(99))])
    errors = refused(organizer_client, f"{header}\nHamburg,sms\n".encode())
    assert errors == [
        "Line 1 of the file has 101 columns; a file of complaints has at most 100. "
        "Nothing was imported."
    ]


@pytest.fixture
def csv_limit_as_in_production():
    """Python's default csv field limit: frictionless, which other tests read files with,
    raises this process-wide limit when it parses a CSV; the site never imports it."""
    before = csv.field_size_limit(131072)
    yield
    csv.field_size_limit(before)


@pytest.mark.parametrize(
    ("length", "error"),
    [
        (
            20_000,
            "Line 2 of the file has a cell of more than 10,000 characters (perhaps a quotation "
            "mark that is never closed). Nothing was imported.",
        ),
        (
            200_000,
            "Line 2 of the file cannot be read as CSV (field larger than field limit (131072)). "
            "Nothing was imported.",
        ),
    ],
)
def test_a_giant_cell_is_refused(organizer_client, length, error, csv_limit_as_in_production):
    content = f'city,problems,description\nHamburg,sms,"{"x" * length}"\n'.encode()
    assert refused(organizer_client, content) == [error]


def test_more_rows_than_the_limit_are_refused(organizer_client, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = "".join(f"Hamburg,sms,Zeile {n}\n" for n in range(4))
    assert refused(organizer_client, f"city,problems,description\n{rows}".encode()) == [
        "The file has more than 3 rows. Please split it into files of at most 3 rows. "
        "Nothing was imported."
    ]
    three = rows[: rows.rindex("Hamburg")]
    preview = upload(organizer_client, f"city,problems,description\n{three}".encode())
    assert preview.context["confirm_form"]  # three rows: fine


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_spreadsheet_of_absurd_shape_is_refused(organizer_client, settings):
    wide = xlsx([["city", "problems", *(f"c{i}" for i in range(200))], ["Hamburg", "sms"]])
    assert refused(organizer_client, wide, XLSX_FORMAT, "alt.xlsx") == [
        "Line 1 of the file has 202 columns; a file of complaints has at most 100. "
        "Nothing was imported."
    ]
    settings.IMPORT_MAX_ROWS = 2
    long = xlsx([["city", "problems"], *[["Hamburg", "sms"]] * 3])
    assert refused(organizer_client, long, XLSX_FORMAT, "alt.xlsx") == [
        "The file has more than 2 rows. Please split it into files of at most 2 rows. "
        "Nothing was imported."
    ]
    fine = xlsx([["city", "problems"], *[["Hamburg", "sms"]] * 2])
    assert upload(organizer_client, fine, XLSX_FORMAT, "alt.xlsx").context["confirm_form"]


def test_a_spreadsheet_that_is_a_zip_bomb_is_refused_at_once(organizer_client):
    # A 46 KB file whose shared strings unpack to 17 MB: a million strings that openpyxl
    # read for 11 seconds before the first row was checked.
    source = zipfile.ZipFile(io.BytesIO(xlsx([["city", "problems"], ["Hamburg", "sms"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            bomb.writestr(name, data)
        strings = b"<si><t>a</t></si>" * 1_000_000
        bomb.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + strings
            + b"</sst>",
        )
    started = time.perf_counter()
    errors = refused(organizer_client, buffer.getvalue(), XLSX_FORMAT, "alt.xlsx")
    assert time.perf_counter() - started < 5
    assert errors == [
        "The spreadsheet is compressed far more than any table of complaints (a part of it "
        "unpacks to 17,000,077 bytes). Please save it again as CSV. Nothing was imported."
    ]


# -- the redacted description: never longer than a carrier's CSV reader takes ---------------

# A moderator's longest text, with what makes CSV quoting work: separators, quotes, line
# breaks, a leading formula character.
LONGEST = ('=Kein Netz; "gar nichts", seit Wochen.\n' * 300)[:DESCRIPTION_REDACTED_MAX_LENGTH]


def test_the_longest_redacted_text_exports_to_csv_that_python_and_pandas_read():
    import pandas

    assert len(LONGEST) == DESCRIPTION_REDACTED_MAX_LENGTH < csv.field_size_limit()
    complaint = ComplaintFactory(status=Status.PUBLISHED, description_redacted=LONGEST)
    for dialect, separator, encoding in [("rfc4180", ",", "utf-8"), ("excel-de", ";", "utf-8-sig")]:
        content = export_command("export_anonymized", "--format", "csv", "--dialect", dialect)
        text = content.decode(encoding)
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=separator))
        assert [row["pseudonym"] for row in rows] == [complaint.pseudonym]
        assert rows[0]["description"] == "'" + LONGEST  # the formula guard's quote
        frame = pandas.read_csv(
            io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, engine="python"
        )
        assert frame["description"].tolist() == ["'" + LONGEST]
        assert pandas.read_csv(io.StringIO(text), sep=separator, dtype=str).shape == (
            1,
            len(rows[0]),
        )


@pytest.fixture
def moderator_english(client):
    user = UserFactory(username="moritz", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_a_moderator_cannot_store_a_redacted_text_over_the_limit(moderator_english):
    complaint = ComplaintFactory(description="Kein Netz", description_redacted="Kein Netz")
    url, data = change_form(moderator_english, complaint)
    too_long = "Kein Netz. " * 20_000  # 220,000 characters: more than csv reads in a field
    response = moderator_english.post(url, {**data, "description_redacted": too_long})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["description_redacted"] == [
        "Ensure this value has at most 10000 characters (it has 219999)."
    ]
    complaint.refresh_from_db()
    assert complaint.description_redacted == "Kein Netz"
    ok = moderator_english.post(url, {**data, "description_redacted": LONGEST})
    assert ok.status_code == 302
    complaint.refresh_from_db()
    assert complaint.description_redacted == LONGEST.strip()


def test_the_database_refuses_a_redacted_text_over_the_limit():
    complaint = ComplaintFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(description_redacted="x" * 10_001)
