"""An independent attacker's review of the released evaluation (issue 16, finding 8): every
page, file and header a visitor can GET is saved before and after one moderation, and must be
the same byte for byte (the live counter aside) until the next release."""

import os
import pickle
import re
import subprocess
import sys
import time
import zlib

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from complaints import caches, services
from complaints.campaign import services as campaign_services
from complaints.models import (
    Complaint,
    FollowupAnswer,
    Place,
    ProblemType,
    RejectionReason,
    Status,
)
from einzelfall import cache_keys
from reports import releases
from reports.evaluation import Cell
from reports.models import Release, ReleasedComplaint

from .factories import CampaignUpdateFactory, ComplaintFactory
from .test_releases import DISTRICTS, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# Every public address a visitor can GET that is not a private link, and the headers a
# browser, proxy or crawler reads.
PAGES = [
    "/",
    "/report/",
    "/stats/",
    "/stats/print/",
    "/stats/data/",
    "/stats/cities.html",
    "/stats/cities.json",
    "/stats/cities.csv",
    "/sitemap.xml",
    "/robots.txt",
    "/updates/",
    "/updates/feed/",
    "/updates/rss/",
    "/places/suggest/?q=Ham",
    "/places/suggest/?q=Ottensen&city=Hamburg",
]
# Cities of the world, and one that has no report before the moderation (Bremen).
CITY_SLUGS = ["berlin", "hamburg", "munchen", "koln", "bremen"]
HEADERS = ["ETag", "Last-Modified", "Cache-Control", "Content-Length", "Expires", "Vary"]


def city_paths(slug):
    return [f"/stats/{slug}/", f"/stats/{slug}/districts.json", f"/stats/{slug}/districts.csv"]


def everything(client, counter_values) -> dict:
    """Every public response as (status, headers, body), in both languages. The live counter
    (a campaign-wide total the issue keeps live) is masked wherever it is written."""
    slugs = [
        Place.objects.get(kind=Place.Kind.CITY, name=name).slug for name in [*DISTRICTS, "Bremen"]
    ]
    paths = [*PAGES, *(p for slug in slugs for p in city_paths(slug))]
    counters = "|".join(str(n) for n in counter_values)
    masked = re.compile(rf"(?<![\d.,]){counters}(?![\d.,])".encode())
    found = {}
    for path in paths:
        for language in ("de", "en"):
            cache.delete(cache_keys.RELEASE_CHECKED)  # whenever the schedule looks
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            body = masked.sub(b"N", body)
            # Per request by design: the language form's CSRF token, the report form's stamp.
            body = re.sub(rb'name="(csrfmiddlewaretoken|form_stamp)" value="[^"]*"', rb"\1", body)
            headers = {h: response.headers.get(h) for h in HEADERS if h != "Content-Length"}
            found[path, language] = (response.status_code, headers, body)
    return found


def differences(before: dict, after: dict) -> list:
    return [key for key in before if before[key] != after[key]]


def counter() -> int:
    return Complaint.objects.counted().count()


@pytest.fixture
def moderator(organizer):
    return organizer


def moderate(complaint, status, moderator, capture):
    with capture(execute=True):
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk=complaint.pk),
            status=status,
            moderator=moderator,
            reason=RejectionReason.objects.first() if status == Status.REJECTED else None,
        )


