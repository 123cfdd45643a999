"""The Open311 interface under attack: no key, a wrong, revoked or foreign key, a carrier no
longer configured, guessing, hostile parameters; and the key never written to a log."""

import datetime
import json
import logging
import os
import types
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from gunicorn.config import Config

from complaints.carrier.open311 import keys
from complaints.models import CarrierApiKey, Status
from einzelfall.access_log import PrivateLinksLogger

from .factories import ComplaintFactory
from .test_logs import written  # noqa: F401 (fixture: what the configured handlers write)

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


@pytest.fixture
def world():
    telekom = ComplaintFactory.create_batch(3, carrier="telekom", status=Status.PUBLISHED)
    o2 = ComplaintFactory.create_batch(2, carrier="o2", status=Status.PUBLISHED)
    return telekom, o2


@pytest.fixture
def key():
    return keys.make(carrier="telekom", name="nightly").secret


def errors_of(response) -> list[dict]:
    data = json.loads(response.content)
    assert isinstance(data, list) and data, data
    assert all(set(error) == {"code", "description"} for error in data)
    return data


def test_without_a_key_the_answer_is_401_in_the_open311_format(client, world):
    response = client.get(URL)
    assert response.status_code == 401
    assert errors_of(response)[0]["code"] == 401
    # RFC 9110: a 401 names the scheme it wants.
    assert response["WWW-Authenticate"].startswith("Bearer")
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)  # noqa: S314 (our own XML)
    assert root.tag == "errors" and root.findtext("error/code") == "401"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer ezf_wrong"},
        {"HTTP_AUTHORIZATION": "Basic ZXpmOnNlY3JldA=="},
        {"HTTP_X_API_KEY": "x" * 5000},
    ],
)
def test_a_wrong_key_sees_nothing(client, world, headers):
    response = client.get(URL, **headers)
    assert response.status_code in (401, 403)
    assert errors_of(response)[0]["code"] == response.status_code


def test_a_revoked_key_sees_nothing(client, world, key):
    assert client.get(URL, HTTP_X_API_KEY=key).status_code == 200
    keys.revoke(CarrierApiKey.objects.all())
    response = client.get(URL, HTTP_X_API_KEY=key)
    assert response.status_code == 403 and world[0][0].pseudonym not in response.content.decode()


def test_a_key_of_a_carrier_no_longer_configured_reaches_nothing(client, world, key):
    with override_settings(EINZELFALL_CARRIERS={"o2": "O2"}):
        assert client.get(URL, HTTP_X_API_KEY=key).status_code == 403


def test_another_carrier_s_key_never_sees_a_row_of_this_carrier(client, world):
    telekom, o2 = world
    other = keys.make(carrier="o2", name="o2 job").secret
    content = client.get(URL, {"page_size": 1000}, HTTP_X_API_KEY=other).content.decode()
    assert {r["service_request_id"] for r in json.loads(content)} == {c.pseudonym for c in o2}
    for complaint in telekom:
        assert complaint.pseudonym not in content
        one = client.get(f"/open311/v2/requests/{complaint.pseudonym}.json", HTTP_X_API_KEY=other)
        assert one.status_code == 404
    by_id = client.get(URL, {"service_request_id": telekom[0].pseudonym}, HTTP_X_API_KEY=other)
    assert json.loads(by_id.content) == []


def test_guessing_keys_locks_the_client_out(client, world, key, settings):
    """LOGIN_FAILURE_LIMIT 2: 8 requests without a key count for nothing; 6 wrong keys,
    and the right one is refused too (429)."""
    settings.LOGIN_FAILURE_LIMIT = 2
    # A job that lacks its key is told so, not locked out: that is no guess.
    for _ in range(8):
        assert client.get(URL).status_code == 401
    for attempt in range(6):
        assert client.get(URL, HTTP_X_API_KEY=f"ezf_guess{attempt}").status_code == 403
    refused = client.get(URL, HTTP_X_API_KEY=key)
    assert refused.status_code == 429 and errors_of(refused)[0]["code"] == 429
    # Another client is not locked.
    assert client.get(URL, HTTP_X_API_KEY=key, REMOTE_ADDR="192.0.2.9").status_code == 200


