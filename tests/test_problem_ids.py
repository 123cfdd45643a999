"""Each complaint keeps its problem ids (column problem_ids, migration 0026) whatever wrote its
links: the form, the admin, an import, seed_demo, raw SQL or COPY. The export reads them
instead of joining the links, and shows the problem types' current slugs."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from complaints.carrier import exports
from complaints.models import Complaint, ProblemType, Status

from .factories import ComplaintFactory
from .helpers import freshly_shown

pytestmark = pytest.mark.django_db
LINKS = Complaint.problems.through


def stored(complaint: Complaint) -> str:
    """The column as the database holds it now."""
    return Complaint.objects.values_list("problem_id_list", flat=True).get(pk=complaint.pk)


def linked(complaint: Complaint) -> str:
    ids = LINKS.objects.filter(complaint_id=complaint.pk).values_list("problemtype_id", flat=True)
    return ";".join(str(pk) for pk in sorted(ids))


def ids_of(*slugs: str) -> str:
    return ";".join(
        str(pk)
        for pk in sorted(ProblemType.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    )


def assert_every_complaint_agrees():
    wrong = [
        (c.pk, stored(c), linked(c)) for c in Complaint.objects.all() if stored(c) != linked(c)
    ]
    assert not wrong


def test_links_set_added_and_removed_are_on_the_complaint():
    complaint = ComplaintFactory(problems=["sms", "no-data"])
    assert stored(complaint) == ids_of("sms", "no-data")
    complaint.problems.add(ProblemType.objects.get(slug="slow-data"))
    assert stored(complaint) == ids_of("sms", "no-data", "slow-data")
    complaint.problems.remove(ProblemType.objects.get(slug="sms"))
    assert stored(complaint) == ids_of("no-data", "slow-data")
    complaint.problems.clear()
    assert stored(complaint) == ""


def test_a_save_of_a_complaint_read_before_its_links_changed_keeps_the_links():
    complaint = ComplaintFactory(problems=["sms"])
    stale = Complaint.objects.get(pk=complaint.pk)
    complaint.problems.set(ProblemType.objects.filter(slug__in=["no-data", "slow-data"]))
    stale.carrier = "o2"
    stale.save()  # writes every column, the old ids too
    assert stored(complaint) == ids_of("no-data", "slow-data")
    # Nor does a direct update of the column change it.
    Complaint.objects.filter(pk=complaint.pk).update(problem_id_list="999")
    assert stored(complaint) == ids_of("no-data", "slow-data")


def test_a_row_inserted_with_ids_but_without_links_has_none():
    # A copy of another row (INSERT .. SELECT, as bench seeders do) must not claim its links.
    original = ComplaintFactory(problems=["sms"])
    copy = ComplaintFactory(problems=[])
    Complaint.objects.filter(pk=copy.pk).delete()
    copy.pk, copy.reference, copy.pseudonym = None, "copy-reference", "copy-pseudonym"
    copy.problem_id_list = stored(original)
    copy.save(force_insert=True)
    assert stored(copy) == ""


def test_the_form_stores_the_ids(valid_report):
    assert Client().post("/report/", freshly_shown(valid_report)).status_code == 302
    complaint = Complaint.objects.get()
    assert stored(complaint) == ids_of("no-data", "dropped-calls") == linked(complaint)


def test_the_admin_changes_the_ids(organizer_client):
    complaint = ComplaintFactory(problems=["sms"], description="alles gut")
    url = f"/admin/complaints/complaint/{complaint.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    chosen = ProblemType.objects.filter(slug__in=["no-data", "slow-data"])
    data.update(
        problems=[p.pk for p in chosen],
        since="",
        city_place=complaint.city_place_id or "",
        district_place=complaint.district_place_id or "",
    )
    response = organizer_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stored(complaint) == ids_of("no-data", "slow-data")


def test_an_import_stores_the_ids(organizer_client):
    from .test_imports import confirm, upload

    rows = "".join(f"Hamburg,sms;no-data,2026-11-{1 + n % 28:02d}\r\n" for n in range(30))
    preview = upload(organizer_client, ("city,problems,submitted_at\r\n" + rows).encode())
    assert confirm(organizer_client, preview).status_code == 302
    assert Complaint.objects.count() == 30
    assert set(Complaint.objects.values_list("problem_id_list", flat=True)) == {
        ids_of("sms", "no-data")
    }
    assert_every_complaint_agrees()


def test_seed_demo_stores_the_ids():
    call_command("seed_demo", "--count", "60", "--seed", "3", verbosity=0)
    assert Complaint.objects.exclude(problem_id_list="").count() == Complaint.objects.count()
    assert_every_complaint_agrees()


def test_raw_inserts_and_deletes_of_links(small_gazetteer):
    complaints = ComplaintFactory.create_batch(40, problems=[])
    sms, no_data = ProblemType.objects.get(slug="sms"), ProblemType.objects.get(slug="no-data")
    links = [(c.pk, p.pk) for c in complaints for p in (sms, no_data)]
    table = connection.ops.quote_name(LINKS._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One COPY of many links: one statement, one grouped update.
            columns = "(complaint_id, problemtype_id)"
            with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (complaint_id, problemtype_id) VALUES (%s, %s)",  # noqa: S608
                links,
            )
    assert {stored(c) for c in complaints} == {ids_of("sms", "no-data")}
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE problemtype_id = %s", [sms.pk])  # noqa: S608
        cursor.execute(
            f"UPDATE {table} SET problemtype_id = %s WHERE complaint_id = %s",  # noqa: S608
            [sms.pk, complaints[0].pk],
        )
    assert stored(complaints[0]) == ids_of("sms")
    assert {stored(c) for c in complaints[1:]} == {ids_of("no-data")}
    assert_every_complaint_agrees()


def test_deleting_a_complaint_with_links_works():
    complaint = ComplaintFactory(problems=["sms", "no-data"])
    complaint.delete()
    assert not LINKS.objects.exists()


def csv_rows(fmt="csv") -> list[list[str]]:
    import csv
    import io

    content = b"".join(exports.anonymized_file(exports.Filters(), fmt)).decode()
    return list(csv.reader(io.StringIO(content)))[1:]


def test_the_export_shows_the_current_slugs_in_their_order():
    ComplaintFactory(status=Status.PUBLISHED, problems=["sms", "no-data"])
    ComplaintFactory(status=Status.PUBLISHED, problems=[])
    sms = ProblemType.objects.get(slug="sms")
    sms.slug = "text-messages"
    sms.position = 0  # first now
    sms.save()
    ProblemType.objects.filter(slug="no-data").update(position=100)
    problems = sorted(row[3] for row in csv_rows())
    assert problems == ["", "text-messages;no-data"]
    # The Python path (any format but CSV on PostgreSQL) says the same.
    assert sorted(row[3] for row in exports.anonymized_rows(exports.Filters())) == problems


def test_the_export_follows_a_merge_of_places(organizer):
    from complaints.models import Place
    from complaints.places.services import places_merge

    complaint = ComplaintFactory(status=Status.PUBLISHED, city="Hamburg", district="Altona")
    source = complaint.district_place
    target = (
        Place.objects.filter(parent=source.parent, kind=Place.Kind.DISTRICT, merged_into=None)
        .exclude(pk=source.pk)
        .first()
    )
    places_merge(source=source, target=target, moderator=organizer)
    assert [row[5] for row in csv_rows()] == [target.name]
