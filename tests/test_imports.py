"""Import of legacy complaints through the admin: preview, all or nothing, encodings, dates."""

import io
import re

import pytest
from openpyxl import Workbook

from complaints.models import Complaint, Status

from .factories import ComplaintFactory
from .test_exports import user_in

pytestmark = pytest.mark.django_db

IMPORT = "/admin/complaints/complaint/import/"
PROCESS = "/admin/complaints/complaint/process_import/"
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of ComplaintAdmin.import_formats

LEGACY = (
    "Datum;Stadt;Stadtteil;Problem;Beschreibung;E-Mail\r\n"
    "24.11.2011;Hamburg;Altona;Keine Datenverbindung, SMS;"
    "Tot. Ruft an: 0170 1234567;kai@example.org\r\n"
    "25.11.2011 18:30;Köln;;slow-data;Seit Wochen langsam;\r\n"
    "2011-11-26;Berlin;Kreuzberg;Gesprächsabbrüche;;\r\n"
)


def upload(client, content: bytes, fmt=CSV_FORMAT, name="alt.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(IMPORT, {"format": fmt, "import_file": file, "resource": "0"})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(PROCESS, {**form.initial, "resource": "0"})


def test_a_legacy_file_is_previewed_then_imported_into_the_queue(organizer_client):
    preview = upload(organizer_client, LEGACY.encode("cp1252"))  # Latin-1 from an old Excel
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Hamburg" in html and "Köln" in html
    assert not Complaint.objects.exists()  # the dry run stored nothing
    response = confirm(organizer_client, preview)
    assert response.status_code == 302
    complaints = {c.city: c for c in Complaint.objects.all()}
    assert set(complaints) == {"Hamburg", "Köln", "Berlin"}
    hamburg = complaints["Hamburg"]
    assert hamburg.imported and hamburg.status == Status.PENDING
    assert sorted(p.slug for p in hamburg.problems.all()) == ["no-data", "sms"]
    assert (hamburg.city_place.slug, hamburg.district_place.name) == ("hamburg", "Altona")
    assert hamburg.description_redacted == "Tot. Ruft an: [entfernt]"
    assert hamburg.email == "kai@example.org"
    local = hamburg.submitted_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert (local.date().isoformat(), local.hour) == ("2011-11-24", 12)
    koeln = complaints["Köln"].submitted_at.astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    )
    assert (koeln.day, koeln.hour, koeln.minute) == (25, 18, 30)
    assert complaints["Berlin"].district_place.name == "Kreuzberg"


def test_one_bad_row_imports_nothing_and_says_which_and_why(organizer_client):
    content = (
        "city,problems,submitted_at,frequency\n"
        "Hamburg,sms,2011-11-24,täglich\n"
        "Berlin,Funkloch,31.02.2011,\n"
        ",no-data,,\n"
    ).encode()
    preview = upload(organizer_client, content)
    html = preview.content.decode()
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert "Funkloch" in html and "31.02.2011" in html
    invalid = preview.context["result"].invalid_rows
    assert [row.number for row in invalid] == [2, 3]
    assert "Funkloch" in str(invalid[0].error_dict) and "city" in invalid[1].error_dict
    assert not Complaint.objects.exists()
    # A forged confirmation of the same file stores nothing either.
    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
    assert result.has_validation_errors() and not Complaint.objects.exists()