HOSTILE = [
    {"start_date": "2026-01-01' OR '1'='1"},
    {"start_date": "'; DROP TABLE complaints_complaint; --"},
    {"end_date": "99999-01-01"},
    {"start_date": "0001-01-01T00:00:00"},
    {"updated_after": "9999-12-31T23:59:59+14:00"},
    {"updated_after": "2026-13-45T25:61:00"},
    {"updated_before": "2026-02-30"},
    {"start_date": "\uff12\uff10\uff12\uff16-01-01"},  # full-width digits
    {"start_date": "2026-01-01T00:00:00+99:00"},
    {"end_date": "2026-01-01", "start_date": "2026-02-01"},
    {"start_date": "x" * 10000},
    {"status": "open' OR 1=1 --"},
    {"status": "pending"},
    {"service_code": "no-data' UNION SELECT email FROM complaints_complaint --"},
    {"service_code": "nope"},
    {"page": "0"},
    {"page": "-1"},
    {"page": "99999999999999999999999999"},
    {"page": "١٢"},
    {"page": "1e3"},
    {"page": "1.5"},
    {"page_size": "1001"},
    {"page_size": "0"},
    {"page_size": "²"},
    {"service_request_id": "a" * 41},
    {"service_request_id": ",".join(["abc"] * 101 + [f"x{n}" for n in range(101)])},
    {"service_request_id": "abc%00def"},
    {"status": ["open", "closed"]},
    {"page": ["1", "2"]},
    {"api_key": ["a", "b"]},
]


def test_hostile_parameters_get_a_400_with_an_open311_error_list(client, world, key):
    """30 hostile queries (SQL-ish text, far dates, huge and non-ASCII numbers, repeated
    parameters), each as JSON and XML: 60 requests, every one a 400, none a 500."""
    for params in HOSTILE:
        for fmt in ("json", "xml"):
            response = client.get(
                f"/open311/v2/requests.{fmt}", params, HTTP_AUTHORIZATION=f"Bearer {key}"
            )
            assert response.status_code == 400, (params, response.content[:300])
            if fmt == "json":
                assert errors_of(response)[0]["code"] == 400
            else:
                assert ET.fromstring(response.content).findtext("error/code") == "400"  # noqa: S314 (our own XML)
    harmless = client.get(URL, {"page": "99999", "q": "'; --"}, HTTP_X_API_KEY=key)
    assert harmless.status_code == 200 and json.loads(harmless.content) == []


def test_the_key_is_never_logged(client, world, key, caplog, written):  # noqa: F811
    revoked = keys.make(carrier="telekom", name="old").secret
    keys.revoke(CarrierApiKey.objects.filter(name="old"))
    caplog.set_level(logging.DEBUG)
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False):
        client.get(URL, {"api_key": key})
        client.get(URL, {"api_key": key, "page": "nope"})
        client.get(URL, HTTP_AUTHORIZATION=f"Bearer {revoked}")
        client.get(URL, {"api_key": revoked, "start_date": "x"})
        client.get("/open311/v2/requests/nope.json", HTTP_X_API_KEY=key)
    logged = "\n".join(r.getMessage() for r in caplog.records) + written()
    assert "Forbidden: /open311/v2/requests.json" in logged  # the log was captured
    for secret in (key, revoked, key[4:20], revoked[4:20]):
        assert secret not in logged


def test_gunicorns_access_log_masks_the_key_in_any_format(tmp_path, key):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '"%(r)s" %(q)s %(f)s %({authorization}i)s %({x-api-key}i)s')
    logger = PrivateLinksLogger(config)
    request = types.SimpleNamespace(
        headers=[("AUTHORIZATION", f"Bearer {key}"), ("X-API-KEY", key)],
        method="GET",
        path=URL,
        query=f"api_key={key}",
        uri=f"{URL}?api_key={key}",
        version=(1, 1),
    )
    response = types.SimpleNamespace(status="200 OK", sent=1, response_length=1, headers=[])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{URL}?api_key={key}",
        "PATH_INFO": URL,
        "QUERY_STRING": f"api_key={key}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://example.org/?page=1&api_key={key}",
    }
    logger.access(response, request, environ, datetime.timedelta(seconds=0.1))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert "api_key=…" in line and "Bearer …" in line, line
    assert key not in line and key[4:20] not in line, line
    assert os.path.getsize(tmp_path / "access.log") > 0
