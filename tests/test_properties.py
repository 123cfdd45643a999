"""Property-based tests: arbitrary input never gives a 500 and never stores an invalid report."""

from urllib.parse import quote

from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from complaints.intake import abuse
from complaints.models import Complaint

ANY_TEXT = st.one_of(
    st.text(max_size=80),
    # Very long values cost little entropy when built by repetition; a fully random
    # 3000-character string in eleven fields trips Hypothesis' data-size health check.
    st.builds(
        lambda part, times: part * times,
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
        st.integers(min_value=100, max_value=3000),
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\ufeff",
            "\u202e",
            "\U0001d505\U0001d522\U0001d52f",
            "=cmd|' /C calc'!A0",
        ]
    ),
)
CHOICE = st.one_of(
    st.sampled_from(["2g", "4g", "daily", "indoor", "no-data", "o2", "2026-03", "on"]),
    ANY_TEXT,
)
FIELDS = [
    "carrier",
    "city",
    "district",
    "postal_code",
    "technology",
    "frequency",
    "since",
    "location",
    "description",
    "email",
    "consent",
]
OK = {200, 302, 400, 413}


@override_settings(RATELIMIT_ENABLE=False)
class FormProperties(TestCase):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        data=st.fixed_dictionaries(dict.fromkeys(FIELDS, CHOICE)),
        problems=st.lists(CHOICE, max_size=4),
    )
    def test_the_form_survives_anything(self, data, problems):
        payload = {**data, "problems": problems, "form_stamp": abuse.form_stamp()}
        response = Client().post("/report/", payload)
        assert response.status_code in OK, response.status_code
        for complaint in Complaint.objects.all():
            complaint.full_clean()  # whatever was stored is a valid complaint
            assert complaint.problems.exists()

    @settings(max_examples=30, deadline=None)
    @given(body=st.binary(max_size=2000))
    def test_raw_bytes_as_a_form_body(self, body):
        response = Client().post("/report/", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in OK
        assert not Complaint.objects.exists() or all(
            c.problems.exists() for c in Complaint.objects.all()
        )


class EndpointProperties(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(query=ANY_TEXT)
    def test_place_suggestions_answer_json(self, query):
        response = Client().get("/places/suggest/", {"q": query})
        assert response.status_code in {200, 400}
        if response.status_code == 200:
            assert isinstance(response.json(), dict | list)

    @settings(max_examples=40, deadline=None)
    @given(slug=ANY_TEXT)
    def test_city_pages_and_files_are_200_or_404(self, slug):
        for suffix in ("/", "/districts.json", "/districts.csv"):
            response = Client().get(f"/stats/{quote(slug, safe='')}{suffix}")
            assert response.status_code in {200, 301, 400, 404}, (slug, suffix)


class BigBodies(TestCase):
    def test_a_20_mb_body_is_refused_with_413(self):
        body = b"description=" + b"x" * (20 * 1024 * 1024)
        response = Client().post("/report/", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert not Complaint.objects.exists()

    def test_wrong_methods(self):
        assert Client().put("/report/", "x").status_code == 405
        assert Client().delete("/stats/cities.json").status_code == 405
