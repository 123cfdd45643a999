"""The moderation desk (complaints/moderation/desk.py, views.py): claims, decisions, stale and
hostile requests, skip/previous/undo, permissions, queries per decision, no personal data."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ModerationDecision, RejectionReason, Status
from complaints.moderation import desk, selectors

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

DESK = reverse("admin:complaints_complaint_desk")
SKIP = reverse("admin:complaints_complaint_desk_skip")
PREVIOUS = reverse("admin:complaints_complaint_desk_previous")
UNDO = reverse("admin:complaints_complaint_desk_undo")
JS = {"HTTP_X_DESK": "1"}


def decide_url(pk) -> str:
    return reverse("admin:complaints_complaint_desk_decide", args=[pk])


def staff(group: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def queue(n: int) -> list[Complaint]:
    """n pending reports, oldest first, a minute apart."""
    start = timezone.now() - datetime.timedelta(hours=2)
    return [ComplaintFactory(submitted_at=start + datetime.timedelta(minutes=i)) for i in range(n)]


def shown(response) -> int | None:
    match = re.search(r'data-complaint="(\d*)"', response.content.decode())
    assert match, "no card in the answer"
    return int(match.group(1)) if match.group(1) else None


def message(response) -> str:
    return re.search(r'data-message="([^"]*)"', response.content.decode()).group(1)


@pytest.fixture
def moderator():
    return staff("Moderator", "moritz")


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **{**JS, **extra})


def decision_data(complaint, decision, **more) -> dict:
    return {
        "decision": decision,
        "status_shown": Status.PENDING,
        "description_redacted": complaint.description_redacted,
        "description_redacted_shown": services.redacted_fingerprint(complaint.description_redacted),
        **more,
    }


# Services: claims


def test_two_moderators_get_different_reports_and_the_oldest_first(moderator):
    first, second, _third = queue(3)
    other = staff("Organizer", "olga")
    assert desk.desk_next(moderator=moderator) == first.pk
    assert desk.desk_next(moderator=other) == second.pk
    # Asking again keeps one's own claim rather than taking another report.
    assert desk.desk_next(moderator=moderator) == first.pk
    first.refresh_from_db()
    assert first.desk_claimed_by == moderator
    assert first.desk_claimed_until > timezone.now()


def test_a_lapsed_claim_is_taken_by_the_next_moderator(moderator):
    (only,) = queue(1)
    other = staff("Moderator", "mona")
    assert desk.desk_next(moderator=moderator) == only.pk
    assert desk.desk_next(moderator=other) is None
    Complaint.objects.filter(pk=only.pk).update(
        desk_claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert desk.desk_next(moderator=other) == only.pk


def test_the_claim_is_a_conditional_update(moderator):
    (only,) = queue(1)
    other = staff("Moderator", "mona")
    assert desk.desk_claim(complaint_id=only.pk, moderator=other)
    assert not desk.desk_claim(complaint_id=only.pk, moderator=moderator)
    desk.desk_release(complaint_id=only.pk, moderator=moderator)  # not theirs: nothing
    assert Complaint.objects.get(pk=only.pk).desk_claimed_by == other
    desk.desk_release(complaint_id=only.pk, moderator=other)
    assert desk.desk_claim(complaint_id=only.pk, moderator=moderator)


def test_decided_reports_are_never_claimed(moderator):
    ComplaintFactory(status=Status.PUBLISHED)
    assert desk.desk_next(moderator=moderator) is None


# Views


def test_the_desk_page_shows_the_oldest_report_and_the_reasons(mod_client):
    first, _second = queue(2)
    response = mod_client.get(DESK, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert shown(response) == first.pk
    page = response.content.decode()
    assert "2 reports pending" in page
    assert "Not a network problem" in page  # the first reason, key 1
    assert re.search(r"desk;dur=[\d.]+", response["Server-Timing"])
    assert '<script src="/static/js/desk.js' in page
    assert " style=" not in page


def test_the_desk_speaks_german_by_default(mod_client):
    queue(1)
    page = mod_client.get(DESK, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # The reasons' German names (the page's own words come with the lead's translations).
    assert 'lang="de"' in page
    assert "Kein Netzproblem" in page
    assert "Not a network problem" not in page


def test_an_empty_queue_is_said_so(mod_client):
    response = mod_client.get(DESK, HTTP_ACCEPT_LANGUAGE="en")
    assert shown(response) is None
    assert "Nothing to moderate" in response.content.decode()


def test_publish_with_javascript_answers_with_the_next_card(mod_client, moderator):
    first, second = queue(2)
    mod_client.get(DESK)
    response = post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    assert response.status_code == 200
    assert "Server-Timing" in response
    assert shown(response) == second.pk
    assert message(response).startswith(f"#{first.pk} ")
    first.refresh_from_db()
    assert first.status == Status.PUBLISHED
    assert first.moderated_by == moderator
    assert first.desk_claimed_by is None
    decision = ModerationDecision.objects.get(complaint=first)
    assert decision.via == ModerationDecision.Via.DESK
    assert Complaint.objects.get(pk=second.pk).desk_claimed_by == moderator


def test_without_javascript_a_decision_redirects_to_the_desk(mod_client):
    first, second = queue(2)
    response = mod_client.post(
        decide_url(first.pk), decision_data(first, "spam"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 303
    assert response["Location"] == DESK
    page = mod_client.get(DESK, HTTP_ACCEPT_LANGUAGE="en")
    assert shown(page) == second.pk
    assert f"#{first.pk} marked as spam" in page.content.decode()
    assert Complaint.objects.get(pk=first.pk).status == Status.SPAM


def test_reject_records_the_reason(mod_client):
    (first,) = queue(1)
    reason = RejectionReason.objects.get(name_en="Reported twice")
    post(mod_client, decide_url(first.pk), decision_data(first, "reject", reason=reason.pk))
    first.refresh_from_db()
    assert (first.status, first.rejection_reason) == (Status.REJECTED, reason)


@pytest.mark.parametrize("reason", ["", "abc", "99999999999999999999", "1\x00", "inactive"])
def test_a_rejection_without_an_active_reason_decides_nothing(mod_client, reason):
    (first,) = queue(1)
    if reason == "inactive":
        inactive = RejectionReason.objects.create(name_de="Alt", name_en="Old", is_active=False)
        reason = inactive.pk
    mod_client.get(DESK)
    response = post(mod_client, decide_url(first.pk), decision_data(first, "reject", reason=reason))
    assert response.status_code == 200
    assert shown(response) == first.pk  # the same report, to choose a reason
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING
    assert not ModerationDecision.objects.exists()


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0", "-1", "1%00"])
def test_hostile_ids_get_a_message_and_the_next_report(mod_client, pk):
    (first,) = queue(1)
    response = post(mod_client, decide_url(pk), {"decision": "publish"})
    assert response.status_code == 200
    assert shown(response) == first.pk
    assert message(response)
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING


@pytest.mark.parametrize(
    "data", [{"decision": "delete"}, {"decision": "publish", "status_shown": "\x00"}, {}]
)
def test_hostile_fields_decide_nothing(mod_client, data):
    (first,) = queue(1)
    response = post(mod_client, decide_url(first.pk), data)
    assert response.status_code == 200
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING


def test_a_text_with_a_nul_is_refused_with_a_message(mod_client):
    (first,) = queue(1)
    mod_client.get(DESK)
    data = decision_data(first, "publish", description_redacted="Funkloch\x00")
    response = post(mod_client, decide_url(first.pk), data)
    assert shown(response) == first.pk
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING


def test_a_report_decided_by_someone_else_meanwhile_is_left_alone(mod_client):
    first, second = queue(2)
    mod_client.get(DESK)
    organizer = staff("Organizer", "olga")
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=first.pk),
        status=Status.SPAM,
        moderator=organizer,
    )
    response = post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    assert shown(response) == second.pk
    assert "someone else" in message(response) or "jemand" in message(response).lower()
    assert Complaint.objects.get(pk=first.pk).status == Status.SPAM


def test_a_report_held_by_another_moderator_is_left_alone(mod_client):
    first, second = queue(2)
    other = staff("Moderator", "mona")
    assert desk.desk_next(moderator=other) == first.pk
    response = post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    assert shown(response) == second.pk
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING


def test_the_edited_text_is_saved_with_the_decision(mod_client):
    first = ComplaintFactory(description="Seit Mai kein Netz im Keller.")
    mod_client.get(DESK)
    data = decision_data(first, "publish", description_redacted="Seit Mai kein Netz.")
    post(mod_client, decide_url(first.pk), data)
    first.refresh_from_db()
    assert first.description_redacted == "Seit Mai kein Netz."
    assert first.description_redacted_by_hand
    assert first.status == Status.PUBLISHED


def test_a_text_changed_by_someone_else_is_not_overwritten_by_the_shown_one(mod_client):
    first = ComplaintFactory(description="Seit Mai kein Netz im Keller.")
    mod_client.get(DESK)
    shown_data = decision_data(first, "publish")  # the text as the card showed it
    Complaint.objects.filter(pk=first.pk).update(description_redacted="Korrigiert.")
    post(mod_client, decide_url(first.pk), shown_data)
    first.refresh_from_db()
    assert first.description_redacted == "Korrigiert."
    assert first.status == Status.PUBLISHED


def test_skip_and_previous(mod_client, moderator):
    first, second, third = queue(3)
    assert shown(mod_client.get(DESK)) == first.pk
    response = post(mod_client, SKIP, {"complaint": first.pk})
    assert shown(response) == second.pk
    assert Complaint.objects.get(pk=first.pk).desk_claimed_by is None
    response = post(mod_client, decide_url(second.pk), decision_data(second, "publish"))
    assert shown(response) == third.pk  # the skipped one is not offered again
    # k: the report shown before, with its current status; k again: the one before it.
    response = post(mod_client, PREVIOUS)
    assert shown(response) == second.pk
    assert 'data-status="published"' in response.content.decode()
    response = post(mod_client, PREVIOUS)
    assert shown(response) == first.pk
    assert Complaint.objects.get(pk=first.pk).desk_claimed_by == moderator
    # Deciding a report reached by k is allowed; the next one is then the oldest left.
    data = decision_data(second, "spam", status_shown=Status.PUBLISHED)
    response = post(mod_client, decide_url(second.pk), data)
    assert Complaint.objects.get(pk=second.pk).status == Status.SPAM


def test_look_again_on_an_empty_desk_brings_back_the_skipped(mod_client):
    (first,) = queue(1)
    mod_client.get(DESK)
    assert shown(post(mod_client, SKIP, {"complaint": first.pk})) is None
    assert shown(post(mod_client, SKIP)) == first.pk


def test_undo_puts_the_report_back_on_the_desk(mod_client, moderator):
    first, _second = queue(2)
    mod_client.get(DESK)
    post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    response = post(mod_client, UNDO)
    assert shown(response) == first.pk
    first.refresh_from_db()
    assert first.status == Status.PENDING
    assert first.moderated_by is None
    assert first.desk_claimed_by == moderator
    assert ModerationDecision.objects.get(complaint=first).undone_at is not None
    # Nothing left to undo.
    response = post(mod_client, UNDO)
    assert shown(response) == first.pk
    assert message(response)


def test_undo_only_undoes_ones_own_desk_decisions(mod_client):
    (first,) = queue(1)
    organizer = staff("Organizer", "olga")
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=first.pk),
        status=Status.PUBLISHED,
        moderator=organizer,
        via=ModerationDecision.Via.DESK,
    )
    post(mod_client, UNDO)
    assert Complaint.objects.get(pk=first.pk).status == Status.PUBLISHED


def test_undo_after_someone_decided_again_keeps_their_decision(mod_client):
    (first,) = queue(1)
    mod_client.get(DESK)
    post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    organizer = staff("Organizer", "olga")
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=first.pk), status=Status.SPAM, moderator=organizer
    )
    response = post(mod_client, UNDO)
    assert message(response)
    assert Complaint.objects.get(pk=first.pk).status == Status.SPAM


@pytest.mark.parametrize(
    ("group", "allowed"), [("Moderator", True), ("Organizer", True), ("Carrier", False)]
)
def test_who_may_use_the_desk(client, group, allowed):
    (first,) = queue(1)
    client.force_login(staff(group, "someone"))
    expected = 200 if allowed else 403
    assert client.get(DESK).status_code == expected
    response = post(client, decide_url(first.pk), decision_data(first, "publish"))
    assert response.status_code == expected
    assert Complaint.objects.get(pk=first.pk).status == (
        Status.PUBLISHED if allowed else Status.PENDING
    )


def test_anonymous_visitors_are_sent_to_the_login(client):
    (first,) = queue(1)
    response = client.get(DESK)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    response = client.post(decide_url(first.pk), {"decision": "publish"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING


def test_the_actions_refuse_get(mod_client):
    assert mod_client.get(SKIP).status_code == 405
    assert mod_client.get(decide_url(1)).status_code == 405


def test_a_decision_needs_few_queries(mod_client, django_assert_max_num_queries):
    first, second, *_ = queue(5)
    ComplaintFactory(duplicate_of=second)
    keys = {"network_hash": "n" * 64, "email_domain_hash": "e" * 64}
    Complaint.objects.filter(pk=second.pk).update(**keys, description_fingerprint="f" * 64)
    mod_client.get(DESK)
    # Session and user (4), the decision with its record and log (complaints_moderate, 11 with
    # savepoints), the next claim (2), the card, its problems, duplicates and theirs, the
    # reasons, the count (7), its bursts (one count per key, 3), the session saved (3): none
    # grows with the queue.
    with django_assert_max_num_queries(30):
        response = post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    assert shown(response) == second.pk


def test_no_personal_data_reaches_the_moderator(mod_client):
    earlier = ComplaintFactory(
        description="Ich bin Erika Mustermann, erika@example.org, Tel 0171 2345678",
        email="erika@example.org",
        submitted_at=timezone.now() - datetime.timedelta(hours=3),
    )
    report = ComplaintFactory(
        description="Kein Netz. Ruf mich an: 0171 2345678, erika@example.org",
        email="erika@example.org",
        ip_hash="a" * 64,
        network_hash="b" * 64,
        email_domain_hash="c" * 64,
        description_fingerprint="d" * 64,
        followup_comment="Privater Kommentar von Erika",
        duplicate_of=earlier,
        email_confirmed_at=timezone.now(),
    )
    secrets = [
        "erika@example.org",
        "0171 2345678",
        report.reference,
        earlier.reference,
        report.description,
        "a" * 64,
        "b" * 64,
        "c" * 64,
        "d" * 64,
        "Privater Kommentar",
    ]
    pages = [mod_client.get(DESK).content.decode()]
    assert shown_pk(pages[0]) == earlier.pk
    pages.append(post(mod_client, SKIP, {"complaint": earlier.pk}).content.decode())
    assert shown_pk(pages[1]) == report.pk
    pages.append(post(mod_client, PREVIOUS).content.decode())
    pages.append(mod_client.get(DESK).content.decode())
    decided = post(mod_client, decide_url(earlier.pk), decision_data(earlier, "publish"))
    pages.append(decided.content.decode())
    assert shown(decided) == report.pk
    pages.append(post(mod_client, UNDO).content.decode())
    for page in pages:
        for secret in secrets:
            assert secret not in page
    assert f"#{earlier.pk}" in pages[1]  # the duplicate is shown, redacted


def shown_pk(page: str) -> int | None:
    match = re.search(r'data-complaint="(\d*)"', page)
    return int(match.group(1)) if match and match.group(1) else None


def test_a_rejected_report_reached_with_k_shows_its_reason(mod_client):
    first, _second = queue(2)
    reason = RejectionReason.objects.get(name_en="Not in Germany")
    mod_client.get(DESK)
    post(mod_client, decide_url(first.pk), decision_data(first, "reject", reason=reason.pk))
    page = post(mod_client, PREVIOUS).content.decode()
    assert 'data-status="rejected"' in page
    checked = re.findall(r'name="reason" value="(\d+)"[^>]*checked', page)
    assert checked == [str(reason.pk)]


def test_a_report_reached_with_k_that_another_moderator_now_holds_says_so(mod_client):
    first, second = queue(2)
    mod_client.get(DESK)
    post(mod_client, SKIP, {"complaint": first.pk})
    other = staff("Moderator", "mona")
    assert desk.desk_next(moderator=other) == first.pk
    response = post(mod_client, PREVIOUS, HTTP_ACCEPT_LANGUAGE="en")
    assert shown(response) == first.pk
    assert "Someone else is moderating this report" in response.content.decode()
    response = post(mod_client, decide_url(first.pk), decision_data(first, "publish"))
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING
    assert shown(response) == second.pk


def test_the_desk_counts_a_long_queue_only_up_to_its_cap(mod_client, monkeypatch):
    """An exact count of a viral week's queue on every decision would cost more than the
    decision (review finding): beyond the cap the desk says "more than"."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    ComplaintFactory.create_batch(4)
    page = mod_client.get(DESK, HTTP_ACCEPT_LANGUAGE="en")
    assert "more than 2 reports pending" in page.content.decode()


