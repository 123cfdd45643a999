"""The moderation queue (issue 18, parts 2-4): rejection reasons with their counts, the queue's
text column, order and filters, bulk decisions asked once more, the decisions' list, and the
counts on the back office's index for each role."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ModerationDecision, RejectionReason, Status
from complaints.moderation import bulk

from .factories import ComplaintFactory, UserFactory
from .helpers import bulk_confirmed

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/complaints/complaint/"
REASONS = "/admin/complaints/rejectionreason/"
DECISIONS = "/admin/complaints/moderationdecision/"


def client_for(role: str, username: str | None = None) -> Client:
    user = UserFactory(username=username or role.lower(), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    # In English: the new strings are translated by the lead after these tests were written.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def organizer_role():
    return client_for("Organizer", "olga")


@pytest.fixture
def moderator_role():
    return client_for("Moderator", "mona")


def reason(name_en: str) -> RejectionReason:
    return RejectionReason.objects.get(name_en=name_en)


def listed(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def reject(complaints, why: str, by) -> None:
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk__in=[c.pk for c in complaints]),
        status=Status.REJECTED,
        moderator=by,
        reason=reason(why),
    )


# -- reasons ----------------------------------------------------------------------------------


def test_the_reasons_list_counts_rejections_sorts_by_them_and_links_to_them(organizer_role):
    reject(ComplaintFactory.create_batch(3), "Test", organizer_role.user)
    reject([ComplaintFactory()], "Not in Germany", organizer_role.user)
    response = organizer_role.get(REASONS)
    assert response.status_code == 200
    counts = {r.name_en: r.rejection_count for r in response.context["cl"].result_list}
    assert counts["Test"] == 3 and counts["Not in Germany"] == 1
    assert counts["Reported twice"] == 0
    # Sorted by the count, most used first (the column's own sort link).
    column = response.context["cl"].list_display.index("rejections")
    by_count = organizer_role.get(REASONS, {"o": f"-{column}"})
    assert [r.name_en for r in by_count.context["cl"].result_list][:2] == ["Test", "Not in Germany"]
    # The count links to the queue of those rejections.
    link = re.search(r'href="([^"]+)">3</a>', response.content.decode()).group(1)
    queue = organizer_role.get(link.replace("&amp;", "&"))
    assert queue.status_code == 200
    assert len(listed(queue)) == 3


def test_organizers_add_reorder_and_deactivate_reasons(organizer_role):
    response = organizer_role.post(
        f"{REASONS}add/",
        {"name_de": "Werbung", "name_en": "Advertising", "position": 5, "is_active": "on"},
    )
    assert response.status_code == 302
    added = reason("Advertising")
    response = organizer_role.post(
        f"{REASONS}{added.pk}/change/",
        {"name_de": "Werbung", "name_en": "Advertising", "position": 70},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.position == 70 and added.is_active is False


def test_moderators_read_the_reasons_but_change_nothing(moderator_role):
    test = reason("Test")
    response = moderator_role.get(REASONS)
    assert response.status_code == 200
    assert b'name="form-0-position"' not in response.content  # no editable list
    assert moderator_role.get(f"{REASONS}add/").status_code == 403
    moderator_role.post(
        f"{REASONS}{test.pk}/change/", {"name_de": "X", "name_en": "X", "position": 1}
    )
    assert moderator_role.post(f"{REASONS}{test.pk}/delete/", {"post": "yes"}).status_code == 403
    test.refresh_from_db()
    assert test.name_en == "Test"


def test_a_used_reason_is_not_deleted_and_the_page_says_why(organizer_role):
    used = reason("Test")
    reject([ComplaintFactory()], "Test", organizer_role.user)
    page = organizer_role.get(f"{REASONS}{used.pk}/delete/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 rejected report has this reason." in text
    assert "Deactivate it instead" in text
    response = organizer_role.post(f"{REASONS}{used.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the same refusal, no 500
    # The list's bulk deletion refuses it the same way.
    response = organizer_role.post(
        REASONS, {"action": "delete_selected", "_selected_action": [used.pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert RejectionReason.objects.filter(pk=used.pk).exists()
    # An unused one goes.
    unused = reason("Not in Germany")
    assert organizer_role.post(f"{REASONS}{unused.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not RejectionReason.objects.filter(pk=unused.pk).exists()


# -- the change page ----------------------------------------------------------------------------


def test_the_change_page_offers_active_reasons_and_the_reports_own(organizer_role):
    offensive = reason("Offensive or off topic")
    complaint = ComplaintFactory()
    reject([complaint], "Offensive or off topic", organizer_role.user)
    RejectionReason.objects.filter(pk__in=[offensive.pk, reason("Test").pk]).update(is_active=False)
    other = ComplaintFactory()
    url = f"{CHANGELIST}{{}}/change/"
    own = organizer_role.get(url.format(complaint.pk)).context["adminform"].form
    offered = {r.name_en for r in own.fields["rejection_reason"].queryset}
    assert "Offensive or off topic" in offered and "Test" not in offered
    fresh = organizer_role.get(url.format(other.pk)).context["adminform"].form
    offered = {r.name_en for r in fresh.fields["rejection_reason"].queryset}
    assert "Offensive or off topic" not in offered and "Reported twice" in offered


@pytest.mark.parametrize("bad", ["", "abc", "99999999999999999999", "1.5"])
def test_rejecting_on_the_change_page_needs_a_reason_that_is_one(organizer_role, bad):
    complaint = ComplaintFactory(problems=["no-data"])
    url = f"{CHANGELIST}{complaint.pk}/change/"
    form = organizer_role.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(status="rejected", rejection_reason=bad, problems=[complaint.problems.get().pk])
    response = organizer_role.post(url, data)
    assert response.status_code == 200
    assert "rejection_reason" in response.context["adminform"].form.errors
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING


def test_a_rule_decision_shows_the_rules_name_on_the_page_and_in_the_list(organizer_role):
    complaint = ComplaintFactory()
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=complaint.pk),
        status=Status.PUBLISHED,
        rule="Ohne Text",
        via=ModerationDecision.Via.RULE,
    )
    page = organizer_role.get(f"{CHANGELIST}{complaint.pk}/change/").content.decode()
    assert "field-moderated_by_rule" in page and "Ohne Text" in page
    row = organizer_role.get(CHANGELIST, {"status": "published"}).content.decode()
    assert re.search(r'class="field-decided_by">[^<]*Ohne Text', row)


# -- the queue ----------------------------------------------------------------------------------


def test_the_queue_is_oldest_first_with_the_redacted_text_shortened(moderator_role):
    now = timezone.now()
    newer = ComplaintFactory(submitted_at=now - datetime.timedelta(hours=1))
    long_text = "Kein Netz am Bahnhof. " * 20
    older = ComplaintFactory(submitted_at=now - datetime.timedelta(days=2), description=long_text)
    response = moderator_role.get(CHANGELIST)
    assert listed(response) == [older.pk, newer.pk]
    cell = re.search(r'<td class="field-text">(.*?)</td>', response.content.decode()).group(1)
    shown = re.search(r">([^<]*)</span>", cell).group(1)
    assert shown.startswith("Kein Netz am Bahnhof.") and len(shown) <= 120
    assert f'title="{older.description_redacted}"' in cell
    # And the way to the desk, one report at a time.
    assert 'id="desk-link"' in response.content.decode()


@pytest.mark.parametrize(
    ("parameter", "field", "yes_value", "no_value"),
    [
        ("described", "description", "Kein Netz", ""),
        ("imported", "imported", True, False),
        ("confirmed", "email_confirmed_at", timezone.now(), None),
    ],
)
def test_the_queue_filters_yes_and_no_for_a_moderator(
    moderator_role, parameter, field, yes_value, no_value
):
    yes = ComplaintFactory(**{field: yes_value})
    no = ComplaintFactory(**{field: no_value})
    assert listed(moderator_role.get(CHANGELIST, {parameter: "yes"})) == [yes.pk]
    assert listed(moderator_role.get(CHANGELIST, {parameter: "no"})) == [no.pk]
    assert set(listed(moderator_role.get(CHANGELIST, {parameter: "hmm"}))) == {yes.pk, no.pk}
    # The filter is offered on the page (and so allowed by the back office's hardening).
    offered = moderator_role.get(CHANGELIST).context["cl"].filter_specs
    assert parameter in {getattr(spec, "parameter_name", None) for spec in offered}


def test_when_an_email_was_confirmed_stays_hidden_from_a_moderator(moderator_role):
    ComplaintFactory(email_confirmed_at=timezone.now())
    assert (
        moderator_role.get(CHANGELIST, {"email_confirmed_at__isnull": "False"}).status_code == 400
    )


def test_the_duplicate_and_reason_filters(organizer_role):
    original = ComplaintFactory()
    twice = ComplaintFactory(duplicate_of=original)
    ComplaintFactory()
    # Either way: the repeat and the report it may repeat (as the rules and the index count).
    listed_pair = listed(organizer_role.get(CHANGELIST, {"duplicate": "yes"}))
    assert sorted(listed_pair) == sorted([original.pk, twice.pk])
    tested = ComplaintFactory()
    reject([tested], "Test", organizer_role.user)
    reject([ComplaintFactory()], "Not in Germany", organizer_role.user)
    response = organizer_role.get(CHANGELIST, {"status": "rejected", "reason": reason("Test").pk})
    assert listed(response) == [tested.pk]
    # The reason filter's own links show the rejected reports of that reason.
    spec = next(s for s in response.context["cl"].filter_specs if s.title == "rejection reason")
    choice = next(c for c in spec.choices(response.context["cl"]) if c["display"] == "Test")
    assert listed(organizer_role.get(CHANGELIST + choice["query_string"])) == [tested.pk]


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999", "-1", "1.5", "１"])  # noqa: RUF001
def test_a_reason_filter_value_that_is_no_id_lists_nothing(organizer_role, bad):
    reject([ComplaintFactory()], "Test", organizer_role.user)
    response = organizer_role.get(CHANGELIST, {"status": "rejected", "reason": bad})
    assert response.status_code == 200 and listed(response) == []


def test_a_moderator_sees_no_personal_data_in_the_queue_nor_on_the_confirmation(moderator_role):
    complaint = ComplaintFactory(
        email="secret@example.org",
        description="Ruf mich an: 0170 1234567, Hamlet Dänemark",
        followup_comment="Privatsache",
        ip_hash="a1" * 32,
        network_hash="b2" * 32,
        email_domain_hash="c3" * 32,
        email_confirmed_at=timezone.now(),
    )
    secrets = [
        "secret@example.org",
        complaint.reference,
        "0170 1234567",
        "Privatsache",
        complaint.ip_hash,
        complaint.network_hash,
        complaint.email_domain_hash,
    ]
    pages = [
        moderator_role.get(CHANGELIST),
        moderator_role.get(CHANGELIST, {"confirmed": "yes"}),
        moderator_role.post(CHANGELIST, {"action": "publish", "_selected_action": [complaint.pk]}),
        moderator_role.post(CHANGELIST, {"action": "reject", "_selected_action": [complaint.pk]}),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert complaint.description_redacted in html or "confirm-form" not in html
        for secret in secrets:
            assert secret not in html


# -- bulk decisions -----------------------------------------------------------------------------


def confirmation_items(response) -> list[str]:
    """The reports the confirmation page lists, as HTML, one per report."""
    parts = response.content.decode().split("<li data-complaint=")[1:]
    return [part.split("</li>")[0] for part in parts]


def test_publishing_shows_the_texts_and_stores_nothing_before_yes(organizer_role):
    chosen = [
        ComplaintFactory(description="Funkloch am Markt", city="Köln", district="Ehrenfeld"),
        ComplaintFactory(description="", city="Passau", district="", problems=["sms"]),
    ]
    ComplaintFactory(description="Nicht ausgewählt")
    page = organizer_role.post(
        CHANGELIST, {"action": "publish", "_selected_action": [c.pk for c in chosen]}
    )
    first, second = confirmation_items(page)
    assert "Funkloch am Markt" in first
    assert "Köln, Ehrenfeld" in first
    assert "Passau" in second
    assert "SMS" in second
    assert "(no description)" in second
    assert "Yes, publish 2" in page.content.decode()
    assert Complaint.objects.filter(status=Status.PENDING).count() == 3
    assert not ModerationDecision.objects.exists()


def test_yes_publishes_the_selection_by_this_person_from_the_list(organizer_role):
    chosen = ComplaintFactory.create_batch(2)
    other = ComplaintFactory()
    selection = {"action": "publish", "_selected_action": [c.pk for c in chosen]}
    response = organizer_role.post(
        CHANGELIST, bulk_confirmed(organizer_role, selection), follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["2 complaints published."]
    published = Complaint.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True)
    assert sorted(published) == [c.pk for c in chosen]
    other.refresh_from_db()
    assert other.status == Status.PENDING
    decisions = ModerationDecision.objects.all()
    assert {(d.via, d.moderator_id) for d in decisions} == {("list", organizer_role.user.pk)}


def test_a_large_selection_lists_the_first_and_counts_the_rest(organizer_role, monkeypatch):
    monkeypatch.setattr(bulk, "CONFIRM_SHOWN", 2)
    chosen = ComplaintFactory.create_batch(5, description="Kein Empfang")
    page = organizer_role.post(
        CHANGELIST, {"action": "mark_spam", "_selected_action": [c.pk for c in chosen]}
    )
    html = page.content.decode()
    assert html.count("<li data-complaint=") == 2
    assert re.search(r'id="confirm-more">[^<]*3 more reports', html)
    assert "Yes, mark 5 as spam" in html
    assert Complaint.objects.filter(status=Status.SPAM).count() == 0


def test_selecting_all_across_pages_is_confirmed_too(organizer_role):
    everything = ComplaintFactory.create_batch(3)
    first = {"action": "publish", "_selected_action": [everything[0].pk], "select_across": "1"}
    page = organizer_role.post(CHANGELIST, first)
    assert 'name="select_across" value="1"' in page.content.decode()
    assert "Yes, publish 3" in page.content.decode()
    organizer_role.post(CHANGELIST, bulk_confirmed(organizer_role, first))
    assert Complaint.objects.filter(status=Status.PUBLISHED).count() == 3


def test_yes_decides_only_what_the_page_showed(organizer_role):
    """A report that arrives between the confirmation page and "Yes" is not published unseen;
    one decided by someone else meanwhile changes the count, and the page is shown again."""
    shown = ComplaintFactory.create_batch(3)
    everything = {"action": "publish", "_selected_action": [shown[0].pk], "select_across": "1"}
    yes = bulk_confirmed(organizer_role, everything)
    assert yes["shown_count"] == "3"
    late = ComplaintFactory(description="Seit gestern kein Netz, niemand hat das gelesen")
    organizer_role.post(CHANGELIST, yes)
    late.refresh_from_db()
    assert late.status == Status.PENDING
    assert Complaint.objects.filter(status=Status.PUBLISHED).count() == 3

    again = ComplaintFactory.create_batch(2)
    yes = bulk_confirmed(
        organizer_role, {"action": "mark_spam", "_selected_action": [a.pk for a in again]}
    )
    Complaint.objects.filter(pk=again[0].pk).update(
        status=Status.PUBLISHED, moderated_at=timezone.now()
    )
    page = organizer_role.post(CHANGELIST, yes)
    assert page.status_code == 200
    assert "The selection has changed since it was shown" in page.content.decode()
    assert "Yes, mark 1 as spam" in page.content.decode()
    assert not Complaint.objects.filter(status=Status.SPAM).exists()


@pytest.mark.parametrize("given", [None, "", "abc", "99999999999999999999", "inactive"])
def test_a_bulk_rejection_needs_an_active_reason(organizer_role, given):
    chosen = ComplaintFactory.create_batch(2)
    selection = {"action": "reject", "_selected_action": [c.pk for c in chosen], "confirm": "yes"}
    if given == "inactive":
        RejectionReason.objects.filter(name_en="Test").update(is_active=False)
        given = reason("Test").pk
    if given is not None:
        selection["reason"] = given
    response = organizer_role.post(CHANGELIST, selection)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert Complaint.objects.filter(status=Status.PENDING).count() == 2


def test_a_bulk_rejection_records_its_reason(moderator_role):
    chosen = ComplaintFactory.create_batch(2)
    page = moderator_role.post(
        CHANGELIST, {"action": "reject", "_selected_action": [c.pk for c in chosen]}
    )
    assert 'name="reason"' in page.content.decode()
    twice = reason("Reported twice")
    moderator_role.post(
        CHANGELIST,
        bulk_confirmed(
            moderator_role,
            {"action": "reject", "_selected_action": [c.pk for c in chosen], "reason": twice.pk},
        ),
    )
    for complaint in chosen:
        complaint.refresh_from_db()
        assert (complaint.status, complaint.rejection_reason) == (Status.REJECTED, twice)
    assert ModerationDecision.objects.filter(reason=twice, via="list").count() == 2


# -- the decisions' list ------------------------------------------------------------------------


def test_organizers_read_the_decisions_and_moderators_do_not(organizer_role, moderator_role):
    complaint = ComplaintFactory()
    reject([complaint], "Test", moderator_role.user)
    response = organizer_role.get(DECISIONS)
    assert response.status_code == 200
    html = response.content.decode()
    assert f">#{complaint.pk}<" in html and "mona" in html
    assert organizer_role.get(DECISIONS, {"via__exact": "list", "rule": "-"}).status_code == 200
    decision = ModerationDecision.objects.get()
    shown = organizer_role.get(f"{DECISIONS}{decision.pk}/change/")
    assert shown.status_code == 200 and f">#{complaint.pk}<" in shown.content.decode()
    assert (
        organizer_role.post(f"{DECISIONS}{decision.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert moderator_role.get(DECISIONS).status_code == 403


# -- the index ----------------------------------------------------------------------------------


def index_counts(client) -> dict[str, tuple[int, str]]:
    """The index's counts as shown: {key: (count, link)}."""
    html = client.get("/admin/").content.decode()
    rows = re.findall(
        r'<tr id="count-(\w+)" data-count="(\d+)">\s*<th scope="row">(?:<a href="([^"]*)">)?',
        html,
    )
    return {key: (int(count), link.replace("&amp;", "&")) for key, count, link in rows}


