"""Following a place by email: the form, its double opt-in, unsubscribing, and what keeps
the address no longer than needed (the purge, a merge of places, the back office)."""

import datetime
import html
import io
import re

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from complaints.campaign import follow
from complaints.intake import abuse
from complaints.models import Follower, Place
from complaints.places import matching
from complaints.places.services import places_merge

from .factories import UserFactory
from .helpers import RefusingEmailBackend

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def hamburg():
    return Place.objects.get(pk=matching.match("Hamburg").city_id)


@pytest.fixture
def altona():
    return Place.objects.get(pk=matching.match("Hamburg", "Altona").district_id)


def sign_up(client, **changes):
    """The form sent; upper-case keys are the request's (REMOTE_ADDR, HTTP_...)."""
    extra = {key: changes.pop(key) for key in list(changes) if key.isupper()}
    data = {
        "form_stamp": abuse.form_stamp(),
        "email": "hamlet@example.org",
        "city": "Hamburg",
        "district": "",
        "language": "en",
        "consent": "on",
        **changes,
    }
    return client.post("/follow/", data, **extra)


def link(message, kind: str) -> str:
    """A link of a mail, as a path on the site."""
    found = re.search(rf"{re.escape(SITE)}(/follow/{kind}/\S+/)", message.body)
    return found.group(1)


def confirmed(email="hamlet@example.org", city=None, **fields) -> Follower:
    defaults = {
        "language": "de",
        "consent_at": timezone.now(),
        "privacy_policy_version": "2026-11-01",
        "confirmed_at": timezone.now(),
    }
    city = city or Place.objects.get(pk=matching.match("Hamburg").city_id)
    return Follower.objects.create(email=email, city=city, **{**defaults, **fields})


def test_the_city_page_button_leads_to_the_form_with_its_city(client, hamburg):
    page = client.get(f"/follow/?city={hamburg.slug}", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'name="city" value="Hamburg"', text)
    assert re.search(r'<option value="en" selected>', text)
    # An unknown or hostile slug is just an empty field.
    page = client.get("/follow/?city=%27%3E%3Cscript%3E")
    assert page.status_code == 200 and 'name="city" value' not in page.content.decode()


def test_a_sign_up_waits_for_its_confirmation_and_the_mail_confirms_it(client, hamburg, altona):
    answer = sign_up(client, district="Altona", newsletter="on")
    assert answer.status_code == 302 and answer["Location"] == "/follow/sent/"
    assert "hamlet" not in answer["Location"]
    follower = Follower.objects.get()
    assert (follower.city, follower.district, follower.language) == (hamburg, altona, "en")
    assert follower.newsletter and follower.confirmed_at is None
    assert follower.consent_at and follower.privacy_policy_version
    (message,) = mail.outbox
    assert message.to == ["hamlet@example.org"]
    assert "Altona (Hamburg)" in message.subject and "Please confirm" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/follow/unsubscribe/")
    confirm = link(message, "confirm")
    assert "hamlet" not in confirm

    # Opening the link (a mail scanner does) confirms nothing; the button does.
    assert client.get(confirm).status_code == 200
    follower.refresh_from_db()
    assert follower.confirmed_at is None
    page = client.post(confirm)
    assert page.status_code == 200 and b'data-testid="follow-confirmed"' in page.content
    follower.refresh_from_db()
    assert follower.confirmed_at is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"city": "Atlantis"}, "city", "We do not know a city or municipality of that name."),
        ({"district": "Kreuzberg"}, "district", "Hamburg has no district of that name"),
        ({"consent": ""}, "consent", "Please agree so that we can send you the mails."),
        ({"language": "fr"}, "language", "Select a valid choice."),
    ],
)
def test_bad_input_is_named_and_stores_nothing(client, changes, field, message):
    page = sign_up(client, HTTP_ACCEPT_LANGUAGE="en", **changes)
    assert page.status_code == 200
    assert message in html.unescape(page.content.decode())
    assert not Follower.objects.exists() and not mail.outbox


