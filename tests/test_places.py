"""Places: the gazetteer loaded from the real data, matching messy input, and the admin."""

import io
import json
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from complaints.models import Complaint, Place, PlaceAlias
from complaints.places import matching
from complaints.places import services as place_services

from .factories import ComplaintFactory, UserFactory
from .helpers import freshly_shown

pytestmark = pytest.mark.django_db


def matched(city, district="", postal_code=""):
    found = matching.match(city, district, postal_code)
    places = matching.get_index().places
    return (
        places[found.city_id].name if found.city_id else None,
        places[found.district_id].name if found.district_id else None,
    )


# (city field, district field, postal code) -> (city, district); None where nothing may match.
MESSY_INPUT = [
    (("hamburg", "", ""), ("Hamburg", None)),
    (("HAMBURG", "", ""), ("Hamburg", None)),
    ((" Hamburg ", "", ""), ("Hamburg", None)),
    (("HH", "", ""), ("Hamburg", None)),
    (("Hamburg-Altona", "", ""), ("Hamburg", "Altona")),
    (("hamburg altona", "", ""), ("Hamburg", "Altona")),
    (("HH-Altona", "", ""), ("Hamburg", "Altona")),
    (("Altona", "", ""), ("Hamburg", "Altona")),
    (("Altona, Hamburg", "", ""), ("Hamburg", "Altona")),
    (("Hamburg", "Altona", ""), ("Hamburg", "Altona")),
    (("Hamburg", "HH-Altona", ""), ("Hamburg", "Altona")),
    (("Hamburg", "Ottensen", ""), ("Hamburg", "Ottensen")),
    (("Hamburg", "Sankt Pauli", ""), ("Hamburg", "St. Pauli")),
    (("Blankenese", "", ""), ("Hamburg", "Blankenese")),
    (("BERLIN", "", ""), ("Berlin", None)),
    (("berlin-kreuzberg", "", ""), ("Berlin", "Kreuzberg")),
    (("Berlin Kreuzberg", "", ""), ("Berlin", "Kreuzberg")),
    (("Kreuzberg", "", ""), ("Berlin", "Kreuzberg")),
    (("Berlin", "Neukoelln", ""), ("Berlin", "Neukölln")),
    (("Berlin", "Prenzlauer Berg", ""), ("Berlin", "Prenzlauer Berg")),
    (("Berlin-Mitte", "", ""), ("Berlin", "Mitte")),
    (("10115 Berlin", "", ""), ("Berlin", None)),
    (("", "", "10115"), ("Berlin", None)),
    (("", "", "80331"), ("München", None)),
    (("Mitte", "", "10115"), ("Berlin", "Mitte")),
    (("München", "", ""), ("München", None)),
    (("Muenchen", "", ""), ("München", None)),
    (("Munchen", "", ""), ("München", None)),
    (("MÜNCHEN", "", ""), ("München", None)),
    (("Munich", "", ""), ("München", None)),
    (("München", "Schwabing", ""), ("München", "Schwabing-West")),
    (("München", "Maxvorstadt", ""), ("München", "Maxvorstadt")),
    (("Muenchen", "Pasing", ""), ("München", "Pasing")),
    (("Köln", "", ""), ("Köln", None)),
    (("Koeln", "", ""), ("Köln", None)),
    (("Cologne", "", ""), ("Köln", None)),
    (("Köln", "Ehrenfeld", ""), ("Köln", "Ehrenfeld")),
    (("Köln-Deutz", "", ""), ("Köln", "Deutz")),
    (("Frankfurt am Main", "", ""), ("Frankfurt am Main", None)),
    (("Frankfurt a.M.", "", ""), ("Frankfurt am Main", None)),
    (("Frankfurt a. M.", "", ""), ("Frankfurt am Main", None)),
    (("Frankfurt/Main", "", ""), ("Frankfurt am Main", None)),
    (("FFM", "", ""), ("Frankfurt am Main", None)),
    (("Frankfurt", "", ""), ("Frankfurt am Main", None)),
    (("Frankfurt", "", "15230"), ("Frankfurt (Oder)", None)),
    (("Frankfurt (Oder)", "", ""), ("Frankfurt (Oder)", None)),
    (("Frankfurt Oder", "", ""), ("Frankfurt (Oder)", None)),
    (("Frankfurt", "Sachsenhausen", ""), ("Frankfurt am Main", "Sachsenhausen-Nord")),
    (("Nuremberg", "", ""), ("Nürnberg", None)),
    (("Nuernberg", "", ""), ("Nürnberg", None)),
    (("Duesseldorf", "", ""), ("Düsseldorf", None)),
    (("Stuttgart", "Bad Cannstatt", ""), ("Stuttgart", "Bad Cannstatt")),
    (("Stuttgart-Vaihingen", "", ""), ("Stuttgart", "Vaihingen")),
    (("Leipzig", "Connewitz", ""), ("Leipzig", "Connewitz")),
    (("Halle", "", ""), ("Halle (Saale)", None)),
    (("Halle/Saale", "", ""), ("Halle (Saale)", None)),
    (("Freiburg i. Br.", "", ""), ("Freiburg im Breisgau", None)),
    (("Sankt Ingbert", "", ""), ("St. Ingbert", None)),
    (("Mülheim a.d. Ruhr", "", ""), ("Mülheim an der Ruhr", None)),
    (("Gera-Zwötzen", "", ""), ("Gera", "Zwötzen")),
    (("Zwötzen", "", ""), ("Gera", "Zwötzen")),
    (("Bremen", "Vegesack", ""), ("Bremen", "Vegesack")),
    (("Neustadt", "", ""), ("Neustadt an der Weinstraße", None)),
    (("Wedel", "", ""), ("Wedel", None)),
    (("Unterhaching", "", ""), ("Unterhaching", None)),
    (("Uckerland", "", ""), ("Uckerland", None)),
    # Typos and nonsense are not guessed: they wait for a moderator.
    (("Bärlin", "", ""), (None, None)),
    (("Hamburh", "", ""), (None, None)),
    (("Münchn", "", ""), (None, None)),
    (("Kölnn", "", ""), (None, None)),
    (("Frankfurtt", "", ""), (None, None)),
    (("Berln", "", ""), (None, None)),
    (("asdfgh", "", ""), (None, None)),
    # "Mitte" is a district of a dozen cities: only a postal code decides.
    (("Mitte", "", ""), (None, None)),
    # Different towns whose names differ only by an umlaut stay apart.
    (("Lohne", "", ""), ("Lohne", None)),
    (("Löhne", "", ""), ("Löhne", None)),
    (("Loehne", "", ""), ("Löhne", None)),
    (("Neuenkirchen", "", ""), ("Neuenkirchen", None)),
    (("Neunkirchen", "", ""), ("Neunkirchen", None)),
    (("Pöcking", "", "82343"), ("Pöcking", None)),
    (("Fürth", "", ""), ("Fürth", None)),
    # The postal code picks among towns of one name, also through a name's short form.
    (("Neustadt", "", "01844"), ("Neustadt in Sachsen", None)),
    (("Neustadt/Aisch", "", ""), ("Neustadt an der Aisch", None)),
    # A city and one of its districts in either order; the city is the one with the district.
    (("Weiden Köln", "", ""), ("Köln", "Weiden")),
    (("Harburg Hamburg", "", ""), ("Hamburg", "Harburg")),
    (("Rostock", "Warnemünde", ""), ("Rostock", "Warnemünde")),
]


