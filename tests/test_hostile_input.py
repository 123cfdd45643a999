"""Hostile bytes in every public form and query (NUL characters, bytes that are not UTF-8, an
overlong encoding, a lone surrogate): a clear answer (a form error, a 400, a 404 or a redirect),
never a 500, and nothing stored."""

import urllib.parse

import pytest

from complaints.campaign import followups
from complaints.models import Complaint

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db

GARBAGE = ["%00", "a%00b", "%FF", "%C0%80", "%ED%A0%80"]
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("raw", GARBAGE)
@pytest.mark.parametrize(
    "path",
    [
        "/places/suggest/?q={}",
        "/places/suggest/?q=Ham&city={}",
        "/stats/cities.html?q={}",
        "/updates/?page={}",
        "/report/?city={}",
        "/i18n/setlang/?next={}",
    ],
)
def test_a_query_with_hostile_bytes_is_no_server_error(client, path, raw):
    assert client.get(path.format(raw)).status_code < 500


@pytest.mark.parametrize("raw", GARBAGE)
@pytest.mark.parametrize(
    "field",
    ["problems", "carrier", "frequency", "technology", "location", "since", "form_stamp"],
)
def test_a_report_choice_with_hostile_bytes_is_an_error_and_stores_nothing(
    client, valid_report, field, raw
):
    pairs = [
        (key, value)
        for key, values in valid_report.items()
        if key != field
        for value in (values if isinstance(values, list) else [values])
    ]
    body = urllib.parse.urlencode(pairs) + f"&{field}={raw}"
    assert client.post("/report/", body, content_type=FORM).status_code < 500
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("raw", GARBAGE)
def test_the_other_public_forms_take_hostile_bytes_without_a_server_error(client, raw):
    complaint = ComplaintFactory(email="kai@example.org", followup_consent=True)
    answer = f"/report/followup/{followups.token(complaint, followups.ANSWER)}/"
    unsubscribe = (
        f"/report/followup/{followups.token(complaint, followups.UNSUBSCRIBE)}/unsubscribe/"
    )
    assert client.get(f"{answer}?answer={raw}").status_code < 500
    assert client.post(answer, f"answer={raw}&comment=x", content_type=FORM).status_code < 500
    assert client.post(unsubscribe, f"x={raw}", content_type=FORM).status_code < 500
    for body in [f"language={raw}&next=/", f"language=en&next={raw}"]:
        assert client.post("/i18n/setlang/", body, content_type=FORM).status_code < 500
    login = f"username={raw}&password={raw}"
    assert client.post("/admin/login/", login, content_type=FORM).status_code < 500
    complaint.refresh_from_db()
    assert complaint.followup_answer == ""
    delete = f"/report/thanks/{complaint.reference}/delete/"
    assert client.post(delete, f"x={raw}", content_type=FORM).status_code == 302