def test_the_answer_is_the_same_whether_the_address_follows_already(client, hamburg):
    confirmed(email="Hamlet@Example.org", language="de")
    answer = sign_up(client, email="hamlet@example.org", language="en")
    assert answer.status_code == 302 and answer["Location"] == "/follow/sent/"
    # Nothing about the row changed (nobody changes another's settings by typing an address);
    # its owner is told, in the row's language, that it follows the place already.
    follower = Follower.objects.get()
    assert follower.language == "de" and follower.email == "Hamlet@Example.org"
    (message,) = mail.outbox
    assert "Hamburg" in message.subject and "confirm" not in message.subject.lower()
    assert "/follow/confirm/" not in message.body and "/follow/unsubscribe/" in message.body


def test_a_mail_bomb_through_the_form_sends_one_mail(client, hamburg):
    for n in range(20):
        # From twenty addresses, past every limit per client: the mail limit still holds.
        answer = sign_up(client, REMOTE_ADDR=f"203.0.113.{n}", email="victim@example.org")
        assert answer.status_code == 302 and answer["Location"] == "/follow/sent/"
    assert len(mail.outbox) == 1
    assert Follower.objects.count() == 1


def test_an_address_gets_few_mails_a_day_across_places(client):
    for n, city in enumerate(["Hamburg", "Berlin", "München", "Köln", "Bremen", "Kiel", "Bonn"]):
        sign_up(client, REMOTE_ADDR=f"203.0.113.{n}", email="victim@example.org", city=city)
    assert Follower.objects.count() == 7
    assert len(mail.outbox) == follow.MAILS_PER_DAY


def test_one_client_is_throttled_after_a_few_sign_ups(client):
    answers = [sign_up(client, email=f"a{n}@example.org").status_code for n in range(6)]
    assert answers == [302] * 5 + [429]
    assert Follower.objects.count() == 5


def test_bots_are_answered_like_people_and_nothing_is_stored(client):
    assert sign_up(client, website="http://spam.example")["Location"] == "/follow/sent/"
    assert sign_up(client, form_stamp="forged")["Location"] == "/follow/sent/"
    assert not Follower.objects.exists() and not mail.outbox
    # A stamp is good for one sign-up: the same form again (a double click) does nothing.
    stamp = abuse.form_stamp()
    for _ in range(2):
        assert sign_up(client, form_stamp=stamp)["Location"] == "/follow/sent/"
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_costs_no_500_and_logs_no_address(client, settings, caplog):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    assert RefusingEmailBackend  # the backend named above
    assert sign_up(client)["Location"] == "/follow/sent/"
    assert Follower.objects.count() == 1
    assert "could not be sent" in caplog.text and "hamlet" not in caplog.text


def hostile_tokens(follower: Follower) -> list[str]:
    good = follow.token(follower, follow.CONFIRM)
    expired = signing.dumps(
        [[follower.pk], follow.CONFIRM, "0" * 16], salt=follow.SALT, compress=True
    )
    return [
        good[:-3] + "abc",  # tampered
        follow.token(follower, follow.UNSUBSCRIBE),  # another purpose
        expired,  # another address
        signing.dumps([["x"], follow.CONFIRM, None], salt=follow.SALT),  # nonsense inside
        signing.dumps({"a": 1}, salt=follow.SALT),
        "A" * 30,
    ]


def test_hostile_confirmation_tokens_are_404(client, hamburg):
    follower = confirmed(confirmed_at=None)
    for value in hostile_tokens(follower):
        assert client.get(f"/follow/confirm/{value}/").status_code == 404
        assert client.post(f"/follow/confirm/{value}/").status_code == 404
    good = follow.token(follower, follow.CONFIRM)
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + datetime.timedelta(days=8)
        patch.setattr("django.core.signing.time.time", lambda: later.timestamp())
        assert client.get(f"/follow/confirm/{good}/").status_code == 404
    Follower.objects.all().delete()
    assert client.get(f"/follow/confirm/{good}/").status_code == 404
    assert client.get("/follow/unsubscribe/%3Cscript%3E/").status_code == 404


def test_one_click_unsubscribes_without_a_csrf_token(hamburg):
    follower = confirmed()
    url = follow.url("complaints:follow-unsubscribe", follow.token(follower, follow.UNSUBSCRIBE))
    path = url.removeprefix(SITE)
    strict = Client(enforce_csrf_checks=True)
    answer = strict.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert not Follower.objects.exists()
    # The link again: the row is gone, and so is the link.
    again = strict.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 404


