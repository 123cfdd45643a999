"""Formula injection, seen from the carrier's side: hostile place names and descriptions are
exported through every path (command and admin download, rows and aggregates, CSV in both
dialects, XLSX, JSON) and the files are opened in the tools a carrier uses: openpyxl, pandas
and LibreOffice (headless, formulas evaluated). No cell may be a formula or show anything but
the exported text."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pandas
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from complaints.carrier import exports
from complaints.carrier.sanitize import (
    BLANK_RANGES,
    CONTROL_PATTERN,
    CONTROL_RANGES,
    FORMULA_CHARACTERS,
    FORMULA_PATTERN,
    SUSPECT_FIRST_ASCII,
    sanitize_cell,
    sanitize_row,
    sql_guarded,
    sql_has_control,
    sql_without_control,
)
from complaints.models import Complaint, Place, Status

from .factories import ComplaintFactory
from .test_exports import DOWNLOADS, export_command

pytestmark = pytest.mark.django_db

# What an attacker (or a careless paste) puts in a place name, a district or a description.
HOSTILE = [
    '\x01=HYPERLINK("http://evil.example","klick")',
    "\x0b\x1b=1+1",
    "\x00=1",
    "=1+1",
    '=cmd|" /C calc"!A0',
    "\t=1+1",
    "\r=1",
    "\n=1+1",
    "-2+3",
    "+2+3",
    "@SUM(A1)",
    " =1+1",
    "\u00a0=1+1",
    "\u200b=1+1",
    "\ufeff=1+1",
    " \x01\u3000-2+3",
    "\uff1d1+1",  # full-width =
    "\ufe661+1",  # small =
    "\uff0b1+1",  # full-width +
    "\uff0d2+3",  # full-width -
    "\uff20SUM(A1)",  # full-width @
    "\ufe62\ufe632+3",  # small + and -
    "\ufe6bSUM(A1)",  # small @
    "\u207c1+1",  # superscript =
    "#N/A",  # an error code, not a formula: still text
]


def storable(values):
    # PostgreSQL's text cannot hold a NUL character at all, so it never reaches its exports.
    if connection.vendor == "postgresql":
        return [v for v in values if "\x00" not in v]
    return values


CONTROLS = {c: None for low, high in CONTROL_RANGES for c in range(low, high + 1)}


def lines(text):
    """XML and LibreOffice read a carriage return as a line break: compare breaks alike."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def hostile_world(values) -> dict[str, str]:
    """Per value a city, its district and its state with that name, and five published
    reports there whose (corrected) description is that value too: pseudonym -> value."""
    pseudonyms = {}
    for i, value in enumerate(values):
        city = Place.objects.create(
            kind=Place.Kind.CITY, name=value, slug=f"hostile-{i}", state=value[:40]
        )
        district = Place.objects.create(
            kind=Place.Kind.DISTRICT, name=value, slug=f"hostile-{i}-d", parent=city
        )
        complaints = ComplaintFactory.create_batch(
            5, city="Hamburg", district="", status=Status.PUBLISHED
        )
        Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(
            city_place=city, district_place=district, description_redacted=value
        )
        for complaint in complaints:
            pseudonyms[complaint.pseudonym] = value
    return pseudonyms


@pytest.fixture
def hostile_places():
    """Per hostile value a city, its district and its state with that name, and five
    published reports there whose (corrected) description is that value too."""
    return hostile_world(storable(HOSTILE))


# -- reading the files as the carrier does ----------------------------------------------------


LIBREOFFICE_MISSING = "LibreOffice (soffice) is not installed: the files were not opened in it"


def soffice() -> str | None:
    """The LibreOffice program; None where it is missing, except in CI (.ci/run), where that
    fails the test."""
    path = shutil.which("soffice")
    required = os.environ.get("EINZELFALL_REQUIRE_SOFFICE") or os.environ.get(
        "EINZELFALL_REQUIRE_BROWSER"
    )
    if path is None and required:
        pytest.fail("LibreOffice (soffice) is missing; CI must open the carrier's files in it")
    return path