def test_deciding_again_as_it_already_was_records_nothing_and_offers_no_undo(mod_client):
    """k back to a report someone else published, p: nothing changes, the desk says so, and u
    afterwards undoes nothing of another report (review finding)."""
    first, second, _third = queue(3)
    mod_client.get(DESK)
    post(mod_client, decide_url(first.pk), decision_data(first, "spam"))
    organizer = staff("Organizer", "olga")
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=second.pk),
        status=Status.PUBLISHED,
        moderator=organizer,
        via=ModerationDecision.Via.DESK,
    )
    data = decision_data(second, "publish", status_shown=Status.PUBLISHED)
    response = post(mod_client, decide_url(second.pk), data, HTTP_ACCEPT_LANGUAGE="en")
    assert "already has that decision" in message(response)
    assert ModerationDecision.objects.filter(complaint=second).count() == 1
    post(mod_client, UNDO)  # undoes the spam on the first, the moderator's own last decision
    assert Complaint.objects.get(pk=first.pk).status == Status.PENDING
    assert Complaint.objects.get(pk=second.pk).status == Status.PUBLISHED


def test_going_back_frees_the_report_left_for_the_others(mod_client, moderator):
    first, second = queue(2)
    mod_client.get(DESK)
    post(mod_client, SKIP, {"complaint": first.pk})
    assert Complaint.objects.get(pk=second.pk).desk_claimed_by == moderator
    assert shown(post(mod_client, PREVIOUS)) == first.pk
    assert Complaint.objects.get(pk=second.pk).desk_claimed_by is None
    assert Complaint.objects.get(pk=first.pk).desk_claimed_by == moderator
