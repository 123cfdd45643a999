"""The public form: every rule of the spec, answered next to the field, nothing stored."""

import datetime

import pytest
from django.utils import timezone

from complaints.intake import abuse
from complaints.models import Complaint

from .helpers import field_errors

pytestmark = pytest.mark.django_db


def post(client, data, **extra):
    return client.post("/report/", data, **extra)


def next_month() -> str:
    today = timezone.localdate()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"problems": []}, "problems", "Bitte mindestens ein Problem auswählen."),
        ({"problems": ["teleportation"]}, "problems", "teleportation ist keine Problemart"),
        (
            {"city": "", "postal_code": ""},
            "city",
            "Bitte die Stadt oder Gemeinde oder die Postleitzahl angeben.",
        ),
        (
            {"city": "   ", "postal_code": ""},
            "city",
            "Bitte die Stadt oder Gemeinde oder die Postleitzahl angeben.",
        ),
        ({"city": "x" * 101}, "city", "höchstens 100 Zeichen"),
        ({"city": "★★"}, "city", "Bitte einen Ortsnamen mit Buchstaben angeben."),
        ({"city": "12345"}, "city", "Bitte einen Ortsnamen mit Buchstaben angeben."),
        (
            {"city": "\u200b\u200b", "postal_code": ""},
            "city",
            "Bitte die Stadt oder Gemeinde oder die Postleitzahl angeben.",
        ),
        ({"district": "???"}, "district", "Bitte einen Ortsnamen mit Buchstaben angeben."),
        ({"postal_code": "1234"}, "postal_code", "fünfstellige Postleitzahl"),
        ({"postal_code": "123456"}, "postal_code", "fünfstellige Postleitzahl"),
        ({"postal_code": "2O765"}, "postal_code", "fünfstellige Postleitzahl"),
        ({"since": next_month()}, "since", "Der Monat darf nicht in der Zukunft liegen."),
        ({"since": "1970-01"}, "since", "Bitte einen Monat ab 1990 angeben."),
        ({"since": "2026-13"}, "since", "Bitte einen Monat wie 03.2026"),
        ({"since": "gestern"}, "since", "Bitte einen Monat wie 03.2026"),
        ({"technology": "6g"}, "technology", "Bitte eine gültige Auswahl treffen"),
        ({"frequency": ""}, "frequency", "Bitte angeben, wie oft das Problem auftritt."),
        ({"frequency": "hourly"}, "frequency", "Bitte eine gültige Auswahl treffen"),
        ({"location": "space"}, "location", "Bitte eine gültige Auswahl treffen"),
        ({"carrier": "acme"}, "carrier", "Bitte eine gültige Auswahl treffen"),
        ({"description": "x" * 2001}, "description", "höchstens 2000 Zeichen"),
        ({"email": "hamlet@"}, "email", "gültige E-Mail-Adresse"),
        ({"consent": ""}, "consent", "Bitte stimmen Sie zu"),
    ],
)
def test_rejects_invalid_field_with_message_next_to_it(
    client, valid_report, changes, field, message
):
    data = {**valid_report, **changes}
    if data.get("consent") == "":
        del data["consent"]
    response = post(client, data)
    assert response.status_code == 200  # the form again, with messages
    html = response.content.decode()
    errors = field_errors(html, field)
    assert any(message in error for error in errors), errors
    assert Complaint.objects.count() == 0


def test_errors_are_in_english_when_the_page_is(client, valid_report):
    client.cookies["django_language"] = "en"
    response = post(client, {**valid_report, "problems": [], "postal_code": "abc"})
    html = response.content.decode()
    assert field_errors(html, "problems") == ["Choose at least one problem."]
    assert field_errors(html, "postal_code") == ["Enter a postal code of five digits, e.g. 10115."]
    assert '<html lang="en">' in html


