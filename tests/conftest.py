import pytest
from django.core.cache import cache
from django.utils import translation

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _isolate(settings):
    # Each test starts with an empty cache and the default language, as a new visitor would.
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.deactivate()


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
