"""Releases of the evaluation: the public numbers change only in batches of at least
REPORTS_MIN_COUNT (K) newly published reports, so that comparing two releases never singles
out one report (issue 16, finding 8).

The world: 120 published reports in Berlin (Kreuzberg, Neukölln, Mitte), Hamburg (Altona,
Eimsbüttel, Ottensen), München (Maxvorstadt, Sendling) and Köln (Ehrenfeld, Nippes), 12 per
district, spread over four problems, three technologies and three weeks. Released once.
"""

import datetime
import io
import json
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from complaints import services
from complaints.models import Complaint, RejectionReason, Status
from einzelfall import cache_keys
from reports import releases
from reports.models import Release

from .factories import ComplaintFactory, UserFactory
from .helpers import release
from .test_reports import mix

pytestmark = pytest.mark.django_db

DISTRICTS = {
    "Berlin": ["Kreuzberg", "Neukölln", "Mitte"],
    "Hamburg": ["Altona", "Eimsbüttel", "Ottensen"],
    "München": ["Maxvorstadt", "Sendling"],
    "Köln": ["Ehrenfeld", "Nippes"],
}
PROBLEMS = ["no-data", "slow-data", "dropped-calls", "no-signal"]
TECHNOLOGIES = ["3g", "4g", "5g"]
MIX_TABLES = ["problems", "technologies", "weeks"]


