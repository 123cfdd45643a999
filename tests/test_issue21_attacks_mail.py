"""Issue 21's mail side attacked: following a place (/follow/) as a mail bomber, a snoop who
wants to know who follows what, a forger of confirm and unsubscribe tokens, a cross-site
attacker; the digests and the newsletter as a reader hunting small counts and header
injection through names and addresses.

Figures of the run that wrote this module (pytest -s prints them per class): 151 requests,
0 answers of 500; 0 counts below K in a digest (also by differencing Köln's 3 against
Bremen's none, and a district against its city); 0 addresses in a log line; 0 tokens
accepted for the wrong purpose, row or salt (38 tries); 0 injected headers or recipients.
Holes found, 3, all fixed since (their tests pass without the xfail marks they had):
- one mailbox reached more often than the limits promise through spellings the limits count
  apart: its domain in Unicode and in punycode
  (test_idn_and_punycode_spellings_of_one_address_share_the_hourly_limit), and plus tags,
  12 mails where MAILS_PER_DAY is 5 (test_plus_tags_of_one_mailbox_share_the_daily_limit);
- follower tokens written in full to the logs by CSRF and 404 warnings and the access log
  (test_follow_tokens_never_reach_a_log_line)."""

import collections
import io
import logging
import re

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from complaints.campaign import follow
from complaints.intake import abuse, confirmation
from complaints.models import CampaignUpdate, Follower, Place, Status
from complaints.places import matching
from einzelfall.log_privacy import mask

from .factories import ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db
TALLY = collections.Counter()
SITE = "http://127.0.0.1:8000"
VICTIM = "victim@example.org"


@pytest.fixture(scope="module", autouse=True)
def _tally():
    yield
    print("\nissue 21 mail attacks:", dict(sorted(TALLY.items())))


def hit(kind, response):
    TALLY[kind] += 1
    if response.status_code >= 500:
        TALLY[kind + " 500s"] += 1
    assert response.status_code < 500, (kind, response.status_code, response.content[:300])
    return response


def sign_up(email, n=1, city="Hamburg", district="", client=None, **extra):
    """The form sent from client number n (a client of its own unless given)."""
    client = client or Client(REMOTE_ADDR=f"203.0.{n // 250}.{n % 250 + 1}")
    data = {
        "form_stamp": abuse.form_stamp(),
        "email": email,
        "city": city,
        "district": district,
        "language": "en",
        "consent": "on",
        **extra,
    }
    return hit("follow", client.post("/follow/", data))


def mails_to(mailbox):
    """Mails that reach a mailbox, however its address was spelled."""
    return [m for m in mail.outbox if any(_mailbox(t) == _mailbox(mailbox) for t in m.to)]


def _mailbox(address):
    local, _, domain = address.strip().lower().rpartition("@")
    return local.split("+")[0] + "@" + domain.encode("idna").decode()


def link(message, kind):
    return re.search(rf"{re.escape(SITE)}(/follow/{kind}/\S+/)", message.body).group(1)


def city(name):
    return Place.objects.get(pk=matching.match(name).city_id)


def confirmed(email, name="Hamburg", **fields):
    defaults = {
        "language": "en",
        "consent_at": timezone.now(),
        "privacy_policy_version": "2026-11-01",
        "confirmed_at": timezone.now(),
    }
    return Follower.objects.create(email=email, city=city(name), **{**defaults, **fields})


# -- mail bombing ---------------------------------------------------------------------------


def test_case_and_space_variants_from_many_clients_mail_once():
    for n, spelling in enumerate(
        [VICTIM, VICTIM.upper(), " Victim@Example.org ", "VICTIM@example.ORG", "victim@EXAMPLE.org"]
        * 3
    ):
        assert sign_up(spelling, n).status_code == 302
    assert len(mails_to(VICTIM)) == 1
    assert Follower.objects.count() == 1