def test_a_refused_row_is_shown_under_the_right_columns(organizer_client):
    """The file's columns are German and in an order of their own, some missing: the cells
    of a refused row still appear under the preview's headers they belong to ("---" where
    the file has no such column)."""
    content = (
        "E-Mail;Problem;Stadt;Datum\r\n"
        "kai@example.org;SMS;Hamburg;32.11.2011\r\n"
        "eva@example.org;Funkloch;Köln;32.11.2011\r\n"
    ).encode()
    preview = upload(organizer_client, content)
    result = preview.context["result"]
    headers = result.diff_headers
    rows = {row.number: dict(zip(headers, row.values, strict=True)) for row in result.invalid_rows}
    assert sorted(rows) == [1, 2]  # the same bad date twice: an error each time
    assert rows[1]["city"] == "Hamburg" and rows[1]["email"] == "kai@example.org"
    assert rows[2]["problems"] == "Funkloch" and rows[2]["submitted_at"] == "32.11.2011"
    assert rows[2]["district"] == "---"
    errors = {number: str(row.error_dict) for number, row in enumerate(result.invalid_rows, 1)}
    assert "32.11.2011" in errors[1] and "32.11.2011" in errors[2] and "Funkloch" in errors[2]
    html = preview.content.decode()
    assert re.search(r"<td>\s*Hamburg\s*</td>\s*<td>\s*---\s*</td>", html)  # city, district
    assert not Complaint.objects.exists()


def test_utf8_with_bom_and_commas(organizer_client):
    content = "\ufeffcity,district,problems\nMünchen,Schwabing,no-signal\n".encode()
    confirm(organizer_client, upload(organizer_client, content))
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.city_place.slug) == ("München", "muenchen")


def test_xlsx(organizer_client):
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Stadt", "Problem", "Datum", "PLZ", "seit"])
    sheet.append(["Dresden", "no-data", datetime.datetime(2011, 11, 24, 9, 15), 1067, "11/2011"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = upload(organizer_client, buffer.getvalue(), XLSX_FORMAT, "alt.xlsx")
    confirm(organizer_client, preview)
    complaint = Complaint.objects.get()
    assert complaint.postal_code == "01067" and complaint.since == datetime.date(2011, 11, 1)
    assert complaint.submitted_at.hour in (8, 9)  # 09:15 in Berlin


def test_a_file_without_the_required_columns_is_refused(organizer_client):
    preview = upload(organizer_client, b"name,mail\nKai,kai@example.org\n")
    assert "city" in preview.content.decode() and not Complaint.objects.exists()


@pytest.mark.parametrize("group", ["Moderator", "Carrier"])
def test_only_organizers_import(client, group):
    client.force_login(user_in(group, f"{group.lower()}-user"))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, LEGACY.encode()).status_code == 403
    assert not Complaint.objects.exists()


def test_an_organizer_in_the_group_may_import(client):
    client.force_login(user_in("Organizer", "olga"))
    assert client.get(IMPORT).status_code == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # An unquoted comma in the description: the row is refused, not cut.
        ("city,problems,description\nHamburg,no-data,Kein Netz, seit Wochen\n", "mehr Zellen"),
        ("city,problems,since\nHamburg,no-data,12/2099\n", "Zukunft"),
        ("city,problems\n12345,no-data\n", "Buchstaben"),
    ],
)
def test_rows_the_form_would_refuse_are_refused(organizer_client, content, message):
    preview = upload(organizer_client, content.encode())
    assert message in str(preview.context["result"].invalid_rows[0].error_dict)
    assert not Complaint.objects.exists()


def test_a_column_given_twice_is_refused(organizer_client):
    preview = upload(organizer_client, b"Stadt,city,problems\nHamburg,Bremen,no-data\n")
    html = preview.content.decode()
    assert "zweimal" in html and "Traceback" not in html  # in words, not in Python
    assert not Complaint.objects.exists()


def test_rows_that_fail_are_counted_and_the_first_listed(organizer_client, monkeypatch, caplog):
    """Rows that fail for a reason of the program's (not the file's): the page says how
    many, lists the first 100 with their line, and shows no traceback."""
    from complaints.admin import ComplaintAdmin
    from complaints.carrier.imports import LegacyComplaintResource

    class Failing(LegacyComplaintResource):
        def import_instance(self, instance, row, **kwargs):
            raise RuntimeError(f"cannot handle {row['city']}")

    monkeypatch.setattr(ComplaintAdmin, "resource_classes", [Failing])
    rows = "".join(f"Ort {n};no-data\r\n" for n in range(150))
    html = upload(organizer_client, f"Stadt;Problem\r\n{rows}".encode()).content.decode()
    errors = re.search(r'data-testid="import-errors">(.*?)</ul>', html, re.S)[1]
    assert errors.count('class="import-error-li"') == 100
    assert "cannot handle Ort 99" in errors and "cannot handle Ort 100" not in errors
    assert "150 Zeilen sind fehlerhaft. Die ersten 100" in errors
    assert "Traceback" not in html
    # The log says where it happened, for whoever maintains this; not the row's data.
    assert "Import row 150 failed with RuntimeError" in caplog.text
    assert "import_instance" in caplog.text and "Ort 149" not in caplog.text
    assert not Complaint.objects.exists()