def weeks_ago(weeks: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(weeks=weeks)


@pytest.fixture
def world():
    for city, districts in DISTRICTS.items():
        for district in districts:
            for i in range(12):
                ComplaintFactory(
                    city=city,
                    district=district,
                    status=Status.PUBLISHED,
                    problems=[PROBLEMS[i % 4]],
                    technology=TECHNOLOGIES[i % 3],
                    submitted_at=weeks_ago(1 + (i // 4) % 3),
                )
    return release(None)


@pytest.fixture
def iris(organizer):
    return organizer


def pending(city, district, problem, technology, weeks):
    return ComplaintFactory(
        city=city,
        district=district,
        problems=[problem],
        technology=technology,
        submitted_at=weeks_ago(weeks),
    )


def publish(complaint, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk=complaint.pk),
            status=Status.PUBLISHED,
            moderator=moderator,
        )


def waiting(new: int, most: int | None = None) -> str:
    """What the command and the admin say while no city has K new reports (of one carrier:
    the tests run with three)."""
    plural = "s" if new != 1 else ""
    return (
        f"{new} new published report{plural} since the last release; a release needs 5 new "
        f"ones about one carrier in one city, or in the small places together (most so far: "
        f"{new if most is None else most})."
    )


def snapshot(client) -> dict:
    """What an attacker saves of the public evaluation: every cell of cities.json, of every
    city's districts.json and of every city page's problem, technology and week mixes (the
    page read in English, whose labels name the categories), and the files' bytes."""
    cities = client.get("/stats/cities.json")
    document = cities.json()
    cells = {("total",): document["total"], ("files", "cities.json"): cities.content}
    for row in document["cities"]:
        slug = row["slug"]
        cells[("city", slug)] = row["complaints"]
        districts = client.get(f"/stats/{slug}/districts.json")
        cells[("files", slug)] = districts.content
        for district in districts.json()["districts"]:
            cells[("district", slug, district["district"])] = district["complaints"]
        html = client.get(f"/stats/{slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for table in MIX_TABLES:
            if f'id="{table}"' in html:
                for label, text in mix(html, table).items():
                    cells[(table, slug, label)] = text
    return cells


def hidden(value) -> bool:
    return value is None or (isinstance(value, str) and not value.replace(",", "").isdigit())


def infer(before: dict, after: dict) -> dict[str, set]:
    """The attacker's candidates for the one report he follows, from two snapshots: the
    cities whose shown count changed (or, when the count of places not shown changed, every
    city not shown), then within them every district and category whose cell changed or is
    hidden in either snapshot (a hidden cell may have changed)."""
    cities = {
        key[1]
        for key in after
        if key[0] == "city" and (before.get(key) != after[key] or hidden(after[key]))
    }
    candidates = {"city": cities, "district": set(), **{table: set() for table in MIX_TABLES}}
    for key, value in after.items():
        if key[0] in candidates and key[0] != "city" and key[1] in cities:
            old = before.get(key)
            if old != value or hidden(old) or hidden(value):
                candidates[key[0]].add(key[2])
    return candidates


def test_nothing_is_public_before_the_first_release(client, django_capture_on_commit_callbacks):
    # K - 1 published reports: not enough for a first release, by schedule or by command.
    ComplaintFactory.create_batch(4, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED)
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="not-released"' in html
    assert "No evaluation has been released yet." in html
    assert 'data-testid="published"' not in html
    assert 'href="/stats/berlin/"' not in html
    document = client.get("/stats/cities.json").json()
    assert (document["release"], document["released_at"], document["total"]) == (None, None, None)
    assert document["cities"] == []
    berlin = client.get("/stats/berlin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No evaluation has been released yet." in berlin
    assert 'data-testid="city-count"' not in berlin
    assert client.get("/stats/berlin/districts.json").json()["total"] is None
    printed = client.get("/stats/print/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No evaluation has been released yet." in printed
    assert "of them checked and published" not in printed
    out = io.StringIO()
    call_command("release_evaluation", stdout=out)
    assert waiting(4) + " No release." in out.getvalue()
    assert not Release.objects.exists()
    # The live counter on the landing page counts them already.
    assert 'data-testid="counter">4<' in client.get("/").content.decode()


def test_the_schedule_releases_once_the_first_batch_is_there(client):
    ComplaintFactory.create_batch(5, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED)
    # The first page read after the check period (here: the test's empty cache) releases.
    document = client.get("/stats/cities.json").json()
    assert document["release"] == 1 and document["total"] == 5
    made = Release.objects.get()
    assert (made.number, made.published_count, made.new_count, made.released_by) == (1, 5, 5, None)
    assert document["released_at"] == made.released_at.isoformat()
    assert document["generated_at"] == made.released_at.isoformat()


def test_the_check_runs_at_most_once_per_period(client, settings):
    settings.EVALUATION_RELEASE_CHECK_SECONDS = 3600
    ComplaintFactory.create_batch(4, city="Berlin", status=Status.PUBLISHED)
    client.get("/stats/")  # checked: 4 new, no release
    ComplaintFactory(city="Berlin", status=Status.PUBLISHED)
    client.get("/stats/")  # within the hour: not checked again
    assert not Release.objects.exists()
    cache.delete(cache_keys.RELEASE_CHECKED)  # the hour is over
    client.get("/stats/")
    assert Release.objects.count() == 1


def test_a_check_period_of_zero_leaves_releasing_to_the_command(client, settings):
    settings.EVALUATION_RELEASE_CHECK_SECONDS = 0
    ComplaintFactory.create_batch(5, city="Berlin", status=Status.PUBLISHED)
    client.get("/stats/")
    assert not Release.objects.exists()
    out = io.StringIO()
    call_command("release_evaluation", stdout=out)
    assert out.getvalue() == "Release 1: 5 published reports, 5 of them new.\n"
    assert client.get("/stats/cities.json").json()["total"] == 5


def test_pages_show_when_the_numbers_were_released(client, world):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = re.search(r'data-testid="released-at">As of (.*?)</span>', html)
    assert shown, "no release time on the page"
    local = timezone.localtime(world.released_at)
    assert local.strftime("%Y") in shown.group(1) and str(local.day) in shown.group(1)
    for path in ["/stats/berlin/", "/stats/print/", "/stats/cities.html", "/stats/data/"]:
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-testid="released-at"' in page, path


def test_one_moderation_changes_nothing_public_until_the_next_release(
    client, world, iris, django_capture_on_commit_callbacks
):
    """Part 1 of the attack: the pages before and after one report is published (or one is
    rejected, or deleted by its sender) are the same, file for file and cell for cell."""
    before = snapshot(client)
    victim = pending("Hamburg", "Ottensen", "sms", "2g", 0)
    publish(victim, iris, django_capture_on_commit_callbacks)
    released = Complaint.objects.filter(status=Status.PUBLISHED, pk__lt=victim.pk).order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        services.complaints_moderate(
            complaints=released.filter(pk=released[0].pk),
            status=Status.REJECTED,
            moderator=iris,
            reason=RejectionReason.objects.first(),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_delete(complaint=released.last())
    # Whenever the schedule looks: 1 new report is not a batch.
    cache.delete(cache_keys.RELEASE_CHECKED)
    assert snapshot(client) == before
    assert releases.batch().new == 1 and Release.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        releases.release_evaluation()
    assert refused.value.messages == [waiting(1)] or refused.value.code == "batch_too_small"
    # The live counter follows at once: 120 + 1 published - 1 rejected - 1 deleted.
    assert 'data-testid="counter">119<' in client.get("/").content.decode()


def within(city: str, before: dict, after: dict) -> dict[str, set]:
    """The candidates of an attacker who knows the city of the report he follows: every
    district and category of that city whose cell changed or is hidden in either snapshot."""
    candidates = {"district": set(), **{table: set() for table in MIX_TABLES}}
    for key, value in after.items():
        if key[0] in candidates and key[1] == city:
            old = before.get(key)
            if old != value or hidden(old) or hidden(value):
                candidates[key[0]].add(key[2])
    return candidates


def test_two_consecutive_releases_do_not_pin_one_report(
    client, world, iris, django_capture_on_commit_callbacks
):
    """Part 2 of the attack: the victim's report is published between two releases; the
    attacker compares every public cell of the two and tries to pin its place and categories,
    knowing its city or not. A report is released only with at least K - 1 others of its own
    city, so every difference within a city mixes the victim's with several others."""
    before = snapshot(client)
    victim = pending("Hamburg", "Ottensen", "sms", "2g", 0)
    publish(victim, iris, django_capture_on_commit_callbacks)
    # New reports elsewhere, even K of them in all: no city has K new, nothing is released.
    elsewhere = [
        pending("Berlin", "Mitte", "no-data", "4g", 1),
        pending("München", "Sendling", "dropped-calls", "5g", 2),
        pending("Köln", "Nippes", "no-signal", "3g", 1),
        pending("Berlin", "Kreuzberg", "slow-data", "2g", 0),
    ]
    for other in elsewhere:
        publish(other, iris, django_capture_on_commit_callbacks)
        cache.delete(cache_keys.RELEASE_CHECKED)  # the schedule looks each time
        assert snapshot(client) == before
    assert releases.batch().new == 5 and not releases.batch().big_enough
    # Four more in Hamburg: its five new reports are released together, the others wait.
    hamburg = [
        pending("Hamburg", "Altona", "no-data", "4g", 1),
        pending("Hamburg", "Eimsbüttel", "slow-data", "5g", 2),
        pending("Hamburg", "Ottensen", "dropped-calls", "4g", 1),
        pending("Hamburg", "Altona", "sms", "3g", 0),
    ]
    for other in hamburg:
        publish(other, iris, django_capture_on_commit_callbacks)
    cache.delete(cache_keys.RELEASE_CHECKED)
    after = snapshot(client)
    second = Release.objects.get(number=2)
    assert second.new_count == 5 and second.published_count == 125
    assert releases.batch().new == 4  # Berlin, München and Köln still wait

    # Every difference between the releases is made of at least K reports of one city.
    assert after[("total",)] - before[("total",)] == second.new_count >= 5
    changed = [key for key in after if key[0] == "city" and before.get(key) != after[key]]
    assert changed == [("city", "hamburg")]
    assert after[("city", "hamburg")] - before[("city", "hamburg")] >= 5

    # An attacker who does not know the city, and one who does: the candidates hold the
    # truth (the inference is sound), but never only the truth. (Who knows that the report
    # is in this release learns its city, the only one that changed; reports of other cities
    # may wait, so a release does not say that a given report is in it.)
    for knows, candidates in [
        ("nothing", infer(before, after)),
        ("the city", within("hamburg", before, after)),
    ]:
        figures = {attribute: len(found) for attribute, found in candidates.items()}
        print(f"knowing {knows}, candidates per attribute:", figures)  # reported with -s
        assert "Ottensen" in candidates["district"]
        assert any("SMS" in label for label in candidates["problems"])
        assert "2G" in " ".join(candidates["technologies"])
        pinned = {a: n for a, n in figures.items() if a != "city" and n < 2}
        assert not pinned, (knows, figures)


def test_small_places_go_together_and_a_city_about_to_be_shown_waits_for_its_own(
    client, world, iris, django_capture_on_commit_callbacks
):
    """Reports of cities whose numbers all stay hidden (fewer than K) go out together, at
    least K of them: what the campaign's totals add beyond the shown cities mixes them. A
    city that the next release would show for the first time waits for K new ones of its
    own: its first numbers must not be the old hidden ones plus one report."""

    def rows():
        return {r["slug"]: r for r in client.get("/stats/cities.json").json()["cities"]}

    small = ["Jena", "Erfurt", "Weimar", "Gera"]
    for city in small:
        publish(pending(city, "", "sms", "2g", 0), iris, django_capture_on_commit_callbacks)
    assert not releases.batch().big_enough  # 4 in small places
    publish(pending("Nirgendwo", "", "no-data", "4g", 0), iris, django_capture_on_commit_callbacks)
    made = releases.release_evaluation()
    assert made.new_count == 5
    shown = rows()
    assert all(shown[slug]["suppressed"] for slug in ["jena", "erfurt", "weimar", "gera"])
    assert shown["hamburg"]["complaints"] == 36  # the shown cities as they were

    # Jena has 1; four more would show it (5) from one report's worth of change: they wait.
    for _ in range(4):
        publish(pending("Jena", "", "no-signal", "5g", 1), iris, django_capture_on_commit_callbacks)
    found = releases.batch()
    assert (found.new, found.ready, found.big_enough) == (4, 0, False)
    publish(pending("Jena", "", "no-data", "3g", 2), iris, django_capture_on_commit_callbacks)
    made = releases.release_evaluation()
    assert (made.new_count, made.published_count) == (5, 130)
    assert client.get("/stats/cities.json").json()["total"] == 130


def test_a_report_published_again_is_not_new(
    client, world, iris, django_capture_on_commit_callbacks
):
    released = Complaint.objects.filter(status=Status.PUBLISHED).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk=released.pk),
            status=Status.REJECTED,
            moderator=iris,
            reason=RejectionReason.objects.first(),
        )
    publish(released, iris, django_capture_on_commit_callbacks)
    assert releases.batch().new == 0
    # Rejected and published five times over is still no batch.
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            services.complaints_moderate(
                complaints=Complaint.objects.filter(pk=released.pk),
                status=Status.REJECTED,
                moderator=iris,
                reason=RejectionReason.objects.first(),
            )
        publish(released, iris, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        releases.release_evaluation()


def test_the_next_release_shows_what_moderation_changed(
    client, world, iris, django_capture_on_commit_callbacks
):
    hamburg_before = next(
        r for r in client.get("/stats/cities.json").json()["cities"] if r["slug"] == "hamburg"
    )["complaints"]
    rejected = Complaint.objects.filter(city="Hamburg", status=Status.PUBLISHED).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk=rejected.pk),
            status=Status.REJECTED,
            moderator=iris,
            reason=RejectionReason.objects.first(),
        )
    for _ in range(5):
        publish(
            pending("Hamburg", "Altona", "no-data", "4g", 0),
            iris,
            django_capture_on_commit_callbacks,
        )
    release(None)
    hamburg = next(
        r for r in client.get("/stats/cities.json").json()["cities"] if r["slug"] == "hamburg"
    )
    assert hamburg["complaints"] == hamburg_before - 1 + 5


def test_release_command_releases_when_the_batch_is_big_enough(
    client, world, iris, django_capture_on_commit_callbacks
):
    for i in range(5):
        publish(
            pending("Köln", "Ehrenfeld", PROBLEMS[i % 4], "4g", 0),
            iris,
            django_capture_on_commit_callbacks,
        )
    out = io.StringIO()
    call_command("release_evaluation", stdout=out)
    assert out.getvalue() == "Release 2: 125 published reports, 5 of them new.\n"
    out = io.StringIO()
    call_command("release_evaluation", stdout=out)
    assert waiting(0) + " No release." in out.getvalue()
    assert json.loads(client.get("/stats/cities.json").content)["release"] == 2


# -- the back office --------------------------------------------------------------------------

RELEASES = "/admin/reports/release/"


def staff(group: str, username: str) -> Client:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_organizer_sees_the_releases_and_a_disabled_button_while_the_batch_is_small(world):
    organizer = staff("Organizer", "olga")
    ComplaintFactory.create_batch(3, city="Berlin", status=Status.PUBLISHED)
    page = organizer.get(RELEASES, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert waiting(3) in html
    assert re.search(r'<input type="submit" id="release-now"[^>]* disabled', html)
    assert ">120<" in html  # the first release's published reports
    # Pressing it anyway (a stale page) releases nothing and says why.
    answer = organizer.post(f"{RELEASES}release/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert waiting(3) in answer.content.decode()
    assert Release.objects.count() == 1


def test_organizer_releases_by_hand_once_the_batch_is_big_enough(client, world):
    organizer = staff("Organizer", "olga")
    ComplaintFactory.create_batch(5, city="Berlin", district="Mitte", status=Status.PUBLISHED)
    html = organizer.get(RELEASES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not re.search(r'<input type="submit" id="release-now"[^>]* disabled', html)
    answer = organizer.post(f"{RELEASES}release/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Release 2 is public: 125 published reports, 5 new." in answer.content.decode()
    made = Release.objects.get(number=2)
    assert made.released_by.username == "olga"
    assert client.get("/stats/cities.json").json()["total"] == 125


@pytest.mark.parametrize("group", ["Moderator", "Carrier"])
def test_moderators_and_carriers_see_no_releases(world, group):
    user = staff(group, "mo")
    assert user.get(RELEASES).status_code == 403
    assert user.post(f"{RELEASES}release/").status_code == 403
    assert "reports/release" not in user.get("/admin/").content.decode()


def test_releases_are_read_only(world):
    organizer = staff("Organizer", "olga")
    assert organizer.get(f"{RELEASES}add/").status_code == 403
    change = organizer.get(f"{RELEASES}{world.pk}/change/")
    assert change.status_code == 200 and 'name="number"' not in change.content.decode()
    assert organizer.post(f"{RELEASES}{world.pk}/delete/").status_code == 403
    assert organizer.get(f"{RELEASES}release/").status_code == 405


def test_the_demo_data_is_released_at_once(client, settings):
    # make run seeds an empty database: its numbers show without waiting for the schedule.
    settings.EVALUATION_RELEASE_CHECK_SECONDS = 0
    out = io.StringIO()
    call_command("seed_demo", "--count", "200", "--seed", "3", stdout=out, stderr=io.StringIO())
    published = Complaint.objects.filter(status=Status.PUBLISHED)
    by_city = Counter(published.values_list("city_place", flat=True))
    by_pair = Counter(published.values_list("city_place", "carrier"))
    # (A first release, with the tests' three carriers: each city's reports of one carrier
    # when they are at least K; the small places (no city, or a city below K in all) of one
    # carrier together when they are at least K.)
    big = sum(n for (city, _), n in by_pair.items() if city is not None and n >= 5)
    small = Counter()
    for (city, carrier), n in by_pair.items():
        if city is None or by_city[city] < 5:
            small[carrier] += n
    released = big + sum(n for n in small.values() if n >= 5)
    assert 0 < big < released
    assert f"Evaluation released ({released:,} published reports)." in out.getvalue()
    assert client.get("/stats/cities.json").json()["total"] == released


def test_a_release_speaks_the_language_of_the_page_that_shows_it(client, world):
    from complaints.models import Place, PlaceStatus

    hamburg = Place.objects.get(slug="hamburg")
    PlaceStatus.objects.create(place=hamburg, status="expansion-planned", date=timezone.localdate())
    ComplaintFactory.create_batch(5, city="Hamburg", district="Altona", status=Status.PUBLISHED)
    with translation.override("en"):  # released while an English page was being served
        release(None)
    html = client.get("/stats/").content.decode()
    # The trend before and since the status, from the release: in the page's German.
    assert "Hamburg: Ausbau geplant" in html and "Expansion planned" not in html


def test_the_release_list_costs_a_fixed_number_of_queries(world, django_assert_num_queries):
    organizer = staff("Organizer", "olga")
    organizer.get(RELEASES)  # the session and the permissions, once
    for n in range(2, 12):
        Release.objects.create(
            number=n,
            released_at=timezone.now(),
            published_count=120,
            new_count=5,
            format=releases.FORMAT,
            evaluation=b"",
        )
    # The session, the user, the user's and the groups' permissions, the batch (new reports
    # per city; no city with a few),
    # the releases counted (shown and in all), the rows with who released them, and the date
    # hierarchy (its range and its days): the same for 1 or 11 releases.
    with django_assert_num_queries(10):
        assert organizer.get(RELEASES).status_code == 200


def test_a_release_being_made_elsewhere_is_not_made_twice(client):
    from django.core.management.base import CommandError

    ComplaintFactory.create_batch(5, city="Berlin", status=Status.PUBLISHED)
    cache.set(cache_keys.RELEASE_LOCK, 1)  # another process is releasing at this moment
    with pytest.raises(CommandError, match="Another release is being made"):
        call_command("release_evaluation", stdout=io.StringIO())
    assert client.get("/stats/").status_code == 200  # the schedule's try fails quietly
    assert not Release.objects.exists()


def test_a_release_this_version_cannot_read_is_not_shown(client, world):
    # A release of another format (written by another version of the code).
    Release.objects.create(
        number=2,
        released_at=timezone.now(),
        published_count=125,
        new_count=5,
        format=releases.FORMAT + 1,
        evaluation=b"not a pickle",
    )
    cache.delete(cache_keys.RELEASE_CURRENT)
    response = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-testid="not-released"' in response.content.decode()
    assert client.get("/stats/cities.json").json()["total"] is None