def test_the_page_unsubscribes_one_place_or_every_place(client, hamburg):
    berlin = Place.objects.get(pk=matching.match("Berlin").city_id)
    first, _second = confirmed(), confirmed(email="HAMLET@example.org", city=berlin)
    other = confirmed(email="ophelia@example.org")
    path = f"/follow/unsubscribe/{follow.token(first, follow.UNSUBSCRIBE)}/"
    page = client.get(path)
    assert b'data-testid="unsubscribe-all"' in page.content and Follower.objects.count() == 3
    page = client.post(path, {"scope": "all"})
    assert b'data-testid="unsubscribed"' in page.content
    assert list(Follower.objects.all()) == [other]


def test_unconfirmed_followers_are_purged_after_the_link_expires(hamburg):
    old = timezone.now() - datetime.timedelta(days=8)
    confirmed(email="old@example.org", confirmed_at=None, created_at=old)
    fresh = confirmed(email="fresh@example.org", confirmed_at=None)
    kept = confirmed(email="kept@example.org", created_at=old)
    out = io.StringIO()
    call_command("purge_personal_data", "--dry-run", stdout=out)
    assert "unconfirmed followers: would delete 1" in out.getvalue()
    call_command("purge_personal_data", stdout=out)
    assert "unconfirmed followers: deleted 1" in out.getvalue()
    assert set(Follower.objects.all()) == {fresh, kept}


def test_followers_move_with_a_merged_place_and_duplicates_go(hamburg, altona, organizer):
    ottensen = Place.objects.get(pk=matching.match("Hamburg", "Ottensen").district_id)
    both = confirmed(email="both@example.org", district=altona)
    confirmed(email="BOTH@example.org", district=ottensen)
    moving = confirmed(email="moving@example.org", district=ottensen)
    places_merge(source=ottensen, target=altona, moderator=organizer)
    rows = Follower.objects.order_by("email")
    assert [(f.email, f.district_id) for f in rows] == [
        (both.email, altona.pk),
        (moving.email, altona.pk),
    ]


def test_organizers_see_and_delete_followers_and_change_nothing(client, hamburg):
    from django.contrib.auth.models import Group

    follower = confirmed(email="ophelia@example.org")
    organizer = UserFactory(username="olga", is_staff=True)
    organizer.groups.add(Group.objects.get(name="Organizer"))
    moderator = UserFactory(username="mo", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(moderator)
    assert client.get("/admin/complaints/follower/").status_code == 403
    client.force_login(organizer)
    page = client.get("/admin/complaints/follower/?q=Hamburg")
    assert page.status_code == 200 and b"ophelia@example.org" in page.content
    assert client.get("/admin/complaints/follower/add/").status_code == 403
    change = client.get(f"/admin/complaints/follower/{follower.pk}/change/")
    assert change.status_code == 200 and b'name="email"' not in change.content
    client.post(f"/admin/complaints/follower/{follower.pk}/delete/", {"post": "yes"})
    assert not Follower.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"city": "Ham\x00burg"}, {"email": "a" * 300 + "@example.org"}, {"city": "x" * 5000}],
)
def test_hostile_input_is_refused_without_a_500(client, changes):
    assert sign_up(client, **changes).status_code == 200
    assert not Follower.objects.exists() and not mail.outbox


def test_a_district_typed_as_the_city_follows_the_district(client, altona):
    sign_up(client, city="Hamburg-Altona")
    assert Follower.objects.get().district == altona


