"""The import round trip (issue 20, part 8): a carrier export imported back, as CSV and XLSX,
keeps each report's day and pseudonym, stores nothing twice, and the preview says which of
its columns are not imported; problem names as the site writes them ("/" included)."""

import datetime
import re
import zoneinfo

import pytest
from django.core.management import call_command

from complaints.carrier import exports
from complaints.models import Complaint, Status

from .factories import ComplaintFactory
from .test_exports import export_command
from .test_imports import CSV_FORMAT, XLSX_FORMAT, confirm, upload

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _stored() -> dict[str, tuple]:
    """What a report holds that the export carries, by pseudonym."""
    return {
        c.pseudonym: (
            c.submitted_at.astimezone(BERLIN).date(),
            c.carrier,
            tuple(sorted(p.slug for p in c.problems.all())),
            c.city,
            c.district,
            c.postal_code,
            c.technology,
            c.frequency,
            c.since,
            c.location,
            c.city_place_id,
            c.district_place_id,
        )
        for c in Complaint.objects.prefetch_related("problems")
    }


@pytest.fixture
def exported(small_gazetteer):
    """Published reports of several days, places and problems, the one with "/" too."""
    late_evening = datetime.datetime(2026, 11, 3, 23, 30, tzinfo=BERLIN)  # 22:30 UTC
    ComplaintFactory(
        status=Status.PUBLISHED,
        submitted_at=late_evening,
        problems=["no-signal", "sms"],
        postal_code="01067",
        since=datetime.date(2026, 3, 1),
        location="indoor",
    )
    ComplaintFactory(
        status=Status.PUBLISHED,
        submitted_at=datetime.datetime(2026, 10, 1, 9, tzinfo=BERLIN),
        city="Berlin",
        district="Kreuzberg",
        problems=["dropped-calls"],
        technology="5g",
        frequency="always",
    )
    ComplaintFactory(
        status=Status.PUBLISHED,
        submitted_at=datetime.datetime(2026, 9, 30, 18, tzinfo=BERLIN),
        city="Frankfurt (Oder)",
        district="",
        problems=["slow-data", "no-data"],
    )
    before = _stored()
    files = {
        CSV_FORMAT: export_command("export_anonymized"),
        XLSX_FORMAT: export_command("export_anonymized", "--format", "xlsx"),
    }
    return before, files


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_an_export_imported_into_an_empty_database_is_the_same_reports(
    organizer_client, exported, fmt
):
    before, files = exported
    Complaint.objects.all().delete()
    name = "export.xlsx" if fmt == XLSX_FORMAT else "export.csv"
    preview = upload(organizer_client, files[fmt], fmt=fmt, name=name)
    html = preview.content.decode()
    assert preview.context["result"].totals["new"] == 3, html
    ignored = re.search(r'data-testid="import-ignored">(.*?)</p>', html, re.S)[1]
    # The place's state and keys are the gazetteer's: the import finds them again.
    expected = [
        c for c in exports.ANONYMIZED_COLUMNS if c in {"state", "ags", "latitude", "longitude"}
    ]
    assert [c.strip() for c in ignored.split(":", 1)[1].split(",")] == expected
    assert "pseudonym" not in ignored and "submitted_on" not in ignored

    assert confirm(organizer_client, preview).status_code == 302
    after = _stored()
    assert after == before  # the same pseudonyms, days (not the import's), places, problems
    assert set(Complaint.objects.values_list("status", "imported")) == {(Status.PENDING, True)}

    # The same file again: every row skipped, none stored twice.
    again = upload(organizer_client, files[fmt], fmt=fmt, name=name)
    result = again.context["result"]
    assert (result.totals["new"], result.totals["skip"]) == (0, 3)
    assert 'data-testid="import-skipped"' in again.content.decode()
    confirm(organizer_client, again)
    assert Complaint.objects.count() == 3


def test_an_export_imported_where_it_came_from_stores_nothing_twice(organizer_client, exported):
    _before, files = exported
    ComplaintFactory(status=Status.PUBLISHED, city="Berlin", district="Kreuzberg")  # not in it
    preview = upload(organizer_client, files[CSV_FORMAT])
    result = preview.context["result"]
    assert (result.totals["new"], result.totals["skip"]) == (0, 3)
    html = preview.content.decode()
    assert re.search(r'data-testid="import-count">\s*0 ', html)
    assert re.search(r'data-testid="import-skipped">\s*3 ', html)
    assert confirm(organizer_client, preview).status_code == 302
    assert Complaint.objects.count() == 4


def test_a_file_of_new_and_known_pseudonyms_imports_the_new_ones_once(organizer_client, exported):
    _before, files = exported
    lines = files[CSV_FORMAT].decode().splitlines()
    known = Complaint.objects.order_by("submitted_at").first()
    Complaint.objects.exclude(pk=known.pk).delete()
    # A row twice in the file (a carrier merged two exports) is one report.
    content = "\r\n".join([*lines, lines[1]]) + "\r\n"
    preview = upload(organizer_client, content.encode())
    assert preview.context["result"].totals["new"] == 2
    assert preview.context["result"].totals["skip"] == 2
    confirm(organizer_client, preview)
    assert Complaint.objects.count() == 3


@pytest.mark.parametrize(
    ("cell", "slugs"),
    [
        ("Kein Netz / kein Empfang", ["no-signal"]),
        ("kein Netz/kein Empfang; SMS", ["no-signal", "sms"]),
        ("Keine Datenverbindung, Kein Netz / kein Empfang", ["no-data", "no-signal"]),
        ("no-signal|dropped-calls", ["dropped-calls", "no-signal"]),
    ],
)
def test_problem_names_as_the_site_writes_them_are_taken(
    organizer_client, small_gazetteer, cell, slugs
):
    content = f'city;problems\r\nHamburg;"{cell}"\r\n'.encode()
    preview = upload(organizer_client, content)
    assert preview.context["result"].totals["new"] == 1, preview.content.decode()
    confirm(organizer_client, preview)
    assert sorted(p.slug for p in Complaint.objects.get().problems.all()) == slugs


def test_an_unknown_name_beside_a_slash_is_still_named(organizer_client, small_gazetteer):
    preview = upload(organizer_client, b"city;problems\r\nHamburg;Kein Netz / Funkloch\r\n")
    invalid = preview.context["result"].invalid_rows
    assert "'Kein Netz'" in str(invalid[0].error_dict) and "'Funkloch'" in str(
        invalid[0].error_dict
    )
    assert not Complaint.objects.exists()


def test_a_pseudonym_a_spreadsheet_made_a_number_is_refused(organizer_client, small_gazetteer):
    content = b"pseudonym,city,problems\r\n1.797e+308,Hamburg,sms\r\n12345678901234,Hamburg,sms\r\n"
    preview = upload(organizer_client, content)
    invalid = preview.context["result"].invalid_rows
    assert [row.number for row in invalid] == [1, 2]
    assert "pseudonym" in invalid[1].error_dict
    assert not Complaint.objects.exists()


def test_imported_pseudonyms_are_never_digits_only(small_gazetteer):
    from complaints.carrier.imports import rows

    made = rows.NewComplaints()
    # 1 in about 1,850 hex pseudonyms is digits only: 20,000 draws meet several.
    assert not any(made.make().pseudonym.isdigit() for _ in range(20_000))


def test_the_export_command_writes_what_the_import_reads(tmp_path, exported):
    # (The command's file, not only its standard output.)
    out = tmp_path / "export.csv"
    call_command("export_anonymized", "--out", str(out), verbosity=0)
    assert out.read_bytes() == exported[1][CSV_FORMAT]
