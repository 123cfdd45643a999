"""No log line carries a private link's token, a confirmation or follow-up token, or a client's
address: the text the configured handlers write (settings.LOGGING; gunicorn's error and access
logs as `make serve` runs them) is read back, not what a test's capture sees before the
handlers' filters."""

import io
import logging
import re
import secrets
import socket
import time

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from complaints.campaign import followups
from complaints.intake import confirmation
from einzelfall.log_privacy import mask

from .factories import ComplaintFactory
from .test_serving import (  # noqa: F401 (fixtures: the static files; the logs on failure)
    Browser,
    Gunicorn,
    _servers_output_on_failure,
    manage,
    production_env,
    static_root,
)


@pytest.fixture
def written(request):
    """What the handlers of settings.LOGGING write, from now on (their streams swapped)."""
    handlers = [
        handler
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for handler in logger.handlers
        if type(handler) is logging.StreamHandler  # (not pytest's capture)
    ]
    assert handlers, "settings.LOGGING's console handler is not installed"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer.getvalue
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def a_secret() -> str:
    return secrets.token_urlsafe(24)


@pytest.mark.django_db
def test_csrf_and_404_warnings_on_private_links_carry_no_token(written):
    complaint = ComplaintFactory(email="kai@example.org")
    confirm_token = confirmation.token(complaint)
    answer_token = followups.token(complaint, followups.ANSWER)
    without_csrf = Client(enforce_csrf_checks=True)
    for path in [
        f"/report/thanks/{complaint.reference}/delete/",
        f"/report/confirm/{confirm_token}/",
        f"/report/followup/{answer_token}/",
    ]:
        assert without_csrf.post(path, {"answer": "improved"}).status_code == 403
    wrong = a_secret()
    assert Client().get(f"/report/thanks/{wrong}/").status_code == 404
    assert Client().get(f"/report/confirm/{wrong}x:y/").status_code == 404
    complaint.refresh_from_db()  # (still there: nothing was deleted)

    text = written()
    assert "Forbidden (CSRF cookie not set.): /report/thanks/…/delete/" in text
    assert "Forbidden (CSRF token missing.): /report/confirm/…/" in text
    assert "Forbidden (CSRF token missing.): /report/followup/…/" in text
    assert "Not Found: /report/thanks/…/" in text
    assert "Not Found: /report/confirm/…/" in text
    for secret in (complaint.reference, confirm_token, answer_token, wrong):
        assert secret not in text


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.9", "[2001:db8::7]"])
def test_a_host_header_naming_an_address_is_logged_without_it(written, address):
    assert Client().get("/", HTTP_HOST=address).status_code == 400
    text = written()
    assert "Invalid HTTP_HOST header: '" in text and "[address]" in text
    assert address.strip("[]") not in text


@pytest.mark.django_db
def test_a_server_errors_traceback_names_no_address(written, settings):
    settings.ROOT_URLCONF = "tests.urls_crash"
    response = Client(raise_request_exception=False).get("/database-gone/")
    assert response.status_code == 503
    text = written()
    assert "Traceback" in text and "OperationalError" in text
    assert "10.0.0.5" not in text and "([address])" in text


def test_the_development_servers_request_lines_carry_no_token(written):
    secret = a_secret()
    # As runserver's request handler logs a request (django.core.servers.basehttp).
    logging.getLogger("django.server").warning(
        '"%s" %s %s',
        f"GET /report/thanks/{secret}/ HTTP/1.1",
        "404",
        "179",
        extra={"status_code": 404, "server_time": "05/Dec/2026 19:30:00"},
    )
    text = written()
    assert '[05/Dec/2026 19:30:00] "GET /report/thanks/…/ HTTP/1.1" 404 179' in text
    assert secret not in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Invalid request from ip=192.0.2.1: bad", "Invalid request from ip=[address]: bad"),
        ("from ::ffff:192.0.2.1.", "from [address]."),
        ("Listening at: http://[::1]:8000", "Listening at: http://[[address]]:8000"),
        ("peer fe80::1%eth0 gone", "peer [address] gone"),
        ("GET /report/followup/1a:b-c_d/unsubscribe/", "GET /report/followup/…/unsubscribe/"),
        ("GET /x/?a=1&token=abc", "GET /x/?a=1&token=…"),
        # Spelled so that the server still resolves it, or so that it does not (a 404 line).
        ("GET /report%2Fthanks%2Fabc123/ HTTP/1.1", "GET /report/thanks/…/ HTTP/1.1"),
        ("GET /report/%74hanks/abc123/", "GET /report/thanks/…/"),
        ("GET /x/?next=%252Freport%252Fconfirm%252Fa:b", "GET /x/?next=/report/confirm/…"),
        ("Not Found: /report//thanks/abc123/", "Not Found: /report//thanks/…/"),
        ("Not Found: /Report/Followup/abc123/", "Not Found: /Report/Followup/…/"),
        ("550 <kai.k+1@mail.example.org>: unknown", "550 <[email]>: unknown"),
        # What is not an address stays: times, versions, dates, MAC-like labels.
        ("at 19:07:46,123 took 1.2.3 on 05.12.2026", "at 19:07:46,123 took 1.2.3 on 05.12.2026"),
        ("aa:bb:cc:dd:ee:ff 1.2.3.4.5", "aa:bb:cc:dd:ee:ff 1.2.3.4.5"),
    ],
)
def test_the_masking_rule(line, expected):
    assert mask(line) == expected