def test_the_follower_list_costs_the_same_queries_for_many_rows(client, organizer, altona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(organizer)
    confirmed(email="first@example.org", district=altona)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/complaints/follower/").status_code == 200
    for n in range(20):
        confirmed(email=f"p{n}@example.org", district=altona if n % 2 else None, city=None)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/admin/complaints/follower/")
    assert page.content.count(b"@example.org") >= 21
    assert len(many) == len(few)


def test_followers_of_a_merged_city_follow_the_surviving_one(hamburg, organizer):
    kiel = Place.objects.get(pk=matching.match("Kiel").city_id)
    confirmed(email="both@example.org")
    confirmed(email="both@example.org", city=kiel)
    moving = confirmed(email="moving@example.org", city=kiel, newsletter=True)
    places_merge(source=kiel, target=hamburg, moderator=organizer)
    assert sorted(Follower.objects.values_list("email", "city_id")) == [
        ("both@example.org", hamburg.pk),
        (moving.email, hamburg.pk),
    ]
    assert Follower.objects.get(email=moving.email).newsletter


# -- a city that shares its name; the newsletter alone ------------------------------------


def test_a_namesake_citys_button_follows_that_city_and_names_its_state(client):
    """Five cities are called Schönberg: the button of the Bavarian one follows that one, and
    the form, the pages and the mail say which."""
    page = client.get("/follow/?city=schoenberg-bayern", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'name="city" value="Schönberg (Bayern)"' in text
    assert re.search(r'type="hidden" name="city_slug" value="schoenberg-bayern"', text)
    sign_up(client, city="Schönberg (Bayern)", city_slug="schoenberg-bayern")
    follower = Follower.objects.get()
    assert follower.city.slug == "schoenberg-bayern"
    assert "Schönberg (Bayern)" in mail.outbox[0].subject
    page = client.get(link(mail.outbox[0], "confirm"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Follow Schönberg (Bayern)?" in html.unescape(page.content.decode())
    # Typed with its state, without the button; or the button's slug with another name typed.
    sign_up(client, email="b@example.org", city="Schönberg (Sachsen)")
    sign_up(client, email="c@example.org", city="Hamburg", city_slug="schoenberg-bayern")
    places = dict(Follower.objects.values_list("email", "city__slug"))
    assert places["b@example.org"] == "schoenberg-sachsen"
    assert places["c@example.org"] == "hamburg"
    assert follow.place_name(Follower.objects.get(email="c@example.org")) == "Hamburg"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"city": ""}, "Please name a place to follow, or tick the campaign newsletter."),
        ({"city": "", "district": "Altona"}, "Please name the city of this district."),
    ],
)
def test_no_place_and_no_newsletter_is_named_and_stores_nothing(client, changes, message):
    page = sign_up(client, HTTP_ACCEPT_LANGUAGE="en", **changes)
    assert page.status_code == 200
    assert message in html.unescape(page.content.decode())
    assert not Follower.objects.exists() and not mail.outbox


def test_the_newsletter_alone_double_opt_in_and_one_click_away(client, hamburg, organizer):
    sign_up(client, city="", newsletter="on", HTTP_ACCEPT_LANGUAGE="en")
    sign_up(client, city="", newsletter="on", email="HAMLET@example.org")  # the same row
    row = Follower.objects.get()
    assert row.city is None and row.newsletter and row.confirmed_at is None
    (message,) = mail.outbox
    assert message.subject == "Please confirm: the campaign newsletter"
    assert "asked for the campaign newsletter" in message.body
    page = client.get(link(message, "confirm"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Get the campaign newsletter?" in html.unescape(page.content.decode())
    page = client.post(link(message, "confirm"))
    assert b'data-testid="follow-confirmed"' in page.content
    row.refresh_from_db()
    assert row.confirmed_at is not None
    # The organizer finds it under "city: empty"; no digest goes to it.
    client.force_login(organizer)
    listed = client.get("/admin/complaints/follower/?city__isempty=1")
    assert listed.status_code == 200 and b"hamlet@example.org" in listed.content
    Follower.objects.filter(pk=row.pk).update(digest_failures=5)  # and those that bounce
    listed = client.get("/admin/complaints/follower/?digest_failures=5")
    assert b"hamlet@example.org" in listed.content
    Follower.objects.filter(pk=row.pk).update(digest_failures=0)
    Follower.objects.filter(pk=row.pk).update(confirmed_at=timezone.now() - datetime.timedelta(30))
    call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    # The mail's unsubscribe link: the newsletter's words, and the row goes.
    page = client.get(link(message, "unsubscribe"), HTTP_ACCEPT_LANGUAGE="en")
    assert "no campaign newsletter any more" in html.unescape(page.content.decode())
    client.post(link(message, "unsubscribe"))
    assert not Follower.objects.exists()


def test_the_newsletters_unsubscribe_keeps_the_places_and_drops_the_newsletter_alone(hamburg):
    place = confirmed(newsletter=True)
    alone = Follower.objects.create(
        email="Hamlet@example.org",
        city=None,
        newsletter=True,
        **{f: getattr(place, f) for f in ("language", "consent_at", "privacy_policy_version")},
    )
    follow.newsletter_unsubscribe(followers=[alone])
    place.refresh_from_db()
    assert list(Follower.objects.all()) == [place] and not place.newsletter
