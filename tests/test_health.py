"""/healthz and /readyz (issue 23): for load balancers and orchestrators, over plain HTTP with
whatever Host they send, never cached, no CSRF, no personal data; the cache reported, the
database required."""

import json

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

CLOSED_REDIS = {
    "default": {
        "BACKEND": "einzelfall.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "KEY_PREFIX": "health-test",
    }
}


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_readyz_says_database_and_cache_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_readyz_with_redis_unreachable_is_200_and_says_the_cache_is_down(client):
    with override_settings(CACHES=CLOSED_REDIS):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready", "database": "ok", "cache": "down"}
    assert b"127.0.0.1" not in response.content


def test_readyz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import OperationalError, connection

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_works_and_post_is_refused_without_a_csrf_failure(path):
    client = Client(enforce_csrf_checks=True)
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert client.post(path).status_code == 405


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["einzelfall.example.org"])
def test_a_probe_over_plain_http_with_its_own_host_is_answered(path):
    """A balancer probes http://10.0.0.5:8000/healthz: no redirect to HTTPS, no 400."""
    response = Client().get(path, HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    page = Client().get("/", HTTP_HOST="einzelfall.example.org")
    assert page.status_code == 301  # the setting is on: pages are redirected
