"""The report form on a phone, as the server renders it: the order of the questions, what is
optional, the error summary, a postal code alone, the suggestions and the thanks page."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from complaints.intake import abuse
from complaints.intake.forms import ComplaintForm
from complaints.models import Complaint

from .helpers import field_block, field_errors

pytestmark = pytest.mark.django_db

SUGGEST = "/places/suggest/"


def post(client, data):
    return client.post("/report/", data)


def without_city(report: dict, **changes) -> dict:
    return {**report, "city": "", "district": "", **changes}


def summary(html: str) -> str:
    start = html.find('<div class="error-summary')
    assert start != -1, "no error summary"
    return html[start : html.index("</div>", start)]


def test_required_questions_come_first_then_the_optional_ones_then_the_consent(client):
    page = client.get("/report/").content.decode()
    html = page[page.index('<form method="post" action="/report/"') :]
    names = [
        "problems",
        "city",
        "district",
        "postal_code",
        "frequency",
        "technology",
        "since",
        "location",
        "description",
        "email",
        "followup",
        "consent",
    ]
    positions = [html.index(f'name="{name}"') for name in names]
    assert positions == sorted(positions)
    heading = html.index('id="optional-questions"')
    assert positions[names.index("frequency")] < heading < positions[names.index("technology")]
    # The consent is the last question, right before the button.
    controls = re.findall(r'<(?:input|textarea|select)[^>]*name="(\w+)"', html)
    assert controls[-2:] == ["consent", "submit"]


def test_optional_questions_say_so_in_their_label_and_required_ones_have_a_star(client):
    html = client.get("/report/").content.decode()
    for name in ["district", "technology", "since", "location", "description", "email"]:
        assert "(freiwillig)" in field_block(html, name), name
    for name in ["problems", "frequency"]:
        block = field_block(html, name).split("</fieldset>")[0]
        assert "(freiwillig)" not in block and 'class="asteriskField"' in block, name
    assert "An welchem Ort?" in html and "Die Stadt oder die Postleitzahl genügt." in html


def test_an_english_page_says_optional_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get("/report/").content.decode()
    assert "District (optional)" in html
    assert "More about the problem (optional)" in html


def test_the_error_summary_links_to_each_invalid_field_in_the_order_shown(client):
    response = post(client, {"form_stamp": abuse.form_stamp(), "email": "hamlet@"})
    html = response.content.decode()
    box = summary(html)
    assert 'role="alert"' in box and 'tabindex="-1"' in box
    assert "Es gibt ein Problem" in box
    links = re.findall(r'<a class="alert-link" href="#([\w-]+)">([^<]+)</a>', box)
    assert [target for target, _ in links] == [
        "id_problems_0",
        "id_city",
        "id_frequency_0",
        "id_email",
        "id_consent",
    ]
    assert links[1][1] == "Bitte die Stadt oder Gemeinde oder die Postleitzahl angeben."
    # Every link leads to an input on the page.
    for target, _ in links:
        assert f'id="{target}"' in html
    assert "Bitte korrigieren" not in html  # the old sentence above the form is gone


def test_the_error_summary_is_in_english_on_an_english_page(client):
    client.cookies["django_language"] = "en"
    html = post(client, {"form_stamp": abuse.form_stamp()}).content.decode()
    box = summary(html)
    assert "There is a problem" in box
    assert "Tell us the city or municipality, or the postal code." in box


def test_errors_of_the_whole_form_are_in_the_summary_once(valid_report):
    form = ComplaintForm(valid_report)
    assert form.is_valid()
    form.add_error(None, "Dieses Formular war lange geöffnet.")
    request = RequestFactory().get("/report/")
    html = render_to_string("complaints/report.html", {"form": form}, request=request)
    assert "<li>Dieses Formular war lange geöffnet.</li>" in summary(html)
    assert html.count("Dieses Formular war lange geöffnet.") == 1
    assert html.count('name="csrfmiddlewaretoken"') <= 2  # the language switch's and the form's


def test_each_invalid_field_names_its_error(client):
    empty = post(client, {"form_stamp": abuse.form_stamp()}).content.decode()
    wrong = post(
        client, {"form_stamp": abuse.form_stamp(), "postal_code": "123", "since": "gestern"}
    ).content.decode()
    for html, name in [
        (empty, "city"),
        (empty, "consent"),
        (wrong, "postal_code"),
        (wrong, "since"),
    ]:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag, name
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
        assert f"id_{name}_error" in described, name
        assert f'id="id_{name}_error"' in html, name
    for name in ["problems", "frequency"]:
        block = field_block(empty, name).split("</fieldset>")[0]
        fieldset = re.search(r"<fieldset[^>]*>", block).group(0)
        assert f"id_{name}_error" in fieldset, name
        assert f'id="id_{name}_error"' in block, name
        assert all('aria-invalid="true"' in tag for tag in re.findall(r"<input[^>]*>", block))


def test_a_postal_code_alone_is_enough(client, valid_report):
    response = post(client, without_city(valid_report, postal_code="80331"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.city == "München"  # the recognized name stands for the missing text
    assert complaint.city_place.name == "München"
    assert complaint.postal_code == "80331"


def test_a_postal_code_and_a_district_are_enough(client, valid_report):
    post(client, without_city(valid_report, postal_code="80331", district="Schwabing"))
    complaint = Complaint.objects.get()
    assert (complaint.city_place.name, complaint.district_place.name) == (
        "München",
        "Schwabing-West",
    )


def test_neither_city_nor_postal_code_names_both(client, valid_report):
    response = post(client, without_city(valid_report, postal_code=""))
    errors = field_errors(response.content.decode(), "city")
    assert errors == ["Bitte die Stadt oder Gemeinde oder die Postleitzahl angeben."]
    assert not Complaint.objects.exists()


def test_an_unknown_postal_code_alone_asks_for_the_city(client, valid_report):
    response = post(client, without_city(valid_report, postal_code="99999"))
    errors = field_errors(response.content.decode(), "city")
    assert errors == [
        "Die Postleitzahl 99999 kennen wir nicht. Bitte die Stadt oder Gemeinde angeben."
    ]
    assert not Complaint.objects.exists()


def test_a_malformed_postal_code_alone_gets_only_its_own_message(client, valid_report):
    html = post(client, without_city(valid_report, postal_code="803")).content.decode()
    assert field_errors(html, "postal_code")
    assert not field_errors(html, "city")


def test_technology_left_out_is_unknown(client, valid_report):
    data = {k: v for k, v in valid_report.items() if k != "technology"}
    assert post(client, data).status_code == 302
    assert Complaint.objects.get().technology == "unknown"


def names(response) -> list[str]:
    return [r["name"] for r in response.json()["results"]]


def test_suggestions_read_a_city_and_a_district_in_one_field(client):
    results = client.get(SUGGEST, {"q": "Hamburg Altona"}).json()["results"]
    assert results[0]["name"] == "Hamburg" and results[0]["kind"] == "city"
    assert results[1] == {
        "name": "Altona",
        "slug": results[1]["slug"],
        "kind": "district",
        "state": "Hamburg",
        "city": "Hamburg",
    }
    started = names(client.get(SUGGEST, {"q": "Hamburg Alt"}))
    assert started[0] == "Hamburg" and "Altona" in started


@pytest.mark.parametrize(
    ("query", "first"),
    [("Frankfurt a.M.", "Frankfurt am Main"), ("Munich", "München"), ("FFM", "Frankfurt am Main")],
)
def test_suggestions_know_short_forms_and_other_names(client, query, first):
    assert names(client.get(SUGGEST, {"q": query}))[0] == first


def test_suggestions_find_the_city_of_a_postal_code(client):
    results = client.get(SUGGEST, {"q": "80331"}).json()["results"]
    assert [(r["name"], r["postal_code"]) for r in results] == [("München", "80331")]
    assert names(client.get(SUGGEST, {"q": "8033"})) == ["München"]
    assert client.get(SUGGEST, {"q": "99999"}).json()["results"] == []


def test_existing_suggestions_stay_as_they_were(client):
    assert names(client.get(SUGGEST, {"q": "ham"}))[0] == "Hamburg"
    districts = client.get(SUGGEST, {"city": "Hamburg", "q": "alt"}).json()["results"]
    assert "Altona" in [r["name"] for r in districts]


def thanks_page(client, valid_report, **changes):
    response = post(client, {**valid_report, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


def test_the_thanks_page_shows_the_place_as_recognized(client, valid_report):
    html = thanks_page(client, valid_report, city="muenchen", district="schwabing", postal_code="")
    place = re.search(r'data-testid="place">(.*?)</dd>', html, re.S).group(1)
    assert place.strip() == "München, Schwabing-West"


def test_the_thanks_page_shows_an_unknown_place_as_typed(client, valid_report):
    html = thanks_page(client, valid_report, city="Bärlin", district="", postal_code="")
    place = re.search(r'data-testid="place">(.*?)</dd>', html, re.S).group(1)
    assert place.strip().startswith("Bärlin")
    assert "Diesen Ort kennen wir noch nicht" in place
    assert 'data-testid="city-link"' not in html


def test_the_thanks_page_says_reports_are_checked_and_links_the_city(client, valid_report):
    html = thanks_page(client, valid_report, city="", district="", postal_code="80331")
    assert "Jede Meldung wird geprüft, bevor sie veröffentlicht wird" in html
    link = re.search(r'<a href="([^"]+)" data-testid="city-link">([^<]+)</a>', html, re.S)
    assert link.group(1) == "/stats/muenchen/"
    assert link.group(2).strip() == "Alle Meldungen aus München"
    assert client.get(link.group(1)).status_code == 200  # a city page without published reports


def test_the_thanks_page_has_a_copy_button_that_needs_javascript(client, valid_report):
    html = thanks_page(client, valid_report)
    assert "<div data-copy-link hidden>" in html  # shown by the script, never a dead button
    assert 'data-copy-target="private-link"' in html and 'id="private-link"' in html
    assert "Privaten Link kopieren" in html
    assert 'src="/static/js/copy-link.js"' in html


def test_calls_to_action_share_one_colour_and_red_is_for_deleting(client, valid_report):
    landing = client.get("/").content.decode()
    cta = re.findall(r'<a class="btn ([^"]*)" href="/report/">', landing)
    assert cta and all("btn-primary" in classes for classes in cta)
    form = client.get("/report/").content.decode()
    assert "btn-danger" not in landing and "btn-danger" not in form
    assert 'class="btn btn-primary btn-lg w-100 mt-2"' in form