def a_day_of_moderation(by):
    now = timezone.now()
    ComplaintFactory.create_batch(3)
    ComplaintFactory(duplicate_of=ComplaintFactory(), city="Nirgendwo am See")
    ComplaintFactory(city="Nirgendwo am See", status=Status.PUBLISHED)
    ComplaintFactory(city="Irgendwo im Moor", status=Status.PUBLISHED)
    ComplaintFactory(city="Spamhausen", status=Status.SPAM)
    decided = ComplaintFactory.create_batch(3)
    reject(decided, "Test", by)
    undone = ModerationDecision.objects.filter(complaint=decided[0]).get()
    services.decision_undo(decision=undone, moderator=by)
    # Yesterday's decision is not today's.
    ModerationDecision.objects.filter(complaint=decided[1]).update(
        decided_at=now - datetime.timedelta(days=2)
    )


def test_the_index_shows_an_organizer_the_counts_with_their_lists(organizer_role):
    a_day_of_moderation(organizer_role.user)
    counts = index_counts(organizer_role)
    assert {key: count for key, (count, _link) in counts.items()} == {
        "pending": 6,  # 3, the duplicate and its original, the undone rejection
        "decided": 1,
        "unmatched": 2,  # Nirgendwo am See, Irgendwo im Moor (spam does not count)
        "duplicates": 2,  # the duplicate and its original
    }
    assert len(listed(organizer_role.get(counts["pending"][1]))) == 6
    assert len(listed(organizer_role.get(counts["duplicates"][1]))) == 2
    decided = organizer_role.get(counts["decided"][1])
    assert decided.status_code == 200 and len(listed(decided)) == 1
    unmatched = organizer_role.get(counts["unmatched"][1])
    assert unmatched.status_code == 200 and "Nirgendwo am See" in unmatched.content.decode()
    assert 'id="desk-link"' in organizer_role.get("/admin/").content.decode()