def test_confirming_twice_imports_once_and_says_so(organizer_client):
    preview = upload(organizer_client, b"city,problems\nHamburg,no-data\n")
    assert confirm(organizer_client, preview).status_code == 302
    again = confirm(organizer_client, preview)
    assert again.status_code == 302 and again["Location"].endswith("/import/")
    assert Complaint.objects.count() == 1
    page = organizer_client.get(again["Location"]).content.decode()
    assert "bereits importiert" in page


def test_confirming_an_expired_upload_says_the_file_is_gone(organizer_client):
    from complaints.carrier.imports import ShortCacheStorage

    preview = upload(organizer_client, b"city,problems\nHamburg,no-data\n")
    name = preview.context["confirm_form"].initial["import_file_name"]
    ShortCacheStorage(name=name).remove()  # as the cache does an hour later
    again = confirm(organizer_client, preview)
    assert again.status_code == 302 and again["Location"].endswith("/import/")
    assert "nicht mehr da" in organizer_client.get(again["Location"]).content.decode()
    assert not Complaint.objects.exists()


def test_a_file_of_several_batches_is_stored_whole_or_not_at_all():
    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

    rows = [
        f"{n % 28 + 1:02d}.11.2011;Hamburg;Altona;Keine Datenverbindung, SMS" for n in range(2500)
    ]
    content = "\r\n".join(["Datum;Stadt;Stadtteil;Problem", *rows]).encode()
    bad = content + b"\r\n24.11.2011;Hamburg;;Funkloch"  # an unknown problem after 2,500 rows
    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(bad))
    assert result.has_validation_errors()
    assert not Complaint.objects.exists()

    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
    assert not result.has_errors() and not result.has_validation_errors()
    complaints = Complaint.objects.filter(imported=True)
    assert complaints.count() == 2500
    assert Complaint.problems.through.objects.count() == 5000
    references = set(complaints.values_list("reference", flat=True))
    pseudonyms = set(complaints.values_list("pseudonym", flat=True))
    assert len(references) == len(pseudonyms) == 2500
    # Drawn in bulk, but of the form the form's complaints get (the thanks page's URL).
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", reference) for reference in references)
    assert all(re.fullmatch(r"[0-9a-f]{16}", pseudonym) for pseudonym in pseudonyms)
    assert not references & {ComplaintFactory().reference}
    assert complaints.filter(district_place__name="Altona").count() == 2500
    # The ids came from the table's own sequence: the next report does not collide.
    later = ComplaintFactory()
    assert later.pk > max(complaints.values_list("pk", flat=True))


def test_a_row_the_database_refuses_is_reported_and_nothing_is_stored():
    """The safety net: a rule that only the database knows (here a value that slipped past
    the checks) gives the import's error report, not a server error, and stores nothing."""
    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

    class Slipping(LegacyComplaintResource):
        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            if instance.city == "Köln":
                instance.technology = "6g"  # refused by the check constraint only

    content = "city;problems\r\nHamburg;no-data\r\nKöln;sms\r\n".encode()
    result = Slipping().import_data(LegacyCSV().create_dataset(content))
    assert result.has_errors()
    assert not Complaint.objects.exists()
    assert ComplaintFactory().pk  # the connection is usable afterwards


