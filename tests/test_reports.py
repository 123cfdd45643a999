"""The public evaluation on a small named data set whose numbers are worked out by hand.

Published: Berlin 16 (Kreuzberg 8, Neukölln 6, Mitte 2), Hamburg 9 (Altona 7, Ottensen 2),
Köln 3, and 2 from "Bärlin" (no known place): 30 in all. Not published: 4 pending and 2
rejected in Hamburg, which must not count anywhere.
"""

import csv
import io
import json

import pytest
from django.core.cache import cache

from complaints.models import Complaint, Place, Status

from .factories import ComplaintFactory
from .helpers import bulk_confirmed, release

pytestmark = pytest.mark.django_db


def published(count, city, district="", **fields):
    return ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, **fields
    )


@pytest.fixture
def world():
    published(8, "Berlin", "Kreuzberg", technology="4g", problems=["no-data"])
    published(6, "Berlin", "Neukölln", technology="5g", problems=["no-data", "sms"])
    published(2, "Berlin", "Mitte", technology="4g", problems=["slow-data"])
    published(7, "Hamburg", "Altona", technology="4g", problems=["slow-data"])
    published(2, "Hamburg", "Ottensen", technology="2g", problems=["dropped-calls"])
    published(3, "Köln", technology="3g", problems=["no-signal"])
    published(2, "Bärlin", technology="unknown", problems=["other"])
    ComplaintFactory.create_batch(4, city="Hamburg", district="Altona", status=Status.PENDING)
    ComplaintFactory.create_batch(2, city="Hamburg", district="Altona", status=Status.REJECTED)
    release()  # the public pages show the latest release (reports/releases.py)


def test_queries_count_published_complaints_only(world):
    from reports import queries

    assert queries.count_total() == 30
    assert queries.count_by_technology() == {"4g": 17, "5g": 6, "2g": 2, "3g": 3, "unknown": 2}
    by_city = queries.count_by_city()
    berlin, hamburg = Place.objects.get(slug="berlin"), Place.objects.get(slug="hamburg")
    assert (by_city[berlin.pk], by_city[hamburg.pk], by_city[None]) == (16, 9, 2)
    problems = {
        Complaint.problems.field.related_model.objects.get(pk=pk).slug: n
        for pk, n in queries.count_by_problem().items()
    }
    assert problems == {
        "no-data": 14,
        "sms": 6,
        "slow-data": 9,
        "dropped-calls": 2,
        "no-signal": 3,
        "other": 2,
    }
    assert sum(queries.count_by_hour().values()) == 30
    assert sum(n for _, n in queries.count_by_day()) == 30
    city_problem = queries.count_by_city_and_problem()
    sms = Complaint.problems.field.related_model.objects.get(slug="sms").pk
    assert city_problem[(berlin.pk, sms)] == 6
    assert (hamburg.pk, sms) not in city_problem
    districts = queries.count_by_city_and_district()
    kreuzberg = Place.objects.get(slug="berlin-kreuzberg")
    assert districts[(berlin.pk, kreuzberg.pk)] == 8
    assert sum(n for (city, _), n in districts.items() if city == hamburg.pk) == 9


def test_evaluation_suppresses_small_and_recoverable_numbers(world):
    from reports.selectors import build_evaluation

    evaluation = build_evaluation()
    assert evaluation.total == 30
    rows = {row.slug: row for row in evaluation.cities}
    assert (rows["berlin"].complaints, rows["hamburg"].complaints) == (16, 9)
    assert (rows["koeln"].complaints, rows["koeln"].suppressed) == (None, True)
    # Köln (3) and the unknown place (2) together: 5, so neither can be worked out.
    assert evaluation.other_places == 5
    berlin = dict(evaluation.details[rows["berlin"].id].districts)
    assert berlin["Kreuzberg"].count == 8
    # Mitte (2) is too small; Neukölln is hidden too, or 16 - 8 - 6 would give Mitte away.
    assert berlin["Mitte"].suppressed and berlin["Neukölln"].suppressed
    hamburg = dict(evaluation.details[rows["hamburg"].id].districts)
    # Two districts, one below K: the other is hidden, or 9 - 7 would give Ottensen away.
    assert hamburg["Ottensen"].suppressed and hamburg["Altona"].suppressed
    assert rows["koeln"].id not in evaluation.details


def test_per_100k_uses_the_gazetteers_population(world):
    from reports.selectors import build_evaluation

    berlin = Place.objects.get(slug="berlin")
    row = next(r for r in build_evaluation().cities if r.slug == "berlin")
    assert row.population == berlin.population
    assert row.per_100k == round(16 * 100_000 / berlin.population, 1)


