"""The carrier's Open311 GeoReport v2 read interface (complaints/carrier/open311/): the
documents in JSON and XML, the same rows as the anonymized export, the filters, the
incremental pull, paging, and the keys' admin and command."""

import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from complaints.carrier import cases, exports
from complaints.carrier.open311 import keys
from complaints.carrier.sanitize import sanitize_row
from complaints.models import CarrierApiKey, CarrierCase, Place, PlaceStatus, Status

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
# GeoReport v2's fields of a service request.
FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
SECRET_MAIL = "hanna.heimlich@example.org"
QUERIES_OF_THE_KEY_LIST = 6


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def world():
    """Telekom's published reports in Hamburg-Altona and Berlin, O2's in Hamburg, and
    Telekom's that are not published."""
    altona = [
        ComplaintFactory(
            carrier="telekom",
            city="Hamburg",
            district="Altona",
            postal_code="22765",
            status=Status.PUBLISHED,
            problems=["no-data", "sms"],
            description=f"Kein Netz. Schreibt mir: {SECRET_MAIL}",
            email=SECRET_MAIL,
            moderation_note="interne Notiz",
            submitted_at=days_ago(10 - n),
        )
        for n in range(3)
    ]
    berlin = [
        ComplaintFactory(
            carrier="telekom",
            city="Berlin",
            district="",
            status=Status.PUBLISHED,
            problems=["slow-data"],
            description="=HYPERLINK(1)",
            submitted_at=days_ago(5 - n),
        )
        for n in range(2)
    ]
    o2 = ComplaintFactory.create_batch(2, carrier="o2", status=Status.PUBLISHED)
    for status in (Status.PENDING, Status.REJECTED, Status.SPAM):
        ComplaintFactory(carrier="telekom", status=status, description="nicht exportieren")
    return {"altona": altona, "berlin": berlin, "o2": o2}


@pytest.fixture
def key():
    return keys.make(carrier="telekom", name="nightly job").secret