@pytest.mark.parametrize(("typed", "expected"), MESSY_INPUT, ids=[repr(t) for t, _ in MESSY_INPUT])
def test_messy_input_matches_the_right_place(typed, expected):
    assert matched(*typed) == expected


@pytest.mark.parametrize(
    ("city", "districts"),
    [
        ("Berlin", ["Kreuzberg", "Neukölln", "Prenzlauer Berg", "Spandau", "Köpenick", "Wedding"]),
        ("Hamburg", ["Altona", "Eimsbüttel", "Wandsbek", "Blankenese", "Harburg", "St. Pauli"]),
        ("München", ["Schwabing-West", "Maxvorstadt", "Bogenhausen", "Pasing", "Sendling", "Laim"]),
        ("Köln", ["Ehrenfeld", "Nippes", "Deutz", "Kalk", "Chorweiler", "Rodenkirchen"]),
    ],
)
def test_districts_of_the_biggest_cities_are_attached_to_them(city, districts):
    city_place = Place.objects.get(name=city, kind="city", population__gt=900_000)
    attached = set(city_place.districts.values_list("name", flat=True))
    assert set(districts) <= attached


@pytest.mark.parametrize(
    "town", ["Unterhaching", "Pullach im Isartal", "Potsdam", "Wedel", "Offenbach am Main"]
)
def test_towns_next_to_big_cities_stay_towns(town):
    assert Place.objects.get(name=town).kind == "city"


