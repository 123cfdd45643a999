"""/places/nearest/ and /places/centroids.json against hostile input, and the coordinates in
no log line (issue 22, part C).

Figures (this module): 61 query strings (52 malformed, 6 far from Germany, 3 well-formed
controls), 12 requests with other methods, 3 HEAD requests and a query of 400 KB: no
answer 500; each malformed query a 400 with a JSON message (but the three that
complaints.middleware refuses for every page first: two with a NUL, one with more fields
than Django takes), each position outside Germany a 404 with one, each other method a 405
with one (or the CSRF check's 403). The coordinates of 59 of those queries (those under 2,000
characters, and the redirects of the path without its slash or in capitals) are looked for
in what each logger writes: settings.LOGGING's handlers (Django's request warnings), the
development server's request lines (`manage.py runserver`, really started) and gunicorn's
access and error logs (as `make serve` starts it, and with an access log format that an
operator extended by the request line and the query): no coordinate digits in any line."""

import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.test import Client

from complaints.models import Complaint
from einzelfall.log_privacy import mask

from .test_logs import raw_request, written  # noqa: F401 (fixture: what the handlers write)
from .test_serving import (  # noqa: F401 (fixtures: the static files; the logs on failure)
    ROOT,
    Browser,
    Gunicorn,
    _servers_output_on_failure,
    free_port,
    manage,
    production_env,
    static_root,
)

GAZETTEER = ROOT / "tests" / "fixtures" / "gazetteer"
LONG = "9" * 10_000

# (query string as sent, expected status)
HOSTILE = [
    ("", 400),
    ("lat=53.5731", 400),
    ("lon=9.9187", 400),
    ("lat=&lon=", 400),
    ("lat=NaN&lon=9.9187", 400),
    ("lat=nan&lon=nan", 400),
    ("lat=inf&lon=9.9187", 400),
    ("lat=-Infinity&lon=9.9187", 400),
    ("lat=1e400&lon=9.9187", 400),
    ("lat=-1e400&lon=1e-400", 400),
    ("lat=5.35731e1&lon=9.9187", 400),
    ("lat=53,5731&lon=9,9187", 400),
    ("lat=53.5731,9.9187", 400),
    ("lat=53.5731&lat=52.5731&lon=9.9187", 400),
    ("lat=53.5731&lon=9.9187&lat=53.5731", 400),
    ("lat[]=53.5731&lon[]=9.9187", 400),
    ("lat=%D9%A5%D9%A3&lon=9.9187", 400),  # Arabic-Indic digits, which float() takes
    ("lat=%EF%BC%95%EF%BC%93&lon=%EF%BC%99", 400),  # fullwidth digits
    ("lat=%E0%A5%AB%E0%A5%A9&lon=9.9187", 400),  # Devanagari digits
    ("lat=53.5731%00&lon=9.9187", 400),
    ("lat=%2053.5731&lon=9.9187", 400),
    ("lat=53.5731%20&lon=9.9187", 400),
    ("lat=53.5731%0A&lon=9.9187", 400),
    ("lat=0x35&lon=9.9187", 400),
    ("lat=53_5731&lon=9.9187", 400),
    ("lat=91&lon=9.9187", 400),
    ("lat=-90.1&lon=0", 400),
    ("lat=53.5731&lon=181", 400),
    ("lat=53.5731&lon=-180.5", 400),
    ("lat=9999&lon=9.9187", 400),
    (f"lat={LONG}&lon=9.9187", 400),
    ("lat=53." + "5" * 5_000 + "&lon=9.9187", 400),
    ("lat=53.5731&lon=9.9187&" + "x=1&" * 2_000, 400),  # more fields than Django takes
    ("lat=abc&lon=def", 400),
    ("lat=true&lon=false", 400),
    ("lat=null&lon=null", 400),
    ("lat=%27%3B--&lon=1", 400),
    ("lat=%3Cscript%3E&lon=1", 400),
    ("lat=+53.5731&lon=+9.9187", 400),  # "+" is a space in a query
    ("lat=.5&lon=9.9187", 400),
    ("lat=53.&lon=9.9187", 400),
    ("lat=--53&lon=9.9187", 400),
    ("lat=53.5731;lon=9.9187", 400),
    ("LAT=53.5731&LON=9.9187", 400),
    ("latitude=53.5731&longitude=9.9187", 400),
    ("lat=%FF%FE&lon=9.9187", 400),
    ("lat=53.5731000000001&lon=9.9187", 400),  # more digits than any phone gives
    ("lat=%E2%88%9E&lon=1", 400),  # ∞
    ("lat=1_000&lon=1", 400),
    ("lat=0053.5731&lon=9.9187", 400),
    ("lat=53.5731&lon=9.9187&lon=", 400),
    # Well-formed, but nowhere near Germany (or anything): 404.
    ("lat=0&lon=0", 404),
    ("lat=-0&lon=-0", 404),
    ("lat=90&lon=180", 404),
    ("lat=-90&lon=-180", 404),
    ("lat=52.2297&lon=21.0122", 404),  # Warsaw
    ("lat=-53.5731&lon=-9.9187", 404),
    # Well-formed and in Germany.
    ("lat=53.5731&lon=9.9187", 200),
    ("lat=%2B53.5731&lon=%2B9.9187", 200),  # an explicit plus sign
    ("lat=53.5731&lon=9.9187&x=1", 200),  # other parameters are ignored
    ("lat=53.5731&lon=9.9187&x=%00", 400),  # a NUL anywhere: refused by the site's middleware
]


