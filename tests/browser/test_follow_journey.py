"""Following a place, walked to its end in Chromium: from the city page's button to the
confirmation mail, the digest and the one-click unsubscribe, on a phone and a desktop, in
German and English; checked as the person, the organizer and the database see it."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from complaints.models import Follower, Status
from tests.factories import CampaignUpdateFactory, ComplaintFactory
from tests.helpers import release

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]


def mail_link(message, kind: str) -> str:
    return re.search(rf"http\S+/follow/{kind}/\S+/", message.body).group(0)


def numbers_line(language: str, city: str, count: int) -> str:
    """The digest's line of the city's numbers, as the mail says it in that language."""
    with translation.override(language):
        return gettext("Evaluation of %(date)s: %(city)s has %(count)s published reports.") % {
            "date": formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
            "city": city,
            "count": count,
        }


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_a_person_follows_hamburg_gets_a_digest_and_unsubscribes(person, settings):
    page = person
    settings.SITE_URL = page.site
    staff_in("Organizer", "olga")
    address = f"hamlet-{page.device}-{page.language}@example.org"

    page.goto(page.site + "/stats/hamburg/")
    with page.expect_navigation():
        page.get_by_test_id("follow-link").click()
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    expect(page.locator("#id_language")).to_have_value(page.language)
    assert axe_violations(page) == []
    page.locator("#id_email").fill(address)
    page.locator("#id_newsletter").check()
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.get_by_test_id("follow-submit").click()
    expect(page.get_by_test_id("follow-sent")).to_be_visible()
    assert address not in page.url
    follower = Follower.objects.get()
    assert follower.confirmed_at is None and follower.language == page.language

    (confirmation,) = mail.outbox
    assert confirmation.to == [address]
    page.goto(mail_link(confirmation, "confirm"))  # opening confirms nothing
    follower.refresh_from_db()
    assert follower.confirmed_at is None
    with page.expect_navigation():
        page.get_by_test_id("follow-confirm").click()
    expect(page.get_by_test_id("follow-confirmed")).to_contain_text("Hamburg")
    follower.refresh_from_db()
    assert follower.confirmed_at is not None and follower.newsletter

    # The organizer sees who follows Hamburg.
    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/follower/?q=Hamburg")
    expect(page.locator("#result_list")).to_contain_text(address)

    # Numbers are released and the campaign has news: the hourly cron sends the digest.
    for _ in range(6):
        ComplaintFactory(city="Hamburg", district="Altona", status=Status.PUBLISHED)
    release()
    CampaignUpdateFactory(title="Übergabe an O2", title_en="Handed over to O2")
    call_command("send_digests", verbosity=0)
    (digest,) = mail.outbox[1:]
    assert digest.to == [address]
    assert numbers_line(page.language, "Hamburg", 6) in digest.body
    news = {"de": "Übergabe an O2", "en": "Handed over to O2"}[page.language]
    assert news in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page.goto(mail_link(digest, "unsubscribe"))
    assert Follower.objects.exists()  # opening the link deletes nothing
    with page.expect_navigation():
        page.get_by_test_id("unsubscribe").click()
    expect(page.get_by_test_id("unsubscribed")).to_be_visible()
    assert not Follower.objects.exists()
    page.goto(page.site + "/admin/complaints/follower/?q=Hamburg")
    expect(page.locator("body")).not_to_contain_text(address)


@pytest.mark.parametrize("person", [("phone", "de")], indirect=True)
def test_a_person_gets_the_newsletter_alone_and_unsubscribes(person, settings):
    """No place, only the campaign newsletter: the same double opt-in and one click away."""
    from complaints.campaign import newsletter
    from complaints.models import CampaignUpdate

    page = person
    settings.SITE_URL = page.site
    address = "ophelia@example.org"
    page.goto(page.site + "/follow/")
    page.locator("#id_email").fill(address)
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.get_by_test_id("follow-submit").click()
    # Neither a place nor the newsletter: said at the field, nothing stored.
    expect(page.locator("#id_city")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert axe_violations(page) == []
    assert not Follower.objects.exists() and not mail.outbox
    page.locator("#id_newsletter").check()
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.get_by_test_id("follow-submit").click()
    expect(page.get_by_test_id("follow-sent")).to_be_visible()

    (confirmation,) = mail.outbox
    with translation.override("de"):
        assert confirmation.subject == gettext("Please confirm: the campaign newsletter")
    page.goto(mail_link(confirmation, "confirm"))
    with page.expect_navigation():
        page.get_by_test_id("follow-confirm").click()
    expect(page.get_by_test_id("follow-confirmed")).to_be_visible()
    follower = Follower.objects.get()
    assert follower.city is None and follower.newsletter and follower.confirmed_at

    update = CampaignUpdateFactory(title="Übergabe an O2", title_en="Handed over to O2")
    newsletter.queue(CampaignUpdate.objects.filter(pk=update.pk))
    call_command("send_digests", verbosity=0)
    (news,) = mail.outbox[1:]
    assert news.to == [address] and "Übergabe an O2" in news.subject
    page.goto(mail_link(news, "newsletter/unsubscribe"))
    with page.expect_navigation():
        page.get_by_test_id("unsubscribe").click()
    expect(page.get_by_test_id("unsubscribed")).to_be_visible()
    assert not Follower.objects.exists()
