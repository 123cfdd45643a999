"""The site served as production serves it (`make serve`, docs/deploy.md): gunicorn with
einzelfall/gunicorn_conf.py, DEBUG off, static files hashed and compressed by whitenoise; and
two app instances sharing one PostgreSQL database and one Redis.

Everything runs in subprocesses and talks HTTP (urllib): no test database, nothing in this
process's settings. Each server's output goes to files, printed when a test fails.
"""

import contextlib
import datetime
import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import redis_test_db

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_SECONDS = 30

# The scale-out test's own database (named after the run's, so that runs against different
# databases do not meet) and Redis database (test_abuse uses the other one of the run's two).
SCALEOUT_DB = (
    urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "")).path.strip("/") or "einzelfall"
) + "_scaleout"
SCALEOUT_REDIS_DB = redis_test_db(0)
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SUPERUSER, SUPERUSER_PASSWORD = "ops", "scale-out-" + secrets.token_urlsafe(16)
# Reports per client on the two instances; a day, so that no window ends during the test.
RATE_LIMIT = (4, "4/d")


# -- processes ----------------------------------------------------------------------------


def production_env(static_root: Path, **changes: str) -> dict[str, str]:
    """The environment of a production deployment on plain HTTP at 127.0.0.1 (the TLS proxy
    is left out, so the HTTPS redirect and secure cookies are turned off)."""
    # Nothing of the test run's own configuration (or a developer's shell: ADMIN_URL,
    # REPORT_RATE_LIMITS...) leaks into the server's; libpq's PG* variables do.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR"} or key.startswith("PG")
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "einzelfall.settings",
        "ENV_FILE": os.devnull,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://einzelfall.example.org",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(static_root),
        "CACHE_URL": "locmemcache://einzelfall",
        "EMAIL_URL": "consolemail://",
        "EINZELFALL_CARRIERS": "o2=O2 Telefónica",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "PYTHONUNBUFFERED": "1",
        **changes,
    }


def manage(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One app instance, as `make serve` starts it; access log (stdout) and error log (stderr)
    in files."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = log_dir / f"{name}-access.log"
        self.error_log = log_dir / f"{name}-error.log"
        command = [str(GUNICORN)] if GUNICORN.exists() else [sys.executable, "-m", "gunicorn"]
        with open(self.access_log, "wb") as out, open(self.error_log, "wb") as err:
            self.process = subprocess.Popen(
                [*command, "--config", "einzelfall/gunicorn_conf.py", "einzelfall.wsgi"],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
                stdout=out,
                stderr=err,
            )

    def wait_until_answering(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn {self.name} exited:\n{self.output()}")
            try:
                Browser().get(self, "/", timeout=5)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"gunicorn {self.name} did not answer:\n{self.output()}"
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # graceful: the workers finish their requests
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def access_lines(self) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines()

    def output(self) -> str:
        return (
            f"--- {self.name} access log\n{self.access_log.read_text(errors='replace')}"
            f"--- {self.name} error log\n{self.error_log.read_text(errors='replace')}"
        )


# -- HTTP ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """A visitor with cookies (one jar for every port of 127.0.0.1, as a browser keeps them
    per host); as the proxy would, it names the client's address in X-Real-IP."""

    def __init__(self, address: str = ""):
        self.jar = http.cookiejar.CookieJar()
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # no http_proxy from the environment
            urllib.request.HTTPCookieProcessor(self.jar),
            _NoRedirects(),
        )

    def request(
        self, server: Gunicorn, path: str, data=None, headers=None, timeout: float = 20
    ) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(server.base + path, data=body)  # noqa: S310
        if self.address:
            request.add_header("X-Real-IP", self.address)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                status, head, content = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, head, content = error.code, error.headers, error.read()
        return Response(status, {k.lower(): v for k, v in head.items()}, content)

    def get(self, server, path, **kwargs) -> Response:
        return self.request(server, path, **kwargs)

    def post(self, server, path, data, **kwargs) -> Response:
        return self.request(server, path, data=data, **kwargs)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


