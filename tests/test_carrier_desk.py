"""The carrier's desk in the back office (complaints/carrier/desk_admin.py): a carrier user
sees its own opened places with its own counts, and answers for them; nobody else's, whatever
the URL or the form says. Organizers read every carrier's desk and the list of all cases."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import (
    CarrierAccount,
    CarrierCase,
    CarrierProfile,
    CarrierStatement,
    Place,
    PlaceStatus,
    Status,
)

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

DESK = "/admin/complaints/carriercase/desk/"
CHANGELIST = "/admin/complaints/carriercase/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def answer_url(case) -> str:
    return f"/admin/complaints/carriercase/{case.pk}/answer/"


def staff(username: str, group: str | None = None, carrier: str | None = None, **extra):
    user = UserFactory(username=username, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    if carrier:
        CarrierAccount.objects.create(user=user, carrier=carrier)
    return user


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def hamburg():
    return Place.objects.get(slug="hamburg")


@pytest.fixture
def altona():
    return ComplaintFactory.build().district_place


@pytest.fixture
def o2_client():
    return client_of(staff("olivia", "Carrier", "o2"))


@pytest.fixture
def telekom_client():
    return client_of(staff("theo", "Carrier", "telekom"))


@pytest.fixture
def world(hamburg, altona):
    """Hamburg opened for O2 (3 published reports, one a month old) and for Telekom (5);
    Altona opened for O2 only. Pending and rejected reports count for nobody."""
    now = timezone.now()
    ComplaintFactory.create_batch(
        2, carrier="o2", status=Status.PUBLISHED, problems=["no-data", "dropped-calls"]
    )
    ComplaintFactory(
        carrier="o2",
        status=Status.PUBLISHED,
        district="",
        submitted_at=now - datetime.timedelta(days=40),
        problems=["no-data"],
    )
    ComplaintFactory.create_batch(5, carrier="telekom", status=Status.PUBLISHED)
    ComplaintFactory(carrier="o2", status=Status.PENDING)
    ComplaintFactory(carrier="o2", status=Status.REJECTED)
    return {
        "o2": CarrierCase.objects.create(carrier="o2", place=hamburg, opened_count=3),
        "o2-altona": CarrierCase.objects.create(carrier="o2", place=altona, opened_count=2),
        "telekom": CarrierCase.objects.create(carrier="telekom", place=hamburg, opened_count=5),
    }


def valid_answer(**changes) -> dict:
    due = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "status": PlaceStatus.Kind.EXPANSION_PLANNED,
        "due_date": due.isoformat(),
        "text": "Wir bauen den Standort Altona bis zum Sommer aus.\nDanke für die Meldungen.",
        **changes,
    }


# -- who sees what ---------------------------------------------------------------------------


def test_a_carrier_user_sees_only_its_own_places_and_counts(o2_client, world):
    # Whatever the URL asks for: a carrier user's desk is its carrier's.
    response = o2_client.get(DESK, {"carrier": "telekom"}, **EN)
    assert response.status_code == 200
    places = {row.case.pk: row for row in response.context["places"]}
    assert set(places) == {world["o2"].pk, world["o2-altona"].pk}
    city, district = places[world["o2"].pk], places[world["o2-altona"].pk]
    assert (city.total, city.recent) == (3, 2)
    assert (district.total, district.recent) == (2, 2)
    assert [count for _name, count in city.problems] == [3, 2]
    html = response.content.decode()
    assert f'id="case-{world["telekom"].pk}"' not in html
    assert "Telekom" not in html
    assert f'href="{answer_url(world["o2"])}"' in html


def test_the_response_statistics_at_the_top_are_the_carriers_own(o2_client, world):
    response = o2_client.get(DESK, {"carrier": "telekom"}, **EN)
    assert [(row.carrier, row.opened) for row in response.context["response_stats"]] == [("o2", 2)]
    html = response.content.decode()
    assert 'data-carrier="o2"' in html
    assert 'data-carrier="telekom"' not in html


def test_the_desk_shows_no_personal_data(o2_client, world):
    ComplaintFactory(
        carrier="o2",
        status=Status.PUBLISHED,
        email="hamlet@example.org",
        description="Ich heiße Hamlet, Telefon 0176 1234567",
    )
    html = o2_client.get(DESK, **EN).content.decode()
    for secret in ("hamlet@example.org", "Hamlet", "0176"):
        assert secret not in html


def test_a_carrier_user_without_a_carrier_sees_nothing(world):
    client = client_of(staff("nobody", "Carrier"))
    response = client.get(DESK, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not linked to a carrier" in html
    assert "case-" not in html and "Hamburg" not in html
    assert client.get(answer_url(world["o2"])).status_code == 404
    assert client.post(answer_url(world["o2"]), valid_answer()).status_code == 404
    assert not CarrierStatement.objects.exists()


def test_a_moderator_may_not_use_the_desk(world):
    client = client_of(staff("mona", "Moderator"))
    assert client.get(DESK).status_code == 403
    assert client.get(answer_url(world["o2"])).status_code == 403
    assert client.post(answer_url(world["o2"]), valid_answer()).status_code == 403
    assert not CarrierStatement.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(world):
    client = Client()
    for url in (DESK, answer_url(world["o2"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    client.post(answer_url(world["o2"]), valid_answer())
    assert not CarrierStatement.objects.exists()


def test_an_organizer_reads_any_carriers_desk_but_does_not_answer(world):
    client = client_of(staff("olga", "Organizer"))
    response = client.get(DESK, {"carrier": "telekom"}, **EN)
    assert response.status_code == 200
    assert [row.case.pk for row in response.context["places"]] == [world["telekom"].pk]
    assert response.context["places"][0].total == 5
    html = response.content.decode()
    assert 'id="carrier-switch"' in html and "/answer/" not in html
    # The first carrier by default; an unknown one is said so.
    assert {r.case.pk for r in client.get(DESK).context["places"]} == {
        world["o2"].pk,
        world["o2-altona"].pk,
    }
    response = client.get(DESK, {"carrier": "<script>"}, **EN)
    assert response.status_code == 200
    assert "no such carrier" in response.content.decode()
    assert client.post(answer_url(world["telekom"]), valid_answer()).status_code == 403
    assert not CarrierStatement.objects.exists()


def test_with_one_carrier_the_organizer_has_nothing_to_choose(world, settings):
    settings.EINZELFALL_CARRIERS = {"o2": "O2 Telefónica"}
    client = client_of(staff("olga", "Organizer"))
    response = client.get(DESK, **EN)
    assert {row.case.pk for row in response.context["places"]} == {
        world["o2"].pk,
        world["o2-altona"].pk,
    }
    assert 'id="carrier-switch"' not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_carriers_case_in_the_answer_url_is_a_404(telekom_client, world, method):
    response = getattr(telekom_client, method)(answer_url(world["o2"]), valid_answer())
    assert response.status_code == 404
    assert not CarrierStatement.objects.exists()


@pytest.mark.parametrize(
    "case_id",
    ["abc", "1e3", "-1", "99999999999999999999", "\uff11", "\u00b9", "1 OR 1=1", "0", "1.5"],
)
def test_hostile_case_ids_are_a_404(o2_client, world, case_id):
    for method in ("get", "post"):
        url = f"/admin/complaints/carriercase/{case_id}/answer/"
        assert getattr(o2_client, method)(url, valid_answer()).status_code == 404


def test_the_desk_only_reads(o2_client, world):
    assert o2_client.post(DESK, valid_answer()).status_code == 405
    assert o2_client.delete(answer_url(world["o2"])).status_code == 405


# -- answering ---------------------------------------------------------------------------------


def test_an_answer_is_sent_for_approval(o2_client, world):
    response = o2_client.post(answer_url(world["o2-altona"]), valid_answer(), **EN)
    assert response.status_code == 302
    assert response["Location"] == f"{DESK}#case-{world['o2-altona'].pk}"
    statement = CarrierStatement.objects.get()
    assert statement.case == world["o2-altona"]
    assert statement.review == CarrierStatement.Review.PENDING
    assert statement.text == valid_answer()["text"]
    assert statement.written_by.username == "olivia"
    page = o2_client.get(response["Location"], **EN).content.decode()
    assert "it is published once the organizer approves it" in page
    assert "waiting for approval" in page
    assert "Wir bauen den Standort Altona bis zum Sommer aus.<br>Danke" in page


def test_an_answer_sent_twice_is_one_statement(o2_client, world):
    for _attempt in range(2):
        response = o2_client.post(answer_url(world["o2"]), valid_answer(), **EN)
        assert response.status_code == 302
    assert CarrierStatement.objects.count() == 1
    # Another text is another statement.
    o2_client.post(answer_url(world["o2"]), valid_answer(text="Korrektur: bis Juli."))
    assert CarrierStatement.objects.count() == 2


def test_an_answer_of_a_carrier_allowed_to_publish_is_published_at_once(o2_client, world):
    CarrierProfile.objects.create(carrier="o2", publish_directly=True)
    response = o2_client.post(
        answer_url(world["o2"]),
        valid_answer(status=PlaceStatus.Kind.ACKNOWLEDGED, due_date=""),
        follow=True,
        **EN,
    )
    assert "Your statement is published." in response.content.decode()
    assert CarrierStatement.objects.get().review == CarrierStatement.Review.PUBLISHED
    world["o2"].refresh_from_db()
    assert world["o2"].status == PlaceStatus.Kind.ACKNOWLEDGED


def test_the_form_says_how_the_statement_is_published(o2_client, world):
    html = o2_client.get(answer_url(world["o2"]), **EN).content.decode()
    assert "once the organizer has approved it" in html
    assert 'maxlength="2000"' in html
    assert 'viewBox="0 0 240 48"' in html  # the place's trend, as on the desk
    CarrierProfile.objects.create(carrier="o2", publish_directly=True)
    html = o2_client.get(answer_url(world["o2"]), **EN).content.decode()
    assert "Published at once, verbatim" in html


PAST = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_date": ""}, "A planned expansion needs a due date."),
        ({"due_date": PAST}, "The due date has passed"),
        ({"due_date": "2026-13-45"}, "Enter a valid date."),
        ({"due_date": "9999-12-31"}, "more than ten years away"),
        ({"status": PlaceStatus.Kind.ACKNOWLEDGED}, "belongs to a planned expansion only"),
        ({"status": "fixed-by-magic"}, "Select a valid choice."),
        ({"status": ""}, "This field is required."),
        ({"text": ""}, "This field is required."),
        ({"text": " \n\t "}, "Please write a statement."),
        ({"text": "x" * 2001}, "at most 2000 are allowed"),
        ({"text": "Ausbau\x07 geplant"}, "control characters"),
        ({"text": "Ausbau\x1b[31m geplant"}, "control characters"),
        ({"text": "Ausbau\x00 geplant"}, "Null characters are not allowed."),
        ({"text": "Ausbau \ufffd geplant"}, "cannot be stored"),
    ],
)
def test_a_wrong_answer_says_what_is_wrong_and_stores_nothing(o2_client, world, changes, message):
    response = o2_client.post(answer_url(world["o2"]), valid_answer(**changes), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "nothing was sent" in html
    assert not CarrierStatement.objects.exists()
    world["o2"].refresh_from_db()
    assert world["o2"].first_answer_at is None


def test_a_long_statement_with_windows_line_breaks_fits(o2_client, world):
    # 1,000 lines of one character: 1,999 characters with \n, 2,998 as the browser sends.
    text = "\r\n".join(["a"] * 1000)
    response = o2_client.post(answer_url(world["o2"]), valid_answer(text=text))
    assert response.status_code == 302
    assert CarrierStatement.objects.get().text == "\n".join(["a"] * 1000)


def test_the_answer_form_has_csrf_protection(world):
    user = staff("carla", "Carrier", "o2")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(answer_url(world["o2"]), valid_answer()).status_code == 403
    assert not CarrierStatement.objects.exists()


# -- what the desk shows -----------------------------------------------------------------------


def test_the_desk_shows_overdue_and_disputed_places(o2_client, world):
    CarrierCase.objects.filter(pk=world["o2"].pk).update(
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    CarrierCase.objects.filter(pk=world["o2-altona"].pk).update(
        status=PlaceStatus.Kind.REPORTED_FIXED, disputed_at=timezone.now()
    )
    response = o2_client.get(DESK, **EN)
    rows = {row.case.pk: row for row in response.context["places"]}
    assert rows[world["o2"].pk].overdue and not rows[world["o2-altona"].pk].overdue
    html = response.content.decode()
    assert html.count('data-testid="overdue"') == 1
    assert html.count('data-testid="disputed"') == 1


def test_a_rejected_statement_shows_the_organizers_note(o2_client, world):
    CarrierStatement.objects.create(
        case=world["o2"],
        status=PlaceStatus.Kind.ACKNOWLEDGED,
        text="Wir prüfen das.",
        review=CarrierStatement.Review.REJECTED,
        review_note="Bitte nennen Sie einen Zeitraum.",
    )
    html = o2_client.get(DESK, **EN).content.decode()
    assert "not published" in html
    assert "Bitte nennen Sie einen Zeitraum." in html


def test_the_trend_counts_the_carriers_reports_per_week(o2_client, hamburg):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    noon = datetime.time(12)
    for weeks_ago, count in [(0, 2), (3, 1), (11, 4), (12, 7)]:
        day = datetime.datetime.combine(monday - datetime.timedelta(weeks=weeks_ago), noon)
        ComplaintFactory.create_batch(
            count,
            carrier="o2",
            status=Status.PUBLISHED,
            district="",
            submitted_at=timezone.make_aware(day),
        )
    ComplaintFactory.create_batch(3, carrier="telekom", status=Status.PUBLISHED, district="")
    CarrierCase.objects.create(carrier="o2", place=hamburg)
    row = o2_client.get(DESK).context["places"][0]
    counts = [week.count for week in row.weeks]
    assert len(counts) == 12 and counts[-1] == 2 and counts[-4] == 1 and counts[0] == 4
    assert sum(counts) == 7  # the week before the twelve is not in the trend
    assert row.total == 14
    assert row.weeks[0].monday == monday - datetime.timedelta(weeks=11)
    bars = row.bars
    assert bars[0].height == 48 and bars[-1].height == 24 and bars[1].height == 0


def test_the_desk_is_german_by_default(o2_client, world):
    html = o2_client.get(DESK).content.decode()
    assert 'lang="de"' in html


# -- a fixed number of queries ---------------------------------------------------------------


def open_cases(count: int, carrier: str = "o2"):
    places = list(
        Place.objects.filter(kind=Place.Kind.CITY, merged_into__isnull=True)
        .exclude(carrier_cases__carrier=carrier)
        .order_by("pk")[:count]
    )
    for place in places:
        case = CarrierCase.objects.create(carrier=carrier, place=place)
        CarrierStatement.objects.create(
            case=case, status=PlaceStatus.Kind.ACKNOWLEDGED, text="Wir prüfen das."
        )


def test_the_desk_needs_as_many_queries_for_many_places_as_for_few(
    o2_client, world, django_assert_max_num_queries
):
    o2_client.get(DESK)  # the session's first read
    open_cases(2)
    with django_assert_max_num_queries(20) as few:
        o2_client.get(DESK)
    open_cases(40)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = o2_client.get(DESK)
    assert len(response.context["places"]) == 44
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_desk_shows_fifty_places_a_page(o2_client, world):
    open_cases(55)
    first = o2_client.get(DESK)
    assert len(first.context["places"]) == 50
    second = o2_client.get(DESK, {"p": "2"})
    assert len(second.context["places"]) == 7
    assert o2_client.get(DESK, {"p": "abc"}).context["page"].number == 1
    assert o2_client.get(DESK, {"p": "99"}).context["page"].number == 2


# -- the organizer's list and the index --------------------------------------------------------


def test_the_organizer_lists_every_case_read_only_with_filters(world):
    client = client_of(staff("olga", "Organizer"))
    CarrierCase.objects.filter(pk=world["telekom"].pk).update(
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    response = client.get(CHANGELIST, **EN)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    html = response.content.decode()
    assert 'id="carrier-desk-link"' in html and f"{CHANGELIST}add/" not in html
    for query, expected in [
        ({"carrier": "telekom"}, {world["telekom"].pk}),
        ({"overdue": "yes"}, {world["telekom"].pk}),
        ({"status": "waiting"}, {world["o2"].pk, world["o2-altona"].pk}),
        ({"status": "expansion-planned"}, {world["telekom"].pk}),
        ({"disputed": "yes"}, set()),
    ]:
        listed = client.get(CHANGELIST, query).context["cl"].result_list
        assert {case.pk for case in listed} == expected, query
    change = client.post(f"{CHANGELIST}{world['o2'].pk}/change/", {"carrier": "telekom"})
    assert change.status_code == 403
    world["o2"].refresh_from_db()
    assert world["o2"].carrier == "o2"


def test_a_carrier_user_finds_the_desk_from_the_index(o2_client, world):
    index = o2_client.get("/admin/", **EN).content.decode()
    assert f'href="{CHANGELIST}"' in index
    assert reverse("admin:complaints_complaint_downloads") in index
    # The list of every case leads a carrier user to its desk; a case's page is not theirs.
    response = o2_client.get(CHANGELIST)
    assert response.status_code == 302 and response["Location"] == DESK
    assert o2_client.get(f"{CHANGELIST}{world['telekom'].pk}/change/").status_code in (403, 302)
    assert o2_client.get(f"{CHANGELIST}{world['o2'].pk}/change/").status_code in (403, 302)
