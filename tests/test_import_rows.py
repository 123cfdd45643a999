"""The import's cells and rows without the admin: widgets, words, files and a row's errors."""

import datetime
import io

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV, LegacyXLSX
from complaints.carrier.imports.widgets import DateTimeWidget, MonthWidget, choice
from complaints.models import Complaint

NOVEMBER = datetime.date(2011, 11, 1)


@pytest.mark.parametrize(
    ("value", "name", "code"),
    [
        ("LTE", "technology", "4g"),
        ("weiß nicht", "technology", "unknown"),
        ("täglich", "frequency", "daily"),
        ("Weekly", "frequency", "weekly"),
        ("draußen", "location", "outdoor"),
        ("", "frequency", ""),
        (None, "location", ""),
    ],
)
def test_a_choice_is_found_by_its_code_label_or_usual_word(value, name, code):
    assert choice(value, name) == code


def test_an_unknown_choice_names_the_known_ones():
    with pytest.raises(ValueError, match="always, daily, weekly, rarely"):
        choice("stündlich", "frequency")


@pytest.mark.parametrize(
    "value",
    ["11/2011", "11.2011", "11 - 2011", "2011-11", "2011-11-24", NOVEMBER.replace(day=24)],
)
def test_a_month_in_any_usual_spelling_is_its_first_day(value):
    assert MonthWidget().clean(value) == NOVEMBER


def test_a_spreadsheets_moment_is_its_month():
    assert MonthWidget().clean(datetime.datetime(2011, 11, 24, 9, 15)) == NOVEMBER
    assert MonthWidget().clean("") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("13/2011", "Not a month"), ("November", "use 11/2011"), ("12/2099", "in the future")],
)
def test_a_text_that_is_no_past_month_is_refused(value, message):
    with translation.override("en"), pytest.raises(ValueError, match=message):
        MonthWidget().clean(value)


def test_a_spreadsheets_date_is_noon_of_that_day_here():
    moment = DateTimeWidget().clean(datetime.date(2011, 11, 24))
    assert moment.tzinfo is timezone.get_default_timezone()
    assert (moment.date(), moment.hour) == (datetime.date(2011, 11, 24), 12)


def test_an_empty_date_is_the_moment_the_import_started():
    widget = DateTimeWidget()
    started = timezone.now()
    widget.start(started)
    assert widget.clean("") == started


def test_a_bad_date_text_is_checked_once_and_refused_every_time():
    widget = DateTimeWidget()
    for _ in range(2):
        with pytest.raises(ValueError, match=r"31\.02\.2011"):
            widget.clean("31.02.2011")
    assert list(widget.checked) == ["31.02.2011"]
    assert type(widget.checked["31.02.2011"]) is str  # the message, not the exception


def test_a_csv_given_as_text_is_read_as_it_is():
    dataset = LegacyCSV().create_dataset("city;problems\nKöln;sms\n\n;\n")
    assert dataset.headers == ["city", "problems"] and dataset.dict == [
        {"city": "Köln", "problems": "sms"}
    ]


def test_an_empty_spreadsheet_is_an_empty_dataset():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert LegacyXLSX().create_dataset(buffer.getvalue()).height == 0


@pytest.mark.django_db
def test_a_row_with_an_unknown_carrier_and_frequency_says_both():
    content = "city;problems;carrier;frequency\r\nKöln;sms;Funkturm AG;stündlich\r\n".encode()
    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
    errors = result.invalid_rows[0].error_dict
    assert set(errors) == {"carrier", "frequency"}
    assert "Funkturm AG" in str(errors["carrier"]) and "stündlich" in str(errors["frequency"])
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_carrier_is_found_by_its_name_and_none_is_the_first(settings):
    settings.EINZELFALL_CARRIERS = {"o2": "O2 Telefónica", "telekom": "Telekom"}
    content = "city;problems;carrier\r\nKöln;sms;TELEKOM\r\nBonn;sms;\r\n".encode()
    result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
    assert not result.has_errors() and not result.has_validation_errors()
    carriers = dict(Complaint.objects.values_list("city", "carrier"))
    assert carriers == {"Köln": "telekom", "Bonn": "o2"}