def test_places_carry_german_names_and_states():
    munich = Place.objects.get(slug="muenchen")
    assert (munich.name, munich.state, munich.kind) == ("München", "Bayern", "city")
    assert munich.aliases.filter(key="munich").exists()
    assert Place.objects.get(slug="nuernberg").aliases.filter(key="nuremberg").exists()
    assert Place.objects.get(slug="koeln").state == "Nordrhein-Westfalen"
    assert Place.objects.get(slug="hamburg").state == "Hamburg"
    assert Place.objects.get(slug="hamburg-altona").parent.slug == "hamburg"
    assert not Place.objects.filter(name__in=["Munich", "Nuremberg", "Cologne"]).exists()
    assert Place.objects.filter(kind="city").count() > 10_000


def test_load_places_is_idempotent_on_the_whole_data():
    """The one reload of the real data in the suite: only the whole data has the thousands of
    namesakes, shared slugs, re-attached and merged districts whose second load must
    change nothing (the reload tests below use tests/fixtures/gazetteer)."""
    out = io.StringIO()
    call_command("load_places", country="DE", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert "aliases: 0 added" in out.getvalue()


def test_load_places_is_idempotent_and_keeps_merges(small_gazetteer):
    source = Place.objects.get(slug="hamburg-altona-altstadt")
    target = Place.objects.get(slug="hamburg-altona")

    place_services.places_merge(source=source, target=target, moderator=UserFactory())
    out = small_gazetteer()
    assert "0 created, 0 updated" in out
    assert "aliases: 0 added" in out
    source.refresh_from_db()
    assert source.merged_into == target


# (name, its city or None for a city): each rule of the gazetteer, as in the whole data.
SMALL_GAZETTEER_PLACES = [
    ("München", None),  # GeoNames' "Munich", by the postal data's German name
    ("Unterhaching", None),  # a municipality next to a big city stays a town
    ("Uckerland", None),  # a municipality without GeoNames entry
    ("Ziegelroda", None),  # no municipality and no city near: a place of its own
    ("Frankfurt (Oder)", None),
    ("Altona", "Hamburg"),  # city state: everything in Hamburg is Hamburg's
    ("Kreuzberg", "Berlin"),
    ("Zwötzen", "Gera"),  # its alternate name "Gera-Zwötzen"
    ("Pasing", "München"),  # distance relative to München's size
    ("Warnemünde", "Rostock"),  # the nearer village's by distance, Rostock's by the supplement
    ("Schwabing-West", "München"),  # from the supplement only
]


def test_the_gazetteer_rules_on_a_small_data_set(small_gazetteer):
    for name, city in SMALL_GAZETTEER_PLACES:
        place = Place.objects.select_related("parent").get(name=name)
        assert (place.kind, place.parent and place.parent.name) == (
            "district" if city else "city",
            city,
        ), name
    # Two GeoNames entries of one municipality: the bigger is the town, the other its district.
    neukirchen = Place.objects.get(name="Neukirchen", kind="city")
    assert neukirchen.districts.filter(name="Neukirchen").exists()
    assert Place.objects.get(name="Uckerland").latitude is None
    assert Place.objects.get(slug="muenchen").aliases.filter(key="munich").exists()
    assert not Place.objects.filter(name="Salzburg").exists()  # Austria's
    assert Place.objects.get(postal_codes__code="15230").name == "Frankfurt (Oder)"
    assert Place.objects.get(postal_codes__code="22765").name == "Hamburg"
    assert matched("Hamburg-Altona") == ("Hamburg", "Altona")
    assert matched("Frankfurt", "", "15230") == ("Frankfurt (Oder)", None)


def test_a_newer_data_set_updates_places_and_removes_unused_ones(small_gazetteer, tmp_path):
    from .conftest import SMALL_GAZETTEER

    altstadt = Place.objects.get(name="Altona-Altstadt")
    ComplaintFactory(city="Hamburg", district="Altona-Altstadt")
    assert Complaint.objects.get().district_place == altstadt
    cities = json.loads((SMALL_GAZETTEER / "cities500.json").read_text(encoding="utf-8"))
    gone = [k for k, c in cities.items() if c["name"] in {"Ziegelroda", "Altona-Altstadt"}]
    for key in gone:
        del cities[key]
    gera = next(c for c in cities.values() if c["name"] == "Gera")
    gera["population"] += 1
    gera["alternatenames"].remove("Gerapolis")
    (tmp_path / "cities500.json").write_text(json.dumps(cities), encoding="utf-8")

    out = small_gazetteer(geonames=tmp_path / "cities500.json")
    assert " 0 created, 1 updated," in out and ", 1 removed;" in out
    assert Place.objects.get(name="Gera").population == gera["population"]
    assert not PlaceAlias.objects.filter(name="Gerapolis").exists()
    assert not Place.objects.filter(name="Ziegelroda").exists()
    assert Place.objects.filter(pk=altstadt.pk).exists()  # a report refers to it
    assert small_gazetteer(geonames=tmp_path / "cities500.json").startswith(
        "Places: 0 created, 0 updated,"
    )


def test_unknown_country_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("load_places", country="FR")


def test_an_empty_data_set_is_refused(tmp_path):
    from django.core.management import CommandError

    from .conftest import SMALL_GAZETTEER

    (tmp_path / "postcodes.json").write_text("[]", encoding="utf-8")
    places = Place.objects.count()
    with pytest.raises(CommandError, match="empty or missing"):
        call_command(
            "load_places",
            geonames=SMALL_GAZETTEER / "cities500.json",
            postcodes=tmp_path / "postcodes.json",
        )
    assert Place.objects.count() == places


def test_form_submissions_land_in_one_city(client, valid_report):
    for city in ["hamburg altona", "HAMBURG", "Hamburg-Altona"]:
        client.post("/report/", freshly_shown(valid_report, city=city, district=""))
    complaints = Complaint.objects.order_by("pk")
    assert [c.city for c in complaints] == ["hamburg altona", "HAMBURG", "Hamburg-Altona"]
    assert {c.city_place.slug for c in complaints} == {"hamburg"}
    assert [c.district_place.name if c.district_place else None for c in complaints] == [
        "Altona",
        None,
        "Altona",
    ]


def test_unknown_place_is_accepted_and_marked_unmatched(client, valid_report):
    response = client.post("/report/", {**valid_report, "city": "Bärlin", "district": ""})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.city_place) == ("Bärlin", None)