def test_missing_everything_reports_each_required_field(client):
    response = post(client, {"form_stamp": abuse.form_stamp()})
    html = response.content.decode()
    for field in ["problems", "city", "frequency", "consent"]:
        assert field_errors(html, field), field
    assert html.count('class="alert-link" href="#id_') == 4  # the summary: a link per field
    assert Complaint.objects.count() == 0


def test_description_line_breaks_count_once(client, valid_report):
    # A browser's maxlength counts a line break once but sends it as CRLF.
    text = ("a" * 9 + "\r\n") * 200  # 2000 characters as the browser counts them
    response = post(client, {**valid_report, "description": text})
    assert response.status_code == 302
    assert len(Complaint.objects.get().description) == 2000 - 1  # trailing newline stripped


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-03", datetime.date(2026, 3, 1)),
        ("03.2026", datetime.date(2026, 3, 1)),
        ("3/2025", datetime.date(2025, 3, 1)),
        ("", None),
    ],
)
def test_accepts_month_as_picker_or_typed(client, valid_report, typed, stored):
    response = post(client, {**valid_report, "since": typed})
    assert response.status_code == 302
    assert Complaint.objects.get().since == stored


def test_accepts_the_current_month(client, valid_report):
    this_month = timezone.localdate().strftime("%Y-%m")
    assert post(client, {**valid_report, "since": this_month}).status_code == 302


def test_invisible_characters_and_runs_of_spaces_are_dropped(client, valid_report):
    typed = {"city": " Frankfurt\u200b  am\tMain ", "district": "Sachsen\u00adhausen\u202e"}
    post(client, {**valid_report, **typed})
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.district) == ("Frankfurt am Main", "Sachsenhausen")


def test_invalid_utf8_is_not_stored_as_a_place(client, valid_report):
    body = "&".join(
        [f"{key}={value}" for key, value in valid_report.items() if key not in {"city", "problems"}]
        + ["problems=no-data", "city=%FF%FE"]
    )
    response = client.post("/report/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "city")
    assert Complaint.objects.count() == 0


def test_postal_code_with_a_space_is_accepted(client, valid_report):
    post(client, {**valid_report, "postal_code": "22 765"})
    assert Complaint.objects.get().postal_code == "22765"


def test_only_required_fields_are_enough(client):
    response = post(
        client,
        {
            "form_stamp": abuse.form_stamp(),
            "problems": ["sms"],
            "city": "Passau",
            "frequency": "rarely",
            "technology": "unknown",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.district, complaint.email, complaint.location) == ("", "", "")
    assert complaint.technology == "unknown"


def test_html_and_script_are_shown_as_text(client, valid_report):
    evil = '<script>alert("x")</script><b>bold</b>'
    response = post(client, {**valid_report, "city": evil, "description": evil})
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html


def test_invalid_input_is_echoed_escaped(client, valid_report):
    response = post(client, {**valid_report, "city": '"><script>x()</script>', "email": "<b>@"})
    html = response.content.decode()
    assert "<script>x()" not in html
    assert "<b>@" not in html


def test_carrier_is_hidden_when_there_is_only_one(client, settings):
    settings.EINZELFALL_CARRIERS = {"o2": "O2 Telefónica"}
    html = client.get("/report/").content.decode()
    assert '<input type="hidden" name="carrier" value="o2"' in html


def test_carrier_is_a_choice_when_there_are_several(client, valid_report):
    html = client.get("/report/").content.decode()
    assert '<select name="carrier"' in html
    post(client, {**valid_report, "carrier": "vodafone"})
    assert Complaint.objects.get().carrier == "vodafone"


def test_carrier_defaults_to_the_first(client, valid_report):
    post(client, valid_report)
    assert Complaint.objects.get().carrier == "o2"


def test_inactive_problem_types_are_not_offered(client, valid_report):
    from complaints.models import ProblemType

    ProblemType.objects.filter(slug="sms").update(is_active=False)
    html = client.get("/report/").content.decode()
    assert 'value="sms"' not in html
    response = post(client, {**valid_report, "problems": ["sms"]})
    assert field_errors(response.content.decode(), "problems")
