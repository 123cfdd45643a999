"""Redis is optional for staying up (issue 23): with the cache unreachable (a real Redis
client pointed at a closed port) the form stores valid reports, the limits are counted in the
database, pages render, the failure is logged once, and Redis is used again once it answers."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache, caches
from django.test import Client, override_settings

from complaints.intake import abuse
from complaints.models import Complaint
from einzelfall import cache as redis_cache

from .helpers import freshly_shown

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"


def redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "einzelfall.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"outage-test-{time.monotonic_ns()}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }


@pytest.fixture
def redis_down():
    # Its own override, undone before conftest's _isolate clears the (then local) cache.
    with override_settings(CACHES=redis_caches(CLOSED)):
        yield caches["default"]


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "cannot be reached" in r.getMessage()]


def test_reads_miss_writes_are_dropped_and_add_says_the_cache_is_down(redis_down, caplog):
    assert cache.get("anything", "default") == "default"
    assert cache.get_or_set("computed", lambda: 42, 30) == 42
    cache.set("kept", 1, 30)
    cache.delete_many(["kept", "other"])
    assert cache.get("kept") is None
    with pytest.raises(redis_cache.CACHE_UNREACHABLE):
        cache.add("lock", 1, 30)
    with pytest.raises(redis_cache.CACHE_UNREACHABLE):
        cache.incr("count")
    assert redis_cache.cache_down()


def test_a_down_redis_is_not_tried_again_for_a_few_seconds_and_logged_once(
    redis_down, caplog, monkeypatch
):
    tried = []
    real = redis_cache.ReusingRedisCacheClient.get

    def counting(self, *args, **kwargs):
        tried.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(redis_cache.ReusingRedisCacheClient, "get", counting)
    with caplog.at_level(logging.ERROR, logger="einzelfall.cache"):
        for _ in range(200):
            cache.get("counter")
    assert len(tried) == 1
    assert len(outage_lines(caplog)) == 1
    # After RETRY_SECONDS it tries once more, and logs again only after LOG_SECONDS.
    redis_down._outage.down_until = 0
    with caplog.at_level(logging.ERROR, logger="einzelfall.cache"):
        cache.get("counter")
    assert len(tried) == 2
    assert len(outage_lines(caplog)) == 1
    assert "127.0.0.1" not in caplog.text


def test_the_threads_of_a_process_share_one_outage(redis_down, caplog):
    """Django makes a cache object per thread; the marker and the log line are per process."""
    import threading

    cache.get("counter")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(caches["default"].is_down()))
    thread.start()
    thread.join()
    assert seen == [True]
    assert len(outage_lines(caplog)) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server(tmp_path, *options: str):
    """A redis-server of this test's own (never the machine's), started, to stop and start."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *options]

    class Server:
        process = None
        url = f"redis://127.0.0.1:{port}/0"

        def start(self):
            self.process = subprocess.Popen(
                [*command, "--dir", str(tmp_path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            raise AssertionError("redis-server did not start")

        def stop(self):
            self.process.terminate()
            self.process.wait(10)

    server = Server()
    server.start()
    return server


@pytest.fixture
def own_redis(tmp_path):
    server = redis_server(tmp_path)
    yield server
    if server.process.poll() is None:
        server.stop()


REFUSING = {
    # A replica of a master that is not there: every write answers READONLY.
    "read-only": ["--replicaof", "127.0.0.1", "1", "--replica-read-only", "yes"],
    # Full, and told to evict nothing: every write answers OOM.
    "out-of-memory": ["--maxmemory", "1", "--maxmemory-policy", "noeviction"],
}


@pytest.fixture(params=sorted(REFUSING))
def refusing_redis(request, tmp_path):
    """A redis-server of this test's own that answers, but refuses every write."""
    server = redis_server(tmp_path, *REFUSING[request.param])
    try:
        with override_settings(CACHES=redis_caches(server.url)):
            yield caches["default"]
    finally:
        server.stop()


def test_a_redis_that_refuses_writes_is_an_outage_not_an_error(
    refusing_redis, valid_report, caplog
):
    """A full Redis (OOM) or a read-only replica (READONLY) after a failover answers every
    write with an error: the form still stores, the pages answer, and it is logged once."""
    sender = Client(REMOTE_ADDR="203.0.113.51")
    with caplog.at_level(logging.ERROR, logger="einzelfall.cache"):
        response = sender.post("/report/", freshly_shown(valid_report))
        assert response.status_code == 302, response.status_code
        assert Complaint.objects.count() == 1
        assert sender.get(response["Location"]).status_code == 200
        for path in ("/", "/report/", "/stats/"):
            assert Client().get(path).status_code == 200, path
        with pytest.raises(redis_cache.CACHE_UNREACHABLE):
            cache.add("lock", 1, 30)
    assert len(outage_lines(caplog)) == 1


def test_redis_is_used_again_once_it_answers_and_missed_deletes_are_repeated(own_redis, caplog):
    with override_settings(CACHES=redis_caches(own_redis.url)):
        backend = caches["default"]
        cache.set("counter", 100, 300)
        own_redis.stop()
        assert cache.get("counter") is None  # down: a miss, not an error
        cache.delete("counter")  # an invalidation Redis did not get
        own_redis.start()
        assert cache.get("counter") is None  # marked down: not tried yet
        backend._outage.down_until = 0  # RETRY_SECONDS later
        cache.set("other", 1, 300)
        assert cache.get("other") == 1
        assert cache.get("counter") is None  # the stale value was deleted when Redis answered
        assert not backend.is_down()
    assert "answers again" in caplog.text


def test_the_form_stores_a_valid_report_and_pages_render(redis_down, valid_report):
    sender = Client(REMOTE_ADDR="203.0.113.50")
    response = sender.post("/report/", freshly_shown(valid_report))
    assert response.status_code == 302
    assert "/report/thanks/" in response["Location"]
    assert Complaint.objects.count() == 1
    thanks = sender.get(response["Location"])
    assert thanks.status_code == 200
    for path in ("/", "/report/", "/stats/"):
        assert Client().get(path).status_code == 200, path


def test_the_counter_comes_from_the_database(redis_down, valid_report):
    from complaints import selectors

    Client(REMOTE_ADDR="203.0.113.51").post("/report/", freshly_shown(valid_report))
    assert selectors.public_counter() == Complaint.objects.counted().count() == 1


def test_the_limits_are_counted_in_the_database(redis_down, valid_report):
    one = Client(REMOTE_ADDR="203.0.113.52")
    statuses = [one.post("/report/", freshly_shown(valid_report)).status_code for _ in range(7)]
    assert statuses == [302] * 5 + [429] * 2
    limited = one.post("/report/", freshly_shown(valid_report))
    assert 1 <= int(limited["Retry-After"]) <= 600
    assert Complaint.objects.count() == 5
    other = Client(REMOTE_ADDR="198.51.100.52")
    assert other.post("/report/", freshly_shown(valid_report)).status_code == 302


def test_one_stamp_replayed_stores_one_report_per_process(redis_down, valid_report):
    """The attack: a bot fetches one form and posts it again and again, with other texts so
    that it is not the same form, from other addresses so that no limit applies."""
    data = freshly_shown(valid_report)
    for n in range(20):
        replay = {**data, "description": f"Kein Netz, Nummer {n}."}
        Client(REMOTE_ADDR=f"203.0.113.{100 + n}").post("/report/", replay)
    assert Complaint.objects.count() == 1


def test_a_double_click_while_redis_is_down_leads_to_the_same_report(redis_down, valid_report):
    sender = Client(REMOTE_ADDR="203.0.113.53")
    data = freshly_shown(valid_report)
    first = sender.post("/report/", data)
    second = sender.post("/report/", data)
    assert first["Location"] == second["Location"]
    assert Complaint.objects.count() == 1


def test_the_database_limit_counts_yesterdays_hash_across_midnight(redis_down, valid_report):
    """The address hash changes at midnight; reports of the last hours before it still count."""
    import datetime

    from django.utils import timezone

    ip = "203.0.113.54"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for _ in range(5):
        Client(REMOTE_ADDR=ip).post("/report/", freshly_shown(valid_report))
    Complaint.objects.update(ip_hash=abuse.ip_hash(ip, yesterday))
    assert abuse.over_limit_in_database(ip) > 0


def test_the_back_office_login_fails_closed_while_redis_is_down(redis_down):
    """The login lock counts wrong passwords in Redis: without it guessing would be unlimited,
    so no login succeeds meanwhile, not even with the right password, and nothing fails."""
    from .factories import UserFactory

    UserFactory(username="iris", is_staff=True, password="correct horse battery staple")
    client = Client(REMOTE_ADDR="198.51.100.70")
    for password in ("guess", "correct horse battery staple"):
        response = client.post(
            "/admin/login/", {"username": "iris", "password": password, "next": "/admin/"}
        )
        assert response.status_code == 200  # the form again, as for a wrong password


def test_a_stamp_spent_while_redis_was_down_stays_spent_after_it(own_redis, valid_report):
    with override_settings(CACHES=redis_caches(own_redis.url)):
        backend = caches["default"]
        own_redis.stop()
        data = freshly_shown(valid_report)
        first = Client(REMOTE_ADDR="203.0.113.80").post("/report/", data)
        assert "/report/thanks/" in first["Location"]
        own_redis.start()
        backend._outage.down_until = 0  # RETRY_SECONDS later
        assert cache.get("anything") is None  # Redis answers: the spent stamps go there
        again = Client(REMOTE_ADDR="203.0.113.81").post("/report/", data)
        assert again["Location"] == first["Location"]  # the same form: the same report
        changed = {**data, "description": "Ein anderer Text, derselbe Stempel."}
        refused = Client(REMOTE_ADDR="203.0.113.82").post("/report/", changed)
        assert refused.status_code == 200
        assert "already been sent" in refused.content.decode() or "bereits gesendet" in (
            refused.content.decode()
        )
        assert Complaint.objects.count() == 1


def test_a_redis_that_never_answers_costs_one_timeout_not_one_per_request():
    """A host that takes the connection and never answers (overloaded, a hung Redis): the
    first request waits for the socket timeout, the next ones do not wait at all."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the handshakes; nobody ever reads or writes
        port = silent.getsockname()[1]
        caches_setting = redis_caches(f"redis://127.0.0.1:{port}/0")
        caches_setting["default"]["OPTIONS"] = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
        }
        with override_settings(CACHES=caches_setting):
            started = time.monotonic()
            assert cache.get("counter") is None
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(50):
                assert cache.get("counter") is None
            rest = time.monotonic() - started
    assert 0.4 <= first < 3
    assert rest < 0.2


def test_a_stamp_given_back_while_handed_to_redis_does_not_stop_the_others(monkeypatch):
    """Redis answers again and the stamps spent meanwhile are handed to it; a stamp another
    thread gives back meanwhile (release_stamp) must not stop the others with a KeyError."""
    monkeypatch.setattr(abuse, "_spent_here", {})
    for key in ("stamp-a", "stamp-b", "stamp-c"):
        assert abuse.claim_stamp_here(key)
    real_get = abuse._stamps_here.get

    def get_while_another_thread_gives_back(key, *args, **kwargs):
        if key == "stamp-a":
            abuse._spent_here.pop("stamp-a", None)  # release_stamp in another thread
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(abuse._stamps_here, "get", get_while_another_thread_gives_back)
    abuse._spent_here_to_redis()
    assert abuse._spent_here == {}
    assert cache.get("stamp-b") is not None and cache.get("stamp-c") is not None
