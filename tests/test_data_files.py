"""Typed, documented files, read by the clients an analyst uses: the XLSX in openpyxl and
LibreOffice, the JSON, the carrier's and the site's Data Packages in frictionless and pandas,
the DCAT-AP catalog entry, the excel-de CSV in LibreOffice. Pseudonyms never read as numbers
(the generator, seed_demo and migration 0021).

The files are made once for the module (one world, one LibreOffice run), then read by each
test."""

import csv
import datetime
import io
import json
import subprocess
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from frictionless import Package, validate
from openpyxl import load_workbook

from complaints import models as complaint_models
from complaints.carrier import exports
from complaints.models import Complaint, Status

from .factories import ComplaintFactory, UserFactory
from .helpers import release
from .test_exports import DOWNLOADS, export_command
from .test_formula_injection import soffice

# A pseudonym LibreOffice would read as a number (1.2345678e+1234567: overflow) in a CSV,
# one with a leading zero; Dresden's postal code has one too.
NUMBER_LIKE = "12345678e1234567"
# The mark makes pytest-django create the test database, which the module's fixture uses.
pytestmark = pytest.mark.django_db
LEADING_ZERO = "0123456789abcdef"
DRESDEN_PLZ = "01067"


def _world():
    ComplaintFactory.create_batch(
        6,
        city="Hamburg",
        district="Altona",
        status=Status.PUBLISHED,
        problems=["no-data", "sms"],
        postal_code="22765",
        location="indoor",
    )
    dresden = ComplaintFactory.create_batch(
        5, city="Dresden", district="", status=Status.PUBLISHED, postal_code=DRESDEN_PLZ
    )
    ComplaintFactory.create_batch(5, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED)
    Complaint.objects.filter(pk=dresden[0].pk).update(pseudonym=NUMBER_LIKE)
    Complaint.objects.filter(pk=dresden[1].pk).update(pseudonym=LEADING_ZERO)
    release()


