import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from complaints.intake import abuse
from complaints.places import matching

from .factories import UserFactory
from .helpers import MIGRATED_DATA, migrated_roles, restore_migrated_data


def _empties_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Transactional tests (the browser's among them) empty the database when they end, so
    pytest-django runs them after the others. A test parametrized with a name that is also
    another plugin's fixture (Playwright's `page`) once undid that order silently, and hundreds
    of tests after the browser's found no groups and no places: say so at collection."""
    seen = None
    for item in items:
        if _empties_the_database(item):
            seen = seen or item
        elif seen is not None and "db" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(
                f"{item.nodeid} uses the database but would run after {seen.nodeid}, which "
                "empties it: is a test parametrized with the name of a plugin's fixture?"
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real gazetteer, loaded once per test database: place matching is tested against
    the data the site runs on, not a hand-made stand-in."""
    from django.db import connection

    # What the migrations put in the database, for tests that must put it back themselves
    # (tests/browser: their database connection lives in another context).
    with django_db_blocker.unblock():
        MIGRATED_DATA.append(
            getattr(connection, "_test_serialized_contents", None)
            or connection.creation.serialize_db_to_string()
        )
        MIGRATED_DATA.append(migrated_roles())
        call_command("load_places", country="DE", stdout=io.StringIO())
        matching.invalidate()
        matching.get_index()


@pytest.fixture(scope="session", autouse=True)
def bootstrap_css():
    """The Bootstrap subset base.html links is built by make (not committed): pytest run
    directly builds it when missing, or every page would link a file that is not there."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "static" / "build" / "bootstrap.css").exists():
        subprocess.run([sys.executable, str(root / "bin" / "build_css.py")], check=True)


SMALL_GAZETTEER = Path(__file__).parent / "fixtures" / "gazetteer"


@pytest.fixture
def small_gazetteer(db):
    """Only the places of tests/fixtures/gazetteer, for this test: a reload of those takes a
    fraction of a second, one of the real data ten. Returns a function that loads them
    (again, or other files) and returns load_places' output. Ask for it before anything
    that refers to a place (complaints): those go with the places."""
    from django.db import connection

    from complaints.models import Place, PlaceAlias, PostalCode

    tables = [connection.ops.quote_name(m._meta.db_table) for m in (PlaceAlias, PostalCode, Place)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A DELETE would leave PostgreSQL a deferred check per place and reference at the
            # test's end (seconds). CASCADE empties the tables that refer to places, too.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            # Plain DELETEs: the ORM's would read every place first.
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    def load(
        geonames=SMALL_GAZETTEER / "cities500.json", postcodes=SMALL_GAZETTEER / "postcodes.json"
    ):
        out = io.StringIO()
        call_command("load_places", geonames=geonames, postcodes=postcodes, stdout=out)
        matching.invalidate()  # as after the load's commit
        return out.getvalue()

    load()
    return load


@pytest.fixture(autouse=True)
def _isolate(settings):
    # Each test starts with an empty cache and the default language, as a new visitor would.
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    generation = matching.generation
    yield
    cache.clear()
    translation.deactivate()
    # A test that changed places saw its changes rolled back: rebuild from the loaded data.
    if matching.generation != generation:
        matching.invalidate()


@pytest.fixture
def organizer(db):
    """Iris, the campaign's organizer: a superuser."""
    return UserFactory(username="iris", is_staff=True, is_superuser=True)


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def valid_report():
    """What a hurried submitter in Hamburg-Altona sends: the required fields and a few more."""
    return {
        # The hidden time stamp the form page sets (MIN_FILL_SECONDS is 0 in the tests).
        "form_stamp": abuse.form_stamp(),
        "problems": ["no-data", "dropped-calls"],
        "city": "Hamburg",
        "district": "Altona",
        "postal_code": "22765",
        "technology": "4g",
        "frequency": "daily",
        "since": "2026-03",
        "location": "indoor",
        "description": "Abends bricht die Verbindung ständig ab.",
        "email": "hamlet@example.org",
        "consent": "on",
    }


@pytest.fixture
def migrated_data(transactional_db):
    """What the migrations made, back in a database a transactional test emptied. The
    gazetteer does not come back: the place index forgets the places it knew."""
    restore_migrated_data()
    matching.invalidate()