REPORT = {
    "carrier": "o2",
    "problems": ["no-data"],
    "city": "Hamburg",
    "district": "Altona",
    "technology": "4g",
    "frequency": "daily",
    "consent": "on",
    # Each one a further report on purpose (a browser that has just sent one is asked first).
    "another": "1",
}


def shown_form(browser: Browser, server: Gunicorn) -> dict:
    """GET the form (which sets the CSRF cookie): its CSRF token and time stamp."""
    page = browser.get(server, "/report/")
    assert page.status == 200
    return {
        "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
        "form_stamp": hidden(page.text, "form_stamp"),
    }


def send_report(browser: Browser, shown_on: Gunicorn, sent_to: Gunicorn | None = None):
    return browser.post(
        sent_to or shown_on, "/report/", {**REPORT, **shown_form(browser, shown_on)}
    )


def assert_stored(response: Response) -> None:
    assert response.status == 302, response.text[:2000]
    assert response.header("Location").startswith("/report/thanks/")


def counter(server: Gunicorn) -> int:
    page = Browser().get(server, "/")
    assert page.status == 200
    match = re.search(r'data-testid="counter">([\d.,\s]+)<', page.text)
    assert match, "no counter on the landing page"
    return int(re.sub(r"\D", "", match.group(1)))


def published_total(server: Gunicorn) -> int:
    answer = Browser().get(server, "/stats/cities.json")
    assert answer.status == 200
    return json.loads(answer.body)["total"]


@pytest.fixture(autouse=True)
def _servers_output_on_failure(request):
    """Printed in the teardown: pytest shows it with a failing test only."""
    yield
    for server in getattr(request.node, "servers", []):
        print(server.output())


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic as `make serve` runs it: hashed names, gzip copies, manifest
    (with DEBUG off the pages name the hashed files, so this comes before any page)."""
    root = tmp_path_factory.mktemp("static")
    manage(production_env(root), "collectstatic", "--no-input", "--verbosity", "0")
    return root


# -- one instance, as `make serve` runs it --------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory, static_root):
    workdir = tmp_path_factory.mktemp("serve")
    env = production_env(static_root, DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}")
    manage(env, "migrate", "--no-input")
    server = Gunicorn("serve", env, workdir)
    try:
        server.wait_until_answering()
        yield server
    finally:
        server.stop()


@pytest.fixture
def serving(request, served):
    request.node.servers = [served]
    return served


def test_the_landing_page_is_served_with_debug_off(serving):
    page = Browser().get(serving, "/")
    assert page.status == 200
    assert 'data-testid="counter"' in page.text
    assert "default-src 'self'" in page.header("Content-Security-Policy")
    missing = Browser().get(serving, "/nowhere/", headers={"Accept-Language": "en"})
    assert missing.status == 404
    assert "This page does not exist, or the link has expired." in missing.text  # the site's
    assert "URLconf" not in missing.text and "DEBUG = True" not in missing.text  # no debug page


def test_static_files_have_hashed_names_a_long_cache_life_and_gzip(serving):
    page = Browser().get(serving, "/").text
    match = re.search(r'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert match, "the stylesheet is not linked under a hashed name"
    css = Browser().get(serving, match.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert "max-age=315360000" in css.header("Cache-Control")
    assert css.header("Content-Encoding") == "gzip"
    assert css.body[:2] == b"\x1f\x8b"
    plain = Browser().get(serving, match.group(1))
    assert plain.status == 200 and not plain.header("Content-Encoding")
    assert b"{" in plain.body


def test_the_access_log_holds_no_client_address_and_no_private_link(serving):
    Browser().get(serving, "/report/")
    secret = "Zq8uZJ0vYvTq6b9mW1rA3xK5nP2sD4fG"
    Browser().get(serving, f"/report/thanks/{secret}/")  # a 404, logged all the same
    deadline = time.monotonic() + 5
    while not any("/report/thanks/" in line for line in serving.access_lines()):
        assert time.monotonic() < deadline, "the requests were not logged"
        time.sleep(0.1)
    requests = [line for line in serving.access_lines() if '"GET ' in line]
    assert any(re.match(r'"GET /report/" 200 \d+ \d+ms$', line) for line in requests)
    assert any('"GET /report/thanks/…/" 404' in line for line in requests)
    assert not [line for line in requests if "127.0.0.1" in line or secret in line]


# -- two instances, one PostgreSQL database, one Redis ----------------------------------------


def postgres_server() -> dict[str, str]:
    """The PostgreSQL server of the test run (DATABASE_URL) or the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urllib.parse.urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": urllib.parse.unquote(parts.username or "postgres"),
        "password": urllib.parse.unquote(parts.password or ""),
    }


