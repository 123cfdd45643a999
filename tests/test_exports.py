"""The carrier exports: columns, formats and dialects, anonymity, formula safety, filters,
the commands, the admin downloads and the export audit."""

import csv
import datetime
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection  # noqa: F401 (used by a skipif condition)
from openpyxl import load_workbook

from complaints.carrier import exports
from complaints.models import Complaint, ExportLog, Place, Status

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db

DOWNLOADS = "/admin/complaints/complaint/downloads/"
SECRET_MAIL = "hanna.heimlich@example.org"


@pytest.fixture
def reports():
    """Published reports in Hamburg and Berlin, and some that must never be exported."""
    altona = ComplaintFactory.create_batch(
        6,
        city="Hamburg",
        district="Altona",
        status=Status.PUBLISHED,
        problems=["no-data", "sms"],
        postal_code="22765",
        since=datetime.date(2026, 3, 1),
        location="indoor",
        technology="4g",
        description=f"Kein Netz. Schreibt mir: {SECRET_MAIL} oder 0170 1234567",
        email=SECRET_MAIL,
        moderation_note="interne Notiz",
    )
    berlin = ComplaintFactory.create_batch(
        7, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED, problems=["slow-data"]
    )
    for status in (Status.PENDING, Status.REJECTED, Status.SPAM):
        ComplaintFactory(city="Hamburg", status=status, description="nicht exportieren")
    return altona, berlin


def read_csv(content: bytes, dialect="rfc4180"):
    if dialect == "excel-de":
        assert content.startswith("\ufeff".encode())
        text = content.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return list(csv.reader(io.StringIO(content.decode(), newline="")))


def export_command(*args) -> bytes:
    out = io.BytesIO()

    class Stdout:
        buffer = out

    import sys

    saved = sys.stdout
    sys.stdout = Stdout()
    try:
        call_command(*args, "--out", "-", verbosity=0)
    finally:
        sys.stdout = saved
    return out.getvalue()


def test_anonymized_rows_have_the_spec_columns_and_nothing_personal(reports):
    altona, _ = reports
    rows = read_csv(export_command("export_anonymized"))
    assert rows[0] == exports.ANONYMIZED_COLUMNS
    assert len(rows) == 1 + 13  # published only
    by_pseudonym = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    row = by_pseudonym[altona[0].pseudonym]
    assert row == {
        "pseudonym": altona[0].pseudonym,
        "submitted_on": altona[0]
        .submitted_at.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
        .date()
        .isoformat(),
        "carrier": "o2",
        "problems": "no-data;sms",
        "city": "Hamburg",
        "district": "Altona",
        "postal_code": "22765",
        "state": "Hamburg",
        "technology": "4g",
        "frequency": "daily",
        "since": "2026-03",
        "location": "indoor",
        "description": "Kein Netz. Schreibt mir: [entfernt] oder [entfernt]",
        # The city's municipality key; the matched district's centroid.
        "ags": "02000000",
        "latitude": str(exports.coordinate(altona[0].district_place.latitude)),
        "longitude": str(exports.coordinate(altona[0].district_place.longitude)),
    }
    text = export_command("export_anonymized").decode()
    for secret in (SECRET_MAIL, "0170", "interne Notiz", altona[0].reference, "nicht exportieren"):
        assert secret not in text


def test_the_excel_de_dialect_has_semicolons_and_a_bom(reports):
    content = export_command("export_anonymized", "--dialect", "excel-de")
    rows = read_csv(content, "excel-de")
    assert rows[0] == exports.ANONYMIZED_COLUMNS
    assert {row[4] for row in rows[1:]} == {"Hamburg", "Berlin"}
    assert b"\r\n" in content  # CRLF, as Excel and RFC 4180 expect


def test_xlsx_and_json_have_the_same_rows(reports):
    rows = read_csv(export_command("export_anonymized"))
    workbook = load_workbook(io.BytesIO(export_command("export_anonymized", "--format", "xlsx")))

    def as_csv(value):
        # Typed in XLSX and JSON (tests/test_data_files.py): coordinates are numbers, the day
        # a date, nothing None, the problems a list in JSON.
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, list):
            return ";".join(value)
        return "" if value is None else str(value) if isinstance(value, float) else value

    sheet = [
        [as_csv(value) for value in row] for row in workbook.active.iter_rows(values_only=True)
    ]
    assert sheet == rows
    document = json.loads(export_command("export_anonymized", "--format", "json"))
    assert [list(item) for item in document] == [rows[0]] * 13
    assert [[as_csv(v) for v in item.values()] for item in document] == rows[1:]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("fmt", ["csv", "excel-de", "xlsx", "json"])