def test_one_moderation_of_any_kind_changes_no_public_byte(
    client,
    world,  # noqa: F811
    moderator,
    django_capture_on_commit_callbacks,
):
    # Pending reports make the live counter a number of its own (not the released total).
    ComplaintFactory.create_batch(17, city="Köln", district="Nippes")
    # A feed with an entry: an empty one is dated when it is read, whatever happened.
    CampaignUpdateFactory(title="Erste Auswertung", slug="erste-auswertung", is_published=True)
    victim = ComplaintFactory(city="Bremen", district="", problems=["sms"])
    start = counter()
    values = range(start - 3, start + 3)
    before = everything(client, values)
    assert before["/stats/bremen/", "en"][0] == 200

    moderate(victim, Status.PUBLISHED, moderator, django_capture_on_commit_callbacks)
    assert differences(before, everything(client, values)) == []

    released = Complaint.objects.filter(status=Status.PUBLISHED, city="Hamburg")
    one = released.first()
    moderate(one, Status.REJECTED, moderator, django_capture_on_commit_callbacks)
    assert differences(before, everything(client, values)) == []

    # A moderator moves a released report to another place and changes its problems.
    other = released.exclude(pk=one.pk).first()
    with django_capture_on_commit_callbacks(execute=True):
        Complaint.objects.filter(pk=other.pk).update(
            city_place=Place.objects.get(slug="bremen"), district_place=None
        )
        other.problems.set([ProblemType.objects.get(slug="sms")])
        caches.published_changed()
    assert differences(before, everything(client, values)) == []

    # Its sender answers the follow-up mail, another one deletes a released report.
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.followup_answer(
            complaint=Complaint.objects.get(pk=other.pk),
            answer=FollowupAnswer.values[0],
            comment="",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_delete(complaint=released.exclude(pk=other.pk).last())
    assert differences(before, everything(client, values)) == []
    assert Release.objects.count() == 1


@pytest.mark.parametrize(
    "evaluation",
    [
        b"not a pickle",  # the bytes damaged (a restore gone wrong)
        zlib.compress(b"garbage"),
        # Of the current format by its number, but naming a class this version does not have
        # (renamed without raising releases.FORMAT).
        zlib.compress(pickle.dumps(Cell(1))),  # readable, but no evaluation
        zlib.compress(pickle.dumps(Cell(1)).replace(b"\x8c\x04Cell", b"\x8c\x04Gone")),
    ],
)
def test_a_release_that_cannot_be_read_is_not_shown_and_fails_no_page(
    client,
    world,  # noqa: F811
    evaluation,
    caplog,
):
    Release.objects.create(
        number=2,
        released_at=world.released_at,
        published_count=125,
        new_count=5,
        format=releases.FORMAT,
        evaluation=evaluation,
    )
    cache.delete(cache_keys.RELEASE_CURRENT)
    for path in ["/stats/", "/stats/hamburg/", "/stats/cities.json", "/sitemap.xml"]:
        assert client.get(path).status_code == 200, path
    page = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="not-released"' in page
    assert "Evaluation release 2 cannot be read" in caplog.text


def test_a_release_pickled_when_its_classes_lived_in_selectors_is_still_shown(
    client,
    world,  # noqa: F811
):
    """Releases made before reports/evaluation.py existed name its classes as
    reports.selectors.*; the selectors still name them, so such a release reads as it was."""
    from reports import selectors

    def pages():
        # Without the language form's CSRF token, new per request by design.
        token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
        paths = ["/stats/", "/stats/hamburg/", "/stats/cities.json"]
        return [token.sub(b"", client.get(path).content) for path in paths]

    before = pages()
    frozen = releases.load(world.number)
    # Protocol 2 names a class as text ("module\nname\n"): the old module name fits in.
    old = pickle.dumps(frozen, protocol=2)
    assert b"reports.evaluation\n" in old
    old = old.replace(b"reports.evaluation\n", b"reports.selectors\n")
    Release.objects.filter(pk=world.pk).update(evaluation=zlib.compress(old))
    selectors._local = None  # a process that has not read the release yet
    assert releases.load(world.number) == frozen
    assert pages() == before


def test_the_release_button_needs_the_organizers_own_form(
    world,  # noqa: F811
):
    """A page elsewhere that posts to the button in an organizer's browser (no CSRF token)
    releases nothing; neither does a GET."""
    from django.test import Client

    from .test_releases import RELEASES, staff

    ComplaintFactory.create_batch(5, city="Berlin", district="Mitte", status=Status.PUBLISHED)
    organizer = staff("Organizer", "olga")
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = organizer.cookies
    assert forged.post(f"{RELEASES}release/").status_code == 403
    assert forged.get(f"{RELEASES}release/").status_code == 405
    assert Release.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes share PostgreSQL")
# Committed for the commands to see; transactional tests run last and empty the database
# (migrated_data brings the migrations' data back, not the gazetteer: no place is used).
@pytest.mark.django_db(transaction=True)
def test_two_processes_releasing_at_once_make_one_release(migrated_data):
    """Two cron jobs (or a cron job and a page's schedule) on machines with caches of their
    own release at the same moment: one release, the other says to try again, no traceback."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "CACHE_URL": "locmemcache://",  # a cache of its own: the cache's lock cannot help
        "EVALUATION_RELEASE_CHECK_SECONDS": "0",
        "DEBUG": "true",
    }
    for made in range(1, 4):
        ComplaintFactory.create_batch(
            5, city="Nirgendwo", district="", city_place_id=None, status=Status.PUBLISHED
        )
        command = [sys.executable, "manage.py", "release_evaluation"]
        # Both are held at their first look at the released reports until both wait there,
        # so that they count, number and write their releases at the same moment.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {ReleasedComplaint._meta.db_table} IN ACCESS EXCLUSIVE MODE"
            )
            processes = [
                subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)
            ]
            deadline = time.monotonic() + 120
            while waiting(cursor) < 2:
                assert time.monotonic() < deadline, "the commands never reached the database"
                time.sleep(0.2)
        outputs = [process.communicate(timeout=180) for process in processes]
        for _out, err in outputs:
            assert b"Traceback" not in err, err.decode()
        # One released, the other was told to try again (a CommandError: exit status 1).
        assert sorted(p.returncode for p in processes) == [0, 1], outputs
        assert Release.objects.count() == made, outputs
        assert Release.objects.get(number=made).new_count == 5


def waiting(cursor) -> int:
    # Within a transaction the activity view is read once, unless its snapshot is dropped.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    return cursor.fetchone()[0]