def postgres_admin(server: dict[str, str]):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        autocommit=True,
        connect_timeout=3,
        **{k: v for k, v in server.items() if v},
    )


def scaleout_unavailable() -> str:
    try:
        postgres_admin(postgres_server()).close()
    except Exception as error:
        first_line = (str(error).splitlines() or [""])[0]
        return f"needs PostgreSQL ({error.__class__.__name__}: {first_line})"
    try:
        import redis

        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1).ping()
    except Exception:
        return f"needs Redis on {REDIS_HOST}:{REDIS_PORT}"
    return ""


def drop_scaleout_database(server) -> None:
    with postgres_admin(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{SCALEOUT_DB}" WITH (FORCE)')


def flush_scaleout_redis() -> None:
    import redis

    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=SCALEOUT_REDIS_DB).flushdb()


@contextlib.contextmanager
def scaleout_lock(server, wait: float = 300):
    """The database and the Redis database above are one per machine: a second test run at
    the same time (SQLite and PostgreSQL in two terminals) waits for the first to finish."""
    connection = postgres_admin(server)
    try:
        deadline = time.monotonic() + wait
        query = "SELECT pg_try_advisory_lock(hashtext(%s))"
        while not connection.execute(query, [SCALEOUT_DB]).fetchone()[0]:
            assert time.monotonic() < deadline, "another test run kept the scale-out test busy"
            time.sleep(1)
        yield
    finally:
        connection.close()  # releases the lock


@dataclass
class Cluster:
    a: Gunicorn
    b: Gunicorn
    secret_key: str


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, static_root):
    reason = scaleout_unavailable()
    if reason:
        pytest.skip(f"scale-out test: {reason} (CI's PostgreSQL run has both)")
    workdir = tmp_path_factory.mktemp("scaleout")
    server = postgres_server()
    credentials = urllib.parse.quote(server["user"], safe="")
    if server["password"]:
        credentials += ":" + urllib.parse.quote(server["password"], safe="")
    env = production_env(
        static_root,
        DATABASE_URL=f"postgres://{credentials}@{server['host']}:{server['port']}/{SCALEOUT_DB}",
        CACHE_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{SCALEOUT_REDIS_DB}",
        MIN_FILL_SECONDS="0",
        REPORT_RATE_LIMITS=RATE_LIMIT[1],
        # As behind nginx: each test is its own client (its own rate-limit budget).
        CLIENT_IP_HEADER="X-Real-IP",
        # One worker per instance: what one instance has cached is surely what it answers
        # from next (with two, a request could reach a worker that never cached anything).
        WEB_CONCURRENCY="1",
        DJANGO_SUPERUSER_USERNAME=SUPERUSER,
        DJANGO_SUPERUSER_PASSWORD=SUPERUSER_PASSWORD,
        DJANGO_SUPERUSER_EMAIL="ops@example.org",
    )
    servers = []
    with scaleout_lock(server):
        drop_scaleout_database(server)
        flush_scaleout_redis()
        try:
            with postgres_admin(server) as connection:
                connection.execute(f'CREATE DATABASE "{SCALEOUT_DB}"')
            manage(env, "migrate", "--no-input")
            manage(env, "load_places", "--country", "DE")  # so that Hamburg-Altona matches
            manage(env, "createsuperuser", "--no-input")
            for name in ("a", "b"):
                servers.append(Gunicorn(name, env, workdir))
            for instance in servers:
                instance.wait_until_answering()
            yield Cluster(*servers, secret_key=env["SECRET_KEY"])
        finally:
            for instance in servers:
                instance.stop()
            drop_scaleout_database(server)
            flush_scaleout_redis()