UNMATCHED = "/admin/complaints/unmatchedplacename/"


def test_unmatched_queue_lists_names_with_counts(organizer_client):
    ComplaintFactory.create_batch(2, city="Bärlin", district="")
    ComplaintFactory(city="bärlin ", district="")
    ComplaintFactory(city="Hamburh", district="")
    ComplaintFactory(city="Hamburg")
    response = organizer_client.get(UNMATCHED)
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [(g["name"], g["spellings"], g["count"]) for g in groups] == [
        ("Bärlin", 2, 3),
        ("Hamburh", 1, 1),
    ]
    assert "und 1 andere Schreibweise" in response.content.decode()


def test_unmatched_queue_leaves_out_spam_and_pages(organizer_client):
    from complaints.places.admin import UNMATCHED_PAGE_SIZE

    ComplaintFactory(city="Spamtown", district="", status="spam")
    for number in range(UNMATCHED_PAGE_SIZE + 1):
        ComplaintFactory(city=f"Nirgendwo {number}", district="")
    first = organizer_client.get(UNMATCHED)
    assert len(first.context["groups"]) == UNMATCHED_PAGE_SIZE
    second = organizer_client.get(UNMATCHED, {"p": 2})
    assert len(second.context["groups"]) == 1
    names = [g["name"] for g in first.context["groups"] + second.context["groups"]]
    assert "Spamtown" not in names