def _site(client, directory: Path) -> dict:
    """The site's package and its files, fetched as a program would; the package also
    rewritten to point at the local copies (frictionless then validates offline)."""
    package = client.get("/stats/datapackage.json").json()
    local = json.loads(json.dumps(package))
    for resource in local["resources"]:
        name = f"{resource['name']}.csv"
        path = resource["path"].split("testserver", 1)[1]
        (directory / name).write_bytes(client.get(path).content)
        resource["path"] = name
    (directory / "datapackage.json").write_text(json.dumps(local))
    return package


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every file of this module, made in one transaction that is then rolled back."""
    root = tmp_path_factory.mktemp("data-files")
    made = {}
    with django_db_blocker.unblock(), transaction.atomic():
        _world()
        for kind, command in (
            ("anonymized", "export_anonymized"),
            ("aggregates", "export_aggregates"),
        ):
            made[f"{kind}.csv"] = export_command(command)
            made[f"{kind}.xlsx"] = export_command(command, "--format", "xlsx")
            made[f"{kind}.json"] = export_command(command, "--format", "json")
            made[f"{kind}-de.csv"] = export_command(command, "--dialect", "excel-de")
            call_command(command, "--format", "datapackage", "--out", str(root / kind), verbosity=0)
        organizer = Client()
        organizer.force_login(UserFactory(username="iris", is_staff=True, is_superuser=True))
        response = organizer.post(DOWNLOADS, {"kind": "anonymized", "format": "json"})
        made["admin.json"] = b"".join(response.streaming_content)
        public = Client()
        (root / "site").mkdir()
        made["site-package"] = _site(public, root / "site")
        made["catalog"] = public.get("/stats/catalog.jsonld")
        made["data-page"] = public.get("/stats/data/")
        made["published"] = list(Complaint.objects.filter(status=Status.PUBLISHED))
        transaction.set_rollback(True)
    made["root"] = root
    made["libreoffice"] = _libreoffice(made, root)
    yield made
    from reports import selectors

    selectors._local = None  # the release read here was rolled back


# The import an analyst is told to choose for the excel-de CSV (data page, docs): separator
# ";", quote '"', UTF-8, from line 1, columns 1, 7, 14 (pseudonym, postal_code, ags) as Text.
TYPED_CSV_FILTER = "CSV:59,34,76,1,1/2/7/2/14/2"
# What a double click does: the same file, every column's type guessed.
GUESSED_CSV_FILTER = "CSV:59,34,76,1"
AS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76"


def _libreoffice(made, root) -> dict[str, list[list[str]]] | None:
    """Both XLSX files as LibreOffice reads them, and the excel-de CSV imported as the docs
    say and as guessed, each saved as CSV (one run per import filter)."""
    program = soffice()
    if program is None:
        return None
    read = {}
    runs = (
        ("xlsx", {"anonymized.xlsx": "anonymized", "aggregates.xlsx": "aggregates"}, None),
        ("typed", {"anonymized-de.csv": "excel-de typed"}, TYPED_CSV_FILTER),
        ("guessed", {"anonymized-de.csv": "excel-de guessed"}, GUESSED_CSV_FILTER),
    )
    for run, names, infilter in runs:
        source, target = root / f"lo-in-{run}", root / f"lo-out-{run}"
        source.mkdir()
        for name in names:
            (source / name).write_bytes(made[name])
        command = [program, f"-env:UserInstallation={(root / 'lo-profile').as_uri()}", "--headless"]
        command += [f"--infilter={infilter}"] if infilter else []
        command += ["--convert-to", AS_CSV, "--outdir", str(target)]
        subprocess.run(
            [*command, *sorted(map(str, source.iterdir()))],
            check=True,
            capture_output=True,
            timeout=180,
        )
        for name, key in names.items():
            text = (target / f"{Path(name).stem}.csv").read_text(encoding="utf-8-sig")
            read[key] = list(csv.reader(io.StringIO(text, newline="")))
    return read


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


# -- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_date_cells_text_codes_a_frozen_header_and_a_filter(files):
    sheet = _sheet(files["anonymized.xlsx"])
    header = [cell.value for cell in sheet[1]]
    assert header == exports.ANONYMIZED_COLUMNS
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 16
    day, code, pseudonym = (header.index(c) for c in ("submitted_on", "postal_code", "pseudonym"))
    assert all(row[day].is_date and row[day].number_format == "yyyy-mm-dd" for row in rows)
    assert {row[code].value for row in rows} == {"22765", DRESDEN_PLZ, None}
    assert all(row[code].data_type == "s" for row in rows if row[code].value)
    assert {NUMBER_LIKE, LEADING_ZERO} <= {row[pseudonym].value for row in rows}
    assert all(row[pseudonym].data_type == "s" for row in rows)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}17"
    aggregates = _sheet(files["aggregates.xlsx"])
    assert aggregates.freeze_panes == "A2" and aggregates.auto_filter.ref.startswith("A1:")


def test_libreoffice_reads_pseudonyms_postal_codes_and_dates_as_written(files):
    if files["libreoffice"] is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    read = files["libreoffice"]["anonymized"]
    expected = list(csv.reader(io.StringIO(files["anonymized.csv"].decode(), newline="")))
    header = expected[0]
    assert read[0] == header
    for column in ("pseudonym", "postal_code", "submitted_on", "ags"):
        index = header.index(column)
        assert [row[index] for row in read[1:]] == [row[index] for row in expected[1:]], column
    assert {NUMBER_LIKE, LEADING_ZERO} <= {row[0] for row in read}
    aggregates = files["libreoffice"]["aggregates"]
    assert aggregates[0] == exports.AGGREGATE_COLUMNS
    assert {row[aggregates[0].index("suppressed")] for row in aggregates[1:]} <= {"TRUE", "FALSE"}


def test_libreoffice_keeps_the_excel_de_csvs_text_columns_with_the_documented_filter(files):
    if files["libreoffice"] is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    expected = list(csv.reader(io.StringIO(files["anonymized.csv"].decode(), newline="")))
    header = expected[0]
    typed = files["libreoffice"]["excel-de typed"]
    assert typed[0] == header
    for column in ("pseudonym", "postal_code", "ags"):
        index = header.index(column)
        assert [row[index] for row in typed[1:]] == [row[index] for row in expected[1:]], column
    assert {NUMBER_LIKE, LEADING_ZERO, DRESDEN_PLZ} <= {cell for row in typed for cell in row}
    # Documentation of the pitfall: opened without the column types, the same file loses the
    # postal code's zero and reads the number-like pseudonym as a number (hence: use XLSX).
    guessed = files["libreoffice"]["excel-de guessed"]
    codes = {row[header.index("postal_code")] for row in guessed[1:]}
    assert DRESDEN_PLZ not in codes and DRESDEN_PLZ.lstrip("0") in codes
    assert NUMBER_LIKE not in {row[0] for row in guessed[1:]}


# -- JSON --------------------------------------------------------------------------------------


def test_json_has_nulls_and_problem_lists_and_the_admin_gives_the_same(files):
    document = json.loads(files["anonymized.json"])
    assert len(document) == 16
    hamburg = [row for row in document if row["city"] == "Hamburg"]
    assert {tuple(row["problems"]) for row in hamburg} == {("no-data", "sms")}
    dresden = [row for row in document if row["city"] == "Dresden"]
    assert {row["district"] for row in dresden} == {None}
    assert {row["location"] for row in dresden} == {None}
    assert "" not in {value for row in document for value in row.values() if isinstance(value, str)}
    assert {row["postal_code"] for row in dresden} == {DRESDEN_PLZ}
    assert all(isinstance(row["latitude"], float) for row in hamburg)
    assert json.loads(files["admin.json"]) == document
    aggregates = json.loads(files["aggregates.json"])
    assert all(isinstance(row["suppressed"], bool) for row in aggregates)
    assert all(
        row["complaints"] is None or isinstance(row["complaints"], int) for row in aggregates
    )


def test_the_csv_stays_as_it_was(files):
    rows = list(csv.reader(io.StringIO(files["anonymized.csv"].decode(), newline="")))
    problems = rows[0].index("problems")
    assert {row[problems] for row in rows[1:] if row[4] == "Hamburg"} == {"no-data;sms"}
    assert {row[5] for row in rows[1:] if row[4] == "Dresden"} == {""}


# -- the carrier's Data Packages ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["anonymized", "aggregates"])
def test_the_carrier_data_package_is_valid(files, kind):
    directory = files["root"] / kind
    report = validate(str(directory / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((directory / "datapackage.json").read_text())
    (resource,) = package["resources"]
    assert (directory / resource["path"]).exists()
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    columns = exports.ANONYMIZED_COLUMNS if kind == "anonymized" else exports.AGGREGATE_COLUMNS
    assert list(fields) == columns
    assert resource["schema"]["missingValues"] == [""]
    assert fields["ags"] == {**fields["ags"], "type": "string"}
    assert fields["ags"]["constraints"]["pattern"] == "^[0-9]{8}$"


def test_pandas_reads_the_carrier_package_with_its_types(files):
    package = Package(str(files["root"] / "anonymized" / "datapackage.json"))
    frame = package.get_resource("anonymized").to_pandas()
    assert len(frame) == 16
    fields = {f["name"]: f for f in package.get_resource("anonymized").schema.to_dict()["fields"]}
    assert fields["postal_code"]["type"] == "string"
    assert fields["postal_code"]["constraints"]["pattern"] == "^[0-9]{5}$"
    assert fields["submitted_on"]["type"] == "date"
    assert (
        "; " not in fields["problems"]["description"] and '";"' in fields["problems"]["description"]
    )
    frame = frame.reset_index()
    assert DRESDEN_PLZ in set(frame["postal_code"])
    assert {NUMBER_LIKE, LEADING_ZERO} <= set(frame["pseudonym"])
    assert frame["latitude"].dtype.kind == "f"
    assert isinstance(frame["submitted_on"].dropna().iloc[0], (datetime.date, datetime.datetime))


# -- the site's Data Package and catalog -------------------------------------------------------


def test_the_site_data_package_is_valid_and_typed(files):
    package = files["site-package"]
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert {"GeoNames (places, coordinates, population)"} <= {
        s["title"] for s in package["sources"]
    }
    assert any("ODbL" in s["licenses"][0]["name"] for s in package["sources"] if "licenses" in s)
    names = [resource["name"] for resource in package["resources"]]
    assert names == ["cities", "statements"]
    assert all(r["path"].startswith("http://testserver/stats/") for r in package["resources"])
    cities = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert cities["complaints"]["type"] == "integer" and cities["suppressed"]["type"] == "boolean"
    assert cities["per_100k"]["type"] == "number" and cities["ags"]["type"] == "string"
    assert package["districtSchema"]["fields"][0]["name"] == "city"
    assert package["districtPath"] == "http://testserver/stats/{slug}/districts.csv"
    report = validate(str(files["root"] / "site" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    frame = (
        Package(str(files["root"] / "site" / "datapackage.json")).get_resource("cities").to_pandas()
    )
    assert set(frame.reset_index()["city"]) == {"Hamburg", "Dresden", "Berlin"}


def test_the_catalog_entry_is_dcat_json_ld(files):
    response = files["catalog"]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = json.loads(response.content)
    assert document["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    graph = {node["@type"]: node for node in document["@graph"]}
    catalog, dataset = graph["dcat:Catalog"], graph["dcat:Dataset"]
    assert catalog["dcat:dataset"] == [{"@id": dataset["@id"]}]
    assert dataset["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert dataset["dct:spatial"]["@id"].endswith("/country/DEU")
    assert dataset["dct:modified"]["@value"]
    assert dataset["dct:publisher"]["@id"] == graph["foaf:Agent"]["@id"]
    media = {
        d["dcat:mediaType"]["@id"].rsplit("/", 2)[-2:][-1] for d in dataset["dcat:distribution"]
    }
    assert {"csv", "json", "geo+json"} <= media
    assert all(
        d["dcat:downloadURL"]["@id"].startswith("http://testserver/stats/")
        for d in dataset["dcat:distribution"]
    )


# -- pseudonyms --------------------------------------------------------------------------------


# Forced draws: digits only, digits with one "e" (both numbers in a spreadsheet), then text.
NUMBER_DRAWS = ["1234567890123456", "12345678e1234567", "e123456789012345"]


def _forced_draws(monkeypatch, *hexes):
    draws = iter(bytes.fromhex(h) for h in hexes)
    monkeypatch.setattr(complaint_models.secrets, "token_bytes", lambda n: next(draws))


def test_a_draw_a_spreadsheet_reads_as_a_number_is_drawn_again(monkeypatch):
    _forced_draws(monkeypatch, *NUMBER_DRAWS, "12345678901234ab")
    assert complaint_models.new_pseudonym() == "12345678901234ab"


def test_seed_demo_draws_its_pseudonyms_by_the_same_rule(monkeypatch):
    from complaints.management.commands import seed_demo

    _forced_draws(monkeypatch, *NUMBER_DRAWS[:2], "0123456789abcdef")
    assert seed_demo.new_pseudonym() == "0123456789abcdef"
    assert seed_demo.new_pseudonym is complaint_models.new_pseudonym
    assert "token_hex" not in Path(seed_demo.__file__).read_text()


def test_the_import_draws_its_pseudonyms_by_the_same_rule(monkeypatch):
    from complaints.carrier.imports import rows

    batch = bytes.fromhex("".join([*NUMBER_DRAWS, "abcdef0123456789"]))
    monkeypatch.setattr(rows.secrets, "token_bytes", lambda n: batch.ljust(n, b"\0"))
    pseudonyms = rows._random_texts(complaint_models.PSEUDONYM_BYTES, rows.pseudonym_text)
    assert next(pseudonyms) == "abcdef0123456789"


@pytest.mark.parametrize("number_like", NUMBER_DRAWS[:2])
def test_migration_0021_redraws_pseudonyms_a_spreadsheet_reads_as_numbers(number_like):
    from django.apps import apps

    digits = ComplaintFactory(status=Status.PUBLISHED)
    other = ComplaintFactory(status=Status.PUBLISHED)
    Complaint.objects.filter(pk=digits.pk).update(pseudonym=number_like)
    migration = import_module("complaints.migrations.0021_place_keys_api_keys")
    migration.redraw_digit_pseudonyms(apps, None)
    digits.refresh_from_db()
    assert not complaint_models.reads_as_number(digits.pseudonym)
    assert len(digits.pseudonym) == 16
    assert Complaint.objects.get(pk=other.pk).pseudonym == other.pseudonym


def test_the_data_page_links_the_new_files(files):
    page = files["data-page"].content.decode()
    for url in ("/stats/cities.geojson", "/stats/datapackage.json", "/stats/catalog.jsonld"):
        assert f'href="{url}"' in page
    assert "districts.geojson" in page and "CC BY 4.0" in page


# -- a file the disk refuses in the middle -----------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_disk_full_in_the_middle_of_a_file_ends_the_exports_transaction():
    from django.core.management import CommandError
    from django.db import connection

    # Larger than a write buffer: the disk says no while rows are still being read.
    ComplaintFactory.create_batch(20, status=Status.PUBLISHED)
    savepoints = list(connection.savepoint_ids)
    with pytest.raises(CommandError, match="Cannot write /dev/full"):
        call_command("export_anonymized", "--format", "json", "--out", "/dev/full")
    assert connection.savepoint_ids == savepoints
