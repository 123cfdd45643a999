"""Closing the loop: place statuses, follow-up answers in the evaluation, and the trend."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint, Place, PlaceStatus, Status
from reports import selectors

from .factories import ComplaintFactory, UserFactory
from .helpers import release

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
WEEKS_AGO = timezone.now() - datetime.timedelta(days=50)


def place(name, city=None) -> Place:
    if city is None:
        return Place.objects.get(kind=Place.Kind.CITY, name=name, merged_into=None)
    return Place.objects.get(kind=Place.Kind.DISTRICT, name=name, parent__name=city)


def published(count, city, district="", **fields):
    return ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, **fields
    )


def answered(city, district, answers: dict[str, int]):
    for answer, n in answers.items():
        published(
            n,
            city,
            district,
            email="x@example.org",
            followup_consent=True,
            followup_answer=answer,
            followup_answered_at=timezone.now(),
        )


def district_row(client, slug, name) -> dict:
    rows = client.get(f"/stats/{slug}/districts.json").json()["districts"]
    return next(row for row in rows if row["district"] == name)


def assert_protected(answers, k=5):
    """What a reader can see of one place's answers: no count below k, and never exactly one
    hidden cell (the total minus the shown cells would give it away)."""
    shown = [c.count for c in answers.cells.values() if not c.suppressed]
    assert all(n >= k for n in shown)
    hidden = [c for c in answers.cells.values() if c.suppressed]
    assert len(hidden) != 1


def test_a_status_shows_on_the_city_page_and_in_the_open_data(
    organizer_client, client, django_capture_on_commit_callbacks
):
    published(8, "Hamburg", "Altona")
    published(6, "Hamburg", "Eimsbüttel")
    assert client.get("/stats/hamburg/").status_code == 200  # the evaluation is cached now
    altona = place("Altona", "Hamburg")
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            "/admin/complaints/placestatus/add/",
            {
                "place": altona.pk,
                "status": "expansion-planned",
                "date": "02.11.2026",
                "note": "Laut Telefónica bis März 2027",
            },
        )
    assert response.status_code == 302
    html = client.get("/stats/hamburg/").content.decode()
    assert 'data-testid="status-expansion-planned"' in html
    assert "Altona (Hamburg):" in html and "Ausbau geplant" in html
    assert "Laut Telefónica bis März 2027" in html and "02.11.2026" in html
    row = district_row(client, "hamburg", "Altona")
    assert (row["status"], row["status_date"], row["status_note"]) == (
        "expansion-planned",
        "2026-11-02",
        "Laut Telefónica bis März 2027",
    )
    assert district_row(client, "hamburg", "Eimsbüttel")["status"] is None
    csv = client.get("/stats/hamburg/districts.csv").content.decode()
    row = "Hamburg,Altona,district,8,false,expansion-planned,2026-11-02,"
    row += "Laut Telefónica bis März 2027"
    assert row in csv


def test_the_latest_status_counts_and_a_merge_keeps_it():
    hamburg = place("Hamburg")
    PlaceStatus.objects.create(place=hamburg, status="acknowledged", date=datetime.date(2026, 9, 1))
    PlaceStatus.objects.create(
        place=hamburg, status="reported-fixed", date=datetime.date(2026, 11, 1)
    )
    published(6, "Hamburg")
    status = selectors.build_evaluation().statuses[hamburg.pk]
    assert (status.status, status.label) == ("reported-fixed", "als behoben gemeldet")


def test_follow_up_answers_are_shown_as_shares_with_small_counts_suppressed(client):
    answered("Hamburg", "Altona", {"improved": 6, "unchanged": 6, "worse": 6})
    answered("Hamburg", "Eimsbüttel", {"improved": 3})  # three answers: too few to show
    # The rest of Hamburg (what is not shown as a district): every answer at least five, so
    # Altona's numbers give away nothing small about it.
    answered("Hamburg", "", {"improved": 2, "unchanged": 5, "worse": 5})
    answered("Berlin", "Kreuzberg", {"improved": 7, "unchanged": 6, "worse": 5})
    published(5, "Berlin", "Mitte")  # no answers
    evaluation = selectors.build_evaluation()
    hamburg = evaluation.details[place("Hamburg").pk]
    altona = hamburg.district_answers["Altona"]
    assert altona.total == 18
    assert [altona.share(a) for a in ("improved", "unchanged", "worse")] == [33, 33, 33]
    assert "Eimsbüttel" not in hamburg.district_answers
    for answers in [hamburg.answers, *hamburg.district_answers.values()]:
        if answers is not None:
            assert_protected(answers)
    row = district_row(client, "hamburg", "Altona")
    assert (row["followup_answers"], row["improved"], row["unchanged"], row["worse"]) == (
        18,
        6,
        6,
        6,
    )
    eimsbuettel = district_row(client, "hamburg", "Eimsbüttel")
    assert eimsbuettel["followup_answers"] is None and eimsbuettel["improved"] is None
    page = client.get("/stats/hamburg/").content.decode()
    assert 'id="district-answers"' in page and "33 %" in page
    stats = client.get("/stats/").content.decode()
    assert 'id="answers"' in stats  # 51 answers in all, per answer


def test_a_small_answer_is_never_shown_nor_computable():
    answered("Hamburg", "Altona", {"improved": 9, "unchanged": 2, "worse": 1})
    answered("Hamburg", "Eimsbüttel", {"improved": 1, "unchanged": 2, "worse": 2})
    answered("Berlin", "Kreuzberg", {"improved": 8, "unchanged": 5, "worse": 1})
    evaluation = selectors.build_evaluation()
    for pk in (place("Hamburg").pk, place("Berlin").pk):
        detail = evaluation.details[pk]
        for answers in [detail.answers, *detail.district_answers.values()]:
            if answers is not None:
                assert_protected(answers)
    altona = evaluation.details[place("Hamburg").pk].district_answers.get("Altona")
    if altona is not None:
        assert altona.cells["worse"].suppressed and altona.cells["unchanged"].suppressed
    # Rejected or unpublished reports' answers count nowhere.
    Complaint.objects.filter(district="Altona").update(status=Status.REJECTED)
    again = selectors.build_evaluation()
    assert "Altona" not in again.details[place("Hamburg").pk].district_answers
    assert again.answer_totals["improved"] == 9  # Eimsbüttel 1 + Kreuzberg 8


def test_the_trend_around_an_expansion(client):
    altona = place("Altona", "Hamburg")
    date = timezone.localdate() - datetime.timedelta(weeks=3)
    PlaceStatus.objects.create(place=altona, status="expansion-planned", date=date)
    now = timezone.now()
    for weeks_ago, n in [(6, 7), (5, 8), (4, 6), (2, 5), (1, 5), (0, 6)]:
        published(n, "Hamburg", "Altona", submitted_at=now - datetime.timedelta(weeks=weeks_ago))
    published(9, "Hamburg", "Eimsbüttel", submitted_at=now - datetime.timedelta(weeks=1))
    evaluation = selectors.build_evaluation()
    (trend,) = evaluation.trends
    assert trend.status.place_id == altona.pk
    start = selectors.week_of(date)
    assert all(week < start for week, _ in trend.before)
    assert all(week >= start for week, _ in trend.after)
    shown_before = {w: c.count for w, c in trend.before if not c.suppressed}
    assert sum(shown_before.values()) <= 21
    for _, cell in trend.before + trend.after:
        assert cell.suppressed or cell.count >= 5
    html = client.get("/stats/").content.decode()
    assert 'data-testid="trend"' in html and "Altona (Hamburg): Ausbau geplant" in html


def test_a_suppressed_week_hides_the_means(client):
    hamburg = place("Hamburg")
    date = timezone.localdate() - datetime.timedelta(weeks=2)
    PlaceStatus.objects.create(place=hamburg, status="reported-fixed", date=date)
    now = timezone.now()
    for weeks_ago, n in [(4, 9), (3, 2), (1, 8), (0, 7)]:
        published(n, "Hamburg", submitted_at=now - datetime.timedelta(weeks=weeks_ago))
        published(n, "Berlin", submitted_at=now - datetime.timedelta(weeks=weeks_ago))
    (trend,) = selectors.build_evaluation().trends
    assert any(cell.suppressed for _, cell in trend.before + trend.after)
    assert trend.mean_before is None or trend.mean_after is None


def test_done_when_the_campaign_closes_the_loop(client, django_capture_on_commit_callbacks):
    """The organizer posts the carrier's response and marks Hamburg-Altona "expansion
    planned"; both show on the site and in the feed; send_followups, run twice, mails every
    eligible submitter once; their "improved" shows in Altona's numbers once enough
    answered."""
    organizer = UserFactory(username="olga", is_staff=True, is_superuser=True)
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/complaints/campaignupdate/add/",
            {
                "title": "O2 confirms capacity problems in Hamburg",
                "kind": "carrier-response",
                "body": "O2 will add capacity in Altona.",
                "is_published": "on",
                "published_at_0": timezone.localdate().strftime("%d.%m.%Y"),
                "published_at_1": "00:00:00",
            },
        )
        client.post(
            "/admin/complaints/placestatus/add/",
            {
                "place": place("Altona", "Hamburg").pk,
                "status": "expansion-planned",
                "date": timezone.localdate().strftime("%d.%m.%Y"),
                "note": "",
            },
        )
    client.logout()
    for n in range(12):
        published(
            1,
            "Hamburg",
            "Altona",
            email=f"altona{n}@example.org",
            email_confirmed_at=WEEKS_AGO,
            followup_consent=True,
            submitted_at=WEEKS_AGO,
        )
    for n, answer in enumerate(["unchanged", "worse", "worse"]):
        published(
            1,
            "Hamburg",
            "Eimsbüttel",
            email=f"eims{n}@example.org",
            followup_answer=answer,
            submitted_at=WEEKS_AGO,
        )
    published(3, "Hamburg", "Eimsbüttel")
    # Answers elsewhere in Hamburg: what Altona's numbers are hidden among.
    for n, answer in enumerate(["improved"] * 5 + ["unchanged", "worse"]):
        published(1, "Hamburg", email=f"hh{n}@example.org", followup_answer=answer)
    # ... and in Berlin, among which Hamburg's own small numbers are hidden.
    answered("Berlin", "", {"improved": 10, "unchanged": 8, "worse": 8})
    assert "O2 confirms capacity problems in Hamburg" in client.get("/").content.decode()
    feed = client.get("/updates/feed/").content.decode()
    assert "O2 confirms capacity problems" in feed
    assert "Altona (Hamburg): Ausbau geplant" in feed
    assert "/stats/hamburg/#status-" in feed
    assert "Ausbau geplant" in client.get("/stats/hamburg/").content.decode()

    out = io.StringIO()
    call_command("send_followups", stdout=out)
    call_command("send_followups", stdout=out)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"altona{n}@example.org" for n in range(12)
    )

    def click(message, answer):
        url = re.search(rf"http://127\.0\.0\.1:8000(\S+answer={answer})", message.body)[1]
        assert client.get(url).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"answer": answer}).status_code == 200

    def next_release():
        # Answers are counted with the next release, which comes with a batch of new reports
        # (reports/releases.py); Berlin's leave Hamburg's numbers as they are.
        published(5, "Berlin")
        release()

    outbox = sorted(mail.outbox, key=lambda m: m.to[0])
    for message in outbox[:3]:
        click(message, "improved")
    next_release()
    assert district_row(client, "hamburg", "Altona")["followup_answers"] is None  # 3: too few
    for message in outbox[3:7]:
        click(message, "improved")
    for message in outbox[7:12]:
        click(message, "unchanged")
    next_release()
    row = district_row(client, "hamburg", "Altona")
    assert (row["followup_answers"], row["improved"]) == (12, 7)
    # Hamburg hides its unchanged and worse (worse is 3): so do its districts.
    assert row["unchanged"] is None and row["worse"] is None
    assert "58 %" in client.get("/stats/hamburg/").content.decode()


def test_a_trend_with_every_week_hidden_says_so(client):
    PlaceStatus.objects.create(
        place=place("Altona", "Hamburg"),
        status="expansion-planned",
        date=timezone.localdate() - datetime.timedelta(weeks=1),
    )
    now = timezone.now()
    for weeks_ago in (3, 2, 1, 0):
        published(2, "Hamburg", "Altona", submitted_at=now - datetime.timedelta(weeks=weeks_ago))
        published(
            9, "Hamburg", "Eimsbüttel", submitted_at=now - datetime.timedelta(weeks=weeks_ago)
        )
    html = client.get("/stats/").content.decode()
    assert 'data-testid="trend-hidden"' in html and "Zu wenige Meldungen pro Woche" in html


# -- what the districts must not give away about their city (review findings) ---------------


def test_a_district_whose_count_is_hidden_shows_no_answers(client):
    published(20, "Hamburg", "Altona")
    answered("Hamburg", "Eimsbüttel", {"improved": 7})
    published(1, "Hamburg", "Wandsbek")
    answered("Berlin", "", {"improved": 6, "unchanged": 6, "worse": 6})
    rows = {
        r["district"]: r for r in client.get("/stats/hamburg/districts.json").json()["districts"]
    }
    assert rows["Eimsbüttel"]["suppressed"] and rows["Wandsbek"]["suppressed"]
    # Seven answers would say Eimsbüttel has at least seven reports, and so Wandsbek one.
    assert rows["Eimsbüttel"]["followup_answers"] is None


def test_districts_never_show_an_answer_their_city_hides(client):
    answered("Hamburg", "Altona", {"improved": 8, "unchanged": 5})
    answered("Hamburg", "Eimsbüttel", {"improved": 8, "unchanged": 5, "worse": 2})
    answered("Berlin", "", {"unchanged": 2, "worse": 5})
    answered("München", "", {"unchanged": 2})
    published(6, "Berlin")
    published(6, "München")
    document = client.get("/stats/hamburg/districts.json").json()
    hidden = [a for a in ("improved", "unchanged", "worse") if document[a] is None]
    assert "worse" in hidden  # Hamburg's 2
    for row in document["districts"]:
        for answer in hidden:
            assert row[answer] is None, (row["district"], answer)


def test_no_district_answers_when_the_city_shows_none(client):
    answered("Hamburg", "Altona", {"improved": 7})
    answered("Berlin", "", {"worse": 2})
    published(6, "Berlin")
    cities = {c["slug"]: c for c in client.get("/stats/cities.json").json()["cities"]}
    assert cities["hamburg"]["followup_answers"] is None
    altona = district_row(client, "hamburg", "Altona")
    assert altona["followup_answers"] is None  # (it would be Hamburg's, and so Berlin's 2)


def test_district_trends_never_show_a_week_the_city_hides():
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())

    def at(weeks_ago):
        day = monday - datetime.timedelta(weeks=weeks_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    for district in ("Altona", "Eimsbüttel"):
        PlaceStatus.objects.create(
            place=place(district, "Hamburg"),
            status="expansion-planned",
            date=monday - datetime.timedelta(weeks=1),
        )
        for weeks_ago, n in ((2, 6), (1, 3), (0, 1)):
            published(n, "Hamburg", district, submitted_at=at(weeks_ago))
    for city, mix in (("Berlin", (1, 0, 5)), ("München", (5, 7, 5))):
        for weeks_ago, n in zip((2, 1, 0), mix, strict=True):
            published(n, city, submitted_at=at(weeks_ago))
    evaluation = selectors.build_evaluation()
    city_weeks = dict(evaluation.details[place("Hamburg").pk].weeks)
    assert evaluation.trends
    for trend in evaluation.trends:
        for week, cell in trend.before + trend.after:
            if city_weeks[week].suppressed:
                assert cell.suppressed, (trend.status.name, week)