def libreoffice(program, files: dict[str, bytes], tmp_path) -> dict[str, tuple[list, list]]:
    """Each file as LibreOffice opens it (CSV: UTF-8, formulas evaluated, spaces trimmed, the
    strictest import), saved again as XLSX: per file its rows of values and its formula cells."""
    profile = (tmp_path / "lo-profile").as_uri()
    results = {}
    # CSV import options: separator, quote, UTF-8 (76), from line 1, standard column types,
    # German (1031), quoted fields not forced to text, special numbers detected, (two export
    # options), spaces trimmed, sheet 1, formulas evaluated.
    groups = {
        "xlsx": None,
        "rfc4180": "CSV:44,34,76,1,,1031,false,true,false,false,true,1,true",
        "excel-de": "CSV:59,34,76,1,,1031,false,true,false,false,true,1,true",
    }
    for group, infilter in groups.items():
        names = [name for name in files if name.endswith(f".{group}")]
        if not names:
            continue
        source, target = tmp_path / f"in-{group}", tmp_path / f"out-{group}"
        source.mkdir()
        for name in names:
            # LibreOffice picks its import by the extension: the dialects are both CSV.
            (
                source / name.replace(f".{group}", ".csv" if group != "xlsx" else ".xlsx")
            ).write_bytes(files[name])
        command = [program, f"-env:UserInstallation={profile}", "--headless"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", "xlsx", "--outdir", str(target)]
        command += sorted(str(p) for p in source.iterdir())
        subprocess.run(command, check=True, capture_output=True, timeout=180)
        for name in names:
            converted = target / (Path(name).stem + ".xlsx")
            assert converted.exists(), f"LibreOffice did not open {name}"
            results[name] = read_xlsx(converted.read_bytes())
    return results


def read_xlsx(content: bytes) -> tuple[list, list]:
    """(rows of values, cells that are formulas or errors) as openpyxl reads them."""
    sheet = load_workbook(io.BytesIO(content)).active
    rows, bad = [], []
    for row in sheet.iter_rows():
        rows.append(["" if cell.value is None else cell.value for cell in row])
        bad += [cell.value for cell in row if cell.data_type in ("f", "e") and not _boolean(cell)]
    return rows, bad


def _boolean(cell) -> bool:
    """LibreOffice saves a boolean cell (the aggregates' suppressed) as =TRUE() or =FALSE()."""
    column = cell.parent.cell(1, cell.column).value
    return column == "suppressed" and cell.value in ("=TRUE()", "=FALSE()")


def read_pandas(name: str, content: bytes) -> list:
    options = {"dtype": str, "keep_default_na": False}
    if name.endswith(".xlsx"):
        frame = pandas.read_excel(io.BytesIO(content), **options)
    elif name.endswith(".json"):
        frame = pandas.read_json(io.BytesIO(content), dtype=False, orient="records").fillna("")
    else:
        separator = ";" if name.endswith(".excel-de") else ","
        frame = pandas.read_csv(io.BytesIO(content), sep=separator, encoding="utf-8-sig", **options)
    return [list(frame.columns), *frame.astype(str).values.tolist()]


def read_plain(name: str, content: bytes) -> list:
    if name.endswith(".json"):
        # JSON writes null for nothing, where the other files have an empty cell.
        document = json.loads(content)
        rows = [["" if v is None else v for v in item.values()] for item in document]
        return [list(document[0]), *rows] if document else []
    if name.endswith(".xlsx"):
        return read_xlsx(content)[0]
    separator = ";" if name.endswith(".excel-de") else ","
    return list(
        csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=separator)
    )


