"""The organizer's goal on the landing page: progress, "+N today" and the milestone banner."""

import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from complaints import selectors, services
from complaints.campaign import milestones
from complaints.models import CampaignGoal, CampaignUpdate, Complaint, Status
from einzelfall import cache_keys

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def midnight(days_ago: int = 0) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def reports(n: int, *, days_ago: int = 0, status=Status.PENDING):
    """n reports submitted in the first hour of that local day (the test's "now" is later)."""
    at = midnight(days_ago) + datetime.timedelta(minutes=1)
    return ComplaintFactory.create_batch(n, submitted_at=min(at, timezone.now()), status=status)


def landing(client, language="de") -> str:
    return client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


# The page's words in a language, from the catalogue (as the page takes them).
BANNER = (
    '%(number)s report! Thank you to everyone who did not accept "isolated case" for an answer.',
    '%(number)s reports! Thank you to everyone who did not accept "isolated case" for an answer.',
)
GOAL = ("Our goal: %(number)s report", "Our goal: %(number)s reports")
REACHED = "Goal reached. Thank you! Every further report still counts."


def today(number: str, language: str = "de") -> str:
    with translation.override(language):
        return gettext("+%(count)s today") % {"count": number}


def of(count: str, target: str, language: str = "de") -> str:
    with translation.override(language):
        return gettext("%(count)s of %(target)s") % {"count": count, "target": target}


def said(language: str, plural: tuple[str, str], n: int, number: str) -> str:
    with translation.override(language):
        return ngettext(*plural, n) % {"number": number}


def text(html: str, testid: str) -> str | None:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    return " ".join(found[1].split()) if found else None


def test_today_counts_what_the_counter_counts_since_local_midnight():
    reports(3, days_ago=1)
    ComplaintFactory(submitted_at=midnight() - datetime.timedelta(seconds=1))  # 23:59:59
    reports(2)
    reports(1, status=Status.PUBLISHED)
    reports(1, status=Status.REJECTED)
    reports(1, status=Status.SPAM)
    assert selectors.counted_today() == 3
    assert selectors.public_counter() == 7


def test_plus_n_today_follows_a_submission_and_a_moderation(
    client, valid_report, organizer, django_capture_on_commit_callbacks
):
    reports(2, days_ago=3)
    first = reports(1)[0]
    assert text(landing(client), "counter-today") == today("1")
    # Cached: a row written behind the site's back does not show ...
    ComplaintFactory()
    assert text(landing(client), "counter-today") == today("1")
    # ... but a submission drops the cached number, as it drops the counter.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/report/", valid_report).status_code == 302
    assert text(landing(client), "counter-today") == today("3")
    assert text(landing(client, "en"), "counter-today") == "+3 today"
    # So does a moderation: spam is not counted.
    with django_capture_on_commit_callbacks(execute=True):
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk=first.pk),
            status=Status.SPAM,
            moderator=organizer,
        )
    assert text(landing(client), "counter-today") == today("2")
    assert text(landing(client), "counter") == "4"


def test_nothing_today_says_nothing():
    reports(4, days_ago=1)
    assert selectors.counted_today() == 0


def test_no_plus_zero_on_the_landing_page(client):
    reports(4, days_ago=1)
    assert text(landing(client), "counter-today") is None


@pytest.mark.parametrize(
    "count, today, every, shown",
    [
        (10_000, 5, 1000, 10_000),  # crossed today
        (10_004, 5, 1000, 10_000),  # 9,999 before today
        (10_005, 5, 1000, None),  # 10,000 reached yesterday
        (9_999, 50, 1000, None),  # not yet
        (2_100, 1_500, 1000, 2_000),  # two round numbers in a day: the higher one
        (3, 3, 5, None),  # below the first
        (0, 0, 1000, None),
    ],
)
def test_the_milestone_is_the_round_number_passed_today(count, today, every, shown):
    assert milestones.milestone_crossed(count, today, every) == shown


def test_the_banner_shows_on_the_day_of_the_crossing_only(client):
    CampaignGoal.objects.create(target=100, milestone_every=5)
    reports(4, days_ago=1)
    assert text(landing(client), "milestone") is None  # the day before: 4
    reports(1)
    cache.clear()
    assert text(landing(client), "milestone") == said("de", BANNER, 5, "5")
    assert text(landing(client, "en"), "milestone") == (
        '5 reports! Thank you to everyone who did not accept "isolated case" for an answer.'
    )
    # The next day the same count is yesterday's news.
    Complaint.objects.update(submitted_at=midnight(1) + datetime.timedelta(hours=2))
    cache.clear()
    page = landing(client)
    assert text(page, "milestone") is None
    assert text(page, "counter") == "5"