@pytest.mark.skipif(
    "postgresql" not in __import__("django.db").db.connection.vendor,
    reason="id sequences are PostgreSQL's",
)
def test_an_import_leaves_ids_drawn_meanwhile_alone():
    """A report being submitted while an import ends has drawn an id that the import cannot
    see yet: the import must not set the sequence back below it."""
    from django.db import connection

    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

    class Racing(LegacyComplaintResource):
        def after_import(self, dataset, result, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('complaints_complaint', 'id'))"
                )
                self.drawn = cursor.fetchone()[0]
            super().after_import(dataset, result, **kwargs)

    resource = Racing()
    content = "city;problems\r\nHamburg;no-data\r\nKöln;sms\r\n".encode()
    resource.import_data(LegacyCSV().create_dataset(content))
    assert Complaint.objects.count() == 2
    assert ComplaintFactory().pk > resource.drawn


def test_the_preview_of_a_big_file_counts_every_row_and_shows_the_first(organizer_client):
    rows = "".join(f"{n % 28 + 1}.11.2011;Hamburg;Altona;SMS\r\n" for n in range(150))
    preview = upload(organizer_client, f"Datum;Stadt;Stadtteil;Problem\r\n{rows}".encode())
    html = preview.content.decode()
    assert "150" in re.search(r'data-testid="import-count">(.*?)</p>', html, re.S)[1]
    assert html.count('<tr class="new">') == 100
    assert not Complaint.objects.exists()
    confirm(organizer_client, preview)
    assert Complaint.objects.count() == 150


def test_a_file_of_many_bad_rows_counts_them_and_lists_the_first(organizer_client):
    rows = "".join(f"{n % 28 + 1}.11.2011;Hamburg;Funkloch {n}\r\n" for n in range(150))
    preview = upload(organizer_client, f"Datum;Stadt;Problem\r\n{rows}".encode())
    html = preview.content.decode()
    count = re.search(r'data-testid="invalid-count">(.*?)</p>', html, re.S)[1]
    assert "150 Zeilen sind fehlerhaft" in count and "Die ersten 100" in count
    assert "Funkloch 99" in html and "Funkloch 100" not in html
    assert html.count('class="validation-error-count"') == 100
    assert preview.context.get("confirm_form") is None  # nothing to confirm
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("change", ["deleted", "merged"])
def test_a_place_changed_meanwhile_refuses_the_import_with_a_message(organizer_client, change):
    """This process's place index still knows a district that another process deleted (or
    merged into another): the rows would point at nothing (or at a place no longer counted)
    and the database refuse the commit. The import is refused instead, saying why, and the
    index is renewed for the next try."""
    from complaints.models import Place
    from complaints.places import matching

    content = "city;district;problems\r\nHamburg;Altona;no-data\r\nKöln;;sms\r\n".encode()
    preview = upload(organizer_client, content)
    found = matching.match("Hamburg", "Altona")
    altona = found.district_id
    # Elsewhere: this process's index is not told.
    if change == "deleted":
        Place.objects.filter(pk=altona).delete()
    else:
        Place.objects.filter(pk=altona).update(merged_into=found.city_id)
    assert matching.match("Hamburg", "Altona").district_id == altona
    response = confirm(organizer_client, preview)
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    page = organizer_client.get(response["Location"]).content.decode()
    assert "Nichts wurde importiert: Orte oder Problemarten wurden während" in page
    assert not Complaint.objects.exists()
    assert matching.match("Hamburg", "Altona").district_id is None  # the index was renewed
    confirm(organizer_client, upload(organizer_client, content))
    assert Complaint.objects.filter(district_place=None).count() == 2


