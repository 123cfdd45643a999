"""manage.py send_digests: a follower's weekly digest (only when something happened, never a
count below REPORTS_MIN_COUNT) and the campaign newsletter (one mail per address)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from complaints.campaign import digests, follow, newsletter
from complaints.models import (
    CampaignUpdate,
    CarrierCase,
    CarrierStatement,
    Follower,
    Place,
    PlaceStatus,
    Status,
)
from complaints.places import matching
from reports import selectors as report_selectors

from .factories import CampaignUpdateFactory, ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def place(city: str, district: str = "") -> Place:
    found = matching.match(city, district)
    return Place.objects.get(pk=found.district_id if district else found.city_id)


def follower(email: str, city: str, district: str = "", **fields) -> Follower:
    defaults = {
        "language": "en",
        "consent_at": timezone.now() - 2 * HOUR,
        "privacy_policy_version": "2026-11-01",
        "confirmed_at": timezone.now() - 2 * HOUR,
    }
    return Follower.objects.create(
        email=email,
        city=place(city),
        district=place(city, district) if district else None,
        **{**defaults, **fields},
    )


def published(city: str, district: str, n: int) -> None:
    for _ in range(n):
        ComplaintFactory(city=city, district=district, status=Status.PUBLISHED)


@pytest.fixture
def world():
    """Hamburg shown (Altona below K within it), Kiel below K, Berlin above K but hidden to
    protect Kiel's count (the evaluation's complementary suppression: asserted below)."""
    published("Hamburg", "Altona", 2)
    published("Hamburg", "Eimsbüttel", 6)
    published("Hamburg", "Ottensen", 6)
    published("Berlin", "", 8)
    published("Kiel", "", 2)


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def counts_shown(body: str) -> list[int]:
    """Every number the mail gives as a count of reports, in English or German (either
    grouping), however the line around it is worded."""
    found = re.findall(r"(\d[\d.,]*)\s+(?:published reports|veröffentlichte Meldungen)", body)
    return [int(re.sub(r"[.,]", "", n)) for n in found]


def test_the_digest_shows_released_numbers_and_never_one_below_k(world, settings):
    city = follower("city@example.org", "Hamburg")
    district = follower("district@example.org", "Hamburg", "Altona")
    small = follower("small@example.org", "Kiel")
    between = follower("between@example.org", "Berlin")
    german = follower("bezirk@example.org", "Hamburg", "Altona", language="de")
    release()
    evaluation = report_selectors.evaluation()
    berlin_row = evaluation.city(place("Berlin").slug)
    assert berlin_row.suppressed and berlin_row.complaints is None  # 8 reports, hidden
    out = run()
    (to_city,) = mails_to(city.email)
    assert "Hamburg has 14 published reports" in to_city.body
    assert to_city.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (to_district,) = mails_to(district.email)
    assert "Hamburg has 14 published reports" in to_district.body
    assert "Altona: too few reports to show a number" in to_district.body
    # A city hidden in the evaluation (below K, or to protect another) gets no number, and
    # with nothing else to say, no mail.
    assert not mails_to(small.email)
    assert not mails_to(between.email)
    assert "digests sent: 3; nothing new: 2" in out
    (to_german,) = mails_to(german.email)
    assert "Hamburg hat 14 veröffentlichte Meldungen" in to_german.body
    assert "Altona: zu wenige Meldungen" in to_german.body
    assert [counts_shown(m.body) for m in mail.outbox] == [[14]] * 3  # the check sees them
    for message in mail.outbox:
        assert all(n >= settings.REPORTS_MIN_COUNT for n in counts_shown(message.body))
        assert " 2 " not in message.body and "2 published" not in message.body


def test_at_most_weekly_and_only_when_something_happened(world):
    release()
    hamburg = follower("anna@example.org", "Hamburg", confirmed_at=timezone.now())
    assert "digests sent: 0; nothing new: 1" in run()  # nothing released since confirming
    published("Hamburg", "Ottensen", 5)
    release()
    assert "digests sent: 1" in run()
    assert "Hamburg has 19 published reports" in mail.outbox[0].body
    PlaceStatus.objects.create(place=place("Hamburg"), status="acknowledged", note="Per Brief")
    assert "digests sent: 0" in run()  # a week has not passed
    assert len(mail.outbox) == 1
    # A week later (the hourly cron's run then): the status recorded since, and no numbers,
    # as nothing has been released since the last digest.
    later = timezone.now() + datetime.timedelta(days=7, minutes=1)
    assert digests.send_due(limit=10, now=later).sent == 1
    body = mail.outbox[-1].body
    assert "acknowledged by the carrier" in body and "Per Brief" in body
    assert "published reports" not in body  # no release since the last digest
    hamburg.refresh_from_db()
    assert hamburg.digest_sent_at == later
    assert digests.send_due(limit=10, now=later + HOUR).due == 0


def test_carrier_statements_and_news_in_the_followers_language(world):
    german = follower("de@example.org", "Hamburg", language="de")
    english = follower("en@example.org", "Hamburg", "Altona")
    elsewhere = follower("kiel@example.org", "Kiel")
    case = CarrierCase.objects.create(carrier="telekom", place=place("Hamburg", "Altona"))
    CarrierStatement.objects.create(
        case=case,
        status="expansion-planned",
        due_date=datetime.date(2027, 3, 1),
        text="Neue Antennen in Altona bis März.",
        review=CarrierStatement.Review.PUBLISHED,
        published_at=timezone.now() - HOUR,
    )
    CarrierStatement.objects.create(
        case=case, status="acknowledged", text="Not yet public.", published_at=None
    )
    CampaignUpdateFactory(title="Übergabe an den Betreiber", title_en="Handed to the carrier")
    run()
    (to_english,) = mails_to(english.email)
    assert "Neue Antennen in Altona bis März." in to_english.body
    assert "Telekom" in to_english.body and "Not yet public" not in to_english.body
    assert "Handed to the carrier" in to_english.body
    (to_german,) = mails_to(german.email)
    assert "Übergabe an den Betreiber" in to_german.body
    assert "Neue Antennen" in to_german.body  # a district's news reaches its city's followers
    (to_kiel,) = mails_to(elsewhere.email)  # the campaign's news, not Hamburg's statements
    assert "Neue Antennen" not in to_kiel.body


def test_a_failing_address_is_counted_and_holds_up_nobody(world, settings, caplog):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingSomeEmailBackend"
    refused = follower("refused@example.org", "Hamburg")
    fine = follower("fine@example.org", "Hamburg")
    release()
    with pytest.raises(CommandError):
        run()
    assert [m.to for m in mail.outbox] == [[fine.email]]
    refused.refresh_from_db()
    assert refused.digest_failures == 1 and refused.digest_sent_at is None
    assert "could not be sent" in caplog.text and "refused@" not in caplog.text
    for _ in range(digests.MAX_FAILURES - 1):
        with pytest.raises(CommandError):
            run()
    refused.refresh_from_db()
    assert refused.digest_failures == digests.MAX_FAILURES  # then left alone
    assert "failed (retried next run): 0" in run()


def test_the_newsletter_goes_once_to_each_address_in_its_language():
    for city in ("Hamburg", "Berlin", "Kiel"):
        follower("Three@Example.org", city, newsletter=True)
    follower("zwei@example.org", "Hamburg", newsletter=True, language="de")
    follower("none@example.org", "Hamburg", newsletter=False)
    follower("waiting@example.org", "Berlin", newsletter=True, confirmed_at=None)
    update = CampaignUpdateFactory(
        title="Wir sind 10.000", title_en="We are 10,000", body_en="Thank you **all**."
    )
    assert newsletter.queue(CampaignUpdate.objects.filter(pk=update.pk)) == 1
    assert "newsletters sent: 2" in run()
    by_address = {m.to[0]: m for m in mail.outbox if "10" in m.subject}
    assert set(by_address) == {"Three@Example.org", "zwei@example.org"}
    assert "We are 10,000" in by_address["Three@Example.org"].subject
    assert "Thank you all." in by_address["Three@Example.org"].body
    assert "Wir sind 10.000" in by_address["zwei@example.org"].subject
    assert (
        by_address["zwei@example.org"]
        .extra_headers["List-Unsubscribe"]
        .startswith("<http://127.0.0.1:8000/follow/newsletter/unsubscribe/")
    )
    update.refresh_from_db()
    assert update.newsletter_sent_at is not None
    assert set(
        Follower.objects.filter(newsletter=True, confirmed_at__isnull=False).values_list(
            "last_newsletter_id", flat=True
        )
    ) == {update.pk}
    # Idempotent: nothing twice; and the digest does not bring it again.
    count = len(mail.outbox)
    assert "newsletters sent: 0" in run()
    assert all("We are 10,000" not in m.body for m in mail.outbox[count:])


def test_one_click_on_the_newsletter_stops_it_for_every_place():
    rows = [follower("three@example.org", c, newsletter=True) for c in ("Hamburg", "Kiel")]
    path = follow.url("complaints:newsletter-unsubscribe", follow.token(rows, follow.NEWSLETTER))
    answer = Client(enforce_csrf_checks=True).post(
        path.removeprefix("http://127.0.0.1:8000"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert not Follower.objects.filter(newsletter=True).exists()
    assert Follower.objects.count() == 2  # the places stay followed


def test_dry_run_sends_nothing(world):
    follower("anna@example.org", "Hamburg")
    release()
    assert "followers due: 1, with news: 1 (dry run: none sent)" in run("--dry-run")
    assert not mail.outbox and not Follower.objects.filter(digest_sent_at__isnull=False)
    with pytest.raises(CommandError):
        run("--limit", "0")


class CountingBackend(locmem.EmailBackend):
    """The test mail outbox, counting the connections made."""

    made = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CountingBackend.made += 1


def test_a_run_sends_every_mail_through_one_connection(world, settings):
    settings.EMAIL_BACKEND = "tests.test_digests.CountingBackend"
    CountingBackend.made = 0
    for n in range(3):
        follower(f"f{n}@example.org", "Hamburg", newsletter=True)
    release()
    update = CampaignUpdateFactory(title="Neu", title_en="New")
    newsletter.queue(CampaignUpdate.objects.filter(pk=update.pk))
    out = run()
    assert "newsletters sent: 3" in out and "digests sent: 3" in out
    assert len(mail.outbox) == 6 and CountingBackend.made == 1


@pytest.mark.parametrize("quiet", [3, 30])
def test_quiet_followers_cost_no_queries_of_their_own(world, quiet):
    """Followers with nothing new since their last digest are passed over: the run's
    queries do not grow with their number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    release()
    last_digest = timezone.now() + datetime.timedelta(minutes=1)  # after the release
    for n in range(quiet):
        follower(f"q{n}@example.org", ("Hamburg", "Kiel", "Berlin")[n % 3], "")
    Follower.objects.update(digest_sent_at=last_digest)
    later = last_digest + datetime.timedelta(days=8)
    report_selectors.evaluation()  # read (and cached) before counting
    with CaptureQueriesContext(connection) as queries:
        result = digests.send_due(limit=100, now=later)
    assert (result.due, result.quiet, result.sent) == (quiet, quiet, 0)
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_a_newsletter_that_arrives_resets_the_failures_in_a_row():
    """Failures count in a row (then the address is left out and later purged): one that
    arrived starts the count again."""
    row = follower("flaky@example.org", "Hamburg", newsletter=True, digest_failures=3)
    update = CampaignUpdateFactory(title="Neu", title_en="New")
    newsletter.queue(CampaignUpdate.objects.filter(pk=update.pk))
    assert "newsletters sent: 1" in run()
    row.refresh_from_db()
    assert row.digest_failures == 0
