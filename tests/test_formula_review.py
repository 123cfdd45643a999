"""An independent review of the formula guard (issue 16, finding 1): more hostile place names
and descriptions, opened in openpyxl, pandas and LibreOffice as tests/test_formula_injection.py
opens them. No cell may become a formula or an error, or show anything but the exported text."""

import datetime

import pytest

from complaints.carrier.sanitize import sanitize_cell
from complaints.models import Place, PlaceStatus

from .helpers import release
from .test_formula_injection import (
    LIBREOFFICE_MISSING,
    carrier_files,
    hostile_world,
    libreoffice,
    lines,
    problems_in_every_tool,
    read_plain,
    soffice,
    storable,
)

pytestmark = pytest.mark.django_db

MORE_HOSTILE = [
    "\u2212" + "1+1",  # minus sign
    "\u202e=1+1",  # right-to-left override
    "\u202e" + "1+1=",
    "\u0301=1+1",  # a combining mark first
    "\u034f=1+1",  # combining grapheme joiner (ignorable, not a format character)
    "\ufe0f=1+1",  # variation selector
    "\U000e0100=1+1",
    "\u180b=1+1",
    "\u115f=1+1",  # Hangul fillers
    "\u3164=1+1",
    "\uffa0=1+1",
    "\u2800=1+1",  # braille blank
    "\u3000=1+1",  # ideographic space
    "\u3000\u3000-2+3",
    '\ufeff=HYPERLINK("http://evil.example","x")',
    "\ufeff\ufeff@SUM(A1)",
    "\x7f=1+1",  # DEL and C1 controls (XML carries them)
    "\x81=1+1",
    "\x85=1+1",
    "\x9f=1+1",
    "cmd|' /C calc'!A0",  # DDE without a formula start
    "=cmd|' /C calc'!A0",
    "@cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-cmd|' /C calc'!A0",
    "'=1+1",
    '"=1+1"',
    "#DIV/0!",
    "#REF!",
    "#NAME?",
    "#VALUE!",
    "#NUM!",
    "#NULL!",
    "#n/a",
    "\u00a0#N/A",
    "=\u2028=1",
    "\u2029=1+1",
    "\u00ad=1+1",
    "\u061c=1+1",
    "\U0001d173=1+1",
]


@pytest.fixture
def hostile_places():
    return hostile_world(storable(MORE_HOSTILE))


def test_more_hostile_cells_stay_text_in_every_file_and_tool(
    organizer_client, hostile_places, tmp_path
):
    problems, program = problems_in_every_tool(
        carrier_files(organizer_client), hostile_places, tmp_path
    )
    assert not problems, "\n".join(problems)
    if not program:
        pytest.skip(LIBREOFFICE_MISSING)


def test_hostile_names_and_notes_stay_text_in_the_open_data(client, hostile_places, tmp_path):
    """The open-data CSVs (/stats/cities.csv, each city's districts.csv) as LibreOffice opens
    them: place names and the organizer's status notes never become a formula or an error."""
    values = sorted(set(hostile_places.values()))
    for value in values:
        PlaceStatus.objects.create(
            place=Place.objects.get(name=value, kind=Place.Kind.CITY),
            status=PlaceStatus.Kind.ACKNOWLEDGED,
            date=datetime.date(2026, 11, 1),
            note=value,
        )
    release()
    files = {"cities.rfc4180": client.get("/stats/cities.csv").content}
    for row in client.get("/stats/cities.json").json()["cities"]:
        if row["slug"].startswith("hostile-"):
            files[f"{row['slug']}.rfc4180"] = client.get(
                f"/stats/{row['slug']}/districts.csv"
            ).content
    assert len(files) > len(values) / 2, "too few hostile cities shown"
    expected = {lines(sanitize_cell(v)).strip(" ") for v in values}
    wrong, formulas = [], []
    readers = {"csv": {n: (read_plain(n, c), []) for n, c in files.items()}}
    program = soffice()
    if program:
        readers["LibreOffice"] = libreoffice(program, files, tmp_path)
    for tool, opened in readers.items():
        for name, (rows, bad) in opened.items():
            formulas += [(tool, name, cell) for cell in bad]
            header = rows[0]
            columns = [c for c in ("city", "district", "status_note") if c in header]
            for row in rows[1:]:
                for column in columns:
                    cell = row[header.index(column)]
                    if cell and lines(str(cell)).strip(" ") not in expected:
                        wrong.append((tool, name, column, cell))
    assert not formulas and not wrong, (formulas[:6], wrong[:6])
    if not program:
        pytest.skip(LIBREOFFICE_MISSING)
