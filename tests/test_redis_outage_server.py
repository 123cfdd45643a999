"""Redis down under gunicorn (issue 23): the site as production serves it, with CACHE_URL at a
closed port. A valid report is stored, pages answer 200, /readyz says the cache is down (and
stays 200), the failure is logged once and not per request; one stamp replayed stores no more
than the limits allow. And the probes as a load balancer sends them: plain HTTP, its own Host."""

import json
import sqlite3

import pytest

from .test_serving import (
    REPORT,
    Browser,
    Gunicorn,
    assert_stored,
    free_port,
    manage,
    production_env,
    send_report,
    shown_form,
)

OUTAGE_LINE = "The cache (Redis) cannot be reached"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    manage(production_env(root), "collectstatic", "--no-input", "--verbosity", "0")
    return root


@pytest.fixture(scope="module")
def without_redis(tmp_path_factory, static_root):
    """One worker with two threads (one process's log: the failure once, though each thread
    has its own cache object), Redis at a port nobody listens on."""
    workdir = tmp_path_factory.mktemp("outage")
    database = workdir / "db.sqlite3"
    env = production_env(
        static_root,
        DATABASE_URL=f"sqlite:///{database}",
        CACHE_URL=f"redis://127.0.0.1:{free_port()}/0",
        WEB_CONCURRENCY="1",
        MIN_FILL_SECONDS="0",  # a person takes longer; the test posts at once
        CLIENT_IP_HEADER="X-Real-IP",  # the proxy's header, which Browser sends
    )
    manage(env, "migrate", "--no-input")
    server = Gunicorn("outage", env, workdir)
    server.database = database
    try:
        server.wait_until_answering()
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage(request, without_redis):
    request.node.servers = [without_redis]
    return without_redis


def stored(server) -> int:
    with sqlite3.connect(server.database) as db:
        return db.execute("SELECT COUNT(*) FROM complaints_complaint").fetchone()[0]


def test_a_valid_report_is_stored_and_the_pages_answer(outage):
    before = stored(outage)
    browser = Browser("203.0.113.61")
    response = send_report(browser, outage)
    assert_stored(response)
    assert stored(outage) == before + 1
    assert browser.get(outage, response.header("Location")).status == 200  # the thanks page
    for path in ("/", "/report/", "/stats/"):
        assert Browser().get(outage, path).status == 200, path


def test_readyz_says_the_cache_is_down_and_stays_200(outage):
    answer = Browser().get(outage, "/readyz")
    assert answer.status == 200
    assert json.loads(answer.body) == {"status": "ready", "database": "ok", "cache": "down"}
    assert answer.header("Cache-Control") == "no-store"
    health = Browser().get(outage, "/healthz")
    assert (health.status, health.text) == (200, "ok\n")


def test_the_failure_is_logged_once_not_per_request(outage):
    for _ in range(20):
        Browser().get(outage, "/")
        send_report(Browser("203.0.113.62"), outage)
    lines = [line for line in outage.error_log.read_text().splitlines() if OUTAGE_LINE in line]
    assert len(lines) == 1, lines
    assert "Traceback" not in outage.error_log.read_text()


def test_the_limits_hold_without_redis(outage):
    """Fresh stamps from one client: five reports in ten minutes (REPORT_RATE_LIMITS), then
    429s, counted in the database."""
    browser = Browser("203.0.113.63")
    before = stored(outage)
    statuses = [send_report(browser, outage).status for _ in range(8)]
    assert statuses == [302] * 5 + [429] * 3
    assert stored(outage) == before + 5


def test_one_stamp_replayed_stores_one_report_per_process(outage):
    """The attack: one form fetched, posted 30 times with other texts from 30 addresses (no
    limit applies to any of them). Without Redis the stamp is spent in its process only: with
    one worker, one report."""
    browser = Browser("198.51.100.200")
    shown = shown_form(browser, outage)  # with the CSRF cookie the posts send
    before = stored(outage)
    statuses = []
    for n in range(30):
        browser.address = f"198.51.100.{n + 1}"
        data = {**REPORT, **shown, "description": f"Kein Netz, Versuch {n}."}
        statuses.append(browser.post(outage, "/report/", data).status)
    assert stored(outage) - before == 1
    assert statuses[0] == 302
    assert all(status in (200, 302) for status in statuses)


@pytest.fixture(scope="module")
def behind_a_balancer(tmp_path_factory, static_root):
    """HTTPS redirect on, one allowed host, and the database at a port nobody listens on."""
    workdir = tmp_path_factory.mktemp("balancer")
    env = production_env(
        static_root,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nothing",
        SECURE_SSL_REDIRECT="true",
        ALLOWED_HOSTS="einzelfall.example.org",
        WEB_CONCURRENCY="1",
    )
    server = Gunicorn("balancer", env, workdir)
    try:
        server.wait_until_answering()
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["10.0.0.5:8000", "einzelfall.example.org"])
def test_the_probes_answer_plain_http_with_any_host(request, behind_a_balancer, host):
    request.node.servers = [behind_a_balancer]
    headers = {"Host": host}
    health = Browser().get(behind_a_balancer, "/healthz", headers=headers)
    assert health.status == 200
    ready = Browser().get(behind_a_balancer, "/readyz", headers=headers)
    assert ready.status == 503
    assert json.loads(ready.body)["database"] == "down"
    # The same server redirects or refuses a page: the probes are the exception.
    page = Browser().get(behind_a_balancer, "/", headers=headers)
    assert page.status in (301, 400)