def test_the_index_shows_a_moderator_the_counts_without_the_decisions_list(moderator_role):
    a_day_of_moderation(moderator_role.user)
    counts = index_counts(moderator_role)
    assert counts["pending"][0] == 6 and counts["decided"] == (1, "")
    assert moderator_role.get(counts["unmatched"][1]).status_code == 200
    assert 'id="desk-link"' in moderator_role.get("/admin/").content.decode()


def test_a_carrier_sees_no_counts(organizer_role):
    a_day_of_moderation(organizer_role.user)
    carrier = client_for("Carrier", "carla")
    html = carrier.get("/admin/").content.decode()
    assert "moderation-module" not in html and 'id="count-' not in html


def test_the_index_counts_in_a_few_queries_without_counting_the_whole_table(organizer_role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a_day_of_moderation(organizer_role.user)
    organizer_role.get("/admin/")
    with CaptureQueriesContext(connection) as ctx:
        organizer_role.get("/admin/")
    counting = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 4  # pending and duplicates (each capped), decided, unmatched
    assert all("WHERE" in sql for sql in counting)


def test_a_long_queue_is_counted_up_to_a_cap(organizer_role, monkeypatch):
    from complaints.moderation import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    ComplaintFactory.create_batch(4)
    html = organizer_role.get("/admin/").content.decode()
    cell = re.search(r'id="count-pending".*?class="moderation-count">([^<]*)<', html, re.S)
    assert cell.group(1) == "more than 2"


def test_a_long_queue_list_says_more_than_the_cap(organizer_role, monkeypatch):
    from complaints.moderation import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    ComplaintFactory.create_batch(4, city="Köln")
    html = organizer_role.get(CHANGELIST).content.decode()
    assert "more than 2 complaints" in html
    assert "Select all (more than 2)" in html
    searched = organizer_role.get(CHANGELIST, {"q": "Köln"}).content.decode()
    assert "more than 2 results" in searched
    # A short queue is counted exactly, as before.
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    assert "4 complaints" in organizer_role.get(CHANGELIST).content.decode()