def test_cities_json_has_the_spec_shape(client, world):
    response = client.get("/stats/cities.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    # The spec's keys, with the release they are (reports/releases.py) after the time; the
    # carrier on top (null: every carrier; issue 19).
    assert list(document) == [
        "carrier",
        "generated_at",
        "release",
        "released_at",
        "min_count",
        "total",
        "cities",
    ]
    assert (document["carrier"], document["min_count"], document["total"]) == (None, 5, 30)
    keys = ["city", "slug", "state", "complaints", "suppressed", "population", "per_100k"]
    # The spec's keys first; then the place's status and the follow-up answers (issue 7).
    extra = ["status", "status_date", "status_note", "followup_answers"]
    extra += ["improved", "unchanged", "worse"]
    # Then the place's keys (issue 20).
    place = ["ags", "geonames_id", "latitude", "longitude"]
    assert all(list(row) == keys + extra + place for row in document["cities"])
    by_slug = {row["slug"]: row for row in document["cities"]}
    assert by_slug["berlin"]["complaints"] == 16 and by_slug["berlin"]["state"] == "Berlin"
    assert by_slug["koeln"] == {
        "city": "Köln",
        "slug": "koeln",
        "state": "Nordrhein-Westfalen",
        "complaints": None,
        "suppressed": True,
        "population": by_slug["koeln"]["population"],
        "per_100k": None,
        **dict.fromkeys(extra),
        **{key: by_slug["koeln"][key] for key in place},
    }
    koeln = Place.objects.get(slug="koeln")
    assert by_slug["koeln"]["latitude"] == koeln.latitude is not None


def test_cities_csv_has_the_same_columns(client, world):
    response = client.get("/stats/cities.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert list(rows[0]) == [
        "city",
        "slug",
        "state",
        "complaints",
        "suppressed",
        "population",
        "per_100k",
        "status",
        "status_date",
        "status_note",
        "followup_answers",
        "improved",
        "unchanged",
        "worse",
        "ags",
        "geonames_id",
        "latitude",
        "longitude",
    ]
    by_slug = {row["slug"]: row for row in rows}
    assert (by_slug["koeln"]["complaints"], by_slug["koeln"]["suppressed"]) == ("", "true")
    assert (by_slug["berlin"]["complaints"], by_slug["berlin"]["suppressed"]) == ("16", "false")


def test_district_files_have_the_spec_shape(client, world):
    document = client.get("/stats/berlin/districts.json").json()
    extra = ["status", "status_date", "status_note", "followup_answers"]
    extra += ["improved", "unchanged", "worse"]
    keys = ["ags", "geonames_id", "latitude", "longitude"]
    assert list(document) == [
        "city",
        "slug",
        *keys,
        "carrier",
        "generated_at",
        "release",
        "released_at",
        "min_count",
        "total",
        *extra,
        "districts",
    ]
    assert (document["city"], document["total"]) == ("Berlin", 16)
    rows = {row["district"]: row for row in document["districts"]}
    none = dict.fromkeys(extra)
    places = {row["district"]: {k: row.pop(k) for k in keys} for row in document["districts"]}
    assert rows["Kreuzberg"] == {
        "city": "Berlin",
        "district": "Kreuzberg",
        "level": "district",
        "complaints": 8,
        "suppressed": False,
        **none,
    }
    assert rows["Mitte"] == {
        "city": "Berlin",
        "district": "Mitte",
        "level": "district",
        "complaints": None,
        "suppressed": True,
        **none,
    }
    # The district's own GeoNames id and centroid.
    kreuzberg = Place.objects.get(name="Kreuzberg", parent__slug="berlin")
    assert places["Kreuzberg"]["latitude"] == kreuzberg.latitude
    assert places["Kreuzberg"]["geonames_id"] == kreuzberg.geonames_id
    lines = client.get("/stats/berlin/districts.csv").content.decode().splitlines()
    header = "city,district,level,complaints,suppressed," + ",".join(extra + keys)
    assert lines[0] == header
    assert any(line.startswith("Berlin,Kreuzberg,district,8,false,,,,,,,,") for line in lines)
    assert any(line.startswith("Berlin,Mitte,district,,true,,,,,,,,") for line in lines)
    assert client.get("/stats/koeln/districts.json").json()["districts"] == []
    assert client.get("/stats/nowhere/districts.json").status_code == 404


def test_open_data_has_cache_headers_and_an_etag(client, world):
    response = client.get("/stats/cities.json")
    assert "max-age=300" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get("/stats/cities.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag


def test_a_moderators_action_shows_in_the_stats_with_the_next_release(
    organizer_client, client, world, django_capture_on_commit_callbacks
):
    def berlin():
        rows = client.get("/stats/cities.json").json()["cities"]
        return next(r["complaints"] for r in rows if r["slug"] == "berlin")

    assert berlin() == 16  # now cached
    pending = ComplaintFactory.create_batch(5, city="Berlin", district="Kreuzberg")
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(
            "/admin/complaints/complaint/",
            bulk_confirmed(
                organizer_client, {"action": "publish", "_selected_action": [pending[0].pk]}
            ),
        )
    # One report is no batch: the numbers stay as released (tests/test_releases.py).
    assert berlin() == 16
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(
            "/admin/complaints/complaint/",
            bulk_confirmed(
                organizer_client,
                {"action": "publish", "_selected_action": [p.pk for p in pending[1:]]},
            ),
        )
    release()
    assert berlin() == 21


def test_stats_are_served_from_the_cache(client, world, django_assert_num_queries):
    client.get("/stats/")  # builds and caches the evaluation
    # Only the session-less page: no query at all once the evaluation and counter are cached.
    with django_assert_num_queries(0):
        response = client.get("/stats/")
    assert response.status_code == 200


def test_stats_query_count_when_the_cache_is_cold(client, world, django_assert_num_queries):
    # The released evaluation is read, not built (reports/releases.py): the schedule's count
    # of reports published since the release, per city (the released ones too only for a
    # city that may stay small: none here), the latest release's number, its frozen
    # evaluation, the places' statuses (shown live), the public counter, and the carriers'
    # response statistics and disputes. The map reads a file, not the database.
    from reports import maps, selectors

    maps.geometry.cache_clear()
    cache.clear()
    selectors._local = None  # a process that has not read the release yet
    with django_assert_num_queries(7):
        client.get("/stats/")


def test_stats_page_shows_the_evaluation(client, world):
    html = client.get("/stats/").content.decode()
    assert 'data-testid="published">30<' in html
    assert "Keine Datenverbindung" in html
    assert '<a href="/stats/berlin/">Berlin</a>' in html
    assert '<a href="/stats/koeln/">' not in html  # suppressed: only in "andere Orte"
    assert "alle anderen Orte" in html
    assert 'class="chart chart-map"' in html and '<a href="/stats/berlin/"><circle' in html
    assert 'role="img"' in html
    assert 'property="og:title"' in html
    assert "Meldungen nach Uhrzeit" in html and 'id="hours-title"' in html
    assert not __import__("re").search(r'(?:src)="(?:https?:)?//', html)


def test_city_page_shows_districts_with_small_ones_suppressed(client, world):
    html = client.get("/stats/berlin/").content.decode()
    assert 'data-testid="city-count">16<' in html
    assert '<td>Kreuzberg</td><td class="text-end">8</td>' in html
    # Mitte's 2 is small; Neukölln is hidden only to protect it.
    assert mix(html, "districts")["Mitte"] == "&lt; 5"
    assert mix(html, "districts")["Neukölln"] == "nicht gezeigt"
    assert 'id="h-tech"' not in html


def test_small_city_page_shows_no_details(client, world):
    html = client.get("/stats/koeln/").content.decode()
    assert "Zu wenige veröffentlichte Meldungen" in html
    assert "Stadtteile" not in html


def test_city_without_reports_and_unknown_city(client, world):
    # Worded as a city with too few: "none yet" would tell 0 reports from 1 to 4.
    assert "Zu wenige veröffentlichte Meldungen" in client.get("/stats/uckerland/").content.decode()
    assert client.get("/stats/atlantis/").status_code == 404


def test_print_and_data_pages(client, world):
    printed = client.get("/stats/print/")
    assert printed.status_code == 200
    assert "/static/css/print.css" in printed.content.decode()
    assert "Auswertung der Meldungen" in printed.content.decode()
    data = client.get("/stats/data/").content.decode()
    assert "per_100k" in data and "suppressed" in data


def test_stats_with_nothing_published(client):
    html = client.get("/stats/").content.decode()
    # Nothing published, nothing released: the page says so (tests/test_releases.py).
    assert 'data-testid="not-released"' in html and 'data-testid="published"' not in html
    assert client.get("/stats/cities.json").json()["cities"] == []


def test_charts_follow_the_language(client, world):
    assert "Meldungen nach Problem" in client.get("/stats/").content.decode()
    english = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reports by problem" in english and "No data connection" in english
    assert "Meldungen nach Problem" not in english


def mix(html, table_id):
    """The rows of a city page's mix table as {label: text of the count}."""
    import re

    table = re.search(rf'<table class="table table-sm" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, f"no table {table_id}"
    rows = re.findall(
        r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td>(?:<td>.*?</td>)?</tr>", table.group(1)
    )
    # What is read on the page: a hidden number's link text, without its screen-reader hint.
    return {
        label: re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', "", cell)
        for label, cell in rows
    }


def test_city_page_shows_its_mixes_with_small_cells_hidden(client, world):
    html = client.get("/stats/berlin/").content.decode()
    # Every category of the campaign is listed; the empty ones are hidden like small ones.
    assert mix(html, "technologies") == {
        "4G (LTE)": "10",
        "5G": "6",
        "2G (GSM/EDGE)": "&lt; 5",
        "3G (UMTS)": "&lt; 5",
        "weiß nicht": "&lt; 5",
    }
    problems = mix(html, "problems")
    assert (
        problems["Keine Datenverbindung"],
        problems["SMS kommen verspätet oder gar nicht an"],
    ) == ("14", "6")
    assert problems["Langsames mobiles Internet"] == "&lt; 5"  # Mitte's 2
    assert list(mix(html, "weeks").values()) == ["16"]
    hamburg = mix(client.get("/stats/hamburg/").content.decode(), "technologies")
    assert (hamburg["4G (LTE)"], hamburg["2G (GSM/EDGE)"]) == ("7", "&lt; 5")


def test_city_mixes_hide_what_the_campaign_totals_would_give_away(client):
    # 4G and 5G: 36 and 4 in the campaign. Showing Berlin's 19 on 4G would give its single 5G
    # report away (20 - 19), and Hamburg's cells then follow from the campaign totals.
    published(19, "Berlin", technology="4g")
    published(1, "Berlin", technology="5g")
    published(17, "Hamburg", technology="4g")
    published(3, "Hamburg", technology="5g")
    from reports.selectors import build_evaluation

    evaluation = build_evaluation()
    for row in evaluation.shown_cities:
        cells = dict(evaluation.details[row.id].technologies)
        assert cells["4g"].suppressed and cells["5g"].suppressed
    # With every cell hidden, the page says so in a sentence instead of an empty table.
    for slug in ("berlin", "hamburg"):
        html = client.get(f"/stats/{slug}/").content.decode()
        assert 'data-testid="technologies-withheld"' in html and 'id="technologies"' not in html


def test_a_mix_that_cannot_be_protected_is_withheld(client):
    # One city and nothing else: the campaign's totals are Berlin's own cells.
    published(19, "Berlin", technology="4g")
    published(1, "Berlin", technology="5g")
    html = client.get("/stats/berlin/").content.decode()
    assert 'data-testid="technologies-withheld"' in html
    assert 'id="technologies"' not in html


def test_a_campaign_with_one_small_city_lists_no_city(client):
    # Köln's 3 would be the campaign's total: no row may name it, not even as suppressed.
    published(3, "Köln")
    release(minimum=3)
    document = client.get("/stats/cities.json").json()
    assert (document["total"], document["cities"]) == (3, [])
    assert "Köln" not in client.get("/stats/").content.decode()


def test_secondarily_hidden_numbers_are_not_called_small(client):
    published(3, "Köln")
    published(6, "Bremen")
    published(20, "Berlin")
    release()
    html = client.get("/stats/bremen/").content.decode()
    # The note under the numbers explains "< 5" in general; no number of Bremen is called so.
    numbers = html.split('data-testid="suppression-note"', 1)[0]
    assert "&lt; 5" not in numbers and "Weniger als" not in numbers
    rows = {r["slug"]: r for r in client.get("/stats/cities.json").json()["cities"]}
    assert rows["bremen"]["suppressed"] and rows["koeln"]["suppressed"]
    assert rows["berlin"]["complaints"] == 20


def test_district_files_add_up_to_the_total(client):
    published(8, "Berlin", "Kreuzberg")
    published(7, "Berlin", "Neukölln")
    published(6, "Berlin")
    document = client.get("/stats/berlin/districts.json").json()
    assert document["total"] == 21
    assert document["districts"][-1]["complaints"] == 6
    assert document["districts"][-1]["district"] is None
    assert sum(row["complaints"] for row in document["districts"]) == 21
    known_city = client.get("/stats/uckerland/districts.json")
    assert known_city.status_code == 200 and known_city.json()["total"] is None


def test_deleting_a_published_report_in_the_admin_updates_the_stats_with_the_next_release(
    organizer_client, client, django_capture_on_commit_callbacks
):
    reports = published(10, "Berlin")
    assert client.get("/stats/cities.json").json()["cities"][0]["complaints"] == 10
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(
            f"/admin/complaints/complaint/{reports[0].pk}/delete/", {"post": "yes"}
        )
    assert client.get("/stats/cities.json").json()["cities"][0]["complaints"] == 10
    published(5, "Berlin")
    release()
    assert client.get("/stats/cities.json").json()["cities"][0]["complaints"] == 14


def test_timeline_draws_days_without_reports_as_zero():
    import datetime

    from reports.charts import _with_empty_days

    day = datetime.date(2026, 11, 1)
    filled = _with_empty_days([(day, 4), (day + datetime.timedelta(days=3), 2)])
    assert [n for _, n in filled] == [4, 0, 0, 2]
