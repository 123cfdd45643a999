"""The public evaluation per carrier (issue 19): ?carrier=<slug> on the pages and open-data
files, the carrier switch, and the comparison across carriers.

Published, by carrier (the test settings' three), without districts, one problem each:
Berlin: Telekom 10 and O2 6 "no-data", Vodafone 5 "slow-data" (21); Hamburg: Telekom 7, O2 5,
Vodafone 3 "no-data" (15); Köln: Vodafone 3 "no-data"; "Bärlin" (no known place): Vodafone 2
"no-data". Per carrier: Telekom 17, O2 11, Vodafone 13; 41 in all. Vodafone's 3 in Hamburg and
in Köln are below REPORTS_MIN_COUNT (5); Köln and Bärlin together (5) keep Hamburg shown.
"""

import csv
import html as htmllib
import io
import json
import re

import pytest
from django.test import override_settings

from complaints.models import Status

from .factories import ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CARRIERS = [None, "o2", "telekom", "vodafone"]
PAGES = [
    "/stats/",
    "/stats/print/",
    "/stats/cities.html",
    "/stats/berlin/",
    "/stats/cities.json",
    "/stats/cities.csv",
    "/stats/berlin/districts.json",
    "/stats/berlin/districts.csv",
]


def published(count, city, carrier, problem):
    return ComplaintFactory.create_batch(
        count, city=city, district="", carrier=carrier, problems=[problem], status=Status.PUBLISHED
    )


@pytest.fixture
def world():
    published(10, "Berlin", "telekom", "no-data")
    published(6, "Berlin", "o2", "no-data")
    published(5, "Berlin", "vodafone", "slow-data")
    published(7, "Hamburg", "telekom", "no-data")
    published(5, "Hamburg", "o2", "no-data")
    published(3, "Hamburg", "vodafone", "no-data")
    published(3, "Köln", "vodafone", "no-data")
    published(2, "Bärlin", "vodafone", "no-data")
    # Not published: counts nowhere, for no carrier.
    ComplaintFactory.create_batch(4, city="Köln", carrier="vodafone", status=Status.PENDING)
    release()


def url(path, carrier):
    return path + (f"?carrier={carrier}" if carrier else "")