def test_formula_cells_are_neutralized_in_every_column_and_format(start, fmt):
    columns = ["a", "b", "c"]
    rows = [[f"{start}SUM(1+1)", f"{start}cmd|' /C calc'!A0", 7]]
    dialect = "excel-de" if fmt == "excel-de" else "rfc4180"
    content = b"".join(exports.stream(columns, rows, "csv" if fmt == "excel-de" else fmt, dialect))
    if fmt == "xlsx":
        values = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1]
    elif fmt == "json":
        values = list(json.loads(content)[0].values())
    else:
        values = read_csv(content, dialect)[1]
    if fmt == "xlsx":
        start = start.replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert values[0] == f"'{start}SUM(1+1)" and values[1].startswith(f"'{start}")
    assert str(values[2]) == "7"  # numbers are left alone


def test_a_formula_in_a_description_is_neutralized_end_to_end():
    ComplaintFactory(status=Status.PUBLISHED, description='=HYPERLINK("http://x","klick")')
    ComplaintFactory(status=Status.PUBLISHED, description="-kein Netz")
    rows = read_csv(export_command("export_anonymized"))
    description = exports.ANONYMIZED_COLUMNS.index("description")
    assert {row[description] for row in rows[1:]} == {
        '\'=HYPERLINK("[entfernt]","klick")',
        "'-kein Netz",
    }