def values_of(query: str) -> list[str]:
    """The query's values that carry a coordinate's digits (three characters or more)."""
    return [
        value
        for _, value in parse_qsl(query, keep_blank_values=True, max_num_fields=10_000)
        if len(value) >= 3 and re.search(r"\d", value)
    ]


def no_coordinates_in(text: str, queries) -> None:
    # A latitude or longitude parameter with digits is masked wherever it stands ("lat=…").
    unmasked = re.search(r"(?i)\b(lat|lon)\w*(?:\[\])?=[^…&\s\"'<>]*\d", text)
    assert unmasked is None, text[max(unmasked.start() - 200, 0) : unmasked.end() + 200]
    for query in queries:
        for value in values_of(query):
            assert value not in text, (query, value)
    for digits in ("5731", "9187"):  # the position every well-formed query names
        assert digits not in text


def test_there_are_fifty_hostile_queries_or_more():
    assert len(HOSTILE) >= 50
    assert len({query for query, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.django_db
def test_hostile_queries_get_a_clear_answer_and_nothing_is_logged_or_stored(written):  # noqa: F811
    client = Client(raise_request_exception=False)
    complaints = Complaint.objects.count()
    outcomes = {}
    for query, expected in HOSTILE:
        response = client.get(f"/places/nearest/?{query}")
        outcomes[query] = response.status_code
        assert response.status_code == expected, (query[:80], response.content[:300])
        if "%00" in query or query.count("&") > 1_000:
            # complaints.middleware refuses a NUL before any view, for every page; reading
            # the query there, Django refuses more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS.
            continue
        assert "no-store" in response["Cache-Control"], query[:80]
        data = response.json()
        if expected == 200:
            assert data["city"]["name"] == "Hamburg"
        else:
            assert len(data["error"]) > 20, query[:80]
    assert 500 not in outcomes.values()
    assert Complaint.objects.count() == complaints
    no_coordinates_in(written(), [query for query, _ in HOSTILE])


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize("path", ["/places/nearest/", "/places/centroids.json"])
def test_other_methods_are_refused_with_a_message(method, path):
    client = Client(enforce_csrf_checks=True)
    # In English: the message is what is checked (German pages say it in German).
    response = getattr(client, method)(
        f"{path}?lat=53.5731&lon=9.9187", headers={"accept-language": "en"}
    )
    # A POST without a CSRF token is refused before the view (403); the rest by it (405).
    assert response.status_code in (403, 405)
    if response.status_code == 405:
        assert response["Allow"] == "GET, HEAD"
        assert "Only GET" in response.json()["error"]


@pytest.mark.django_db
def test_head_answers_as_get():
    assert Client().head("/places/nearest/?lat=53.55&lon=9.93").status_code == 200
    assert Client().head("/places/nearest/?lat=53.55").status_code == 400
    assert Client().head("/places/centroids.json").status_code == 200


@pytest.mark.django_db
def test_a_very_long_query_string_is_refused_quickly():
    started = time.perf_counter()
    response = Client().get(f"/places/nearest/?lat={'1' * 200_000}&lon={'2' * 200_000}")
    assert response.status_code == 400
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /places/nearest/?lat=53.57&lon=9.92 HTTP/1.1" 200',
            '"GET /places/nearest/?… HTTP/1.1" 200',
        ),
        ("GET /places//Nearest?x=1&lat=53.57 HTTP/1.1", "GET /places//Nearest?… HTTP/1.1"),
        ("GET /places%2Fnearest/?lat=53.57", "GET /places/nearest/?…"),
        # Escaped white space would end the value once decoded: masked before decoding too.
        (
            "GET /places/nearest/?lat=%2053.57&lon=%0A9.92 HTTP/1.1",
            "GET /places/nearest/?… HTTP/1.1",
        ),
        ("lat=53.57&lon=9.92", "lat=…&lon=…"),  # gunicorn's %(q)s: a bare query
        ("lat=%2053.57&lon=9.92", "lat=…&lon=…"),
        ("GET /report/?LAT[]=53.57&longitude=9.92&lng=9", "GET /report/?LAT[]=…&longitude=…&lng=…"),
        # Words that only begin so stay.
        ("latency=5ms plateau=3 lonely=1", "latency=5ms plateau=3 lonely=1"),
    ],
)
def test_the_masking_rule_for_positions(line, expected):
    assert mask(line) == expected


