"""A burst in Chromium: an organizer finds six reports from one network grouped on the desk,
opens the burst, sees its reports side by side, confirms, and marks them all as spam; the
database has them as spam, each with a decision via the burst. Desktop and phone, German and
English."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.intake import forensics
from complaints.intake import services as intake
from complaints.models import Complaint, ModerationDecision, ProblemType, Status
from tests.factories import UserFactory

from .conftest import PHONE, axe_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)

DESK = "/admin/complaints/complaint/desk/"
ACCEPT = {"de": "de-DE,de;q=0.9", "en": "en-GB,en;q=0.9"}
DESKTOP = {"width": 1366, "height": 768}


def six_from_one_network() -> list[Complaint]:
    """Six reports sent from six addresses of one /24 within a few minutes, with addresses
    the sender left (which the page must not show), and one report from elsewhere."""
    problem = ProblemType.objects.get(slug="no-data")
    made = [
        intake.complaint_submit(
            problems=[problem],
            city="Hamburg",
            district="Altona",
            frequency="daily",
            description=f"Kein Netz seit Stunden, Meldung {n} von vielen.",
            email=f"bot{n}@spam-fabrik.example",
            ip_hash=f"ip{n}",
            network_hash=forensics.network_hash(f"203.0.113.{n + 20}"),
        )
        for n in range(6)
    ]
    intake.complaint_submit(
        problems=[problem],
        city="Bremen",
        frequency="daily",
        network_hash=forensics.network_hash("198.51.100.9"),
    )
    # Oldest first at the desk: the burst's first report is the one it shows.
    start = timezone.now() - datetime.timedelta(minutes=40)
    for n, complaint in enumerate(made):
        Complaint.objects.filter(pk=complaint.pk).update(
            submitted_at=start + datetime.timedelta(minutes=n * 2)
        )
    return made


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_an_organizer_marks_a_burst_as_spam(browse, viewport, language):
    page = browse
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    page.set_extra_http_headers({"Accept-Language": ACCEPT[language]})
    made = six_from_one_network()
    organizer = UserFactory(username="iris", is_staff=True, is_superuser=True)
    log_in(page, organizer.username)

    page.goto(page.site + DESK)
    expect(page.locator("html")).to_have_attribute("lang", language)
    link = page.locator(".desk-bursts a[href*='/desk/burst/'][href$='/network/']")
    expect(link).to_have_count(1)
    with page.expect_navigation():
        link.click()

    burst = page.locator("#burst")
    expect(burst).to_have_attribute("data-kind", "network")
    expect(burst).to_have_attribute("data-size", "6")
    expect(burst).to_have_attribute("data-pending", "6")
    reports = page.locator("#burst-reports > li")
    expect(reports).to_have_count(6)
    if language == "en":
        expect(page.locator("h1")).to_have_text("6 reports from one network within 10 minutes")
    content = page.content()
    for secret in ["spam-fabrik", "bot0@", made[0].reference, made[0].network_hash, "ip0"]:
        assert secret not in content
    assert "Meldung 3 von vielen" in content  # the redacted descriptions, side by side
    # Side by side on a desktop, one under the other on a phone; never wider than the screen.
    boxes = [reports.nth(i).bounding_box() for i in range(2)]
    width = page.viewport_size["width"]
    assert all(box["x"] + box["width"] <= width for box in boxes)
    if viewport == "desktop":
        assert boxes[0]["y"] == boxes[1]["y"]
    else:
        assert boxes[1]["y"] > boxes[0]["y"]

    assert axe_violations(page) == []

    with page.expect_navigation():
        page.locator("#burst-mark").click()
    confirm = page.locator("#burst-confirm")
    expect(confirm).to_be_visible()
    assert "6" in confirm.inner_text()
    assert Complaint.objects.filter(status=Status.SPAM).count() == 0  # not yet
    if language == "en":
        expect(confirm).to_contain_text("Mark all 6 pending reports of this burst as spam?")
    with page.expect_navigation():
        page.locator("#burst-confirm-button").click()

    expect(page).to_have_url(page.site + DESK)
    expect(page.locator(".messagelist")).to_contain_text("6")
    spam = Complaint.objects.filter(status=Status.SPAM)
    assert sorted(spam.values_list("pk", flat=True)) == sorted(c.pk for c in made)
    decisions = ModerationDecision.objects.filter(complaint__in=made)
    assert decisions.count() == 6
    assert set(decisions.values_list("via", "moderator_id")) == {
        (ModerationDecision.Via.BURST, organizer.pk)
    }
    assert Complaint.objects.filter(status=Status.PENDING).count() == 1  # Bremen's