@pytest.fixture
def two(request, cluster):
    request.node.servers = [cluster.a, cluster.b]
    return cluster


def test_reports_through_either_instance_count_on_both(two):
    before = counter(two.a)
    assert counter(two.b) == before
    visitor = Browser("203.0.113.11")
    assert_stored(send_report(visitor, two.a))
    assert counter(two.a) == counter(two.b) == before + 1
    assert_stored(send_report(visitor, two.b))
    assert counter(two.b) == counter(two.a) == before + 2


def wait_clear_of_window_edges(secret_key: str, address: str, rate: str, margin: float = 30):
    """django-ratelimit counts in fixed windows whose end follows from the key (the client's
    hash, which also changes at midnight): near either edge, wait until it has passed, so
    that the counts cannot start again in the middle of the test."""
    from django.test import override_settings
    from django.utils import timezone
    from django_ratelimit.core import _get_window, _split_rate

    period = _split_rate(rate)[1]
    while True:
        with override_settings(SECRET_KEY=secret_key):
            from complaints.intake import abuse

            key = abuse.ip_hash(address)
        now = timezone.localtime()
        midnight = datetime.datetime.combine(
            now.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=now.tzinfo
        )
        left = min(_get_window(key, period) - time.time(), (midnight - now).total_seconds())
        if left > margin:
            return
        time.sleep(left + 1)


def test_the_rate_limit_is_shared_by_both_instances(two):
    address = "203.0.113.12"
    wait_clear_of_window_edges(two.secret_key, address, RATE_LIMIT[1])
    visitor = Browser(address)
    limit = RATE_LIMIT[0]
    for n in range(limit):
        assert_stored(send_report(visitor, two.a if n % 2 else two.b))
    for instance in (two.a, two.b):
        refused = send_report(visitor, instance)
        assert refused.status == 429, (instance.name, refused.status)
        assert int(refused.header("Retry-After")) >= 1
    # Another client is not affected.
    assert_stored(send_report(Browser("203.0.113.13"), two.b))


def test_a_form_shown_by_one_instance_is_accepted_by_the_other(two):
    """The CSRF token (cookie and form) and the form's stamp need nothing of the instance
    that showed the form."""
    visitor = Browser("203.0.113.14")
    assert_stored(send_report(visitor, shown_on=two.b, sent_to=two.a))
    before = counter(two.a)
    form = {**REPORT, **shown_form(visitor, two.a)}
    stored = visitor.post(two.b, "/report/", form)
    assert_stored(stored)
    # The same form again (a double click that reaches the other instance): the stamp is
    # spent in the shared cache, so it leads to the same report and stores nothing.
    again = visitor.post(two.a, "/report/", form)
    assert again.status == 302 and again.header("Location") == stored.header("Location")
    assert counter(two.a) == counter(two.b) == before + 1


def log_in(browser: Browser, server: Gunicorn) -> None:
    page = browser.get(server, "/admin/login/")
    assert page.status == 200
    answer = browser.post(
        server,
        "/admin/login/",
        {
            "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
            "username": SUPERUSER,
            "password": SUPERUSER_PASSWORD,
            "next": "/admin/",
        },
    )
    assert answer.status == 302 and answer.header("Location") == "/admin/", answer.text[:2000]