def get(client, key, url, **params):
    return client.get(BASE + url, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def pulled(client, key, **params) -> list[dict]:
    response = get(client, key, "requests.json", **params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def ids(requests: list[dict]) -> list[str]:
    return [r["service_request_id"] for r in requests]


def test_discovery_names_the_endpoint_and_formats(client):
    data = json.loads(client.get(BASE + "discovery.json").content)
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = ET.fromstring(client.get(BASE + "discovery.xml").content)  # noqa: S314 (our own XML)
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/formats/format").text == "application/json"


def test_services_are_the_problem_types_in_json_and_xml(client):
    from complaints.models import ProblemType

    codes = list(ProblemType.objects.order_by("position", "slug").values_list("slug", flat=True))
    services = json.loads(client.get(BASE + "services.json").content)
    assert [s["service_code"] for s in services] == codes
    assert set(services[0]) >= {"service_code", "service_name", "metadata", "type"}
    root = ET.fromstring(client.get(BASE + "services.xml").content)  # noqa: S314 (our own XML)
    assert [s.findtext("service_code") for s in root.findall("service")] == codes


def test_requests_hold_exactly_the_carrier_s_export_rows(client, world, key):
    requests = pulled(client, key)
    exported = [
        dict(zip(exports.ANONYMIZED_COLUMNS, sanitize_row(row), strict=True))
        for row in exports.anonymized_rows(exports.Filters(carrier="telekom"))
    ]
    assert ids(requests) == [row["pseudonym"] for row in exported]
    assert len(requests) == 5
    for request, row in zip(requests, exported, strict=True):
        assert set(request) == FIELDS | {"extended_attributes"}
        assert request["requested_datetime"][:10] == row["submitted_on"]
        assert request["requested_datetime"][10:19] == "T00:00:00"  # the day, no more
        assert request["zipcode"] == row["postal_code"]
        assert request["description"] == row["description"]
        assert request["service_code"] == row["problems"].split(";")[0]
        extended = request["extended_attributes"]
        assert ";".join(extended["problems"]) == row["problems"]
        assert (extended["city"], extended["district"]) == (row["city"], row["district"])
        assert (request["lat"], request["long"]) == (row["latitude"], row["longitude"])
        assert request["status"] == "open" and request["status_notes"] == ""
    content = json.dumps(requests)
    assert SECRET_MAIL not in content and "interne Notiz" not in content
    assert "nicht exportieren" not in content
    assert "'=HYPERLINK(1)" in content  # the export's formula guard
    references = [c.reference for group in world.values() for c in group]
    assert not any(reference in content for reference in references)


def test_lat_long_and_address_are_the_district_s(client, world, key):
    altona = Place.objects.get(kind=Place.Kind.DISTRICT, parent__slug="hamburg", name="Altona")
    first = pulled(client, key)[0]
    assert first["address"] == "Altona, Hamburg"
    assert first["lat"] == pytest.approx(altona.latitude, abs=1e-5)
    assert first["long"] == pytest.approx(altona.longitude, abs=1e-5)
    assert first["service_name"] and first["agency_responsible"] == "Telekom"


def test_xml_holds_the_same_requests(client, world, key):
    world["berlin"][0].description_redacted = "Text\x01mit\ufffeSteuer\U0001f4f6zeichen <&>"
    world["berlin"][0].save()
    as_json = pulled(client, key)
    response = get(client, key, "requests.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own XML)
    assert root.tag == "service_requests"
    found = root.findall("request")
    assert [r.findtext("service_request_id") for r in found] == ids(as_json)
    assert {child.tag for child in found[0]} == FIELDS | {"extended_attributes"}
    assert [p.text for p in found[0].findall("extended_attributes/problems/problem")] == [
        "no-data",
        "sms",
    ]
    # Escaped by xml.etree; the characters XML cannot carry removed, the rest kept.
    assert root.findtext("request[4]/description") == "TextmitSteuer\U0001f4f6zeichen <&>"


def test_a_place_reported_fixed_is_closed_with_its_status_as_note(client, world, key):
    hamburg_case = CarrierCase.objects.create(
        carrier="telekom", place=Place.objects.get(slug="hamburg")
    )
    CarrierCase.objects.filter(pk=hamburg_case.pk).update(
        status=PlaceStatus.Kind.REPORTED_FIXED, status_at=timezone.now()
    )
    requests = pulled(client, key)
    closed = {r["service_request_id"] for r in requests if r["status"] == "closed"}
    assert closed == {c.pseudonym for c in world["altona"]}
    assert requests[0]["status_notes"] == str(PlaceStatus.Kind.REPORTED_FIXED.label)
    assert ids(pulled(client, key, status="closed")) == [c.pseudonym for c in world["altona"]]
    assert ids(pulled(client, key, status="open")) == [c.pseudonym for c in world["berlin"]]
    assert len(pulled(client, key, status="open,closed")) == 5
    CarrierCase.objects.filter(pk=hamburg_case.pk).update(disputed_at=timezone.now())
    assert not pulled(client, key, status="closed")


def test_dates_and_service_code_filter(client, world, key):
    day = timezone.localdate(world["berlin"][0].submitted_at)
    assert ids(pulled(client, key, start_date=day.isoformat())) == ids(
        [{"service_request_id": c.pseudonym} for c in world["berlin"]]
    )
    # A start after midnight begins with the next day: requested_datetime is the midnight.
    late = f"{day.isoformat()}T00:00:01"
    assert ids(pulled(client, key, start_date=late)) == [world["berlin"][1].pseudonym]
    before = (day - datetime.timedelta(days=1)).isoformat() + "T23:59:59+01:00"
    assert len(pulled(client, key, end_date=before)) == 3
    assert ids(pulled(client, key, service_code="slow-data")) == [
        c.pseudonym for c in world["berlin"]
    ]
    assert len(pulled(client, key, service_code="sms,slow-data")) == 5


def test_an_incremental_pull_gets_what_changed_and_nothing_else(client, world, key):
    first = pulled(client, key)
    # updated_datetime is a day (its midnight): no time of day the export does not give.
    assert all(r["updated_datetime"].split("T")[1].startswith("00:00:00") for r in first)
    newest = max(r["updated_datetime"] for r in first)
    # By day, inclusive: the newest day comes again (a job de-duplicates by id), no older one.
    again = pulled(client, key, updated_after=newest)
    assert again and {r["updated_datetime"] for r in again} == {newest}
    today = timezone.localdate()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert pulled(client, key, updated_after=yesterday) == []
    new = ComplaintFactory(carrier="telekom", city="Berlin", status=Status.PENDING)
    new.status, new.moderated_at = Status.PUBLISHED, timezone.now()
    new.save()
    case = CarrierCase.objects.create(carrier="telekom", place=Place.objects.get(slug="hamburg"))
    statement = case.statements.create(status=PlaceStatus.Kind.ACKNOWLEDGED, text="Wir prüfen.")
    cases.publish(statement, now=timezone.now())
    changed = pulled(client, key, updated_after=yesterday)
    assert set(ids(changed)) == {new.pseudonym, *(c.pseudonym for c in world["altona"])}
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    assert {r["updated_datetime"] for r in changed} == {midnight.isoformat()}
    assert {r["status_notes"] for r in changed if r["service_request_id"] != new.pseudonym} == {
        str(PlaceStatus.Kind.ACKNOWLEDGED.label)
    }
    # updated_before is inclusive by day too.
    assert set(ids(pulled(client, key, updated_before=today.isoformat()))) == set(ids(first)) | {
        new.pseudonym
    }
    assert not set(ids(pulled(client, key, updated_before=yesterday))) & set(ids(changed))


def test_without_the_carrier_s_answer_the_place_s_public_status_counts(client, world, key):
    hamburg = Place.objects.get(slug="hamburg")
    altona = Place.objects.get(parent=hamburg, name="Altona")
    today = timezone.localdate().isoformat()
    assert pulled(client, key, updated_after=today) == []
    # Another carrier's status is not this carrier's; the organizer's (carrier "") is.
    PlaceStatus.objects.create(place=hamburg, carrier="o2", status=PlaceStatus.Kind.ACKNOWLEDGED)
    assert pulled(client, key, updated_after=today) == []
    PlaceStatus.objects.create(place=hamburg, status=PlaceStatus.Kind.REPORTED_FIXED)
    closed = pulled(client, key, status="closed")
    assert set(ids(closed)) == {c.pseudonym for c in world["altona"]}
    assert {r["status_notes"] for r in closed} == {str(PlaceStatus.Kind.REPORTED_FIXED.label)}
    # Its change counts in updated_datetime: the nightly job finds the requests again.
    assert set(ids(pulled(client, key, updated_after=today))) == set(ids(closed))
    # The district's status comes before the city's.
    PlaceStatus.objects.create(
        place=altona,
        carrier="telekom",
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        date=timezone.localdate() - datetime.timedelta(days=30),
    )
    assert pulled(client, key, status="closed") == []
    # The carrier's own answer on its case comes first.
    case = CarrierCase.objects.create(carrier="telekom", place=hamburg)
    statement = case.statements.create(status=PlaceStatus.Kind.ACKNOWLEDGED, text="Wir prüfen.")
    cases.publish(statement, now=timezone.now())
    notes = {r["status_notes"] for r in pulled(client, key) if r["address"].startswith("Altona")}
    assert notes == {str(PlaceStatus.Kind.ACKNOWLEDGED.label)}


def test_the_next_page_link_repeats_only_known_parameters(client, world, key):
    response = client.get(
        BASE + "requests.json",
        {"page_size": 2, "status": "open", "token": "secret-ish", "API_KEY": key},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    link = response["Link"]
    assert "status=open" in link and "page_size=2" in link and "page=2" in link
    assert "token" not in link and key not in link and "API_KEY" not in link
    # A browser client may read the paging headers.
    exposed = response["Access-Control-Expose-Headers"]
    assert "Link" in exposed and "X-Open311-Page-Size" in exposed and "ETag" in exposed


def test_pages_are_stable_and_link_the_next_without_the_key(client, world, key):
    everything = ids(pulled(client, key))
    seen, page = [], 1
    while True:
        response = client.get(
            BASE + "requests.json", {"page_size": 2, "page": page, "api_key": key}
        )
        seen += ids(json.loads(response.content))
        if "Link" not in response:
            break
        assert key not in response["Link"] and f"page={page + 1}" in response["Link"]
        page += 1
    assert seen == everything and page == 3
    assert pulled(client, key, page=9) == []


def test_one_request_by_its_id(client, world, key):
    wanted = world["berlin"][0].pseudonym
    found = json.loads(get(client, key, f"requests/{wanted}.json").content)
    assert ids(found) == [wanted]
    other = world["o2"][0].pseudonym
    response = get(client, key, f"requests/{other}.json")
    assert response.status_code == 404
    assert json.loads(response.content)[0]["code"] == 404


def test_answers_are_not_kept_by_shared_caches_and_carry_an_etag(client, world, key):
    response = get(client, key, "requests.json")
    assert response["Cache-Control"] == "private, no-store"
    assert "Authorization" in response["Vary"]
    again = client.get(
        BASE + "requests.json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304
    assert client.head(BASE + "requests.json", HTTP_X_API_KEY=key).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(client, world, key):
    pulled(client, key)
    used = CarrierApiKey.objects.get().last_used_at
    assert used is not None
    pulled(client, key)
    assert CarrierApiKey.objects.get().last_used_at == used


# -- the command and the admin -----------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("carrier_api_key", *args, stdout=out)
    return out.getvalue()


def test_the_command_makes_lists_and_revokes_keys(client, world):
    secret = run("telekom", "--name", "Nachtlauf").strip().splitlines()[-1]
    made = CarrierApiKey.objects.get()
    assert made.key_hash == keys.digest(secret) and secret.startswith(made.prefix)
    assert secret not in run("--list") and made.prefix in run("--list")
    assert len(pulled(client, secret)) == 5
    run("--revoke", made.prefix)
    assert get(client, secret, "requests.json").status_code == 403
    with pytest.raises(CommandError, match="nobody"):
        run("nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("--revoke", "ezf_nothing")


def test_the_organizer_makes_a_key_and_sees_it_once(organizer_client, world):
    response = organizer_client.post(
        "/admin/complaints/carrierapikey/add/", {"carrier": "telekom", "name": "Nachtlauf"}
    )
    assert response.status_code == 302
    page = organizer_client.get(response["Location"]).content.decode()
    made = CarrierApiKey.objects.get()
    secret = page.split('data-testid="api-key" value="')[1].split('"')[0]
    assert keys.digest(secret) == made.key_hash and made.created_by.username == "iris"
    assert secret not in organizer_client.get(response["Location"]).content.decode()
    for url in (
        "/admin/complaints/carrierapikey/",
        f"/admin/complaints/carrierapikey/{made.pk}/change/",
    ):
        content = organizer_client.get(url).content.decode()
        assert made.prefix in content and secret not in content
    organizer_client.post(
        "/admin/complaints/carrierapikey/",
        {"action": "revoke", "_selected_action": [made.pk]},
    )
    assert CarrierApiKey.objects.get().revoked_at is not None


def test_only_organizers_reach_the_keys(client, world):
    from django.contrib.auth.models import Group

    keys.make(carrier="telekom", name="x")
    for group in ("Moderator", "Carrier"):
        user = UserFactory(username=f"u-{group}", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        assert client.get("/admin/complaints/carrierapikey/").status_code == 403
        assert client.get("/admin/complaints/carrierapikey/add/").status_code == 403
    organizer = UserFactory(username="olga", is_staff=True)
    organizer.groups.add(Group.objects.get(name="Organizer"))
    client.force_login(organizer)
    assert client.get("/admin/complaints/carrierapikey/").status_code == 200


def test_the_key_list_reads_a_fixed_number_of_queries(organizer_client, django_assert_num_queries):
    made = [keys.make(carrier="telekom", name=f"job {n}").key for n in range(5)]
    # The session, the user, the filtered and the full count, the page of keys, the carrier
    # filter's choices; not one per key.
    with django_assert_num_queries(QUERIES_OF_THE_KEY_LIST):
        response = organizer_client.get("/admin/complaints/carrierapikey/")
    assert all(key.prefix in response.content.decode() for key in made)
