"""Abuse resistance: bot traps, rate limits per client, and no raw address anywhere."""

import io
import os
import re
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from complaints.intake import abuse
from complaints.intake import services as intake
from complaints.models import Complaint

from .helpers import freshly_shown, redis_test_db

pytestmark = pytest.mark.django_db


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, valid_report):
    response = client.post("/report/", {**valid_report, "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"] == "/report/received/"
    assert "Ihre Meldung ist eingegangen" in client.get("/report/received/").content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("stamp", [None, "", "1234:forged:signature"])
def test_a_missing_or_forged_stamp_is_a_bot(client, valid_report, stamp):
    data = {**valid_report}
    if stamp is None:
        del data["form_stamp"]
    else:
        data["form_stamp"] = stamp
    assert client.post("/report/", data)["Location"] == "/report/received/"
    assert not Complaint.objects.exists()


def test_a_form_sent_back_too_quickly_is_asked_to_be_sent_once_more(client, valid_report, settings):
    """A complete form within seconds (a bot, or a person with autofill) stores nothing and
    comes back filled in, saying it was not sent yet; sent once more later, it is stored."""
    # Two seconds: a stamp holds whole seconds, so a minimum of one second could pass between
    # making the stamp and sending it on a busy machine.
    settings.MIN_FILL_SECONDS = 2
    page = client.get("/report/").content.decode()
    assert 'name="form_stamp"' in page and 'name="website"' in page
    data = {**valid_report, "form_stamp": abuse.form_stamp()}
    quick = client.post("/report/", data)
    assert quick.status_code == 200
    html = quick.content.decode()
    assert "noch nicht gesendet" in html
    assert 'value="Hamburg"' in html and 'value="Altona"' in html  # nothing to type again
    assert stamp_on(quick.content) == data["form_stamp"]
    assert not Complaint.objects.exists()  # a bot that posts once, at once, stores nothing
    time.sleep(2.1)  # a person who took longer than the minimum
    response = client.post("/report/", data)
    assert response.status_code == 302 and "/report/thanks/" in response["Location"]
    assert Complaint.objects.count() == 1


def stamp_on(page: bytes) -> str:
    return re.search(r'name="form_stamp" value="([^"]+)"', page.decode()).group(1)


def test_a_person_correcting_the_form_keeps_the_first_stamp(client, valid_report, settings):
    """Sending an incomplete form at once is not a bot's doing; the corrected form is stored
    once the minimum has passed since the form was first shown, not since the correction."""
    settings.MIN_FILL_SECONDS = 1
    first = stamp_on(client.get("/report/").content)
    # No city and no postal code: incomplete however long the page took (a postal code alone
    # places a report, and a complete form sent after a second was stored: a flaky test).
    incomplete = client.post(
        "/report/", {**valid_report, "form_stamp": first, "city": "", "postal_code": ""}
    )
    assert incomplete.status_code == 200 and stamp_on(incomplete.content) == first
    time.sleep(1.1)
    response = client.post("/report/", {**valid_report, "form_stamp": first})
    assert "/report/thanks/" in response["Location"]
    assert Complaint.objects.count() == 1


def test_a_stamp_is_good_for_one_report(client, valid_report):
    """One shown form stores one report: sent again unchanged (a double click, a browser
    re-sending) it leads to the same private link; sent again changed (back button) it is
    shown again to be sent once more. Nothing is stored twice, nothing dropped silently."""
    first = client.post("/report/", valid_report)["Location"]
    assert "/report/thanks/" in first
    for _ in range(3):
        assert client.post("/report/", valid_report)["Location"] == first
    assert Complaint.objects.count() == 1
    changed = client.post("/report/", {**valid_report, "city": "Bremen", "district": ""})
    assert changed.status_code == 200
    assert "Dieses Formular wurde bereits gesendet" in changed.content.decode()
    new_stamp = stamp_on(changed.content)
    assert new_stamp != valid_report["form_stamp"]
    # The page that said so sends it as another report (no second question).
    assert 'name="another" value="1"' in changed.content.decode()
    again = client.post(
        "/report/", {**valid_report, "form_stamp": new_stamp, "city": "Bremen", "another": "1"}
    )
    assert "/report/thanks/" in again["Location"] and again["Location"] != first
    assert Complaint.objects.count() == 2
    # Every showing of the form has its own stamp, even within the same second.
    assert len({abuse.form_stamp() for _ in range(50)}) == 50


def test_repeats_do_not_count_towards_the_limit(valid_report):
    one = Client(REMOTE_ADDR="203.0.113.40")
    for _ in range(4):
        data = freshly_shown(valid_report)
        assert one.post("/report/", data).status_code == 302
        assert one.post("/report/", data).status_code == 302  # the double click
    assert one.post("/report/", freshly_shown(valid_report)).status_code == 302
    assert Complaint.objects.count() == 5


def test_a_form_shown_again_is_not_too_quick(client, valid_report, settings):
    """A person asked to send a form again (expired, or already sent) has spent their time:
    sending it at once is not a bot's doing."""
    settings.MIN_FILL_SECONDS = 3
    settings.FORM_STAMP_MAX_AGE = 1
    data = {**valid_report, "form_stamp": abuse.form_stamp(shown_before=5)}
    time.sleep(2.1)
    shown_again = client.post("/report/", data)
    assert shown_again.status_code == 200
    settings.FORM_STAMP_MAX_AGE = 60
    resent = client.post("/report/", {**valid_report, "form_stamp": stamp_on(shown_again.content)})
    assert "/report/thanks/" in resent["Location"]
    assert Complaint.objects.count() == 1


def test_a_failed_store_does_not_spend_the_stamp(client, valid_report, monkeypatch):
    from django.db import OperationalError

    real = intake.complaint_submit

    def failing(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(intake, "complaint_submit", failing)
    failed = Client(raise_request_exception=False).post("/report/", valid_report)
    assert failed.status_code == 503  # "back in a moment": and indeed it can be sent again
    monkeypatch.setattr(intake, "complaint_submit", real)
    retried = client.post("/report/", valid_report)
    assert "/report/thanks/" in retried["Location"]
    assert Complaint.objects.count() == 1


def test_a_cache_failure_while_counting_does_not_spend_the_stamp(client, valid_report, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    real = abuse.over_limit

    def failing(request):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(abuse, "over_limit", failing)
    failed = Client(raise_request_exception=False).post("/report/", valid_report)
    assert failed.status_code == 503
    monkeypatch.setattr(abuse, "over_limit", real)
    retried = client.post("/report/", valid_report)
    assert "/report/thanks/" in retried["Location"]
    assert Complaint.objects.count() == 1


def test_a_cache_failure_after_storing_still_leads_to_the_stored_report(
    client, valid_report, monkeypatch, caplog
):
    """Redis fails just after the report was stored: the submitter gets their private link,
    not the 503 page saying that nothing was stored (and sends it again)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    def failing(data, reference):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(abuse, "stamp_stored", failing)
    response = Client(raise_request_exception=False).post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.private_url()
    assert "stored, its form stamp not (ConnectionError)" in caplog.text
    assert complaint.email and complaint.email not in caplog.text


def test_the_thanks_page_shows_the_stored_report_while_redis_is_away(client):
    """Nothing answers at the cache's address (Redis restarting): the page that says a report
    is stored still does, with the counter counted in the database (issue 23)."""
    from django.test import override_settings

    from .factories import ComplaintFactory

    complaint = ComplaintFactory()
    assert 'data-testid="counter"' in client.get(complaint.private_url()).content.decode()
    away = {"BACKEND": "einzelfall.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": away}):
        response = client.get(complaint.private_url())
    html = response.content.decode()
    assert response.status_code == 200 and "Ihre Meldung wurde gezählt" in html
    assert 'data-testid="counter"' in html and 'data-testid="private-link"' in html


# (migrated_data: transactional tests empty the database; see test_followups.py)
@pytest.mark.django_db(transaction=True)
def test_a_cache_failure_at_the_commit_still_leads_to_the_stored_report(
    valid_report, monkeypatch, migrated_data
):
    """The counter's cached value is dropped once the report is committed: Redis failing at
    that moment is logged, and the submitter still gets their private link."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from complaints import caches

    def failing():
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(caches, "counter_invalidate", failing)
    response = Client(raise_request_exception=False).post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.private_url()


def test_a_form_left_open_too_long_is_shown_again(client, valid_report, settings):
    settings.FORM_STAMP_MAX_AGE = 1
    data = freshly_shown(valid_report)
    time.sleep(2.1)
    response = client.post("/report/", data)
    assert response.status_code == 200
    assert "Bitte prüfen Sie Ihre Angaben und senden Sie es erneut" in response.content.decode()
    assert stamp_on(response.content) != data["form_stamp"]
    assert not Complaint.objects.exists()
    settings.FORM_STAMP_MAX_AGE = 60  # (a one-second life could run out again on a slow machine)
    resent = client.post("/report/", {**valid_report, "form_stamp": stamp_on(response.content)})
    assert "/report/thanks/" in resent["Location"]


def test_five_reports_then_a_friendly_429_and_other_clients_are_not_affected(valid_report):
    one = Client(REMOTE_ADDR="203.0.113.7")
    responses = [one.post("/report/", freshly_shown(valid_report)) for _ in range(8)]
    assert [r.status_code for r in responses] == [302] * 5 + [429] * 3
    assert all("/report/thanks/" in r["Location"] for r in responses[:5])
    limited = one.post("/report/", freshly_shown(valid_report))
    assert 1 <= int(limited["Retry-After"]) <= 600  # until the ten-minute window ends
    assert "Zu viele Meldungen" in limited.content.decode()
    english = one.post("/report/", freshly_shown(valid_report), HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many reports" in english.content.decode()
    assert Complaint.objects.count() == 5
    other = Client(REMOTE_ADDR="198.51.100.23")
    assert other.post("/report/", freshly_shown(valid_report)).status_code == 302


def test_typos_do_not_count_towards_the_limit(valid_report):
    one = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(8):
        one.post("/report/", {**valid_report, "city": "", "postal_code": ""})  # shown again
    assert one.post("/report/", valid_report).status_code == 302


def test_behind_a_proxy_the_configured_header_names_the_client(valid_report, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(6):
        # The client may forge the first entries; the proxy appends the real address last.
        response = proxy.post(
            "/report/",
            freshly_shown(valid_report),
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.9",
        )
    assert response.status_code == 429
    other = proxy.post("/report/", freshly_shown(valid_report), HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 302


def test_an_ipv6_client_is_its_64_network(valid_report):
    """Hopping between addresses of one /64 does not step around the limit; the neighbouring
    /64 is another client."""
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n:x}").post("/report/", freshly_shown(valid_report))
        for n in range(1, 7)
    ]
    assert [r.status_code for r in statuses] == [302] * 5 + [429]
    other = Client(REMOTE_ADDR="2001:db8:1:3::1").post("/report/", freshly_shown(valid_report))
    assert other.status_code == 302


@pytest.mark.parametrize(
    "spelling, address",
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:51234 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:0db8:0000::0001", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("not an address", "not an address"),
    ],
)
def test_one_spelling_per_address(spelling, address):
    assert abuse.normalize_ip(spelling) == address


def test_an_address_behind_the_proxy_counts_however_it_is_spelled(valid_report, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    spellings = ["203.0.113.30", "::ffff:203.0.113.30", "203.0.113.30:1234"] * 2
    statuses = [
        proxy.post("/report/", freshly_shown(valid_report), HTTP_X_REAL_IP=spelling).status_code
        for spelling in spellings
    ]
    assert statuses == [302] * 5 + [429]


def test_no_raw_address_is_stored_anywhere(valid_report):
    address = "203.0.113.77"
    Client(REMOTE_ADDR=address).post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert complaint.ip_hash and address not in complaint.ip_hash
    assert complaint.ip_hash == abuse.ip_hash(address)
    dump = io.StringIO()
    call_command("dumpdata", "complaints.complaint", "admin", "sessions", stdout=dump)
    assert address not in dump.getvalue()
    assert not any(address in str(key) for key in getattr(cache, "_cache", {}))


def test_the_hash_changes_daily_and_needs_the_secret(settings):
    import datetime

    day = datetime.date(2026, 11, 22)
    assert abuse.ip_hash("203.0.113.7", day) != abuse.ip_hash("203.0.113.7", day.replace(day=23))
    before = abuse.ip_hash("203.0.113.7", day)
    settings.SECRET_KEY = "another-secret"
    assert abuse.ip_hash("203.0.113.7", day) != before


def redis_available() -> bool:
    try:
        import redis

        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_the_limit_is_shared_by_two_processes_through_redis(settings):
    """Two app processes with one Redis: three reports through each, the sixth is refused."""
    location = f"redis://127.0.0.1:6379/{redis_test_db(1)}"
    settings.CACHES = {"default": {"BACKEND": "einzelfall.cache.RedisCache", "LOCATION": location}}
    from django.core.cache import caches

    caches["default"].clear()
    script = (
        "import django, os\n"
        "django.setup()\n"
        "from django.test import RequestFactory\n"
        "from complaints.intake import abuse\n"
        "request = RequestFactory().post('/report/', REMOTE_ADDR='203.0.113.99')\n"
        "print([abuse.over_limit(abuse.client_ip(request)) for _ in range(3)])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "einzelfall.settings",
        "ENV_FILE": os.devnull,
        "CACHE_URL": location,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true",
    }
    other = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == "[0, 0, 0]"
    from django.test import RequestFactory

    request = RequestFactory().post("/report/", REMOTE_ADDR="203.0.113.99")
    client = abuse.client_ip(request)
    assert [bool(abuse.over_limit(client)) for _ in range(3)] == [False, False, True]
    caches["default"].clear()


def test_no_log_line_holds_the_address(valid_report, caplog):
    import logging

    address = "203.0.113.88"
    caplog.set_level(logging.DEBUG)
    client = Client(REMOTE_ADDR=address)
    for _ in range(7):  # successes, then 429s (which Django logs as warnings)
        client.post("/report/", freshly_shown(valid_report))
    client.post("/report/", {**valid_report, "website": "x"})  # a bot
    client.post("/admin/login/", {"username": "x", "password": "y"})
    assert caplog.records  # something was logged
    assert address not in caplog.text


@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_the_redis_cache_shares_one_client_between_operations_and_threads():
    """einzelfall.cache.RedisCache: what Django's does, with one client per pool."""
    from concurrent.futures import ThreadPoolExecutor

    from einzelfall.cache import RedisCache

    cache = RedisCache(f"redis://127.0.0.1:6379/{redis_test_db(1)}", {})
    cache.clear()
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
    assert cache.add("k", 1) and not cache.add("k", 2)

    def count(_):
        return cache.incr("k")

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(count, range(200)))
    assert sorted(seen) == list(range(2, 202))  # every increment counted once
    cache.set_many({"a": "ä", "b": [1, 2]})
    assert cache.get_many(["a", "b", "c"]) == {"a": "ä", "b": [1, 2]}
    cache.clear()


def test_back_and_the_same_form_again_leads_to_the_report_sent(client, valid_report):
    """Back from the thanks page the form is fetched anew (a new stamp) and filled in by the
    browser: the same report sent again is counted once, from the same browser."""
    first = client.post("/report/", valid_report)["Location"]
    again = client.post("/report/", {**valid_report, "form_stamp": abuse.form_stamp()})
    assert again.status_code == 302 and again["Location"] == first
    assert Complaint.objects.count() == 1


def test_back_and_a_changed_form_asks_before_counting_another(client, valid_report):
    first = client.post("/report/", valid_report)["Location"]
    changed = {**valid_report, "district": "", "form_stamp": abuse.form_stamp()}
    asked = client.post("/report/", changed)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "bereits eine Meldung gesendet" in html and first in html
    assert Complaint.objects.count() == 1
    stored = client.post("/report/", {**changed, "another": "1"})
    assert "/report/thanks/" in stored["Location"] and stored["Location"] != first
    assert Complaint.objects.count() == 2


def test_another_browser_sending_the_same_form_is_not_led_to_its_report(valid_report):
    """Two people behind one address send the same report: each gets a report and a link of
    their own (the cookie, not the address, says "sent before")."""
    one, two = Client(), Client()
    first = one.post("/report/", valid_report)["Location"]
    second = two.post("/report/", {**valid_report, "form_stamp": abuse.form_stamp()})
    second = second["Location"]
    assert "/report/thanks/" in second and second != first
    assert Complaint.objects.count() == 2


def test_back_after_deleting_the_report_sends_it_anew(client, valid_report):
    from complaints import services

    first = client.post("/report/", valid_report)["Location"]
    services.complaint_delete(complaint=Complaint.objects.get())
    again = client.post("/report/", {**valid_report, "form_stamp": abuse.form_stamp()})
    assert "/report/thanks/" in again["Location"] and again["Location"] != first
    assert Complaint.objects.count() == 1