def test_filters_by_city_carrier_and_dates(reports):
    rows = read_csv(export_command("export_anonymized", "--city", "berlin"))
    assert {row[4] for row in rows[1:]} == {"Berlin"} and len(rows) == 8
    assert len(read_csv(export_command("export_anonymized", "--carrier", "telekom"))) == 1
    today = datetime.date.today()
    assert (
        len(
            read_csv(
                export_command(
                    "export_anonymized", "--until", str(today - datetime.timedelta(days=2))
                )
            )
        )
        == 1
    )
    assert (
        len(
            read_csv(
                export_command(
                    "export_anonymized", "--since", str(today - datetime.timedelta(days=2))
                )
            )
        )
        == 14
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--since", "24.11.2011", "Kein Datum"),
        ("--city", "atlantis", "Keine bekannte Stadt"),
        ("--carrier", "acme", "Unbekannter Netzbetreiber"),
    ],
)
def test_bad_filters_are_refused_clearly(option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_anonymized", option, value, "--out", "-")
    assert not ExportLog.objects.exists()


def test_the_command_writes_a_file_reports_progress_and_is_audited(reports, tmp_path):
    target = tmp_path / "carrier.csv"
    err = io.StringIO()
    call_command("export_anonymized", "--out", str(target), stderr=err)
    assert len(read_csv(target.read_bytes())) == 14
    assert "13 rows written" in err.getvalue()
    log = ExportLog.objects.get()
    assert (log.via, log.kind, log.format, log.rows, log.completed) == (
        "command",
        "anonymized",
        "csv",
        13,
        True,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_file_the_disk_refuses_at_its_close_is_not_recorded_as_complete(reports):
    # A small export stays in the write buffer until the close: there a full disk says no.
    with pytest.raises(CommandError, match="Cannot write /dev/full"):
        call_command("export_anonymized", "--out", "/dev/full", "--format", "json")
    log = ExportLog.objects.get()
    assert (log.rows, log.completed) == (None, False)


def test_an_export_whose_reader_left_before_the_flush_is_not_complete(reports, monkeypatch):
    class GoneReader(io.BytesIO):
        def flush(self):
            raise BrokenPipeError

    stdout = io.TextIOWrapper(GoneReader())
    monkeypatch.setattr(sys, "stdout", stdout)
    call_command("export_aggregates", "--out", "-")
    log = ExportLog.objects.get()
    assert (log.rows, log.completed) == (None, False)


def test_aggregates_are_exactly_the_published_evaluation(reports, client):
    ComplaintFactory.create_batch(30, city="München", status=Status.PUBLISHED, problems=["other"])
    rows = read_csv(export_command("export_aggregates"))
    assert rows[0] == exports.AGGREGATE_COLUMNS
    cells = {
        (city, district, problem): n
        for city, district, problem, n, level, *_ in rows[1:]
        if level != "no_district"
    }
    # Every listed count is at least 5 or hidden (empty).
    assert all(n == "" or int(n) >= 5 for n in cells.values())
    assert cells[("München", "", "")] == "30" and cells[("München", "", "other")] == "30"
    assert cells[("Berlin", "", "")] == "7" and cells[("Berlin", "Kreuzberg", "")] == "7"
    # The same numbers as the public pages: the city files and the city pages' mixes.
    public = {
        row["city"]: row["complaints"] for row in client.get("/stats/cities.json").json()["cities"]
    }
    assert {row[0]: int(row[3]) for row in rows[1:] if row[4] == "city"} == public
    only_berlin = read_csv(export_command("export_aggregates", "--city", "berlin"))
    assert {row[0] for row in only_berlin[1:]} == {"Berlin"}


@pytest.mark.parametrize("option", [("--since", "2026-01-01"), ("--until", "2026-12-31")])
def test_aggregates_cannot_be_filtered_by_date(reports, option):
    # Filtered aggregates next to the published ones would give small counts away by difference.
    # (By carrier they are the carrier's published evaluation: tests/test_carrier_accounts.py.)
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match="published evaluation"):
        call_command("export_aggregates", *option, "--out", "-")
    assert not ExportLog.objects.exists()


def test_xlsx_survives_control_characters():
    complaint = ComplaintFactory(status=Status.PUBLISHED)
    Complaint.objects.filter(pk=complaint.pk).update(description_redacted="eins\x0bzwei\x1b")
    workbook = load_workbook(io.BytesIO(export_command("export_anonymized", "--format", "xlsx")))
    description = exports.ANONYMIZED_COLUMNS.index("description")
    assert list(workbook.active.iter_rows(values_only=True))[1][description] == "einszwei"


# -- the admin: downloads, roles, audit -------------------------------------------------------


def user_in(group: str, username: str):
    from django.contrib.auth.models import Group

    from .factories import UserFactory

    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def carrier_client(client):
    from complaints.models import CarrierAccount

    carla = user_in("Carrier", "carla")
    CarrierAccount.objects.create(user=carla, carrier="o2")
    client.force_login(carla)
    return client


@pytest.fixture
def moderator_client(client):
    client.force_login(user_in("Moderator", "moritz"))
    return client


def download(client, **data) -> bytes:
    fields = {"kind": "anonymized", "format": "csv-excel-de", **data}
    response = client.post(DOWNLOADS, fields)
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_an_organizer_downloads_a_carrier_csv_for_one_city(organizer_client, reports):
    index = organizer_client.get("/admin/").content.decode()
    assert DOWNLOADS in index
    rows = read_csv(download(organizer_client, city="hamburg"), "excel-de")
    assert rows[0] == exports.ANONYMIZED_COLUMNS and len(rows) == 7
    assert SECRET_MAIL not in str(rows)
    log = ExportLog.objects.get()
    assert (log.user.username, log.via, log.dialect, log.filters, log.rows, log.completed) == (
        "iris",
        "admin",
        "excel-de",
        {"city": "hamburg"},
        6,
        True,
    )
    audit = organizer_client.get("/admin/complaints/exportlog/").content.decode()
    assert "iris" in audit and "excel-de" in audit


def test_the_downloads_form_says_what_is_wrong(organizer_client, reports):
    response = organizer_client.post(
        DOWNLOADS,
        {
            "kind": "anonymized",
            "format": "csv-rfc4180",
            "since": "2026-11-30",
            "until": "2026-11-01",
        },
    )
    assert response.status_code == 200 and not getattr(response, "streaming", False)
    assert "Das Enddatum liegt vor dem Anfangsdatum." in response.content.decode()
    assert not ExportLog.objects.exists()


def test_a_carrier_user_sees_only_the_downloads(carrier_client, reports):
    altona, _ = reports
    index = carrier_client.get("/admin/")
    assert DOWNLOADS in index.content.decode()
    assert "/admin/complaints/complaint/" + '"' not in index.content.decode()
    for url in (
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{altona[0].pk}/change/",
        f"/admin/complaints/complaint/?q={SECRET_MAIL}",
        "/admin/complaints/place/",
        "/admin/complaints/exportlog/",
        "/admin/auth/user/",
        "/admin/complaints/complaint/import/",
    ):
        assert carrier_client.get(url).status_code == 403, url
    # There is no in-memory "raw" export of the complaint table at all.
    raw = carrier_client.get("/admin/complaints/complaint/export/", follow=True)
    assert raw.status_code in (403, 404)
    rows = read_csv(download(carrier_client, format="csv-rfc4180"))
    assert len(rows) == 14 and SECRET_MAIL not in str(rows)
    aggregates = read_csv(download(carrier_client, kind="aggregates", format="csv-rfc4180"))
    assert aggregates[0] == exports.AGGREGATE_COLUMNS


def test_a_moderator_moderates_without_personal_data(moderator_client, reports):
    altona, _ = reports
    complaint = altona[0]
    page = moderator_client.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET_MAIL not in html and complaint.reference not in html
    assert "[entfernt]" in html  # the redacted description, to check and correct
    # Search and lookups on personal data find nothing or are refused.
    found = moderator_client.get(
        "/admin/complaints/complaint/", {"q": SECRET_MAIL, "status": "all"}
    )
    assert found.status_code == 200 and not found.context["cl"].result_list
    assert (
        moderator_client.get(
            "/admin/complaints/complaint/", {"email__startswith": "hanna"}
        ).status_code
        == 400
    )
    assert moderator_client.get(DOWNLOADS).status_code == 403
    assert moderator_client.get("/admin/complaints/exportlog/").status_code == 403


def test_editing_the_description_redacts_it_again(organizer_client):
    complaint = ComplaintFactory(description="alles gut")
    page = organizer_client.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.update(
        problems=[p.pk for p in complaint.problems.all()],
        description="Ruf an: 0151 23456789",
        description_redacted="alles gut",
        since="",
        city_place=complaint.city_place_id or "",
        district_place=complaint.district_place_id or "",
    )
    response = organizer_client.post(f"/admin/complaints/complaint/{complaint.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    complaint.refresh_from_db()
    assert complaint.description_redacted == "Ruf an: [entfernt]"


def test_the_roles_exist_with_their_permissions():
    from django.contrib.auth.models import Group

    def codes(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert codes("Carrier") == {"export_complaint", "answer_carriercase"}
    assert {"view_complaint", "change_complaint", "change_place"} <= codes("Moderator")
    assert not {"export_complaint", "import_complaint", "view_personal_data"} & codes("Moderator")
    assert {"export_complaint", "import_complaint", "view_personal_data"} <= codes("Organizer")
    assert "delete_exportlog" not in codes("Organizer")


def test_places_in_the_export_are_the_matched_names():
    ComplaintFactory(status=Status.PUBLISHED, city="hamburg ", district="altona-altstadt")
    ComplaintFactory(status=Status.PUBLISHED, city="Nirgendwo am See 17", district="")
    rows = read_csv(export_command("export_anonymized"))
    cities = sorted(row[4] for row in rows[1:])
    assert cities == ["", "Hamburg"]  # the raw text of an unmatched place is never exported
    assert Place.objects.filter(name="Hamburg").exists()


def test_the_row_sanitizer_applies_the_cell_rule():
    from django.utils.safestring import mark_safe

    from complaints.carrier.sanitize import sanitize_cell, sanitize_row

    values = ["", "=1", "+49", "-", "@x", "\tx", "\rx", "x=1", " =1", 5, -3, None, mark_safe("=1")]
    assert sanitize_row(values) == [sanitize_cell(v) for v in values]
    assert sanitize_row(values)[:7] == ["", "'=1", "'+49", "'-", "'@x", "'\tx", "'\rx"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path is PostgreSQL's")
@pytest.mark.parametrize("dialect", ["rfc4180", "excel-de"])
def test_the_database_made_csv_equals_the_python_made_csv(reports, dialect):
    # PostgreSQL writes the CSV lines itself; they must be the same bytes as Python's.
    tricky = [
        'Er sagte "kein Netz"; dann, nichts',
        "Zeile eins\nZeile zwei\r\nZeile drei",
        "=SUMME(A1)",
        "-minus",
        "@home",
        "\tTab",
        "Grüße aus Köln, ß",
        "",
        # Control characters go before the formula check, in SQL as in Python.
        '\x01=HYPERLINK("http://evil.example";"x")',
        "\x0b\x1b=1+1",
        "ein\x1fs\ufffe",
        "\n=1+1",
        "\r=1",
        " =1+1",
        "\u00a0\u200b-2+3",
        "\uff1d1+1",
        "\ufe6bSUM(A1)",
        "#N/A",
    ]
    for text in tricky:
        complaint = ComplaintFactory(status=Status.PUBLISHED, since=datetime.date(2025, 1, 1))
        # As a moderator's correction: stored as typed, without the redaction's changes.
        Complaint.objects.filter(pk=complaint.pk).update(description_redacted=text)
    ComplaintFactory(status=Status.PUBLISHED, city="Nirgendwo am See", problems=[])
    hostile = Place.objects.create(
        kind=Place.Kind.CITY, name="\x01=1+1", slug="hostile", state="\u200b@SUM(A1)"
    )
    Complaint.objects.filter(pk=ComplaintFactory(status=Status.PUBLISHED).pk).update(
        city_place=hostile
    )
    filters = exports.Filters()
    from_sql = b"".join(exports.anonymized_file(filters, "csv", dialect))
    from_python = b"".join(
        exports.stream(exports.ANONYMIZED_COLUMNS, exports.anonymized_rows(filters), "csv", dialect)
    )
    assert from_sql == from_python
    assert from_sql.count(b"\r\n") >= 1 + 13 + 20
    assert b"\x01" not in from_sql and b"'=1+1" in from_sql and "'\u200b@SUM".encode() in from_sql


@pytest.mark.parametrize("group", ["Carrier", "Moderator"])
def test_the_admin_shortcut_never_leads_to_a_private_link(client, group):
    from django.contrib.contenttypes.models import ContentType

    complaint = ComplaintFactory()
    client.force_login(user_in(group, f"{group}-shortcut"))
    content_type = ContentType.objects.get_for_model(complaint)
    response = client.get(f"/admin/r/{content_type.pk}/{complaint.pk}/")
    assert response.status_code == 404
    assert complaint.reference not in response.get("Location", "")


def test_an_export_is_recorded_at_once_and_complete_only_at_its_end(reports):
    # The one place that records an export, without HTTP or a command.
    from complaints.carrier.services import export_recorded

    seen = []
    chunks = export_recorded(
        kind=ExportLog.Kind.ANONYMIZED,
        fmt="json",
        dialect="rfc4180",
        filters=exports.Filters(city="hamburg"),
        via="command",
        progress=seen.append,
    )
    log = ExportLog.objects.get()
    assert (log.kind, log.format, log.dialect, log.filters, log.rows, log.completed) == (
        "anonymized",
        "json",
        "",
        {"city": "hamburg"},
        None,
        False,
    )
    assert len(json.loads(b"".join(chunks))) == 6
    log.refresh_from_db()
    assert (log.rows, log.completed, seen[-1]) == (6, True, 6)

    broken_off = export_recorded(
        kind=ExportLog.Kind.AGGREGATES,
        fmt="csv",
        dialect="excel-de",
        filters=exports.Filters(),
        via="admin",
    )
    next(broken_off)
    broken_off.close()
    log = ExportLog.objects.latest("pk")
    assert (log.kind, log.dialect, log.user, log.completed) == (
        "aggregates",
        "excel-de",
        None,
        False,
    )


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path is PostgreSQL's")
def test_the_database_made_csv_takes_its_columns_by_name(reports):
    from complaints.carrier import pg_csv

    columns = exports.ANONYMIZED_COLUMNS[::-1]
    filters = exports.Filters()
    from_sql = b"".join(pg_csv.csv_file(exports.published(filters), columns, "rfc4180"))
    rows = (row[::-1] for row in exports.anonymized_rows(filters))
    assert from_sql == b"".join(exports.stream(columns, rows, "csv"))
    assert read_csv(from_sql)[0] == columns


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path is PostgreSQL's")
@pytest.mark.parametrize(
    "latitude, longitude",
    [(10.0, -0.000001), (52.123455, 9.999995), (53.5511, None), (-33.868820000001, 151.2)],
)
def test_both_paths_write_the_same_coordinates(latitude, longitude):
    # The database rounds each coordinate once (pg_csv._places), Python in coordinate().
    from complaints.carrier import pg_csv

    complaint = ComplaintFactory(status=Status.PUBLISHED, city="Hamburg", district="")
    Place.objects.filter(pk=complaint.city_place_id).update(latitude=latitude, longitude=longitude)
    columns, filters = exports.ANONYMIZED_COLUMNS, exports.Filters()
    from_sql = b"".join(pg_csv.csv_file(exports.published(filters), columns, "rfc4180"))
    assert from_sql == b"".join(exports.stream(columns, exports.anonymized_rows(filters), "csv"))
    row = read_csv(from_sql)[1]
    assert row[-2] == str(exports.coordinate(latitude))


def test_the_copy_lines_end_as_csv_writer_ends_them_even_around_a_line_break_in_a_cell():
    """pg_csv reads COPY's lines, each ended by "\\n"; csv.writer ends them by "\\r\\n". A block
    whose only line breaks are the lines' own is changed by one replace; a block with a
    line break inside a quoted cell row by row, the cell left as it is."""
    from complaints.carrier import pg_csv

    assert pg_csv._crlf([b"a,b\n", b"c,d\n"]) == b"a,b\r\nc,d\r\n"
    inside = [b"a,b\n", b'"x\ny",2\n', b'"x\r\ny",3\n']
    assert pg_csv._crlf(inside) == b'a,b\r\n"x\ny",2\r\n"x\r\ny",3\r\n'
    assert pg_csv._crlf([]) == b""


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path is PostgreSQL's")
@pytest.mark.parametrize("dialect", ["rfc4180", "excel-de"])
def test_the_database_quotes_each_cell_as_csv_writer_does(dialect):
    """COPY quotes the cells itself: a delimiter, a quote or a line break in a cell, empty
    cells (NULL, not an empty string COPY would quote), names with both delimiters."""
    from complaints.carrier import pg_csv

    texts = [
        "Kein Netz, gar keins",
        "Kein Netz; nirgends",
        'Das "Netz" fällt aus',
        "Zeile eins\nZeile zwei",
        "Zeile eins\r\nZeile zwei\rdrei",
        "",
        "\\.",
        " Leerzeichen am Rand ",
    ]
    for n, text in enumerate(texts):
        ComplaintFactory(
            status=Status.PUBLISHED,
            city="Hamburg",
            district="",
            description_redacted=text,
            location=["", "indoor"][n % 2],
            postal_code=["", "20095"][n % 2],
        )
    Place.objects.filter(name="Hamburg").update(name='Ham, "burg"; an der Elbe')
    columns, filters = exports.ANONYMIZED_COLUMNS, exports.Filters()
    from_sql = b"".join(pg_csv.csv_file(exports.published(filters), columns, dialect))
    rows = exports.anonymized_rows(filters)
    assert from_sql == b"".join(exports.stream(columns, rows, "csv", dialect))
    descriptions = [row[columns.index("description")] for row in read_csv(from_sql, dialect)[1:]]
    assert sorted(descriptions) == sorted(texts)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path is PostgreSQL's")
def test_the_database_guards_place_names_and_problem_slugs_as_python_does():
    """The place and problem cells are made once per place and per problem list (pg_csv):
    guarded there, without control characters, as the rows' own free text is."""
    from complaints.carrier import pg_csv
    from complaints.models import ProblemType

    complaint = ComplaintFactory(status=Status.PUBLISHED, city="Hamburg", district="Altona")
    hostile = ProblemType.objects.create(
        slug="=cmd|' /C calc'!A0", name_de="x", name_en="x", position=0
    )
    spaced = ProblemType.objects.create(slug="\x07-2+3", name_de="y", name_en="y", position=1)
    complaint.problems.set([hostile, spaced])  # the links' triggers keep its problem ids
    Place.objects.filter(slug="hamburg").update(name="=1+1", state="+49 Hamburg", ags="-1")
    Place.objects.filter(slug="hamburg-altona").update(name="\x01@SUM(A1)")
    columns, filters = exports.ANONYMIZED_COLUMNS, exports.Filters()
    from_sql = b"".join(pg_csv.csv_file(exports.published(filters), columns, "rfc4180"))
    assert from_sql == b"".join(exports.stream(columns, exports.anonymized_rows(filters), "csv"))
    row = dict(zip(columns, read_csv(from_sql)[1], strict=True))
    cells = [row[name] for name in ("problems", "city", "district", "state", "ags")]
    assert all(cell.startswith("'") for cell in cells), cells
    assert "\x01" not in row["district"] and "\x07" not in row["problems"]
