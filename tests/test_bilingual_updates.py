"""Campaign updates in German and English: each page and feed shows its own language's text,
the other one where its own is not written (marked with lang=), and the back office refuses
half an update."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from complaints.models import CampaignUpdate

from .factories import CampaignUpdateFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def both(**kwargs):
    return CampaignUpdateFactory(
        title="Erste Auswertung",
        body="Die **meisten** Meldungen kommen aus Hamburg.",
        title_en="First evaluation",
        body_en="Most reports come from **Hamburg**.",
        **kwargs,
    )


def english_only(**kwargs):
    return CampaignUpdateFactory(
        title="", body="", title_en="Carrier answers", body_en="They will build.", **kwargs
    )


def get(client, path, language="de") -> str:
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def only_in(language: str, page_language: str) -> str:
    with translation.override(page_language):
        return gettext("Only in German" if language == "de" else "Only in English")


def test_each_language_reads_its_own_text(client):
    update = both()
    german = get(client, update.get_absolute_url())
    assert '<h1 class="mb-3" data-testid="update-title">Erste Auswertung</h1>' in german
    assert "Die <strong>meisten</strong> Meldungen" in german and "Most reports" not in german
    english = get(client, update.get_absolute_url(), "en")
    assert '<h1 class="mb-3" data-testid="update-title">First evaluation</h1>' in english
    assert "Most reports come from <strong>Hamburg</strong>." in english
    assert "Erste Auswertung" not in english
    assert 'data-testid="update-language"' not in german + english
    # The list and the landing page's teaser, too.
    assert "First evaluation" in get(client, "/updates/", "en")
    landing = get(client, "/", "en")
    assert "Most reports come from Hamburg." in landing and "meisten" not in landing


def test_a_text_in_one_language_only_is_shown_in_it_and_marked(client):
    english = english_only()
    german = CampaignUpdateFactory(title="Nur deutsch", body="Text.", title_en="", body_en="")
    page = get(client, english.get_absolute_url())  # a German page
    assert '<h1 class="mb-3" data-testid="update-title" lang="en">Carrier answers</h1>' in page
    assert '<div class="update-body" lang="en"><p>They will build.</p></div>' in page
    assert f'data-testid="update-language">{only_in("en", "de")}<' in page
    page = get(client, german.get_absolute_url(), "en")
    assert 'lang="de">Nur deutsch</h1>' in page
    assert 'data-testid="update-language">Only in German<' in page
    # The lists: the landing page's teaser and /updates/ carry the language as well.
    landing = get(client, "/", "en")
    assert re.search(r'<a href="[^"]+" lang="de">Nur deutsch</a>', landing)
    assert '<p class="mb-0" lang="de">Text.</p>' in landing
    listing = get(client, "/updates/")
    assert re.search(r'<h2 class="h4" lang="en"><a href="[^"]+">Carrier answers</a></h2>', listing)


def feed_entries(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 (our own feed)


def test_the_feeds_in_both_languages(client):
    both(published_at=timezone.now() - datetime.timedelta(days=1))
    english_only()
    german = feed_entries(client, "/updates/feed/")
    assert german.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    entries = german.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Carrier answers", "Erste Auswertung"]
    # The English text in a German feed says so.
    assert entries[0].findtext(f"{ATOM}summary") == '<div lang="en"><p>They will build.</p></div>'
    assert "<strong>meisten</strong>" in entries[1].findtext(f"{ATOM}summary")
    # ?lang=en, as /updates/ links it for an English reader (feed readers send no language).
    english = feed_entries(client, "/updates/feed/?lang=en")
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    titles = [e.findtext(f"{ATOM}title") for e in english.findall(f"{ATOM}entry")]
    assert titles == ["Carrier answers", "First evaluation"]
    assert "/updates/feed/?lang=en" in get(client, "/updates/", "en")
    # A browser's language works too; a language the site does not have is ignored.
    by_header = feed_entries(client, "/updates/feed/", HTTP_ACCEPT_LANGUAGE="en")
    assert by_header.findall(f"{ATOM}entry")[1].findtext(f"{ATOM}title") == "First evaluation"
    odd = feed_entries(client, "/updates/feed/?lang=xx")
    assert odd.findall(f"{ATOM}entry")[1].findtext(f"{ATOM}title") == "Erste Auswertung"
    rss = feed_entries(client, "/updates/rss/?lang=en")
    assert rss.find("channel").findtext("language") == "en"
    assert [i.findtext("title") for i in rss.iter("item")] == titles


def test_sitemap_lists_an_update_written_in_english_only(client):
    update = english_only()
    assert update.slug.endswith("-carrier-answers")
    assert update.get_absolute_url() in get(client, "/sitemap.xml")


# -- the back office ------------------------------------------------------------------------


def post_update(client, **fields):
    data = {
        "title": "",
        "title_en": "",
        "body": "",
        "body_en": "",
        "kind": "news",
        "is_published": "on",
        "published_at_0": timezone.localdate().strftime("%d.%m.%Y"),
        "published_at_1": "00:00:00",
        "slug": "",
        **fields,
    }
    return client.post("/admin/complaints/campaignupdate/add/", data)


def errors(response) -> str:
    html = response.content.decode()
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', html))


def test_the_form_has_both_languages_side_by_side(organizer_client):
    html = organizer_client.get("/admin/complaints/campaignupdate/add/").content.decode()
    row = re.search(
        r'<div class="form-row[^"]*field-title field-title_en".*?</fieldset>', html, re.S
    )
    assert row and 'name="title"' in row[0] and 'name="title_en"' in row[0]
    assert "field-body field-body_en" in html


@pytest.mark.parametrize(
    "fields, field, code",
    [
        ({"title": "Nur ein Titel"}, "body", "title_without_text"),
        ({"body": "Nur ein Text"}, "title", "text_without_title"),
        ({"title_en": "Only a title", "title": "T", "body": "B"}, "body_en", "title_without_text"),
        ({"body_en": "Only text"}, "title_en", "text_without_title"),
        ({}, "title", "no_language"),
        ({"title": "  ", "body": "   "}, "title", "no_language"),
    ],
)
def test_half_an_update_is_refused_with_a_clear_message(organizer_client, fields, field, code):
    from complaints.campaign.admin import CampaignUpdateForm

    response = post_update(organizer_client, **fields)
    assert response.status_code == 200
    assert not CampaignUpdate.objects.exists()
    form = response.context["adminform"].form
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    assert errors(response)  # shown next to the field
    assert isinstance(form, CampaignUpdateForm)


def test_an_update_in_english_only_is_accepted(organizer_client):
    response = post_update(organizer_client, title_en="Carrier answers", body_en="They build.")
    assert response.status_code == 302, errors(response)
    update = CampaignUpdate.objects.get()
    assert (update.title, update.title_en) == ("", "Carrier answers")
    assert update.body_en_html == "<p>They build.</p>"


def test_the_search_finds_the_english_text(organizer_client):
    english_only()
    CampaignUpdateFactory(title="Anderes", body="Nichts.")
    html = organizer_client.get("/admin/complaints/campaignupdate/?q=build").content.decode()
    assert "Carrier answers" in html and "Anderes" not in html


def test_the_newsletter_action_queues_only_what_the_public_sees(organizer_client):
    shown = both()
    draft = CampaignUpdateFactory(is_published=False)
    later = CampaignUpdateFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    sent = CampaignUpdateFactory(newsletter_queued_at=timezone.now() - datetime.timedelta(days=1))
    before = sent.newsletter_queued_at
    response = organizer_client.post(
        "/admin/complaints/campaignupdate/",
        {
            "action": "send_as_newsletter",
            "_selected_action": [u.pk for u in (shown, draft, later, sent)],
        },
        follow=True,
    )
    assert response.status_code == 200
    queued = CampaignUpdate.objects.exclude(newsletter_queued_at=None)
    assert set(queued) == {shown, sent}
    sent.refresh_from_db()
    assert sent.newsletter_queued_at == before  # not queued twice
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("1 ") and " 3 " in message


@pytest.mark.parametrize("group, allowed", [("Organizer", True), ("Moderator", False)])
def test_only_the_organizer_sends_a_newsletter(client, group, allowed):
    from django.contrib.auth.models import Group

    from .factories import UserFactory

    user = UserFactory(username=f"u-{group}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    update = both()
    client.post(
        "/admin/complaints/campaignupdate/",
        {"action": "send_as_newsletter", "_selected_action": [update.pk]},
    )
    update.refresh_from_db()
    assert (update.newsletter_queued_at is not None) is allowed


@pytest.mark.parametrize("path", ["campaignupdate", "campaigngoal"])
def test_the_lists_query_count_does_not_grow_with_the_page(organizer_client, path):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.models import CampaignGoal

    def queries(n: int) -> int:
        for _ in range(n):
            english_only() if path == "campaignupdate" else CampaignGoal.objects.create(target=9)
        cache.clear()  # the counter the goals' progress reads, computed each time
        with CaptureQueriesContext(connection) as captured:
            assert organizer_client.get(f"/admin/complaints/{path}/").status_code == 200
        return len(captured)

    assert queries(2) == queries(10)
