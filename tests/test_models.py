"""The data model's seeded rows and the invariants the database itself holds."""

import pytest
from django.db import IntegrityError, transaction

from complaints.models import Complaint, ProblemType, Status

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def test_data_migration_seeds_the_seven_problem_types_in_both_languages():
    rows = list(ProblemType.objects.values_list("slug", "name_de", "name_en"))
    assert rows == [
        ("no-data", "Keine Datenverbindung", "No data connection"),
        ("slow-data", "Langsames mobiles Internet", "Slow mobile internet"),
        ("dropped-calls", "Gesprächsabbrüche", "Dropped calls"),
        ("no-signal", "Kein Netz / kein Empfang", "No network / no signal"),
        ("calls-fail", "Anrufe kommen nicht zustande", "Calls do not connect"),
        ("sms", "SMS kommen verspätet oder gar nicht an", "SMS arrive late or not at all"),
        ("other", "Sonstiges", "Other"),
    ]


def test_data_migration_creates_the_legal_pages():
    from django.contrib.flatpages.models import FlatPage

    assert set(FlatPage.objects.values_list("url", flat=True)) >= {"/privacy/", "/imprint/"}


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "archived"},
        {"technology": "6g"},
        {"frequency": "hourly"},
        {"location": "space"},
        {"city": ""},
    ],
)
def test_database_refuses_invalid_values(changes):
    complaint = ComplaintFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(**changes)


def test_database_refuses_a_moderated_status_without_a_moderation_time():
    complaint = ComplaintFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(status=Status.PUBLISHED)


def test_counted_excludes_rejected_and_spam():
    for status in Status.values:
        ComplaintFactory(status=status)
    assert set(Complaint.objects.counted().values_list("status", flat=True)) == {
        "pending",
        "published",
    }


def test_database_refuses_a_description_over_2000_characters():
    complaint = ComplaintFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(description="ü" * 2001)
    Complaint.objects.filter(pk=complaint.pk).update(description="ü" * 2000)


def test_service_validates_what_the_form_would(valid_report):
    from django.core.exceptions import ValidationError

    from complaints.intake.services import complaint_submit

    problems = ProblemType.objects.filter(slug="no-data")
    base = {"problems": problems, "city": "Hamburg", "frequency": "daily"}
    for changes in [
        {"description": "x" * 2001},
        {"postal_code": "1234"},
        {"carrier": "acme"},
        {"city": "  "},
        {"city": "10115"},
        {"problems": []},
        {"technology": "6g"},
    ]:
        with pytest.raises(ValidationError):
            complaint_submit(**{**base, **changes})
    assert Complaint.objects.count() == 0
    complaint_submit(**base)
    assert Complaint.objects.count() == 1