def text(html: str) -> str:
    """What a reader sees of some HTML: tags and screen-reader hints left out."""
    html = re.sub(r'<span class="visually-hidden">.*?</span>', "", html, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def table(html: str, table_id: str) -> dict[str, list[str]]:
    """A table's body rows as {row header: [the other cells as read]}."""
    found = re.search(rf'<table[^>]* id="{table_id}">(.*?)</table>', html, re.S)
    assert found, f"no table {table_id}"
    body = found.group(1).split("<tbody>")[1]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_file_answers_for_every_carrier_and_for_none(client, world, path):
    for carrier in CARRIERS:
        assert client.get(url(path, carrier), **EN).status_code == 200, (path, carrier)


def test_cities_json_names_its_carrier_and_counts_only_its_reports(client, world):
    def cities(carrier):
        document = client.get(url("/stats/cities.json", carrier)).json()
        rows = {row["slug"]: (row["complaints"], row["suppressed"]) for row in document["cities"]}
        return document["carrier"], document["total"], rows

    assert cities(None) == (
        None,
        41,
        {"berlin": (21, False), "hamburg": (15, False), "koeln": (None, True)},
    )
    # (In Hamburg, Vodafone's 3 may hide another carrier's count too: not asserted here.)
    carrier, total, rows = cities("telekom")
    assert (carrier, total, rows["berlin"]) == ("telekom", 17, (10, False))
    assert "koeln" not in rows  # no Telekom report there, read as no row at all
    carrier, total, rows = cities("vodafone")
    assert (carrier, total, rows["berlin"]) == ("vodafone", 13, (5, False))
    # Vodafone's 3 in Hamburg and in Köln: hidden, in no file.
    assert rows["hamburg"] == (None, True)
    assert rows.get("koeln", (None, True)) == (None, True)
    assert next(iter(client.get("/stats/cities.json?carrier=o2").json())) == "carrier"


def test_district_files_name_their_carrier(client, world):
    document = client.get("/stats/berlin/districts.json?carrier=o2").json()
    assert (document["city"], document["carrier"], document["total"]) == ("Berlin", "o2", 6)
    assert client.get("/stats/berlin/districts.json").json()["carrier"] is None
    hidden = client.get("/stats/hamburg/districts.json?carrier=vodafone").json()
    assert (hidden["carrier"], hidden["total"], hidden["districts"]) == ("vodafone", None, [])


def test_csv_files_keep_their_columns_and_name_the_carrier_in_the_file_name(client, world):
    for path, stem in [("/stats/cities.csv", "cities"), ("/stats/berlin/districts.csv", "berlin")]:
        every = client.get(path)
        own = client.get(path + "?carrier=telekom")
        assert own.content.splitlines()[0] == every.content.splitlines()[0]
        assert f'filename="einzelfall-{stem}.csv"' in every["Content-Disposition"]
        assert f'filename="einzelfall-{stem}-telekom.csv"' in own["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(client.get("/stats/cities.csv?carrier=o2").text)))
    assert {row["slug"]: row["complaints"] for row in rows}["berlin"] == "6"
    json_name = client.get("/stats/cities.json?carrier=o2")["Content-Disposition"]
    assert 'filename="einzelfall-cities-o2.json"' in json_name


def test_open_data_etags_differ_per_carrier_and_revalidate(client, world):
    for path in ["/stats/cities.json", "/stats/cities.csv", "/stats/berlin/districts.csv"]:
        etags = {carrier: client.get(url(path, carrier))["ETag"] for carrier in CARRIERS}
        assert len(set(etags.values())) == len(CARRIERS), path
        again = client.get(url(path, "telekom"), HTTP_IF_NONE_MATCH=etags["telekom"])
        assert again.status_code == 304
        # Another carrier's ETag does not pass for this carrier's file.
        assert client.get(url(path, "o2"), HTTP_IF_NONE_MATCH=etags["telekom"]).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_an_unknown_carrier_is_a_friendly_404(client, world, path):
    response = client.get(path + "?carrier=eplus", **EN)
    assert response.status_code == 404
    html = response.content.decode()
    assert "No such carrier" in html and 'data-testid="unknown-carrier"' in html
    assert "eplus" not in text(html)  # what was asked is not shown back
    assert f'href="{path}?carrier=telekom"' in html  # the real ones are offered


@pytest.mark.parametrize(
    "query",
    [
        "carrier=" + "x" * 5000,
        "carrier=%E3%83%86%E3%83%AC%E3%82%B3%E3%83%A0",  # テレコム
        "carrier=TELEKOM",
        "carrier=telekom%20",
        "carrier=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "carrier=o2&carrier=telekom",
        "carrier[]=o2&carrier=eplus",
    ],
)
def test_hostile_carrier_values_never_fail(client, world, query):
    for path in ["/stats/", "/stats/berlin/", "/stats/cities.json", "/stats/berlin/districts.csv"]:
        response = client.get(f"{path}?{query}", **EN)
        assert response.status_code == 404, (path, query)
        assert b"<script>alert" not in response.content


def test_a_nul_in_the_carrier_is_refused(client, world):
    assert client.get("/stats/?carrier=o2%00").status_code == 400


def test_an_empty_or_repeated_carrier_parameter_is_read_plainly(client, world):
    every = client.get("/stats/cities.json").json()
    assert client.get("/stats/cities.json?carrier=").json()["total"] == every["total"]
    twice = client.get("/stats/cities.json?carrier=o2&carrier=o2").json()
    assert (twice["carrier"], twice["total"]) == ("o2", 11)


def test_the_switch_links_every_carrier_and_marks_the_current_one(client, world):
    html = client.get("/stats/", **EN).content.decode()
    switch = re.search(r'<nav[^>]*data-testid="carrier-switch".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>', switch)
    assert links == [
        ("/stats/", "All carriers"),
        ("/stats/?carrier=o2", "O2 Telefónica"),
        ("/stats/?carrier=telekom", "Telekom"),
        ("/stats/?carrier=vodafone", "Vodafone"),
    ]
    assert re.findall(r'aria-current="page"[^>]*>([^<]*)<', switch) == ["All carriers"]

    html = client.get("/stats/berlin/?carrier=telekom", **EN).content.decode()
    switch = re.search(r'<nav[^>]*data-testid="carrier-switch".*?</nav>', html, re.S).group(0)
    assert '<a class="nav-link" href="/stats/berlin/"' in switch  # the same page, all carriers
    assert re.findall(r'aria-current="page"[^>]*>([^<]*)<', switch) == ["Telekom"]


def test_a_carriers_stats_page_says_whose_numbers_it_shows(client, world):
    html = client.get("/stats/?carrier=telekom", **EN).content.decode()
    assert "<title>Evaluation: Telekom" in html
    assert 'data-testid="heading">Evaluation: Telekom</h1>' in html
    assert 'data-testid="published">17<' in html
    # The cities table and its links stay with the carrier; so do the files and the print page.
    assert '<a href="/stats/berlin/?carrier=telekom">Berlin</a>' in html
    assert 'href="/stats/cities.json?carrier=telekom"' in html
    assert 'href="/stats/cities.csv?carrier=telekom"' in html
    assert 'href="/stats/print/?carrier=telekom"' in html
    assert 'data-testid="carrier-comparison"' not in html  # the comparison is for all carriers


def test_each_carrier_gets_its_own_cached_stats_body(client, world):
    # The page's body is a cached fragment: rendered for all carriers first, it must not be
    # served for a carrier (nor the other way round).
    every = client.get("/stats/", **EN).content.decode()
    telekom = client.get("/stats/?carrier=telekom", **EN).content.decode()
    vodafone = client.get("/stats/?carrier=vodafone", **EN).content.decode()
    assert table(every, "by-carrier")  # only on the page of all carriers
    cities = re.compile(
        r'<a href="/stats/berlin/[^"]*">Berlin</a></td><td[^>]*>[^<]*</td><td[^>]*>(\d+)<'
    )
    assert cities.search(every).group(1) == "21"
    assert cities.search(telekom).group(1) == "10"
    assert cities.search(vodafone).group(1) == "5"
    assert cities.search(client.get("/stats/", **EN).content.decode()).group(1) == "21"


def test_a_carriers_stats_page_shows_no_empty_sections(client, world):
    html = client.get("/stats/?carrier=o2", **EN).content.decode()
    # A carrier's evaluation has no totals per problem, technology or day: no empty tables.
    for section in ("h-problems", "h-timeline", "h-tech"):
        assert f'id="{section}"' not in html
    assert "no totals per problem, technology or day" in html
    assert 'id="h-hours"' in html and 'id="h-cities"' in html
    every = client.get("/stats/", **EN).content.decode()
    assert 'id="h-problems"' in every and "no totals per problem" not in every
    printed = client.get("/stats/print/?carrier=o2", **EN).content.decode()
    assert "Carrier: O2 Telefónica" in printed and "What goes wrong" not in printed
    assert "What goes wrong" in client.get("/stats/print/", **EN).content.decode()


def test_a_city_page_per_carrier_shows_only_that_carriers_reports(client, world):
    html = client.get("/stats/berlin/?carrier=o2", **EN).content.decode()
    # No districts and no follow-up answers per carrier, and the page says so.
    assert 'data-testid="carrier-withheld"' in html
    assert 'id="h-districts"' not in html and 'id="h-answers"' not in html
    assert 'data-testid="carrier-withheld"' not in client.get("/stats/berlin/").content.decode()
    assert 'data-testid="heading">Berlin: O2 Telefónica</h1>' in html
    assert 'data-testid="city-count">6<' in html
    assert 'href="/stats/berlin/districts.json?carrier=o2"' in html
    assert 'href="/stats/berlin/districts.csv?carrier=o2"' in html
    assert 'href="/stats/?carrier=o2"' in html  # back to the carrier's evaluation
    assert 'data-testid="carrier-comparison"' not in html


def test_no_suppressed_number_shows_on_a_carriers_page(client, world):
    html = client.get("/stats/hamburg/?carrier=vodafone", **EN).content.decode()
    assert "Too few published reports to show any numbers" in html
    assert 'data-testid="city-count">3<' not in html
    assert not re.search(r">\s*3\s*<", html)
    listed = client.get("/stats/cities.html?carrier=vodafone", **EN).content.decode()
    assert "/stats/hamburg/" not in listed and "/stats/koeln/" not in listed
    assert '<a href="/stats/berlin/?carrier=vodafone">Berlin</a>' in listed


def test_the_city_compares_the_carriers(client, world):
    html = client.get("/stats/berlin/", **EN).content.decode()
    assert "<caption>" in html and 'scope="row"' in html
    assert table(html, "by-carrier") == {
        "O2 Telefónica": ["6", "29 %"],
        "Telekom": ["10", "48 %"],
        "Vodafone": ["5", "24 %"],
    }
    # Each problem's share of each carrier's reports (columns O2, Telekom, Vodafone); a
    # problem a carrier has none of reads as few, as in the city's own mix.
    problems = table(html, "by-carrier-problems")
    assert problems["No data connection"] == ["100 %", "100 %", "< 5"]
    assert problems["Slow mobile internet"] == ["< 5", "< 5", "100 %"]
    assert len(problems) == 2  # no row of hidden cells only
    assert '<a href="/stats/berlin/?carrier=vodafone">Vodafone</a>' in html


def test_a_carrier_with_few_reports_in_the_city_reads_as_suppressed(client, world):
    html = client.get("/stats/hamburg/", **EN).content.decode()
    rows = table(html, "by-carrier")
    # "< 5", or "not shown" when the all-carriers figures decide which cells they hide.
    assert rows["Vodafone"][0] in ("< 5", "not shown")
    row = re.search(r'<tr data-carrier="vodafone">.*?</tr>', html).group(0)
    assert '<td class="text-end"><a class="suppressed"' in row
    assert "3" not in " ".join(rows["Vodafone"])


def test_the_campaign_compares_the_carriers(client, world):
    html = client.get("/stats/", **EN).content.decode()
    assert table(html, "by-carrier") == {
        "O2 Telefónica": ["11", "27 %"],
        "Telekom": ["17", "41 %"],
        "Vodafone": ["13", "32 %"],
    }
    # No campaign-wide problem shares per carrier: a carrier's evaluation has no totals per
    # problem (reports/carriers.py), and a share of nothing would read as 0 %.
    assert 'id="by-carrier-problems"' not in html


def test_the_data_page_explains_the_parameter(client, world):
    html = client.get("/stats/data/", **EN).content.decode()
    assert "?carrier=" in html and "/stats/cities.json?carrier=telekom" in html
    slugs = re.search(r'data-testid="carrier-slugs">(.*?)</p>', html, re.S).group(1)
    assert text(slugs) == "Identifiers: o2 (O2 Telefónica), telekom (Telekom), vodafone (Vodafone)"
    assert "<code>carrier</code>" in html


@override_settings(EINZELFALL_CARRIERS={"o2": "O2"})
def test_with_a_single_carrier_nothing_changes(client):
    ComplaintFactory.create_batch(
        7, city="Berlin", district="", carrier="o2", problems=["no-data"], status=Status.PUBLISHED
    )
    release()
    for path in PAGES:
        assert client.get(path + "?carrier=o2").status_code == 200, path
        assert client.get(path + "?carrier=telekom").status_code == 404, path
    html = client.get("/stats/", **EN).content.decode()
    assert 'data-testid="carrier-switch"' not in html
    assert 'data-testid="carrier-comparison"' not in html
    assert 'data-testid="published">7<' in html
    own = client.get("/stats/?carrier=o2", **EN).content.decode()
    assert 'data-testid="heading">Evaluation</h1>' in own and 'data-testid="published">7<' in own
    assert 'data-testid="carrier-switch"' not in own
    city = client.get("/stats/berlin/?carrier=o2", **EN).content.decode()
    assert 'data-testid="city-count">7<' in city and "carrier-comparison" not in city
    every, o2 = (
        json.loads(client.get(f"/stats/cities.json{q}").content) for q in ("", "?carrier=o2")
    )
    assert every == o2 and every["carrier"] is None and every["total"] == 7
    assert (
        client.get("/stats/cities.csv?carrier=o2").content
        == client.get("/stats/cities.csv").content
    )
    assert (
        "einzelfall-cities.csv" in client.get("/stats/cities.csv?carrier=o2")["Content-Disposition"]
    )