def wrong_cells(rows: list, pseudonyms: dict) -> list:
    """Cells of hostile columns that are not exactly the exported text: for rows, city,
    district, state and description; for aggregates, city and district. And the rows or
    cities that are missing."""
    header, wrong = rows[0], []
    if header[0] == "pseudonym":
        wrong += [("missing row", p) for p in set(pseudonyms) - {row[0] for row in rows[1:]}]
        for row in rows[1:]:
            value = pseudonyms[row[0]]
            for column in ("city", "district", "state", "description"):
                expected = sanitize_cell(value[:40] if column == "state" else value)
                cell = row[header.index(column)]
                if lines(cell) != lines(expected):
                    wrong.append((column, value, cell))
    else:
        expected = {lines(sanitize_cell(value)) for value in pseudonyms.values()}
        for city, district, *_rest in rows[1:]:
            if lines(city) not in expected or lines(district) not in ("", lines(city)):
                wrong.append(("aggregate", city, district))
        wrong += [("missing city", c) for c in expected - {lines(row[0]) for row in rows[1:]}]
    return wrong


def carrier_files(client) -> dict[str, bytes]:
    """Every file a carrier can get: both commands and the admin download, every format."""
    files = {}
    for kind, command in (("anonymized", "export_anonymized"), ("aggregates", "export_aggregates")):
        files[f"command-{kind}.rfc4180"] = export_command(command)
        files[f"command-{kind}.excel-de"] = export_command(command, "--dialect", "excel-de")
        files[f"command-{kind}.xlsx"] = export_command(command, "--format", "xlsx")
        files[f"command-{kind}.json"] = export_command(command, "--format", "json")
        for fmt, extension in (
            ("csv-rfc4180", "rfc4180"),
            ("csv-excel-de", "excel-de"),
            ("xlsx", "xlsx"),
        ):
            response = client.post(DOWNLOADS, {"kind": kind, "format": fmt})
            assert response.status_code == 200 and response.streaming
            files[f"admin-{kind}.{extension}"] = b"".join(response.streaming_content)
    return files


# -- the tests --------------------------------------------------------------------------------


def problems_in_every_tool(files: dict, hostile_places, tmp_path) -> tuple[list, str | None]:
    """Every file read by Python's readers (csv, json, openpyxl), pandas and, when installed,
    LibreOffice: the cells that are formulas or do not show the exported text, per file and
    tool; and the LibreOffice program found (None: not installed)."""
    readings = {}  # (file, tool) -> (formula cells, cells not showing the exported text)
    for name, content in files.items():
        rows = read_plain(name, content)
        assert len(rows) > 1, name
        formulas = read_xlsx(content)[1] if name.endswith(".xlsx") else []
        readings[name, "openpyxl, csv or json"] = (formulas, wrong_cells(rows, hostile_places))
        readings[name, "pandas"] = ([], wrong_cells(read_pandas(name, content), hostile_places))
    program = soffice()
    spreadsheets = {n: c for n, c in files.items() if not n.endswith(".json")}
    opened = libreoffice(program, spreadsheets, tmp_path) if program else {}
    for name, (rows, formulas) in opened.items():
        # LibreOffice reads a pseudonym of digits as a number: rows are told apart by position.
        plain = read_plain(name, files[name])
        assert len(rows) == len(plain), name
        rows = [[key[0], *row[1:]] for key, row in zip(plain, rows, strict=True)]
        readings[name, "LibreOffice"] = (formulas, wrong_cells(rows, hostile_places))
    problems = [
        f"{name} in {tool}: {len(formulas)} formula cells {sorted(set(map(repr, formulas)))[:6]},"
        f" {len(wrong)} cells not the text {wrong[:6]}"
        for (name, tool), (formulas, wrong) in readings.items()
        if formulas or wrong
    ]
    return problems, program


def test_no_hostile_cell_becomes_a_formula_in_any_file_or_tool(
    organizer_client, hostile_places, tmp_path
):
    problems, program = problems_in_every_tool(
        carrier_files(organizer_client), hostile_places, tmp_path
    )
    assert not problems, "\n".join(problems)
    if not program:
        pytest.skip(LIBREOFFICE_MISSING)


@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_is_guarded_after_control_characters_go(value):
    cell = sanitize_cell(value)
    if value == "#N/A":
        assert cell == value
    else:
        assert cell.startswith("'") and cell[1:] == value.translate(CONTROLS)
    assert sanitize_row([value]) == [cell]


