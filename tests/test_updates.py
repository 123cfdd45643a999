"""Campaign updates: written in the back office, shown on the site and in the feeds."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints.models import CampaignUpdate

from .factories import CampaignUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_organizer_posts_an_update_and_it_shows_at_once(
    client, django_capture_on_commit_callbacks
):
    organizer = UserFactory(username="olga", is_staff=True)
    organizer.groups.add(Group.objects.get(name="Organizer"))
    assert "Neueste Nachrichten" not in client.get("/").content.decode()  # cached: nothing yet
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/complaints/campaignupdate/add/",
            {
                "title": "O2 bestätigt Kapazitätsprobleme in Hamburg",
                "kind": "carrier-response",
                "body": "O2 hat geantwortet:\n\n- mehr Sender in **Altona**\n- bis März",
                "is_published": "on",
                "published_at_0": timezone.localdate().strftime("%d.%m.%Y"),
                "published_at_1": "00:00:00",
                "slug": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    update = CampaignUpdate.objects.get()
    assert update.slug.endswith("-o2-bestatigt-kapazitatsprobleme-in-hamburg")
    client.logout()
    landing = client.get("/").content.decode()
    assert "O2 bestätigt Kapazitätsprobleme in Hamburg" in landing
    assert "Antwort des Netzbetreibers" in landing
    page = client.get(update.get_absolute_url()).content.decode()
    assert "<li>mehr Sender in <strong>Altona</strong></li>" in page


def test_drafts_and_scheduled_updates_are_not_shown(client):
    shown = CampaignUpdateFactory(title="Gezählt")
    draft = CampaignUpdateFactory(title="Entwurf", is_published=False)
    later = CampaignUpdateFactory(
        title="Morgen", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    listing = client.get("/updates/").content.decode()
    assert "Gezählt" in listing and "Entwurf" not in listing and "Morgen" not in listing
    assert client.get(shown.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(later.get_absolute_url()).status_code == 404
    assert client.get("/updates/no-such-update/").status_code == 404


def test_the_text_is_sanitized(client):
    update = CampaignUpdateFactory(
        body=(
            'Hallo <script>alert(1)</script><img src="https://tracker.example/p.gif" '
            'onerror="alert(2)"> [klick](javascript:alert(3)) '
            '<a href="https://example.org" onclick="alert(4)" style="color:red">Quelle</a>'
        )
    )
    html = update.body_html
    for bad in ("<script", "alert(1)", "<img", "onerror", "javascript:", "onclick", "style="):
        assert bad not in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">Quelle</a>' in html
    page = client.get(update.get_absolute_url()).content.decode()
    assert "tracker.example" not in page


def test_the_list_pages_newest_first(client):
    for n in range(12):
        CampaignUpdateFactory(
            title=f"Nummer {n}", published_at=timezone.now() - datetime.timedelta(days=12 - n)
        )
    first = client.get("/updates/").content.decode()
    assert first.index("Nummer 11") < first.index("Nummer 2")
    assert "Nummer 1<" not in first
    second = client.get("/updates/?page=2").content.decode()
    assert "Nummer 1<" in second and "Nummer 0<" in second
    assert client.get("/updates/?page=nonsense").status_code == 200


def test_the_atom_feed_lists_the_updates(client):
    old = CampaignUpdateFactory(
        title="Erste Auswertung", published_at=timezone.now() - datetime.timedelta(days=3)
    )
    new = CampaignUpdateFactory(
        title="O2 antwortet", kind="carrier-response", body="Wir bauen aus & **bald**."
    )
    CampaignUpdateFactory(title="Entwurf", is_published=False)
    response = client.get("/updates/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["O2 antwortet", "Erste Auswertung"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver{new.get_absolute_url()}"
    assert "<strong>bald</strong>" in first.findtext(f"{ATOM}summary")
    assert first.find(f"{ATOM}category").get("term") == "Antwort des Netzbetreibers"
    assert old.get_absolute_url() in entries[1].find(f"{ATOM}link").get("href")
    rss = ET.fromstring(client.get("/updates/rss/").content)  # noqa: S314
    assert [i.findtext("title") for i in rss.iter("item")] == ["O2 antwortet", "Erste Auswertung"]
    assert 'type="application/atom+xml"' in client.get("/").content.decode()


def test_slugs_are_unique_per_day(client):
    one = CampaignUpdateFactory(title="Neuigkeit")
    two = CampaignUpdateFactory(title="Neuigkeit")
    assert one.slug != two.slug and two.slug.startswith(one.slug)
    assert client.get(two.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "group, allowed", [("Organizer", True), ("Moderator", False), ("Carrier", False)]
)
def test_only_the_organizer_writes_updates_and_statuses(client, group, allowed):
    user = UserFactory(username=f"u-{group}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    for path in ("/admin/complaints/campaignupdate/add/", "/admin/complaints/placestatus/add/"):
        assert (client.get(path).status_code == 200) is allowed, path


def test_moderators_do_not_see_follow_up_comments(client):
    from .factories import ComplaintFactory

    complaint = ComplaintFactory(
        followup_answer="worse", followup_comment="Ruf mich an: 0170 1234567"
    )
    moderator = UserFactory(username="moritz", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(moderator)
    page = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/").content.decode()
    assert "0170 1234567" not in page
    organizer = UserFactory(username="olga", is_staff=True)
    organizer.groups.add(Group.objects.get(name="Organizer"))
    client.force_login(organizer)
    page = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/").content.decode()
    assert "0170 1234567" in page


def test_deleting_an_update_takes_it_off_the_landing_page(
    organizer_client, client, django_capture_on_commit_callbacks
):
    update = CampaignUpdateFactory(title="Bald gelöscht")
    assert "Bald gelöscht" in client.get("/").content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(
            f"/admin/complaints/campaignupdate/{update.pk}/delete/", {"post": "yes"}
        )
    assert not CampaignUpdate.objects.exists()
    assert "Bald gelöscht" not in client.get("/").content.decode()