def test_assigning_a_name_fixes_every_complaint_and_teaches_the_matcher(
    organizer_client, organizer, client, valid_report, django_capture_on_commit_callbacks
):
    wrong = ComplaintFactory.create_batch(2, city="Bärlin", district="")
    other = ComplaintFactory(city="Hamburh", district="")
    berlin = Place.objects.get(slug="berlin")
    groups = organizer_client.get(UNMATCHED).context["groups"]
    prefix = f"g{next(i for i, g in enumerate(groups) if g['key'] == 'baerlin')}"
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            UNMATCHED,
            {"prefix": prefix, f"{prefix}-raw_key": "baerlin", f"{prefix}-place": berlin.pk},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == [
        "2 Meldungen Berlin zugeordnet; der Name wird ab jetzt erkannt."
    ]
    for complaint in wrong:
        complaint.refresh_from_db()
        assert complaint.city_place == berlin and complaint.city == "Bärlin"
    other.refresh_from_db()
    assert other.city_place is None
    assert PlaceAlias.objects.filter(place=berlin, key="baerlin", source="manual").exists()
    assert LogEntry.objects.filter(user=organizer, object_id=str(berlin.pk)).exists()
    # The next report with that spelling matches at once.
    client.post("/report/", {**valid_report, "city": "BÄRLIN", "district": ""})
    assert Complaint.objects.get(city="BÄRLIN").city_place == berlin
    # And the queue no longer lists it.
    names = [g["name"] for g in organizer_client.get(UNMATCHED).context["groups"]]
    assert names == ["Hamburh"]


def test_assigning_to_a_district_sets_city_and_district(organizer_client):
    complaint = ComplaintFactory(city="Altona-Ottensen-Ecke", district="")
    altona = Place.objects.get(slug="hamburg-altona")

    place_services.place_assign_raw_name(
        raw_key="altona ottensen ecke", place=altona, moderator=UserFactory()
    )
    complaint.refresh_from_db()
    assert (complaint.city_place.slug, complaint.district_place) == ("hamburg", altona)