# Transactional: the database checks the foreign keys at the commit, which the other tests
# never reach. (migrated_data: such tests empty the database; see test_followups.py)
@pytest.mark.django_db(transaction=True)
def test_a_commit_the_database_refuses_is_reported_not_raised(migrated_data):
    """A problem type deleted between the import's last check and its commit: the database
    refuses the commit, and the import says so instead of failing with a server error."""
    from django.db import connection

    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV
    from complaints.models import ProblemType

    sms = ProblemType.objects.get(slug="sms")

    class LastMoment(LegacyComplaintResource):
        def after_import(self, dataset, result, **kwargs):
            super().after_import(dataset, result, **kwargs)
            with connection.cursor() as cursor:  # as another process would, unchecked
                cursor.execute("DELETE FROM complaints_problemtype WHERE id = %s", [sms.pk])

    content = b"city;problems\r\nAtlantis;no-data\r\nAtlantis;sms\r\n"
    result = LastMoment().import_data(LegacyCSV().create_dataset(content))
    assert result.has_errors()
    assert "Bitte importieren Sie die Datei erneut" in str(result.base_errors[0].error)
    assert not Complaint.objects.exists() and ProblemType.objects.filter(pk=sms.pk).exists()


def test_a_query_while_the_rows_are_stored_fails_at_once():
    """On PostgreSQL the rows go to the database in one stream while the next are checked: a
    query in between (none is made today) must give an error, not wait for the stream."""
    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV
    from complaints.models import Place

    class Querying(LegacyComplaintResource):
        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            if instance.city == "Köln":
                Place.objects.count()

    content = "city;problems\r\nHamburg;no-data\r\nKöln;sms\r\nBerlin;sms\r\n".encode()
    result = Querying().import_data(LegacyCSV().create_dataset(content))
    if __import__("django.db").db.connection.vendor == "postgresql":
        assert result.has_errors()
        assert not Complaint.objects.exists()
    else:  # rows are stored in batches there, after the checks
        assert Complaint.objects.count() == 3


class Slipping:
    """A resource that lets a value the database refuses through its checks (Köln's row)."""

    @staticmethod
    def make():
        from complaints.carrier.imports import LegacyComplaintResource

        class SlippingResource(LegacyComplaintResource):
            def import_instance(self, instance, row, **kwargs):
                super().import_instance(instance, row, **kwargs)
                if instance.city == "Köln":
                    instance.technology = "6g"  # refused by the check constraint only

        return SlippingResource


def test_a_confirmed_import_the_database_refuses_says_so(organizer_client, monkeypatch):
    from complaints.admin import ComplaintAdmin

    preview = upload(organizer_client, "city;problems\r\nHamburg;no-data\r\nKöln;sms\r\n".encode())
    monkeypatch.setattr(ComplaintAdmin, "resource_classes", [Slipping.make()])
    response = confirm(organizer_client, preview)
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    message = [
        str(m)
        for m in __import__("django.contrib.messages").contrib.messages.get_messages(
            response.wsgi_request
        )
    ]
    assert any("Nichts wurde importiert" in m for m in message), message
    assert not Complaint.objects.exists()


def test_an_import_stopped_at_the_first_bad_row_stores_nothing():
    """raise_errors stops the import at the first bad row, in the middle of the stream."""
    from import_export.exceptions import ImportError as RowImportError

    from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

    content = "city;problems\r\nHamburg;no-data\r\nKöln;Funkloch\r\nBerlin;sms\r\n".encode()
    with pytest.raises(RowImportError):
        LegacyComplaintResource().import_data(
            LegacyCSV().create_dataset(content), raise_errors=True
        )
    assert not Complaint.objects.exists()
    assert ComplaintFactory().pk  # the connection is usable afterwards


