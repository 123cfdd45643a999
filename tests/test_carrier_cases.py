"""The carrier at the table (complaints/carrier/cases.py): the quorum opens places, one mail
per carrier and run; statements submitted, approved, rejected or published at once; overdue
commitments; disputes; the carrier_cases command."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from complaints.carrier import cases
from complaints.models import (
    CarrierAccount,
    CarrierCase,
    CarrierProfile,
    CarrierStatement,
    FollowupAnswer,
    Place,
    PlaceStatus,
    Status,
)
from einzelfall import cache_keys

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

PLANNED = PlaceStatus.Kind.EXPANSION_PLANNED
FIXED = PlaceStatus.Kind.REPORTED_FIXED
ACK = PlaceStatus.Kind.ACKNOWLEDGED


def hamburg() -> Place:
    return Place.objects.get(slug="hamburg")


def altona() -> Place:
    return Place.objects.get(kind=Place.Kind.DISTRICT, parent__slug="hamburg", name="Altona")


def carrier_user(carrier: str, username: str | None = None):
    user = UserFactory(username=username or f"{carrier}-desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Carrier"))
    CarrierAccount.objects.create(user=user, carrier=carrier)
    return user


def moderator():
    user = UserFactory(username="mo", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


@pytest.fixture
def case():
    return CarrierCase.objects.create(carrier="telekom", place=hamburg(), opened_count=20)


@pytest.fixture
def telekom():
    return carrier_user("telekom")


def submit(case, user, status=ACK, due_date=None, text="Wir prüfen das."):
    return cases.statement_submit(case=case, user=user, status=status, due_date=due_date, text=text)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# -- statements ------------------------------------------------------------------------------


def test_a_carrier_user_submits_a_statement_that_waits_for_approval(case, telekom):
    statement = submit(case, telekom, PLANNED, in_days(90), "  Ausbau bis März.\r\nDanke.  ")
    statement.refresh_from_db()
    case.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PENDING
    assert statement.text == "Ausbau bis März.\nDanke."
    assert statement.written_by == telekom
    assert case.first_answer_at is None  # an answer counts once it is published
    assert case.status == ""  # not published yet
    assert not PlaceStatus.objects.filter(place=case.place).exists()


def test_the_first_answer_is_the_first_published_statement_when_written(case, telekom, organizer):
    # A refused statement is no answer (review finding: "." on day 13, refused, counted as
    # answered in time); the first one published counts from when the carrier wrote it.
    refused = submit(case, telekom, text=".")
    cases.statement_reject(statement=refused, user=organizer, note="Keine Antwort.")
    first = submit(case, telekom, text="Wir prüfen den Standort.")
    later = submit(case, telekom, FIXED)
    case.refresh_from_db()
    assert case.first_answer_at is None
    cases.statement_approve(statement=later, user=organizer)
    cases.statement_approve(statement=first, user=organizer)
    case.refresh_from_db()
    first.refresh_from_db()
    assert case.first_answer_at == first.written_at
    assert case.statements.count() == 3


def test_an_older_statement_approved_late_does_not_undo_a_newer_one(case, telekom, organizer):
    # Review finding: "expansion planned" and a newer "reported fixed" approved together left
    # the place planned, soon "overdue".
    planned = submit(case, telekom, PLANNED, in_days(3), "Ausbau geplant.")
    fixed = submit(case, telekom, FIXED, text="Behoben.")
    CarrierStatement.objects.filter(pk=planned.pk).update(
        written_at=fixed.written_at - datetime.timedelta(hours=1)
    )
    cases.statement_approve(statement=fixed, user=organizer)
    cases.statement_approve(statement=planned, user=organizer)
    case.refresh_from_db()
    assert (case.status, case.due_date) == (FIXED, None)
    assert list(PlaceStatus.objects.values_list("status", flat=True)) == [FIXED]
    assert CarrierStatement.objects.filter(review="published").count() == 2


def test_the_same_statement_sent_twice_is_stored_once_unless_it_was_refused(
    case, telekom, organizer
):
    first = submit(case, telekom, text="Wir prüfen das.")
    assert submit(case, telekom, text="Wir prüfen das.").pk == first.pk
    cases.statement_reject(statement=first, user=organizer, note="Bitte genauer.")
    again = submit(case, telekom, text="Wir prüfen das.")
    assert again.pk != first.pk and again.review == CarrierStatement.Review.PENDING


@pytest.mark.parametrize(
    "text", ["\u200b\u200b\u2060", "\u202e", "\u200b\n\u200c", "\u00a0 \u3000"]
)
def test_a_statement_without_a_visible_character_is_empty(case, telekom, text):
    with pytest.raises(cases.StatementRefused) as refused:
        submit(case, telekom, text=text)
    assert refused.value.code == "empty"
    assert not CarrierStatement.objects.exists()


def test_the_approval_action_publishes_the_newest_statement_last(case, telekom, organizer_client):
    planned = submit(case, telekom, PLANNED, in_days(3), "Ausbau geplant.")
    fixed = submit(case, telekom, FIXED, text="Behoben.")
    CarrierStatement.objects.filter(pk=planned.pk).update(
        written_at=fixed.written_at - datetime.timedelta(hours=1)
    )
    data = {"action": "approve_and_publish", "_selected_action": [planned.pk, fixed.pk]}
    assert organizer_client.post(STATEMENTS, data).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.due_date) == (FIXED, None)


def test_the_organizer_approves_and_the_statement_is_published(
    case, telekom, organizer, django_capture_on_commit_callbacks
):
    statement = submit(case, telekom, PLANNED, in_days(30))
    cache.set(cache_keys.PLACE_STATUSES, "stale")
    with django_capture_on_commit_callbacks(execute=True):
        cases.statement_approve(statement=statement, user=organizer)
    statement.refresh_from_db()
    case.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED
    assert statement.published_at is not None
    assert statement.reviewed_by == organizer
    assert (case.status, case.due_date) == (PLANNED, in_days(30))
    status = PlaceStatus.objects.get(place=case.place)
    assert (status.status, status.carrier) == (PLANNED, "telekom")
    assert cache.get(cache_keys.PLACE_STATUSES) is None


def test_reported_fixed_clears_the_due_date(case, telekom, organizer):
    cases.statement_approve(statement=submit(case, telekom, PLANNED, in_days(30)), user=organizer)
    cases.statement_approve(statement=submit(case, telekom, FIXED), user=organizer)
    case.refresh_from_db()
    assert (case.status, case.due_date) == (FIXED, None)


def test_a_new_statement_ends_a_dispute(case, telekom, organizer):
    case.disputed_at = timezone.now()
    case.save()
    cases.statement_approve(statement=submit(case, telekom, ACK), user=organizer)
    case.refresh_from_db()
    assert case.disputed_at is None


def test_a_rejected_statement_is_not_published_and_keeps_the_note(case, telekom, organizer):
    statement = submit(case, telekom)
    cases.statement_reject(statement=statement, user=organizer, note="Bitte ohne Werbung.")
    statement.refresh_from_db()
    case.refresh_from_db()
    assert statement.review == CarrierStatement.Review.REJECTED
    assert statement.review_note == "Bitte ohne Werbung."
    assert case.status == ""
    assert not PlaceStatus.objects.exists()


def test_a_rejection_needs_a_note(case, telekom, organizer):
    statement = submit(case, telekom)
    with pytest.raises(cases.StatementRefused) as refused:
        cases.statement_reject(statement=statement, user=organizer, note="   ")
    assert refused.value.code == "note_missing"
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PENDING


def test_a_reviewed_statement_is_not_reviewed_again(case, telekom, organizer):
    statement = submit(case, telekom)
    cases.statement_reject(statement=statement, user=organizer, note="Nein.")
    with pytest.raises(cases.StatementRefused):
        cases.statement_approve(statement=statement, user=organizer)
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.REJECTED


def test_publish_directly_publishes_at_once(case, telekom):
    CarrierProfile.objects.create(carrier="telekom", publish_directly=True)
    statement = submit(case, telekom, FIXED)
    statement.refresh_from_db()
    case.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED
    assert case.status == FIXED
    assert PlaceStatus.objects.filter(place=case.place, carrier="telekom").count() == 1


@pytest.mark.parametrize(
    ("status", "due", "text", "code"),
    [
        (ACK, None, "   ", "empty"),
        (ACK, None, "x" * 2001, "too_long"),
        (ACK, None, "Hallo\x00Welt", "control"),
        (ACK, None, "Hallo\x1bWelt", "control"),
        ("closed", None, "Text", "status"),
        (PLANNED, None, "Text", "due_date_missing"),
        (PLANNED, -1, "Text", "due_date_past"),
    ],
)
def test_an_invalid_statement_stores_nothing(case, telekom, status, due, text, code):
    due_date = in_days(due) if due is not None else None
    with pytest.raises(cases.StatementRefused) as refused:
        submit(case, telekom, status, due_date, text)
    assert refused.value.code == code
    assert not CarrierStatement.objects.exists()
    case.refresh_from_db()
    assert case.first_answer_at is None


def test_a_due_date_is_dropped_for_other_statuses(case, telekom):
    statement = submit(case, telekom, ACK, in_days(10))
    assert statement.due_date is None


def test_2000_characters_are_allowed(case, telekom):
    assert len(submit(case, telekom, text="x" * 2000).text) == 2000


@pytest.mark.parametrize(
    "who", ["other-carrier", "no-carrier", "not-in-group", "moderator", "anonymous"]
)
def test_only_the_cases_carrier_may_answer(case, who):
    from django.contrib.auth.models import AnonymousUser

    if who == "not-in-group":  # an account, but not (or no longer) in the group Carrier
        user = UserFactory(username="ex", is_staff=True)
        CarrierAccount.objects.create(user=user, carrier="telekom")
    elif who == "other-carrier":
        user = carrier_user("o2")
    elif who == "no-carrier":
        user = UserFactory(username="lost", is_staff=True)
        user.groups.add(Group.objects.get(name="Carrier"))
    elif who == "moderator":
        user = moderator()
    else:
        user = AnonymousUser()
    with pytest.raises(cases.StatementDenied):
        submit(case, user)
    assert not CarrierStatement.objects.exists()


@pytest.mark.parametrize("who", ["carrier", "moderator"])
def test_only_an_organizer_approves(case, telekom, who):
    statement = submit(case, telekom)
    user = telekom if who == "carrier" else moderator()
    with pytest.raises(cases.StatementDenied):
        cases.statement_approve(statement=statement, user=user)
    with pytest.raises(cases.StatementDenied):
        cases.statement_reject(statement=statement, user=user, note="Nein.")
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PENDING


def test_an_organizer_in_the_group_approves(case, telekom):
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get(name="Organizer"))
    statement = submit(case, telekom)
    cases.statement_approve(statement=statement, user=user)
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED


# -- the quorum ----------------------------------------------------------------------------


def reports(n, carrier="telekom", days_ago=1, status=Status.PUBLISHED, **fields):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return ComplaintFactory.create_batch(
        n, carrier=carrier, status=status, submitted_at=when, **fields
    )


def contacts(carrier="telekom", emails="noc@telekom.example\nPresse@Telekom.example"):
    CarrierProfile.objects.create(carrier=carrier, contact_emails=emails)


def test_the_quorum_opens_the_city_and_the_district_with_one_mail(settings):
    contacts()
    reports(19)
    reports(1, email="hamlet@example.org", description="Funkloch bei Hamlet")
    opened = cases.open_places()
    assert {(c.carrier, c.place) for c in opened} == {("telekom", hamburg()), ("telekom", altona())}
    assert {c.opened_count for c in opened} == {20}
    notices = cases.notify_opened()
    assert (notices.sent, notices.places) == (1, 2)
    (message,) = mail.outbox
    assert message.to == [] and sorted(message.bcc) == [
        "noc@telekom.example",
        "presse@telekom.example",
    ]
    assert "Hamburg, Altona" in message.body
    desk = settings.SITE_URL.rstrip("/") + reverse("admin:complaints_carriercase_desk")
    assert desk in message.body
    # Place names and counts only: nothing of the people who reported.
    assert "hamlet" not in message.body and "Funkloch" not in message.body
    assert all(c.notified_at for c in CarrierCase.objects.all())


def test_a_second_run_opens_nothing_and_sends_nothing():
    contacts()
    reports(20)
    cases.open_places()
    cases.notify_opened()
    reports(5)
    assert cases.open_places() == []
    assert cases.notify_opened().sent == 0
    assert len(mail.outbox) == 1
    assert CarrierCase.objects.count() == 2


def test_the_carriers_users_are_told_too():
    user = carrier_user("telekom")
    reports(20)
    cases.open_places()
    cases.notify_opened()
    assert mail.outbox[0].bcc == [user.email]


def test_below_the_quorum_or_outside_the_window_nothing_opens(settings):
    reports(19)
    reports(5, days_ago=settings.CARRIER_QUORUM_DAYS + 1)
    reports(5, carrier="o2")
    reports(5, status=Status.PENDING)
    reports(5, status=Status.REJECTED)
    assert cases.open_places() == []
    assert not CarrierCase.objects.exists()


def test_the_quorum_counts_per_carrier_and_place(settings):
    settings.CARRIER_QUORUM = 3
    reports(3, carrier="o2", city="Hamburg", district="")
    reports(2, carrier="vodafone")
    opened = cases.open_places()
    assert [(c.carrier, c.place) for c in opened] == [("o2", hamburg())]


def test_a_district_of_a_city_opens_with_its_city(settings):
    settings.CARRIER_QUORUM = 4
    reports(2, district="Altona")
    reports(2, district="Eimsbüttel")
    opened = cases.open_places()
    assert [c.place for c in opened] == [hamburg()]


def test_a_failed_mail_is_sent_by_the_next_run(monkeypatch):
    contacts()
    reports(20)
    cases.open_places()
    monkeypatch.setattr(cases.EmailMessage, "send", lambda self: 1 / 0)
    assert cases.notify_opened().failed == 1
    assert not CarrierCase.objects.exclude(notified_at=None).exists()
    monkeypatch.undo()
    assert cases.notify_opened().sent == 1
    assert len(mail.outbox) == 1


def test_without_contacts_no_mail_until_one_is_added():
    reports(20)
    cases.open_places()
    assert cases.notify_opened().no_contacts == ["telekom"]
    assert not mail.outbox
    contacts()
    assert cases.notify_opened().sent == 1


# -- overdue -------------------------------------------------------------------------------


def test_a_planned_expansion_past_its_due_date_is_overdue(case, telekom, organizer):
    cases.statement_approve(statement=submit(case, telekom, PLANNED, in_days(3)), user=organizer)
    case.refresh_from_db()
    assert not case.is_overdue()
    assert case.is_overdue(today=in_days(4))
    cases.statement_approve(statement=submit(case, telekom, FIXED), user=organizer)
    case.refresh_from_db()
    assert not case.is_overdue(today=in_days(4))


# -- disputes ------------------------------------------------------------------------------


@pytest.fixture
def fixed_case(telekom, organizer):
    contacts()
    reports(20)
    cases.open_places()
    cases.notify_opened()
    mail.outbox.clear()
    case = CarrierCase.objects.get(place=altona())
    cases.statement_approve(statement=submit(case, telekom, FIXED), user=organizer)
    case.refresh_from_db()
    return case


def answers(*kinds, days_ahead=1, **fields):
    when = timezone.now() + datetime.timedelta(days=days_ahead)
    for kind in kinds:
        ComplaintFactory(
            carrier=fields.get("carrier", "telekom"),
            status=Status.PUBLISHED,
            submitted_at=timezone.now() - datetime.timedelta(days=40),
            followup_answer=kind,
            followup_answered_at=when,
        )


def test_answers_since_fixed_dispute_it_and_the_carrier_is_told_once(fixed_case, settings):
    U, W, OK = FollowupAnswer.UNCHANGED, FollowupAnswer.WORSE, FollowupAnswer.IMPROVED
    answers(U, W, U, OK, OK)  # 5 answers, 3 of them not better
    later = timezone.now() + datetime.timedelta(days=2)
    assert cases.check_disputes(now=later) == [fixed_case]
    fixed_case.refresh_from_db()
    assert fixed_case.disputed_at == later
    assert cases.notify_disputed().sent == 1
    assert cases.check_disputes(now=later) == []
    assert cases.notify_disputed().sent == 0
    (message,) = mail.outbox
    assert "Hamburg, Altona" in message.body


def test_answers_before_fixed_or_mostly_improved_do_not_dispute(fixed_case):
    U, OK = FollowupAnswer.UNCHANGED, FollowupAnswer.IMPROVED
    answers(U, U, U, U, U, days_ahead=-1)  # given before the carrier's statement
    answers(U, U, OK, OK, OK)
    answers(U, U, U, U, U, carrier="o2")
    assert cases.check_disputes(now=timezone.now() + datetime.timedelta(days=2)) == []


def test_new_reports_reaching_the_quorum_again_dispute_it(fixed_case):
    later = timezone.now() + datetime.timedelta(days=1)
    ComplaintFactory.create_batch(
        19, carrier="telekom", status=Status.PUBLISHED, submitted_at=later
    )
    assert cases.check_disputes(now=later) == []
    ComplaintFactory(carrier="telekom", status=Status.PUBLISHED, submitted_at=later)
    assert cases.check_disputes(now=later) == [fixed_case]


# -- the command ---------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("carrier_cases", *args, stdout=out)
    return out.getvalue()


def test_the_command_opens_and_mails_once(fixed_case):
    reports(20, carrier="o2")
    contacts("o2", "noc@o2.example")
    dry = run("--dry-run")
    assert "places to open: 2" in dry and "would open: Hamburg, Altona for O2" in dry
    assert not CarrierCase.objects.filter(carrier="o2").exists() and not mail.outbox
    out = run()
    assert "opened: Hamburg, Altona for O2 Telefónica" in out
    assert "mails about places opened: 1 sent (2 places)" in out
    assert run().count("0 sent") == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].bcc == ["noc@o2.example"]


# -- the organizer's admin -----------------------------------------------------------------

STATEMENTS = "/admin/complaints/carrierstatement/"


def test_the_changelist_lists_pending_first_and_shows_the_text_verbatim(
    case, telekom, organizer_client, organizer
):
    old = submit(case, telekom, text="Alt.")
    cases.statement_approve(statement=old, user=organizer)
    pending = submit(case, telekom, text="<b>Neu</b>\nZeile")
    html = organizer_client.get(STATEMENTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.index(f"/{pending.pk}/") < html.index(f"/{old.pk}/")
    page = organizer_client.get(f"{STATEMENTS}{pending.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "&lt;b&gt;Neu&lt;/b&gt;<br>Zeile" in body
    assert 'name="text"' not in body and 'name="_save"' not in body


def test_approve_and_publish_from_the_admin(case, telekom, organizer_client):
    statement = submit(case, telekom)
    response = organizer_client.post(
        STATEMENTS, {"action": "approve_and_publish", "_selected_action": [statement.pk]}
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED


def test_do_not_publish_asks_for_the_note(case, telekom, organizer_client):
    statement = submit(case, telekom)
    data = {"action": "do_not_publish", "_selected_action": [statement.pk]}
    asked = organizer_client.post(STATEMENTS, data, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200 and b"Note to the carrier" in asked.content
    empty = organizer_client.post(STATEMENTS, {**data, "post": "yes", "note": " "})
    assert empty.status_code == 200
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PENDING
    done = organizer_client.post(STATEMENTS, {**data, "post": "yes", "note": "Zu lang."})
    assert done.status_code == 302
    statement.refresh_from_db()
    assert (statement.review, statement.review_note) == ("rejected", "Zu lang.")


def test_a_moderator_cannot_review_statements(case, telekom, client):
    statement = submit(case, telekom)
    client.force_login(moderator())
    client.post(STATEMENTS, {"action": "approve_and_publish", "_selected_action": [statement.pk]})
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PENDING


def test_the_profile_admin_validates_contacts(organizer_client):
    url = "/admin/complaints/carrierprofile/add/"
    bad = organizer_client.post(
        url,
        {"carrier": "o2", "contact_emails": "noc@o2.example\nkein-mail"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and b"Not an email address: kein-mail" in bad.content
    unknown = organizer_client.post(url, {"carrier": "nope", "contact_emails": ""})
    assert unknown.status_code == 200
    assert not CarrierProfile.objects.exists()
    good = organizer_client.post(
        url, {"carrier": "o2", "contact_emails": " noc@o2.example \n\n", "publish_directly": "on"}
    )
    assert good.status_code == 302
    profile = CarrierProfile.objects.get()
    assert profile.contacts == ["noc@o2.example"] and profile.publish_directly


def test_the_changelist_does_not_query_per_statement(case, telekom, organizer_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(case, telekom)
    organizer_client.get(STATEMENTS)  # the session and permissions warm
    with CaptureQueriesContext(connection) as one:
        organizer_client.get(STATEMENTS)
    other = CarrierCase.objects.create(carrier="o2", place=altona())
    for _ in range(3):
        submit(
            other,
            carrier_user("o2", "o2-desk")
            if not CarrierAccount.objects.filter(carrier="o2").exists()
            else CarrierAccount.objects.get(carrier="o2").user,
        )
    with CaptureQueriesContext(connection) as four:
        organizer_client.get(STATEMENTS)
    assert len(four) == len(one)


def test_the_command_reports_disputes_and_failed_mails(fixed_case, monkeypatch):
    from django.core.management.base import CommandError

    answers(*[FollowupAnswer.WORSE] * 5, days_ahead=0)
    monkeypatch.setattr(cases.EmailMessage, "send", lambda self: 1 / 0)
    with pytest.raises(CommandError, match="1 mails to carriers could not be sent"):
        run()
    fixed_case.refresh_from_db()
    assert fixed_case.disputed_at is not None and fixed_case.dispute_notified_at is None
    monkeypatch.undo()
    out = run()
    assert "mails about places disputed: 1 sent (1 places)" in out
    assert len(mail.outbox) == 1


# -- merging places --------------------------------------------------------------------------


def test_a_merge_keeps_the_opened_places_and_their_statements(case, telekom, organizer):
    # Review finding: the merge moved reports and statuses but not the case; the statements
    # vanished everywhere and the target was opened again, with a second mail.
    from complaints.places import services as place_services

    source = Place.objects.create(name="Hamburg-Doppelt", slug="hamburg-doppelt", kind="city")
    old = CarrierCase.objects.create(
        carrier="telekom",
        place=source,
        opened_count=21,
        opened_at=case.opened_at - datetime.timedelta(days=5),
    )
    planned = submit(old, telekom, PLANNED, in_days(30), "Ausbau bis Juni.")
    cases.statement_approve(statement=planned, user=organizer)
    other = CarrierCase.objects.create(carrier="o2", place=source, opened_count=20)
    place_services.places_merge(source=source, target=hamburg(), moderator=organizer)
    assert list(CarrierCase.objects.filter(place=source)) == []
    kept = CarrierCase.objects.get(carrier="telekom", place=hamburg())
    assert kept.pk == case.pk
    assert (kept.opened_at, kept.opened_count) == (old.opened_at, 21)
    assert (kept.status, kept.due_date) == (PLANNED, in_days(30))
    assert list(kept.statements.all()) == [planned]
    other.refresh_from_db()
    assert other.place == hamburg()
    assert cases.due_places() == []  # nothing to open again