# -- the servers, as they log ------------------------------------------------------------------

SERVED = [query for query, _ in HOSTILE if len(query) < 2_000] + [
    "lat=53.5731&lon=9.9187",
]


def serve_env(static_root, workdir: Path, **changes) -> dict[str, str]:  # noqa: F811
    env = production_env(static_root, DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}", **changes)
    manage(env, "migrate", "--no-input")
    manage(
        env,
        "load_places",
        "--geonames",
        str(GAZETTEER / "cities500.json"),
        "--postcodes",
        str(GAZETTEER / "postcodes.json"),
    )
    return env


def ask_every_query(server) -> dict[int, int]:
    statuses: dict[int, int] = {}
    browser = Browser()
    for query in SERVED:
        status = browser.get(server, f"/places/nearest/?{query}").status
        statuses[status] = statuses.get(status, 0) + 1
    # Without the slash: redirected (logged with the query by the development server).
    browser.get(server, "/places/nearest?lat=53.5731&lon=9.9187")
    browser.get(server, "/Places/Nearest/?lat=53.5731&lon=9.9187")
    return statuses


def test_gunicorns_logs_carry_no_coordinates(request, tmp_path, static_root):  # noqa: F811
    """As `make serve` runs it, and with an access log format extended by the request line
    (%(r)s), the query (%(q)s) and the referer (an operator's change)."""
    extended = '--access-logformat \'"%(r)s" %(q)s %(U)s "%(f)s" %(s)s\''
    env = serve_env(static_root, tmp_path, GUNICORN_CMD_ARGS=extended)
    server = Gunicorn("nearest", env, tmp_path)
    request.node.servers = [server]
    try:
        server.wait_until_answering()
        statuses = ask_every_query(server)
        referer = {"Referer": "http://127.0.0.1/places/nearest/?lat=53.5731&lon=9.9187"}
        Browser().get(server, "/places/nearest/?lat=53.5731&lon=9.9187", headers=referer)
        # Malformed requests, which gunicorn refuses itself and logs with the request line.
        bad_line = b"GET /places/nearest/?lat=53.5731&lon=9.9187\r\n\r\n"
        assert raw_request(server, bad_line).startswith(b"HTTP/1.1 400")
        bad_header = (
            b"GET /places/nearest/?lat=53.5731&lon=9.9187 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Bad\x01Header: 1\r\n\r\n"
        )
        assert raw_request(server, bad_header).startswith(b"HTTP/1.1 400")
        deadline = time.monotonic() + 10
        while len(server.access_lines()) < len(SERVED) + 3:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
    finally:
        server.stop()
    assert 500 not in statuses and statuses.get(200) and statuses.get(400), statuses
    access = server.access_log.read_text(errors="replace")
    errors = server.error_log.read_text(errors="replace")
    # The extended format took effect: the request line and the query are there, masked.
    assert '"GET /places/nearest/?… HTTP/1.1" lat=…&lon=… /places/nearest/ ' in access, access
    assert "Invalid HTTP request line: 'GET /places/nearest/?…'" in errors, errors
    no_coordinates_in(access + errors, SERVED)


def test_the_development_servers_request_lines_carry_no_coordinates(request, tmp_path):
    env = serve_env(tmp_path / "static", tmp_path, DEBUG="true")
    port = free_port()
    log = tmp_path / "runserver.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = type("Runserver", (), {"base": f"http://127.0.0.1:{port}", "port": port})()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        statuses = ask_every_query(server)
        marker = secrets.token_hex(8)
        Browser().get(server, f"/{marker}/")  # the last line: everything before is written
        deadline = time.monotonic() + 10
        while marker not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert 500 not in statuses and statuses.get(200), statuses
    assert '"GET /places/nearest/?… HTTP/1.1" 200' in text, text
    assert '"GET /places/nearest/?… HTTP/1.1" 400' in text, text
    no_coordinates_in(text, SERVED)