def test_many_places_and_clients_stay_under_the_daily_limit():
    names = ["Hamburg", "Berlin", "Köln", "Bremen", "München", "Kiel", "Hannover", "Dresden"]
    names = [n for n in names if matching.match(n).matched]
    assert len(names) > follow.MAILS_PER_DAY
    for n, name in enumerate(names * 2):
        sign_up(VICTIM.upper() if n % 2 else VICTIM, n, city=name)
    assert len(mails_to(VICTIM)) == follow.MAILS_PER_DAY


def test_one_client_is_throttled_with_a_429():
    client = Client(REMOTE_ADDR="192.0.2.9")
    answers = [sign_up(f"someone{n}@example.org", client=client).status_code for n in range(8)]
    assert 429 in answers and len(mail.outbox) <= 5


def test_idn_and_punycode_spellings_of_one_address_share_the_hourly_limit():
    sign_up("victim@exämple.org", 1)
    sign_up("victim@xn--exmple-cua.org", 2)
    sign_up("victim@EXÄMPLE.org", 3)
    assert len(mails_to("victim@exämple.org")) == 1


def test_plus_tags_of_one_mailbox_share_the_daily_limit():
    for n in range(12):
        sign_up(f"victim+{n}@example.org", n)
    assert len(mails_to(VICTIM)) <= follow.MAILS_PER_DAY


def test_sign_up_from_another_site_is_refused():
    """A page elsewhere that posts the form from its visitors' browsers (each a client of
    its own for the limits) is stopped by CSRF."""
    strict = Client(enforce_csrf_checks=True, HTTP_ORIGIN="https://evil.example")
    response = hit(
        "follow",
        strict.post(
            "/follow/",
            {
                "form_stamp": abuse.form_stamp(),
                "email": VICTIM,
                "city": "Hamburg",
                "language": "en",
                "consent": "on",
            },
        ),
    )
    assert response.status_code == 403 and not mail.outbox


@pytest.mark.parametrize("field", ["email", "city", "district", "language", "form_stamp"])
def test_huge_and_odd_follow_fields(field):
    for value in ("x" * 100_000, "\x00", "\ufeff\u200b", ["a", "b"], "Hamburg\x0b", "<script>"):
        fields = {"email": VICTIM, field: value}
        response = sign_up(fields.pop("email"), 1, **fields)
        assert response.status_code in (200, 302) or 400 <= response.status_code < 500
    assert len(mail.outbox) <= 1


# -- who follows what -----------------------------------------------------------------------


def test_the_form_answers_alike_for_new_waiting_and_following_addresses():
    confirmed("following@example.org")
    sign_up("waiting@example.org", 50)
    answers = []
    for n, email in enumerate(
        ["new@example.org", "waiting@example.org", "following@example.org", "FOLLOWING@example.org"]
    ):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        response = sign_up(email, client=client)
        page = hit("follow", client.get(response["Location"]))
        answers.append(
            (
                response.status_code,
                response["Location"],
                sorted(k for k in response.cookies),
                re.sub(rb'value="[\w-]{32,}"', b"", page.content),
            )
        )
    assert all(a == answers[0] for a in answers), [a[:3] for a in answers]
    # The confirmed row was not changed by a stranger typing its address.
    row = Follower.objects.get(email="following@example.org")
    assert row.confirmed_at is not None and row.language == "en"


# -- tokens ---------------------------------------------------------------------------------