def messages_of(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("failure", [TypeError, ConnectionError])
def test_an_error_after_the_commit_says_what_was_imported(organizer_client, monkeypatch, failure):
    """The rows are stored; the step after (here the success message, a cache error just as
    likely) fails. The person is told the truth, and confirming again imports nothing."""
    from complaints.admin import ComplaintAdmin

    preview = upload(organizer_client, b"city,problems\nHamburg,no-data\nBerlin,sms\n")

    def broken(self, result, request):
        raise failure("after the commit")

    monkeypatch.setattr(ComplaintAdmin, "add_success_message", broken)
    response = confirm(organizer_client, preview)
    assert Complaint.objects.count() == 2
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/complaints/complaint/")
    said = messages_of(response)
    stored = "2 Meldungen wurden in die Moderationswarteschlange importiert"
    assert any(stored in m for m in said), said
    assert not any("Nichts wurde importiert" in m for m in said)

    again = confirm(organizer_client, preview)
    assert again.status_code == 302 and again["Location"].endswith("/import/")
    assert Complaint.objects.count() == 2


def test_an_error_before_the_commit_keeps_the_file_for_another_try(organizer_client, monkeypatch):
    from complaints.carrier.imports import LegacyComplaintResource

    preview = upload(organizer_client, b"city,problems\nHamburg,no-data\n")
    original = LegacyComplaintResource.import_data

    def broken(self, dataset, **kwargs):
        raise ConnectionError("database gone")

    monkeypatch.setattr(LegacyComplaintResource, "import_data", broken)
    response = confirm(organizer_client, preview)
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert any("Nichts wurde importiert" in m for m in messages_of(response))
    assert not Complaint.objects.exists()

    monkeypatch.setattr(LegacyComplaintResource, "import_data", original)
    assert confirm(organizer_client, preview).status_code == 302
    assert Complaint.objects.count() == 1


def test_a_confirmation_while_another_one_runs_imports_nothing(organizer_client, monkeypatch):
    """Two confirmations of one upload (two tabs, a double click) store its rows once."""
    from complaints.admin import ComplaintAdmin

    preview = upload(organizer_client, b"city,problems\nHamburg,no-data\n")
    original = ComplaintAdmin.process_dataset
    seen = []

    def second_click_meanwhile(self, dataset, form, request, **kwargs):
        if not seen:
            seen.append(None)
            seen[0] = confirm(organizer_client, preview)  # arrives while the first runs
        return original(self, dataset, form, request, **kwargs)

    monkeypatch.setattr(ComplaintAdmin, "process_dataset", second_click_meanwhile)
    first = confirm(organizer_client, preview)
    assert first.status_code == 302 and first["Location"].endswith("/admin/complaints/complaint/")
    assert seen[0].status_code == 302 and seen[0]["Location"].endswith("/import/")
    assert any("bereits importiert" in m for m in messages_of(seen[0]))
    assert Complaint.objects.count() == 1


def test_the_same_file_uploaded_again_after_its_import_imports_nothing(organizer_client):
    """Back and reload after an import send the upload once more: the preview warns, and the
    confirmation stores nothing again."""
    content = b"city,problems\nHamburg,no-data\nBerlin,sms\n"
    assert confirm(organizer_client, upload(organizer_client, content)).status_code == 302
    assert Complaint.objects.count() == 2
    again = upload(organizer_client, content)
    assert again.status_code == 200
    assert any("wurde am" in m and "importiert" in m for m in messages_of(again))
    response = confirm(organizer_client, again)
    assert response["Location"].endswith("/import/")
    assert any("bereits importiert" in m for m in messages_of(response))
    assert Complaint.objects.count() == 2
    # A changed file is another file.
    changed = upload(organizer_client, content + b"Bremen,sms\n")
    assert not any("wurde am" in m for m in messages_of(changed))
    assert confirm(organizer_client, changed).status_code == 302
    assert Complaint.objects.count() == 5


def test_a_file_the_database_refused_may_be_uploaded_and_imported_again(
    organizer_client, monkeypatch
):
    from complaints.admin import ComplaintAdmin

    content = "city;problems\r\nHamburg;no-data\r\nKöln;sms\r\n".encode()
    refused = upload(organizer_client, content)
    with monkeypatch.context() as patch:
        patch.setattr(ComplaintAdmin, "resource_classes", [Slipping.make()])
        assert confirm(organizer_client, refused)["Location"].endswith("/import/")
    assert not Complaint.objects.exists()
    assert confirm(organizer_client, upload(organizer_client, content)).status_code == 302
    assert Complaint.objects.count() == 2