@pytest.mark.parametrize(
    "value",
    [
        "Hamburg",
        "kein Netz",
        "",
        "22765",
        "x=1",
        "a -b",
        "E-Plus",
        "Mail: [entfernt]",
        " Kiel",
        "'=1",
    ],
)
def test_ordinary_text_is_left_alone(value):
    assert sanitize_cell(value) == value
    assert sanitize_row([value, 5, None]) == [value, 5, None]


def test_control_characters_leave_every_format_alike():
    rows = [["eins\x0bzwei\x1b", "\x00", "drei\r\nvier\tfünf"]]
    expected = ["einszwei", "", "drei\r\nvier\tfünf"]
    # JSON writes null for a cell left empty.
    assert json.loads(b"".join(exports.stream(["a", "b", "c"], rows, "json")))[0] == dict(
        zip("abc", [v or None for v in expected], strict=True)
    )
    csv_rows = read_plain("x.rfc4180", b"".join(exports.stream(["a", "b", "c"], rows, "csv")))
    assert csv_rows[1] == expected
    xlsx_rows = read_plain("x.xlsx", b"".join(exports.stream(["a", "b", "c"], rows, "xlsx")))
    assert [lines(v) for v in xlsx_rows[1]] == [lines(v) for v in expected]


def test_the_lists_of_characters_are_complete():
    # The lists are written out (computing them costs a third of a second at every start);
    # here they are checked against the Unicode database of this Python.
    lookalikes = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.normalize("NFKC", chr(c)) in ("=", "+", "-", "@")
    }
    assert lookalikes == set(FORMULA_CHARACTERS)
    blanks = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if chr(c).isspace() or unicodedata.category(chr(c)) == "Cf"
    }
    listed = {chr(c) for low, high in BLANK_RANGES for c in range(low, high + 1)}
    assert blanks == listed


# Texts made of what matters here: formula starts, blanks, controls, look-alikes, and letters.
tricky_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "=+-@ \t\r\n\x01\x0b\x1f\xa0\u200b\u3000\ufeff\ufffe\uff1d\ufe62\u207cax1ä'"
        ),
        st.characters(),
    ),
    max_size=12,
)


@settings(max_examples=500, deadline=None)
@given(tricky_text)
def test_the_quick_check_agrees_with_the_full_rule(text):
    # sanitize_row skips the regular expressions for most cells; it must never skip one that
    # needs them.
    cleaned = re.sub(CONTROL_PATTERN, "", text)
    expected = "'" + cleaned if re.match(FORMULA_PATTERN, cleaned) else cleaned
    assert sanitize_cell(text) == expected
    assert sanitize_row([text]) == [expected]
    if re.match(FORMULA_PATTERN, cleaned):
        # The SQL path's cheap check of the first character lets it through.
        assert ord(cleaned[0]) in SUSPECT_FIRST_ASCII or ord(cleaned[0]) > 127


# A condition, not a string: hypothesis's wrapper would evaluate a string in its own module.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# PostgreSQL's text holds neither NUL nor lone surrogates (nor can a request's UTF-8 carry one).
@given(
    st.lists(
        tricky_text.map(lambda t: re.sub("[\x00\ud800-\udfff]", "", t)), min_size=1, max_size=50
    )
)
def test_postgresql_reads_the_rule_as_python_does(texts):
    # The SQL export's own expressions (sanitize.sql_*), layered as there, with their
    # parameters.
    dirty, dirty_params = sql_has_control(["x"])
    clean, clean_params = sql_without_control("x", "dirty")
    safe, safe_params = sql_guarded("t")
    sql = (
        f"SELECT {safe} FROM"  # noqa: S608
        f" (SELECT {clean} AS t, n FROM"
        f" (SELECT x, n, {dirty} AS dirty"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS input(x, n) OFFSET 0) AS checked"
        " OFFSET 0) AS clean ORDER BY n"
    )
    params = [*safe_params, *clean_params, *dirty_params, texts]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        from_sql = [value for (value,) in cursor.fetchall()]
    assert from_sql == [sanitize_cell(text) for text in texts]