def test_tokens_are_not_forged_replayed_or_cross_used(db):
    mine = confirmed("attacker@example.org")
    theirs = confirmed(VICTIM, "Berlin")
    tokens = {
        p: follow.token(mine, p) for p in (follow.CONFIRM, follow.UNSUBSCRIBE, follow.NEWSLETTER)
    }
    routes = {
        follow.CONFIRM: "/follow/confirm/{}/",
        follow.UNSUBSCRIBE: "/follow/unsubscribe/{}/",
        follow.NEWSLETTER: "/follow/newsletter/unsubscribe/{}/",
    }
    client = Client()
    forged = [
        signing.dumps(
            [[theirs.pk], follow.UNSUBSCRIBE, confirmation.address_digest(mine.email)],
            salt="wrong",
            compress=True,
        ),
        signing.dumps([theirs.pk, confirmation.address_digest(VICTIM)], salt=confirmation.SALT),
        tokens[follow.UNSUBSCRIBE][:-2]
        + ("AA" if not tokens[follow.UNSUBSCRIBE].endswith("AA") else "BB"),
        tokens[follow.UNSUBSCRIBE].replace(":", ".", 1),
        "a" * 400,
        "..........",
        "0" * 10 + ":" + "1" * 10,
    ]
    for purpose, route in routes.items():
        for other, value in tokens.items():
            if other != purpose:
                for method in (client.get, client.post):
                    assert hit("token", method(route.format(value))).status_code == 404
        for value in forged:
            assert (
                hit("token", client.post(route.format(value), {"scope": "all"})).status_code == 404
            )
    assert Follower.objects.filter(pk=theirs.pk).exists()
    # Unsubscribing everything with my own token takes my rows only, and the token dies.
    route = routes[follow.UNSUBSCRIBE].format(tokens[follow.UNSUBSCRIBE])
    assert hit("token", client.post(route, {"scope": "all"})).status_code == 200
    assert list(Follower.objects.values_list("email", flat=True)) == [VICTIM]
    for purpose, route in routes.items():
        assert hit("token", client.post(route.format(tokens[purpose]))).status_code == 404


def test_a_token_dies_when_the_row_is_renewed_for_someone_else():
    """A confirm token of a row that was unsubscribed does not confirm the new row that the
    same address gets later (another person typing it)."""
    sign_up(VICTIM, 1)
    old = link(mails_to(VICTIM)[0], "confirm")
    Follower.objects.all().delete()
    Follower.objects.create(
        email=VICTIM,
        city=city("Hamburg"),
        language="de",
        consent_at=timezone.now(),
        privacy_policy_version="x",
    )
    assert hit("token", Client().post(old)).status_code == 404
    assert Follower.objects.get().confirmed_at is None


def test_confirm_needs_csrf_and_no_get_confirms_or_unsubscribes():
    sign_up(VICTIM, 1)
    confirm = link(mails_to(VICTIM)[0], "confirm")
    unsubscribe = link(mails_to(VICTIM)[0], "unsubscribe")
    strict = Client(enforce_csrf_checks=True)
    for method in (strict.get, strict.head):
        hit("csrf", method(confirm))
        hit("csrf", method(unsubscribe))
    assert Follower.objects.get().confirmed_at is None
    assert hit("csrf", strict.post(confirm, HTTP_ORIGIN="https://evil.example")).status_code == 403
    assert Follower.objects.get().confirmed_at is None
    # RFC 8058: the one-click POST needs no CSRF token (the token in the path is the key).
    response = hit("csrf", strict.post(unsubscribe, {"List-Unsubscribe": "One-Click"}))
    assert response.status_code == 200 and not Follower.objects.exists()
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


@pytest.fixture
def written():
    """What the handlers of settings.LOGGING write (as tests/test_logs.py reads them)."""
    handlers = [
        h
        for name in ("", "django.server")
        for h in logging.getLogger(name).handlers
        if type(h) is logging.StreamHandler
    ]
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    yield buffer.getvalue
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def test_follow_tokens_never_reach_a_log_line(written):
    follower = confirmed(VICTIM)
    confirm, unsubscribe = (follow.token(follower, p) for p in (follow.CONFIRM, follow.UNSUBSCRIBE))
    news = follow.token(follower, follow.NEWSLETTER)
    strict = Client(enforce_csrf_checks=True)
    assert hit("log", strict.post(f"/follow/confirm/{confirm}/")).status_code == 403
    assert hit("log", Client().get(f"/follow/confirm/{unsubscribe}/")).status_code == 404
    assert (
        hit("log", Client().get(f"/follow/newsletter/unsubscribe/{unsubscribe}/")).status_code
        == 404
    )
    text = written() + mask(f'"GET /follow/unsubscribe/{unsubscribe}/ HTTP/1.1" 200')
    text += mask(f"/follow/newsletter/unsubscribe/{news}/")
    assert "/follow/confirm/" in text  # the lines were written
    for secret in (confirm, unsubscribe, news):
        assert secret not in text, text