def test_assigning_needs_change_permission(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="horatio", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    ComplaintFactory(city="Bärlin", district="")
    client.force_login(viewer)
    page = client.get(UNMATCHED)
    assert page.status_code == 200 and "Bärlin" in page.content.decode()
    berlin = Place.objects.get(slug="berlin")
    response = client.post(
        UNMATCHED, {"prefix": "g0", "g0-raw_key": "baerlin", "g0-place": berlin.pk}
    )
    assert response.status_code == 403
    assert Complaint.objects.get().city_place is None


def test_merging_places_moves_complaints_and_names(organizer_client, organizer):
    berlin = Place.objects.get(slug="berlin")
    typo = Place.objects.create(name="Bärlin Stadt", slug="baerlin-stadt", kind="city")
    complaint = ComplaintFactory(city="x", district="")
    Complaint.objects.filter(pk=complaint.pk).update(city_place=typo)
    response = organizer_client.post(
        "/admin/complaints/place/",
        {
            "action": "merge_places",
            "_selected_action": [berlin.pk, typo.pk],
            "post": "yes",
            "target": berlin.pk,
        },
        follow=True,
    )
    assert "Mit Berlin zusammengeführt; 1 Meldung verschoben." in [
        str(m) for m in response.context["messages"]
    ]
    complaint.refresh_from_db()
    typo.refresh_from_db()
    assert complaint.city_place == berlin
    assert typo.merged_into == berlin
    assert berlin.aliases.filter(name="Bärlin Stadt").exists()
    # The tombstone is gone from the place list.
    listed = organizer_client.get("/admin/complaints/place/", {"q": "Bärlin Stadt"})
    assert [p.pk for p in listed.context["cl"].result_list] == [berlin.pk]


def test_merge_shows_a_confirmation_page_first(organizer_client):
    ids = list(Place.objects.filter(slug__in=["berlin", "hamburg"]).values_list("pk", flat=True))
    response = organizer_client.post(
        "/admin/complaints/place/", {"action": "merge_places", "_selected_action": ids}
    )
    assert response.status_code == 200
    assert "Orte zusammenführen" in response.content.decode()
    assert not Place.objects.filter(merged_into__isnull=False).exists()


def test_cities_and_districts_are_not_merged(organizer_client):
    ids = list(
        Place.objects.filter(slug__in=["berlin", "hamburg-altona"]).values_list("pk", flat=True)
    )
    response = organizer_client.post(
        "/admin/complaints/place/",
        {"action": "merge_places", "_selected_action": ids, "post": "yes", "target": ids[0]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Städte und Stadtteile können nicht miteinander zusammengeführt werden."
    ]
    assert not Place.objects.filter(merged_into__isnull=False).exists()


def test_place_search_finds_aliases(organizer_client):
    response = organizer_client.get("/admin/complaints/place/", {"q": "Munich"})
    assert "München" in [p.name for p in response.context["cl"].result_list]


def test_normalize_places_rematches_and_is_idempotent():
    ComplaintFactory(city="Muenchen", district="Schwabing")
    ComplaintFactory(city="Hamburh", district="")
    Complaint.objects.update(city_place=None, district_place=None)
    out = io.StringIO()
    call_command("normalize_places", stdout=out)
    assert "2 complaints examined, 1 changed (1 newly matched); 1 still unmatched" in out.getvalue()
    munich = Complaint.objects.get(city="Muenchen")
    assert (munich.city_place.name, munich.district_place.name) == ("München", "Schwabing-West")
    again = io.StringIO()
    call_command("normalize_places", "--batch-size", "1", stdout=again)
    assert "2 complaints examined, 0 changed" in again.getvalue()


SUGGEST = "/places/suggest/"


def test_suggestions_start_with_the_biggest_city(client):
    response = client.get(SUGGEST, {"q": "ham"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"name": "Hamburg", "slug": "hamburg", "kind": "city", "state": "Hamburg"}
    assert len(results) <= 10
    assert "max-age=3600" in response["Cache-Control"]
    assert client.get(SUGGEST, {"q": "Muen"}).json()["results"][0]["name"] == "München"


def test_district_suggestions_follow_the_city(client):
    results = client.get(SUGGEST, {"city": "Hamburg", "q": "alt"}).json()["results"]
    names = [r["name"] for r in results]
    assert "Altona" in names and all(r["kind"] == "district" for r in results)
    assert client.get(SUGGEST, {"city": "Nirgendwo"}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 200),
        ({"q": ""}, 200),
        ({"q": "   "}, 200),
        ({"q": "x" * 10_000}, 400),
        ({"city": "y" * 10_000}, 400),
        ({"q": "%%%"}, 200),
    ],
)
def test_suggestions_refuse_or_cap_silly_queries(client, params, status):
    response = client.get(SUGGEST, params)
    assert response.status_code == status
    assert response.json()["results"] == []


def test_suggestions_only_answer_get(client):
    assert client.post(SUGGEST, {"q": "ham"}).status_code == 405


def test_form_suggests_cities_without_javascript(client):
    html = client.get("/report/").content.decode()
    assert 'list="city-suggestions"' in html
    assert '<datalist id="city-suggestions"><option value="Berlin">' in html
    assert '<option value="Uckerland">' not in html  # only the largest cities
    assert 'src="/static/js/report-form.js"' in html


def test_district_suggestions_list_all_of_a_big_citys_districts(client):
    results = client.get(SUGGEST, {"city": "Berlin"}).json()["results"]
    assert len(results) > 90


def test_assigning_a_city_keeps_the_typed_district():

    complaint = ComplaintFactory(city="Bärlin", district="Kreuzberg")
    place_services.place_assign_raw_name(
        raw_key="baerlin", place=Place.objects.get(slug="berlin"), moderator=UserFactory()
    )
    complaint.refresh_from_db()
    assert (complaint.city_place.name, complaint.district_place.name) == ("Berlin", "Kreuzberg")


def test_an_assigned_ambiguous_name_matches_from_then_on_and_survives_rematching(
    django_capture_on_commit_callbacks,
):

    complaint = ComplaintFactory(city="Mitte", district="")
    assert complaint.city_place is None  # a dozen cities have a Mitte
    berlin_mitte = Place.objects.get(slug="berlin-mitte")
    with django_capture_on_commit_callbacks(execute=True):
        place_services.place_assign_raw_name(
            raw_key="mitte", place=berlin_mitte, moderator=UserFactory()
        )
    assert matched("Mitte") == ("Berlin", "Mitte")
    call_command("normalize_places", stdout=io.StringIO())
    complaint.refresh_from_db()
    assert complaint.district_place == berlin_mitte


def test_assigning_a_name_nobody_uses_is_refused_politely(organizer_client):
    berlin = Place.objects.get(slug="berlin")
    response = organizer_client.post(
        UNMATCHED, {"prefix": "g0", "g0-raw_key": "x" * 500, "g0-place": berlin.pk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Bitte einen Ort wählen, dem der Name zugeordnet wird."
    ]
    response = organizer_client.post(
        UNMATCHED, {"prefix": "g0", "g0-raw_key": "niemand", "g0-place": berlin.pk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Keine nicht zugeordnete Meldung trägt diesen Namen mehr."
    ]
    assert not PlaceAlias.objects.filter(key="niemand").exists()


def test_a_deleted_place_never_blocks_a_report(organizer_client, client, valid_report):
    uckerland = Place.objects.get(name="Uckerland")
    # Deleted with the bulk action; this process's index has not heard of it yet (the
    # refresh waits for the commit), just like another worker's index.
    organizer_client.post(
        "/admin/complaints/place/",
        {"action": "delete_selected", "_selected_action": [uckerland.pk], "post": "yes"},
    )
    assert not Place.objects.filter(pk=uckerland.pk).exists()
    response = client.post("/report/", {**valid_report, "city": "Uckerland", "district": ""})
    assert response.status_code == 302
    assert Complaint.objects.get(city="Uckerland").city_place is None


def test_a_name_given_in_the_back_office_is_matched_after_the_save(
    organizer_client, django_capture_on_commit_callbacks
):
    munich = Place.objects.get(slug="muenchen")
    url = f"/admin/complaints/place/{munich.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(
        {
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "Isarmetropole",
            "aliases-0-source": "manual",
        }
    )
    assert not matching.match(city="Isarmetropole").matched
    with django_capture_on_commit_callbacks(execute=True):
        assert organizer_client.post(url, data).status_code == 302
    assert matching.match(city="Isarmetropole").city_id == munich.pk


def test_a_duplicate_alias_is_a_form_error_not_a_crash(organizer_client):
    munich = Place.objects.get(slug="muenchen")
    url = f"/admin/complaints/place/{munich.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(
        {
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "MUNICH",
            "aliases-0-source": "manual",
        }
    )
    response = organizer_client.post(url, data)
    assert response.status_code == 200
    assert "Dieser Ort hat den Namen MUNICH schon." in response.content.decode()


def test_a_renamed_place_keeps_its_name_when_the_gazetteer_is_reloaded(
    organizer_client, small_gazetteer
):
    place = Place.objects.get(name="Uckerland")
    url = f"/admin/complaints/place/{place.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(
        {"name": "Uckerland (Uckermark)", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"}
    )
    assert organizer_client.post(url, data).status_code == 302
    small_gazetteer()
    place.refresh_from_db()
    assert (place.name, place.edited) == ("Uckerland (Uckermark)", True)


def test_only_a_change_of_name_kind_or_parent_marks_a_place_as_edited(
    django_capture_on_commit_callbacks,
):
    new = Place(name="Neustadt am Testbach", slug="neustadt-am-testbach", kind=Place.Kind.CITY)
    place_services.place_save(place=new, changed_fields=["name", "slug"], is_new=True)
    place = Place.objects.get(slug="hamburg")
    place.population += 1
    place_services.place_save(place=place, changed_fields=["population"], is_new=False)
    assert not Place.objects.get(pk=new.pk).edited and not Place.objects.get(pk=place.pk).edited
    with django_capture_on_commit_callbacks(execute=True):
        place.name = "Hamburg (Hansestadt)"
        place_services.place_save(place=place, changed_fields=["name"], is_new=False)
    assert Place.objects.get(pk=place.pk).edited
    assert matching.match(city="Hamburg (Hansestadt)").city_id == place.pk


def test_merging_moves_names_districts_and_postal_codes(django_capture_on_commit_callbacks):

    source = Place.objects.get(slug="halle-saale")
    target = Place.objects.get(slug="hamburg")
    districts = set(source.districts.values_list("pk", flat=True))
    codes = set(source.postal_codes.values_list("code", flat=True))
    assert districts and codes
    with django_capture_on_commit_callbacks(execute=True):
        place_services.places_merge(source=source, target=target, moderator=UserFactory())
    assert districts <= set(target.districts.values_list("pk", flat=True))
    assert codes <= set(target.postal_codes.values_list("code", flat=True))
    # The index follows at once: the source's names and codes now lead to the target.
    assert matched("Halle (Saale)")[0] == "Hamburg"
    assert matched("", "", sorted(codes)[0])[0] == "Hamburg"


# -- places deleted by a newer data set while reports come in ------------------------------------
# Transactional: what the database checks at a commit (migrated_data: such tests empty the
# database; see test_followups.py).


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_place_was_deleted_that_moment_is_stored_without_it(
    client, valid_report, monkeypatch, migrated_data
):
    """The place a report was matched to was deleted a moment ago in another process
    (load_places with a newer data set) and this process's index still has it: the INSERT
    checks the places itself (intake/inserting.py), the report is stored without it, and the
    submitter sees their private link, not an error page."""
    from django.test import Client

    real = matching.match
    calls = []

    def deleted_that_moment(*args):
        calls.append(args)
        # The first time: a place the index knows and the database no longer has.
        return matching.Match(city_id=2_000_000_000) if len(calls) == 1 else real(*args)

    monkeypatch.setattr(matching, "match", deleted_that_moment)
    response = Client(raise_request_exception=False).post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.private_url()
    assert complaint.city == "Hamburg" and complaint.city_place_id is None
    assert complaint.district_place_id is None


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="row locks"
)
@pytest.mark.django_db(transaction=True)
def test_a_report_committed_while_load_places_deletes_its_place_does_not_undo_the_load(
    migrated_data,
):
    """load_places removes a place a newer data set no longer has. A report referring to it
    is committed between load_places' check for uses and its deletion: that report has to
    wait and is refused (and stored again by the form), rather than the database refusing
    the whole load at its commit."""
    import threading

    from django.db import IntegrityError, connection, transaction

    place = Place.objects.create(
        name="Atlantis", slug="atlantis", kind=Place.Kind.CITY, source_key="test:atlantis"
    )
    inserted, commit, outcome = threading.Event(), threading.Event(), []

    def report():
        try:
            with transaction.atomic():
                ComplaintFactory(city="Atlantis", district="", city_place_id=place.pk)
                inserted.set()
                commit.wait(10)
            outcome.append("stored")
        except IntegrityError:
            outcome.append("refused")
        finally:
            connection.close()

    def deleting(execute, sql, params, many, context):
        if sql.startswith('DELETE FROM "complaints_place"'):
            commit.set()  # the report commits now, between the check for uses and this
            time.sleep(0.5)
        return execute(sql, params, many, context)

    thread = threading.Thread(target=report)
    thread.start()
    assert inserted.wait(10)
    with connection.execute_wrapper(deleting), transaction.atomic():
        removed = place_services._remove_places_gone_from_data({"test:atlantis": place}, set())
    matching.invalidate()  # as gazetteer_sync does after its commit
    thread.join(10)
    assert removed == 1 and not Place.objects.filter(pk=place.pk).exists()
    assert outcome == ["refused"] and not Complaint.objects.exists()