def test_progress_towards_the_goal_in_the_page_language(client):
    CampaignGoal.objects.create(target=20_000, milestone_every=1000, is_active=True)
    # The counters as the cache holds them (a campaign of this size, without 12,345 rows).
    cache.set(cache_keys.COUNTER, 12_345)
    cache.set(cache_keys.counter_today(timezone.localdate()), 345)
    german = landing(client)
    assert '<progress class="goal-progress" id="goal-progress" max="20000" value="12345">' in german
    assert text(german, "goal-numbers") == of("12.345", "20.000")
    assert said("de", GOAL, 20_000, "20.000") in german
    assert text(german, "counter-today") == today("345")
    assert text(german, "goal-reached") is None
    english = landing(client, "en")
    assert text(english, "goal-numbers") == "12,345 of 20,000"
    assert "Our goal: 20,000 reports" in english


def test_the_goal_reached_is_said_and_the_bar_stays_full(client):
    CampaignGoal.objects.create(target=3, milestone_every=1000)
    reports(4)
    page = landing(client)
    assert 'max="3" value="3"' in page
    assert text(page, "goal-numbers") == of("4", "3")
    with translation.override("de"):
        assert text(page, "goal-reached") == gettext(REACHED)


def test_without_a_goal_no_bar_but_the_rest(client):
    CampaignGoal.objects.create(target=10, is_active=False)
    reports(2)
    page = landing(client)
    assert "<progress" not in page and text(page, "goal") is None
    assert text(page, "counter") == "2" and text(page, "counter-today") == today("2")


def test_the_latest_active_goal_counts():
    older = CampaignGoal.objects.create(target=10)
    CampaignGoal.objects.create(target=50, is_active=False)
    assert milestones.active_goal() == older
    newer = CampaignGoal.objects.create(target=20)
    cache.delete(cache_keys.GOAL)
    assert milestones.active_goal() == newer


def test_the_organizer_sets_a_goal_and_it_shows_at_once(
    organizer_client, client, django_capture_on_commit_callbacks
):
    reports(7)
    assert "<progress" not in landing(client)  # "no goal" is cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            "/admin/complaints/campaigngoal/add/",
            {"target": "10", "milestone_every": "5", "is_active": "on"},
        )
    assert response.status_code == 302
    listing = organizer_client.get("/admin/complaints/campaigngoal/").content.decode()
    assert "7 / 10" in listing
    client.logout()  # the same client: the visitor now
    page = landing(client)
    assert text(page, "goal-numbers") == of("7", "10")
    assert text(page, "milestone") == said("de", BANNER, 5, "5")


@pytest.mark.parametrize("target, every", [("0", "5"), ("10", "0"), ("zehn", "5")])
def test_a_goal_must_be_a_positive_number(organizer_client, target, every):
    response = organizer_client.post(
        "/admin/complaints/campaigngoal/add/",
        {"target": target, "milestone_every": every, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not CampaignGoal.objects.exists()


@pytest.mark.parametrize("group, allowed", [("Organizer", True), ("Moderator", False)])
def test_only_the_organizer_sets_goals(client, group, allowed):
    from django.contrib.auth.models import Group

    from .factories import UserFactory

    user = UserFactory(username=f"u-{group}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    assert (client.get("/admin/complaints/campaigngoal/add/").status_code == 200) is allowed


def test_the_demo_has_a_goal_above_its_count_and_updates_in_both_languages(client):
    call_command("seed_demo", "--count", "300", "--seed", "3", stdout=io.StringIO())
    goal = CampaignGoal.objects.get()
    counted = Complaint.objects.counted().count()
    assert counted < goal.target <= counted * 2 and goal.target % goal.milestone_every == 0
    assert text(landing(client), "goal-numbers") == of(str(counted), str(goal.target))
    updates = CampaignUpdate.objects.all()
    assert updates.count() == 2 and all(u.title and u.title_en and u.body_en for u in updates)
    # Run again: the organizer's goal (here the demo's) is left alone.
    goal.target = 12
    goal.save()
    call_command("seed_demo", "--count", "10", stdout=io.StringIO())
    assert list(CampaignGoal.objects.values_list("target", flat=True)) == [12]


def test_the_counter_reads_no_report_but_the_pending_ones():
    """The counter takes the published reports from the rollups and counts only the pending
    ones: a spike drops the cached counter with every report, and a COUNT over ten million
    reports took 3 s. It still counts exactly what counted() counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reports(4, status=Status.PUBLISHED)
    reports(3, days_ago=2, status=Status.PUBLISHED)
    reports(2)
    reports(1, status=Status.REJECTED)
    reports(2, status=Status.SPAM)
    Complaint.objects.filter(pk=Complaint.objects.filter(status=Status.PUBLISHED)[0].pk).update(
        status=Status.SPAM
    )
    cache.delete(cache_keys.COUNTER)
    assert Complaint.objects.counted().count() == 6 + 2
    with CaptureQueriesContext(connection) as queries:
        assert selectors.public_counter() == 6 + 2
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "reports_rolluptechnology" in sql and "'pending'" in sql