# -- what the mails carry -------------------------------------------------------------------


def test_hostile_names_and_addresses_do_not_inject_headers(caplog):
    caplog.set_level(logging.DEBUG)
    Place.objects.filter(pk=city("Hamburg").pk).update(name="Hamburg Bcc: evil@evil.example %s {x}")
    for n, email in enumerate(
        [
            "v@example.org\r\nBcc: evil@evil.example",
            "v@example.org\nBcc: evil@evil.example",
            "v@example.org,evil@evil.example",
            '"v\r\nBcc: evil@evil.example"@example.org',
            "v@example.org%0aBcc:e@e.ex",
            "a" * 300 + "@example.org",
        ]
    ):
        sign_up(email, n)
    sign_up("v@example.org", 9)
    for message in mail.outbox:
        assert message.recipients() == ["v@example.org"], message.recipients()
        raw = message.message().as_string()
        assert "\nBcc:" not in raw and "evil.example" not in raw.split("\n\n")[0].replace(
            "Hamburg Bcc: evil@evil.example", ""
        )
    assert len(mail.outbox) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "v@example.org" not in logged and "evil@evil" not in logged


def test_no_address_in_a_log_line_when_the_mail_server_refuses(settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    sign_up(VICTIM, 1)
    confirmed("second@example.org", "Berlin")
    CampaignUpdate.objects.create(title="Neu", body="Text", is_published=True)
    with pytest.raises(CommandError):
        call_command("send_digests")
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    assert VICTIM not in logged and "second@example.org" not in logged


# -- digests: suppression -------------------------------------------------------------------


def published(n, name, district=""):
    ComplaintFactory.create_batch(n, city=name, district=district, status=Status.PUBLISHED)


def test_digests_never_tell_a_small_count_nor_tell_it_by_differencing():
    published(7, "Hamburg", "Altona")
    published(2, "Hamburg", "Ottensen")
    published(3, "Köln")
    published(8, "Berlin")
    published(2, "Kiel")  # two hidden cities: neither is the total less the shown ones
    then = timezone.now() - timezone.timedelta(hours=2)
    rows = {}
    for email, name, district in [
        ("k@example.org", "Köln", ""),
        ("b@example.org", "Bremen", ""),
        ("o@example.org", "Hamburg", "Ottensen"),
        ("h@example.org", "Hamburg", ""),
        ("a@example.org", "Hamburg", "Altona"),
    ]:
        rows[email] = confirmed(
            email,
            name,
            confirmed_at=then,
            district=(
                Place.objects.get(pk=matching.match(name, district).district_id)
                if district
                else None
            ),
        )
    release()
    CampaignUpdate.objects.create(
        title="Neu", title_en="News", body="x", body_en="y", is_published=True
    )
    call_command("send_digests")
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert set(bodies) == set(rows)
    numbers = {e: re.findall(r"\b\d[\d,.]*\b", b.split("http")[0]) for e, b in bodies.items()}
    assert not any(n in {"2", "3"} for e in ("k@example.org", "o@example.org") for n in numbers[e])

    def blank(body, *names):
        for name in names:
            body = body.replace(name, "CITY").replace(city(name).slug, "SLUG")
        return re.sub(r"/follow/\S+", "", body)

    assert blank(bodies["k@example.org"], "Köln") == blank(bodies["b@example.org"], "Bremen")
    # A district follower learns the city's shown count, never the district's small one.
    assert "9" in numbers["h@example.org"] or "9" in bodies["h@example.org"]
    assert not re.search(r"Ottensen[^\n]*\b2\b", bodies["o@example.org"])
    # Altona (7) is Hamburg (9) less Ottensen (2): shown, it would give Ottensen away.
    assert not re.search(r"Altona[^\n]*\b7\b", bodies["a@example.org"]), bodies["a@example.org"]