def _secret_routes(patterns=None, prefix=""):
    """Every route of the URLconf with a `token` or `reference` kwarg, as its regex."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            yield from _secret_routes(entry.url_patterns, regex)
        elif "(?P<token>" in regex or "(?P<reference>" in regex:
            yield regex


def test_every_route_with_a_secret_is_masked():
    """Each route that takes a token or a reference, with a real token in it: the token is
    masked, in a request line and in a 404 warning (doubled slashes too)."""
    routes = list(_secret_routes())
    assert len(routes) >= 8  # report thanks/delete/confirm/followup(2), follow confirm/unsub(2)
    for regex in routes:
        group = "token" if "(?P<token>" in regex else "reference"
        # A signed token's characters where the route takes them, else a reference's.
        for secret in ("WzFd:1xaB9V:_uSw.abc-Z", "WzFd1xaB9V_uSwabc-Z"):
            path = re.sub(rf"\(\?P<{group}>[^)]*\)(\{{[\d,]+\}})?", secret, regex, count=1)
            path = re.sub(r"\(\?P<\w+>[^)]*\)", "MQ", path)  # another kwarg (a uidb64)
            path = "/" + path.removesuffix("\\Z").rstrip("$").replace("\\", "")
            if re.fullmatch(regex, path[1:]):
                break
        assert re.fullmatch(regex, path[1:]), (regex, path)
        for line in (f'"GET {path} HTTP/1.1" 200', f"Not Found: {path.replace('/', '//', 2)}"):
            assert secret not in mask(line), (regex, line)


def test_a_long_hostile_line_is_masked_at_once():
    # A run of word characters before an at sign made the email rule quadratic: 100 KB took
    # half a minute, and a line of an exception's message can hold that much of a request.
    for line in ["a" * 100_000 + " @", "a" * 50_000 + "@" + "b" * 50_000, "a." * 50_000 + "@x"]:
        started = time.perf_counter()
        mask(line)
        assert time.perf_counter() - started < 1


# -- gunicorn, as `make serve` runs it -------------------------------------------------------


def raw_request(server: Gunicorn, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_gunicorns_logs_carry_no_client_address_and_no_token(request, tmp_path, static_root):  # noqa: F811
    env = production_env(static_root, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--no-input")
    server = Gunicorn("logs", env, tmp_path)
    request.node.servers = [server]
    secrets_sent = [a_secret() for _ in range(4)]
    try:
        server.wait_until_answering()
        # Malformed requests, which gunicorn refuses itself and logs with the client's address.
        bad_line = f"GET /report/thanks/{secrets_sent[0]}/\r\n\r\n"  # no HTTP version
        assert raw_request(server, bad_line.encode()).startswith(b"HTTP/1.1 400")
        bad_header = (
            f"GET /report/confirm/{secrets_sent[1]}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Bad\x01Header: 1\r\n\r\n"
        )
        assert raw_request(server, bad_header.encode()).startswith(b"HTTP/1.1 400")
        # Django's warnings, written to the same error log.
        browser = Browser()
        refused = browser.post(server, f"/report/thanks/{secrets_sent[2]}/delete/", {"a": "1"})
        assert refused.status == 403
        assert browser.get(server, f"/report/thanks/{secrets_sent[3]}/").status == 404
        assert browser.get(server, "/", headers={"Host": "198.51.100.4"}).status == 400
        deadline = time.monotonic() + 10
        while "Invalid HTTP_HOST" not in server.error_log.read_text(errors="replace"):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
    finally:
        server.stop()
    errors = server.error_log.read_text(errors="replace")
    everything = errors + server.access_log.read_text(errors="replace")
    assert (
        "Invalid request from ip=[address]: Invalid HTTP request line: 'GET /report/thanks/…/'"
        in errors
    ), errors
    assert "Forbidden (CSRF cookie not set.): /report/thanks/…/delete/" in errors, errors
    assert "Not Found: /report/thanks/…/" in errors, errors
    for secret in [*secrets_sent, "127.0.0.1", "198.51.100.4"]:
        assert secret not in everything, everything


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "DETAIL:  Failing row contains (7, Ich heiße Kai Okonkwo, Lindenallee 12, o2).",
            "DETAIL:  Failing row contains (…).",
        ),
        (
            "DETAIL:  Key (email)=(Kai Okonkwo, Lindenallee 12) already exists.",
            "DETAIL:  Key (email)=(…) already exists.",
        ),
        (
            'DETAIL:  Key (city_place_id)=(99) is not present in table "complaints_place".',
            'DETAIL:  Key (city_place_id)=(…) is not present in table "complaints_place".',
        ),
    ],
)
def test_the_databases_details_name_no_values(line, expected):
    """PostgreSQL's error details quote the row or key that broke a constraint: a report's
    own text, whatever rule it broke."""
    assert mask(line) == expected


@pytest.mark.django_db(transaction=True)
def test_a_refused_rows_text_does_not_reach_the_log(written, migrated_data):
    from django.db import IntegrityError, connection, transaction

    from complaints.models import DESCRIPTION_REDACTED_MAX_LENGTH
    from tests.factories import ComplaintFactory

    if connection.vendor != "postgresql":
        pytest.skip("the row in the error's detail is PostgreSQL's")
    complaint = ComplaintFactory()
    secret = "Okonkwo" * (DESCRIPTION_REDACTED_MAX_LENGTH // 7 + 1)
    try:
        with transaction.atomic():
            type(complaint).objects.filter(pk=complaint.pk).update(description_redacted=secret)
    except IntegrityError:
        logging.getLogger("complaints").exception("An update was refused")
    text = written()
    assert "An update was refused" in text and "Failing row contains (…)" in text
    assert "Okonkwo" not in text


@pytest.mark.parametrize("piece", ["Failing row contains (", "Key (a)=(", "Key (a)=(x) "])
def test_a_long_line_of_database_details_is_masked_at_once(piece):
    started = time.perf_counter()
    mask(piece * 10_000)
    assert time.perf_counter() - started < 1  # a pattern version took 2 to 14 seconds