def test_a_back_office_session_from_one_instance_works_on_the_other(two):
    assert Browser().get(two.b, "/admin/").status == 302  # to the login page
    organizer = Browser("203.0.113.15")
    log_in(organizer, two.a)
    index = organizer.get(two.b, "/admin/")
    assert index.status == 200, index.header("Location")
    assert 'href="/admin/complaints/complaint/"' in index.text


def test_a_release_on_one_instance_shows_on_the_others_stats(two):
    """Published reports reach the public numbers with a release (reports/releases.py): the
    organizer publishes a batch and releases it on a; b serves the new release at once."""
    for address in ("203.0.113.16", "203.0.113.18"):
        visitor = Browser(address)
        for _ in range(3):
            assert_stored(send_report(visitor, two.b))
    before = published_total(two.b) or 0  # now cached on b and in Redis (None: no release)
    organizer = Browser("203.0.113.17")
    log_in(organizer, two.a)
    queue = organizer.get(two.a, "/admin/complaints/complaint/")  # pending reports
    assert queue.status == 200
    selected = re.findall(r'name="_selected_action" value="(\d+)"', queue.text)
    assert len(selected) >= 6
    selection = {
        "csrfmiddlewaretoken": hidden(queue.text, "csrfmiddlewaretoken"),
        "action": "publish",
        "select_across": "0",
        "index": "0",
        "_selected_action": selected,
    }
    # The texts are shown first; "Yes" sends back what the page showed.
    asked = organizer.post(two.a, "/admin/complaints/complaint/", selection)
    assert asked.status == 200, asked.text[:2000]
    shown = {
        name: hidden(asked.text, name) for name in ("shown_count", "shown_upto", "shown_digest")
    }
    done = organizer.post(
        two.a, "/admin/complaints/complaint/", {**selection, **shown, "confirm": "yes"}
    )
    assert done.status == 302, done.text[:2000]
    assert published_total(two.b) in (before, None)  # published, not released yet
    page = organizer.get(two.a, "/admin/reports/release/")
    assert page.status == 200
    released = organizer.post(
        two.a,
        "/admin/reports/release/release/",
        {"csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken")},
    )
    assert released.status == 302, released.text[:2000]
    deadline = time.monotonic() + 5
    while (total := published_total(two.b)) != before + len(selected):
        assert time.monotonic() < deadline, f"b shows {total}, not {before + len(selected)}"
        time.sleep(0.2)
    assert published_total(two.a) == before + len(selected)


# -- a database that cannot be reached ---------------------------------------------------------


def test_without_a_database_every_page_is_a_friendly_503_at_once(tmp_path, static_root):
    """Nothing listens at the database's address (a PostgreSQL that is down): the pages say
    "back in a moment" in the site's look, at once, and the static files still load."""
    env = production_env(static_root, DATABASE_URL="postgres://postgres@127.0.0.1:1/einzelfall")
    server = Gunicorn("no-database", env, tmp_path)
    try:
        server.wait_until_answering()
        for path in ("/", "/report/", "/stats/", "/stats/cities.json"):
            started = time.monotonic()
            page = Browser().get(server, path)
            assert time.monotonic() - started < 5, path
            assert page.status == 503 and page.headers["retry-after"] == "30", path
            html = page.body.decode()
            assert "Gleich wieder da" in html and "Traceback" not in html, path
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
        assert Browser().get(server, stylesheet).status == 200
    finally:
        server.stop()


def test_without_the_cache_the_pages_are_served_from_the_database(tmp_path, static_root):
    """Nothing listens at Redis's address: the pages that use the cache are made from the
    database (issue 23; tests/test_redis_outage_server.py: the form too)."""
    env = production_env(
        static_root,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL="redis://127.0.0.1:1/0",
    )
    manage(env, "migrate", "--no-input")
    server = Gunicorn("no-cache", env, tmp_path)
    try:
        server.wait_until_answering()
        for path in ("/", "/stats/"):
            page = Browser().get(server, path)
            assert page.status == 200 and "Gleich wieder da" not in page.body.decode(), path
    finally:
        server.stop()
