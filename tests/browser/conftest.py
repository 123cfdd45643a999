"""Browser tests: Playwright drives the machine's Chromium against a live Django server.

Skipped, and said so, when Chromium is not installed (Debian: `apt install chromium`; or set
CHROMIUM_PATH); `.ci/run` installs it. The test tools here cannot download a browser.

The live server (pytest-django's) runs in a thread of the test process on the test database;
the tests are transactional (see gazetteer_copy).
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.helpers import restore_migrated_data

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
ACCEPT = {"de": "de-DE,de;q=0.9", "en": "en-GB,en;q=0.9"}
PASSWORD = "correct horse battery staple"  # UserFactory's


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are skipped, and said so; in CI
    (EINZELFALL_REQUIRE_BROWSER) they fail instead: a skip would hide a broken setup.

    EINZELFALL_BROWSER_SHARD="i/n" keeps every n-th browser test from the i-th: CI runs the
    suite on both databases at once on two cores, and each takes half of the journeys (the
    variants of one journey alternate), so that every journey runs once within CI's time."""
    here = Path(__file__).parent
    browser_tests = [item for item in items if here in Path(item.fspath).parents]
    shard = os.environ.get("EINZELFALL_BROWSER_SHARD", "")
    if shard:
        index, _, count = shard.partition("/")
        index, count = int(index), int(count)
        if not 0 <= index < count:
            raise pytest.UsageError(f"EINZELFALL_BROWSER_SHARD={shard}: i/n with 0 <= i < n")
        elsewhere = [item for n, item in enumerate(browser_tests) if n % count != index]
        config.hook.pytest_deselected(items=elsewhere)
        dropped = set(elsewhere)
        items[:] = [item for item in items if item not in dropped]
        browser_tests = [item for item in browser_tests if item not in dropped]
    if CHROMIUM:
        return
    message = (
        "Chromium not found: the browser tests cannot run. Install it (Debian: apt install "
        "chromium) or set CHROMIUM_PATH."
    )
    if browser_tests and os.environ.get("EINZELFALL_REQUIRE_BROWSER"):
        raise pytest.UsageError(message)
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=message.replace("cannot run", "are skipped")))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM or "chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Service workers off, but where a module turns them on (the offline journeys): the
    site's worker fetches pages in the background, which would outlive a test and meet the
    next one's emptied database."""
    return {**browser_context_args, "service_workers": "block"}


GAZETTEER = ["complaints_place", "complaints_placealias", "complaints_postalcode"]


@pytest.fixture(scope="session")
def gazetteer_copy(django_db_setup, django_db_blocker):
    """A copy of the gazetteer's tables, outside Django's models.

    The live server sees only committed data, so these are transactional tests, and Django
    empties every table after each of them: the migrations' data comes back by
    serialized_rollback, the gazetteer (loaded after the test database was made) from this
    copy, in three INSERT ... SELECT statements instead of a 10-second load_places.

    Playwright's sync API runs an event loop in the test's thread, so Django's guard against
    database calls from async code is lifted for the browser tests (they are synchronous)."""
    from django.db import connection

    from complaints.models import Place

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with django_db_blocker.unblock():
        if not Place.objects.exists():
            call_command("load_places", country="DE", verbosity=0)
        with connection.cursor() as cursor:
            for table in GAZETTEER:
                cursor.execute(f"DROP TABLE IF EXISTS copy_{table}")
                cursor.execute(f"CREATE TABLE copy_{table} AS SELECT * FROM {table}")  # noqa: S608
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in GAZETTEER:
            cursor.execute(f"DROP TABLE IF EXISTS copy_{table}")
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(gazetteer_copy, live_server):
    from django.db import connection

    from complaints.models import Place
    from complaints.places import matching

    restore_migrated_data()
    if not Place.objects.exists():
        with connection.cursor() as cursor:
            for table in GAZETTEER:
                cursor.execute(f"INSERT INTO {table} SELECT * FROM copy_{table}")  # noqa: S608
    matching.invalidate()
    cache.clear()
    yield live_server
    cache.clear()


class Watch:
    """What a page does that it must not: console errors (a CSP violation is one), failed
    requests, and requests to any host but the live server."""

    def __init__(self, page, origin: str):
        self.problems: list[str] = []
        self.origin = origin
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request):
        # "Aborted" is the browser dropping a load it no longer needs (the page navigated on, or
        # a download the test saves itself), not a failure. A blocked or missing resource is
        # another error (ERR_BLOCKED_BY_CSP, a 404 seen by _response).
        if request.failure and "ERR_ABORTED" in request.failure:
            return
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request to another host: {request.url}")

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def browse(site, page):
    """A page on the live site (German, as a visitor's browser would ask by default), with a
    Watch that fails the test on console errors and foreign or failed requests."""
    origin = site.url.rstrip("/")
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    watch = Watch(page, origin)
    page.site = origin
    page.watch = watch
    yield page
    watch.assert_clean()


@pytest.fixture
def phone(browse):
    browse.set_viewport_size(PHONE)
    return browse


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Runs axe-core (from npm, tests/browser/node_modules) in the page. It is evaluated
    through the browser's debugging protocol, not added as a script tag: the site's
    Content-Security-Policy rightly refuses inline scripts."""
    if not AXE.exists():
        message = (
            "axe-core is not installed: the accessibility check is skipped. Run `npm ci "
            "--prefix tests/browser` (make test does when npm is there; .ci/run installs npm)."
        )
        if os.environ.get("EINZELFALL_REQUIRE_BROWSER"):  # CI: a skip would hide it
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    # axe-core's own probing sets inline styles, which the site's CSP refuses and the console
    # reports: that is the test tool's doing, not the page's.
    watch = getattr(page, "watch", None)
    if watch is not None:
        watch.problems = [p for p in watch.problems if "Applying inline style" not in p]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def log_in(page, username: str) -> None:
    """Through the back office's real login form."""
    from playwright.sync_api import expect

    page.goto(page.site + "/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def staff_in(group: str, username: str):
    """A staff user in one of the roles (Organizer, Moderator, Carrier)."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def download_carrier_csv(page, path) -> str:
    """The back office's carrier download, row level, RFC 4180 CSV: saved to path, its text."""
    page.goto(page.site + "/admin/complaints/complaint/downloads/")
    page.locator("select[name=kind]").select_option("anonymized")
    page.locator("select[name=format]").select_option("csv-rfc4180")
    with page.expect_download() as download:
        page.locator("input[type=submit]").click()
    download.value.save_as(path)
    return path.read_text(encoding="utf-8")


def private_paths(complaint) -> dict[str, str]:
    """The private pages of a report, reached by links only: the report, its deletion, the
    email confirmation, the follow-up answer, unsubscribing."""
    from complaints.campaign import followups
    from complaints.intake import confirmation

    return {
        "thanks": complaint.private_url(),
        "delete": f"{complaint.private_url()}delete/",
        "confirm": f"/report/confirm/{confirmation.token(complaint)}/",
        "followup": f"/report/followup/{followups.token(complaint, followups.ANSWER)}/",
        "unsubscribe": (
            f"/report/followup/{followups.token(complaint, followups.UNSUBSCRIBE)}/unsubscribe/"
        ),
    }


@pytest.fixture
def person(browse, request):
    """A visitor on the device and in the language of the test's parameters
    (indirect: `@pytest.mark.parametrize("person", [("phone", "de")], indirect=True)`)."""
    device, language = request.param
    browse.set_viewport_size(DEVICES[device])
    browse.set_extra_http_headers({"Accept-Language": ACCEPT[language]})
    browse.device, browse.language = device, language
    return browse
