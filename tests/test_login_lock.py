"""The back office login locks after too many wrong passwords."""

import pytest
from django.test import Client

from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"


def login(client, username, password) -> bool:
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response.status_code == 302


def test_ten_wrong_passwords_lock_the_guesser_out_for_a_while(settings):
    UserFactory(username="iris", is_staff=True)
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    for n in range(10):
        assert not login(guesser, "iris", f"guess{n}")
    # Now even the right password does not get the guesser in ...
    assert not login(guesser, "iris", PASSWORD)
    assert not login(guesser, "IRIS ", PASSWORD)
    # ... while Iris, at her own desk, is not locked out by a stranger's guessing.
    assert login(Client(REMOTE_ADDR="198.51.100.4"), "iris", PASSWORD)
    UserFactory(username="moritz", is_staff=True)
    assert login(Client(REMOTE_ADDR="198.51.100.4"), "moritz", PASSWORD)


def test_a_locked_attempt_does_the_same_hashing_work(monkeypatch):
    """A locked attempt must not answer measurably faster than a checked one: it hashes the
    password too (observed through the hashing function, not by timing)."""
    from django.contrib.auth import base_user

    UserFactory(username="iris", is_staff=True)
    guesser = Client(REMOTE_ADDR="203.0.113.69")
    for n in range(10):
        login(guesser, "iris", f"guess{n}")
    hashed = []
    make_password = base_user.make_password
    monkeypatch.setattr(
        base_user, "make_password", lambda raw: hashed.append(raw) or make_password(raw)
    )
    assert not login(guesser, "iris", PASSWORD)
    assert hashed == [PASSWORD]


def test_a_successful_login_clears_the_count():
    UserFactory(username="iris", is_staff=True)
    client = Client()
    for n in range(9):
        login(client, "iris", f"typo{n}")
    assert login(client, "iris", PASSWORD)
    client.logout()
    for n in range(9):
        login(client, "iris", f"typo{n}")
    assert login(client, "iris", PASSWORD)


def test_one_client_guessing_many_names_is_locked():
    UserFactory(username="iris", is_staff=True)
    guesser = Client(REMOTE_ADDR="203.0.113.67")
    for n in range(30):
        login(guesser, f"user{n}", "123456")
    assert not login(guesser, "iris", PASSWORD)
    assert login(Client(REMOTE_ADDR="203.0.113.68"), "iris", PASSWORD)


def test_guessing_one_name_from_many_clients_is_logged(caplog, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(username="iris", is_staff=True)
    with caplog.at_level("WARNING", logger="complaints.backoffice.auth"):
        for n in range(25):
            login(Client(REMOTE_ADDR=f"203.0.113.{n}"), "iris", f"guess{n}")
    warnings = [r for r in caplog.records if r.name == "complaints.backoffice.auth"]
    assert len(warnings) == 1 and "20 failed logins for one user name" in warnings[0].getMessage()
    assert login(Client(REMOTE_ADDR="198.51.100.4"), "iris", PASSWORD)  # not locked out
